//! Zone transfers over TLS (XoT, RFC 9103): the TLS configuration of the
//! listeners that serve the policy zones over TLS, from a certificate chain
//! and a private key in PEM files. The connections themselves are the TCP
//! connections of [`crate::server`] (same limits, same message path, TSIG
//! as over TCP), inside a TLS session that offers ALPN "dot" (RFC 9103
//! §7.1). TLS 1.2 and 1.3 are offered, as RFC 9103 §9 requires TLS 1.3 or
//! later and rustls negotiates 1.3 with every client that has it.
//!
//! Known limitation: no mutual TLS (client certificates); secondaries are
//! authorised by address and TSIG as over TCP.

use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::Error;

pub use rustls::ServerConfig;

/// ALPN protocol of DNS over TLS and XoT (RFC 7858, RFC 9103 §7.1).
pub const ALPN_DOT: &[u8] = b"dot";

/// The TLS configuration of a server with the chain in `certificate` and
/// the key in `key` (PEM files).
pub fn server_config(certificate: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, Error> {
    let bad = |path: &Path, reason: String| Error::Tls {
        path: path.to_path_buf(),
        reason,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(certificate)
        .map_err(|e| bad(certificate, e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(certificate, e.to_string()))?;
    if chain.is_empty() {
        return Err(bad(certificate, "no CERTIFICATE block in the file".into()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(certificate, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| bad(certificate, format!("certificate and key do not fit: {e}")))?;
    config.alpn_protocols = vec![ALPN_DOT.to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_that_are_not_a_certificate_and_key_are_named_in_the_error() {
        let dir = std::env::temp_dir().join(format!("cautery-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let garbage = dir.join("garbage.pem");
        std::fs::write(&garbage, "not PEM at all\n").unwrap();
        let missing = dir.join("missing.pem");
        for (certificate, key) in [(&garbage, &garbage), (&missing, &garbage)] {
            let error = server_config(certificate, key).unwrap_err().to_string();
            assert!(
                error.contains(&certificate.display().to_string()),
                "{error}"
            );
            assert!(error.contains("tls-certificate and tls-key"), "{error}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
