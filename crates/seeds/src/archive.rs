//! The evidence archive: every fetched input stored content-addressed by
//! SHA-256 under a data directory, with a record of each fetch (URL, fetch
//! time in UTC, HTTP status, relevant headers).
//!
//! Layout under the data directory:
//!
//! - `objects/<sha256>`: an input's bytes, stored once however often it is
//!   fetched;
//! - `records/<sha256>.json`: one fetch, named by the SHA-256 of the record
//!   itself, so every stored file hashes to its name;
//! - `tmp/`: files being written.
//!
//! Inputs are evidence: nothing here modifies or deletes a stored file.
//! Writes go to a temporary file that is synced and then renamed into place,
//! so an interrupted fetch leaves at most a stray file under `tmp/`, never a
//! half-written object or record.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Something the archive could not do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    /// A file system operation failed.
    #[error("archive {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// No stored input has this hash or hash prefix.
    #[error("no archived input has hash {0} (cautery seed list shows them)")]
    NotFound(String),
    /// A hash prefix too short to look up.
    #[error("hash prefix '{0}' is too short: give at least 4 hex digits of the SHA-256 (cautery seed list shows them)")]
    ShortPrefix(String),
    /// A prefix matches more than one input.
    #[error("hash prefix {0} matches several inputs; give more digits")]
    Ambiguous(String),
    /// A stored file does not hash to its name.
    #[error("archived file {path} does not hash to its name: the archive is damaged")]
    Corrupt {
        /// The file.
        path: PathBuf,
    },
    /// A record does not parse.
    #[error("fetch record {path} is not valid: {detail}")]
    BadRecord {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ArchiveError + '_ {
    move |source| ArchiveError::Io {
        path: path.to_owned(),
        source,
    }
}

/// One fetch of an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchRecord {
    /// SHA-256 of the body, lower-case hex: the object's name.
    pub sha256: String,
    /// The source's name, e.g. `bedep`.
    pub source: String,
    /// The URL asked for.
    pub url: String,
    /// When the body was received (UTC, RFC 3339).
    pub fetched_at: DateTime<Utc>,
    /// HTTP status of the answer.
    pub status: u16,
    /// The headers worth keeping (date, last-modified, etag, content type
    /// and length, final location), lower-case names.
    pub headers: Vec<(String, String)>,
    /// Body size in bytes.
    pub size: u64,
}

/// What [`Archive::store`] did.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The record written.
    pub record: FetchRecord,
    /// False when the same bytes were already archived.
    pub new_content: bool,
}

