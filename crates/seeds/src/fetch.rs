//! Fetching one input over HTTP(S), bounded: a timeout on every request, a
//! limit on redirects and on the body's size. Blocking; a daemon runs it on
//! a blocking thread.

use std::time::Duration;

/// Limits of one fetch.
#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    /// The whole request, connection to last byte.
    pub timeout: Duration,
    /// Redirects followed before giving up (a loop ends here).
    pub max_redirects: u32,
    /// Largest body accepted, in bytes.
    pub max_body: u64,
}

impl Default for FetchLimits {
    fn default() -> FetchLimits {
        FetchLimits {
            timeout: Duration::from_secs(30),
            max_redirects: 5,
            max_body: 8 * 1024 * 1024,
        }
    }
}

/// A fetch that gave no usable body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}; keeping the last good input")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// No answer within the timeout.
    #[error("{url} did not answer within {seconds} s; keeping the last good input")]
    Timeout {
        /// The URL.
        url: String,
        /// The timeout.
        seconds: u64,
    },
    /// More redirects than allowed, usually a loop.
    #[error("{url} redirects more than {limit} times (a loop?); keeping the last good input")]
    Redirects {
        /// The URL.
        url: String,
        /// The limit.
        limit: u32,
    },
    /// The body is larger than allowed.
    #[error("{url} sent a body over {limit} bytes; refused, keeping the last good input")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// Any other transport failure (refused connection, TLS, bad URL).
    #[error("fetching {url} failed: {detail}")]
    Transport {
        /// The URL.
        url: String,
        /// What failed.
        detail: String,
    },
}

/// A body received with status 2xx.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL asked for.
    pub url: String,
    /// HTTP status.
    pub status: u16,
    /// Headers kept for the archive, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// Headers worth keeping as evidence of what was served and when.
const KEPT_HEADERS: [&str; 7] = [
    "date",
    "last-modified",
    "etag",
    "content-type",
    "content-length",
    "content-location",
    "server",
];

/// A reusable HTTP client with fixed limits.
#[derive(Debug, Clone)]
pub struct Fetcher {
    agent: ureq::Agent,
    limits: FetchLimits,
}

impl Fetcher {
    /// A client with these limits.
    pub fn new(limits: FetchLimits) -> Fetcher {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(limits.timeout))
            .max_redirects(limits.max_redirects)
            .http_status_as_error(false)
            .user_agent("cautery (DGA seed watcher)")
            .build();
        Fetcher {
            agent: config.into(),
            limits,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> FetchLimits {
        self.limits
    }

    /// Fetches `url`.
    pub fn fetch(&self, url: &str) -> Result<Fetched, FetchError> {
        let classify = |error: ureq::Error| match error {
            ureq::Error::Timeout(_) => FetchError::Timeout {
                url: url.to_owned(),
                seconds: self.limits.timeout.as_secs(),
            },
            ureq::Error::TooManyRedirects => FetchError::Redirects {
                url: url.to_owned(),
                limit: self.limits.max_redirects,
            },
            ureq::Error::BodyExceedsLimit(_) => FetchError::TooLarge {
                url: url.to_owned(),
                limit: self.limits.max_body,
            },
            ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => FetchError::Timeout {
                url: url.to_owned(),
                seconds: self.limits.timeout.as_secs(),
            },
            other => FetchError::Transport {
                url: url.to_owned(),
                detail: other.to_string(),
            },
        };
        let mut response = self.agent.get(url).call().map_err(classify)?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(FetchError::Status {
                url: url.to_owned(),
                status,
            });
        }
        let headers = response
            .headers()
            .iter()
            .filter(|(name, _)| KEPT_HEADERS.contains(&name.as_str()))
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(self.limits.max_body)
            .read_to_vec()
            .map_err(classify)?;
        Ok(Fetched {
            url: url.to_owned(),
            status,
            headers,
            body,
        })
    }
}

/// The host of `url` when it is a name reserved for documentation and
/// never a real source (RFC 2606 and RFC 6761: `.invalid`, `.example`,
/// `.test`, `example.com`/`.net`/`.org`): a family file whose `[source]
/// url` is such a name is a model that still needs the real page.
pub fn placeholder_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(_) => return None,
        None => host_port.split(':').next().unwrap_or(""),
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let reserved_tld = ["invalid", "example", "test"]
        .iter()
        .any(|tld| host == *tld || host.ends_with(&format!(".{tld}")));
    let reserved_domain = ["example.com", "example.net", "example.org"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")));
    (reserved_tld || reserved_domain).then_some(host)
}

#[cfg(test)]
mod placeholder_tests {
    use super::placeholder_host;

    #[test]
    fn reserved_names_are_placeholders() {
        assert_eq!(
            placeholder_host("https://news.example.invalid/").as_deref(),
            Some("news.example.invalid")
        );
        assert_eq!(
            placeholder_host("http://user@WWW.Example.COM.:8080/x?y").as_deref(),
            Some("www.example.com")
        );
        assert_eq!(
            placeholder_host("https://feeds.test/a").as_deref(),
            Some("feeds.test")
        );
    }

    #[test]
    fn real_and_loopback_hosts_are_not() {
        assert_eq!(placeholder_host("https://www.bbc.co.uk/news"), None);
        assert_eq!(placeholder_host("http://127.0.0.1:8080/page"), None);
        assert_eq!(placeholder_host("http://[::1]:8080/page"), None);
        assert_eq!(placeholder_host("https://notexample.com/"), None);
        assert_eq!(placeholder_host("https://example.community/"), None);
    }
}