/// The archive under one data directory.
#[derive(Debug, Clone)]
pub struct Archive {
    root: PathBuf,
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Archive {
    /// Opens (creating if needed) the archive under `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Archive, ArchiveError> {
        let archive = Archive { root: root.into() };
        for dir in ["objects", "records", "tmp"] {
            let path = archive.root.join(dir);
            fs::create_dir_all(&path).map_err(io(&path))?;
        }
        Ok(archive)
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn object_path(&self, hash: &str) -> PathBuf {
        self.root.join("objects").join(hash)
    }

    /// Stores `body` (once) and a record of this fetch.
    pub fn store(
        &self,
        body: &[u8],
        source: &str,
        url: &str,
        fetched_at: DateTime<Utc>,
        status: u16,
        headers: Vec<(String, String)>,
    ) -> Result<Stored, ArchiveError> {
        let hash = sha256_hex(body);
        let object = self.object_path(&hash);
        let new_content = !object.exists();
        if new_content {
            self.write_atomically(&object, body)?;
        }
        let record = FetchRecord {
            sha256: hash,
            source: source.to_owned(),
            url: url.to_owned(),
            fetched_at,
            status,
            headers,
            size: body.len() as u64,
        };
        let text = serde_json::to_vec_pretty(&record).map_err(|e| ArchiveError::BadRecord {
            path: self.root.join("records"),
            detail: e.to_string(),
        })?;
        let name = format!("{}.json", sha256_hex(&text));
        let path = self.root.join("records").join(name);
        if !path.exists() {
            self.write_atomically(&path, &text)?;
        }
        Ok(Stored {
            record,
            new_content,
        })
    }

    /// Writes `bytes` to a temporary file, syncs it, renames it to `path`
    /// and syncs the directory, so `path` is either absent or complete.
    fn write_atomically(&self, path: &Path, bytes: &[u8]) -> Result<(), ArchiveError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temporary = self
            .root
            .join("tmp")
            .join(format!("{name}.{}.partial", std::process::id()));
        {
            let mut file = fs::File::create(&temporary).map_err(io(&temporary))?;
            file.write_all(bytes).map_err(io(&temporary))?;
            file.sync_all().map_err(io(&temporary))?;
        }
        fs::rename(&temporary, path).map_err(io(path))?;
        if let Some(parent) = path.parent() {
            // Makes the rename itself durable; not every platform allows
            // opening a directory, and the data is safe either way.
            if let Ok(dir) = fs::File::open(parent) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }

    /// The full hash of the one stored input whose hash starts with
    /// `prefix` (at least 4 hex digits).
    pub fn resolve(&self, prefix: &str) -> Result<String, ArchiveError> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ArchiveError::NotFound(prefix));
        }
        if prefix.len() < 4 {
            return Err(ArchiveError::ShortPrefix(prefix));
        }
        let dir = self.root.join("objects");
        let mut found = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix) {
                found.push(name);
            }
        }
        match found.len() {
            0 => Err(ArchiveError::NotFound(prefix)),
            1 => Ok(found.remove(0)),
            _ => Err(ArchiveError::Ambiguous(prefix)),
        }
    }

    /// The bytes of a stored input, checked against their hash.
    pub fn read(&self, hash: &str) -> Result<Vec<u8>, ArchiveError> {
        let hash = self.resolve(hash)?;
        let path = self.object_path(&hash);
        let bytes = fs::read(&path).map_err(io(&path))?;
        if sha256_hex(&bytes) != hash {
            return Err(ArchiveError::Corrupt { path });
        }
        Ok(bytes)
    }

    /// Every fetch record, oldest first.
    pub fn records(&self) -> Result<Vec<FetchRecord>, ArchiveError> {
        let dir = self.root.join("records");
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io(&dir))? {
            let path = entry.map_err(io(&dir))?.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = fs::read(&path).map_err(io(&path))?;
            let record: FetchRecord =
                serde_json::from_slice(&text).map_err(|e| ArchiveError::BadRecord {
                    path: path.clone(),
                    detail: e.to_string(),
                })?;
            out.push(record);
        }
        out.sort_by(|a, b| {
            (a.fetched_at, &a.source, &a.sha256).cmp(&(b.fetched_at, &b.source, &b.sha256))
        });
        Ok(out)
    }

    /// Checks that every object and record hashes to its name; returns the
    /// files that do not.
    pub fn verify(&self) -> Result<Vec<PathBuf>, ArchiveError> {
        let mut bad = Vec::new();
        for (dir, suffix) in [("objects", ""), ("records", ".json")] {
            let dir = self.root.join(dir);
            for entry in fs::read_dir(&dir).map_err(io(&dir))? {
                let path = entry.map_err(io(&dir))?.path();
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let bytes = fs::read(&path).map_err(io(&path))?;
                if name.strip_suffix(suffix) != Some(sha256_hex(&bytes).as_str()) {
                    bad.push(path);
                }
            }
        }
        Ok(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    #[test]
    fn identical_content_is_stored_once_and_every_file_hashes_to_its_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let archive = Archive::open(dir.path()).expect("open");
        let first = archive
            .store(
                b"rates",
                "bedep",
                "http://x/",
                at("2026-01-01T00:00:00Z"),
                200,
                vec![],
            )
            .expect("store");
        let again = archive
            .store(
                b"rates",
                "bedep",
                "http://x/",
                at("2026-01-02T00:00:00Z"),
                200,
                vec![],
            )
            .expect("store");
        assert!(first.new_content);
        assert!(!again.new_content);
        assert_eq!(
            fs::read_dir(dir.path().join("objects"))
                .expect("dir")
                .count(),
            1
        );
        assert_eq!(archive.records().expect("records").len(), 2);
        assert!(archive.verify().expect("verify").is_empty());
        assert_eq!(
            archive.read(&first.record.sha256[..8]).expect("read"),
            b"rates"
        );
        assert_eq!(
            fs::read_dir(dir.path().join("tmp")).expect("dir").count(),
            0
        );
    }

    #[test]
    fn a_damaged_object_is_reported_not_served() {
        let dir = tempfile::tempdir().expect("tempdir");
        let archive = Archive::open(dir.path()).expect("open");
        let stored = archive
            .store(
                b"rates",
                "bedep",
                "http://x/",
                at("2026-01-01T00:00:00Z"),
                200,
                vec![],
            )
            .expect("store");
        let path = dir.path().join("objects").join(&stored.record.sha256);
        fs::write(&path, b"tampered").expect("write");
        assert!(matches!(
            archive.read(&stored.record.sha256),
            Err(ArchiveError::Corrupt { .. })
        ));
        assert_eq!(archive.verify().expect("verify"), vec![path]);
    }
}
