//! Reading local files that an operator names (a `--input` page, a family
//! file, a campaign, an allow-list), bounded like a fetched body: at most
//! the limit plus one byte is ever read, so a wrong path (a disk image,
//! `/dev/zero`, a FIFO that never ends) fails with an error naming the file,
//! its limit and what to do, instead of filling memory. The size in the
//! file's metadata is not trusted: `/dev/zero` reports 0 bytes.

use std::io::Read;
use std::path::Path;

/// What a kind of local file is, how much of it is read and what to do
/// when it is larger.
#[derive(Debug, Clone, Copy)]
pub struct FileKind {
    /// What the file is, as the operator knows it, e.g. `--input` or
    /// `allow-list file`.
    pub what: &'static str,
    /// The most bytes read.
    pub limit: u64,
    /// What to do with a larger file, e.g. `pass a smaller extract`.
    pub advice: &'static str,
}

/// A local file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalFileError {
    /// Opening or reading failed.
    #[error("cannot read {what} {path}: {source}")]
    Unreadable {
        /// What the file is.
        what: &'static str,
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is over its kind's limit.
    #[error("{what} {path} is larger than {}, the limit for it; {advice}", size(*limit))]
    TooLarge {
        /// What the file is.
        what: &'static str,
        /// The file.
        path: String,
        /// The limit, in bytes.
        limit: u64,
        /// What to do.
        advice: &'static str,
    },
    /// The file should be text but is not UTF-8.
    #[error("{what} {path} is not UTF-8 text")]
    NotText {
        /// What the file is.
        what: &'static str,
        /// The file.
        path: String,
    },
}

/// A size for people: whole MiB or KiB when it is one, bytes otherwise.
fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes % KIB == 0 {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// The bytes of the file at `path`, if it holds at most `kind.limit`.
pub fn read_bounded(path: &Path, kind: &FileKind) -> Result<Vec<u8>, LocalFileError> {
    let unreadable = |source| LocalFileError::Unreadable {
        what: kind.what,
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    // The metadata's size only sizes the buffer; the read itself is bounded.
    let hint = file.metadata().map_or(0, |m| m.len()).min(kind.limit);
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    file.take(kind.limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > kind.limit {
        return Err(LocalFileError::TooLarge {
            what: kind.what,
            path: path.display().to_string(),
            limit: kind.limit,
            advice: kind.advice,
        });
    }
    Ok(bytes)
}

/// The text of the file at `path`, if it holds at most `kind.limit` bytes
/// of UTF-8.
pub fn read_bounded_text(path: &Path, kind: &FileKind) -> Result<String, LocalFileError> {
    String::from_utf8(read_bounded(path, kind)?).map_err(|_| LocalFileError::NotText {
        what: kind.what,
        path: path.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN: FileKind = FileKind {
        what: "test file",
        limit: 10,
        advice: "make it shorter",
    };

    fn file_of(dir: &tempfile::TempDir, len: usize) -> std::path::PathBuf {
        let path = dir.path().join(format!("{len}.txt"));
        std::fs::write(&path, "x".repeat(len)).expect("write");
        path
    }

    #[test]
    fn a_file_at_the_limit_is_read_whole() {
        let dir = tempfile::tempdir().expect("dir");
        for len in [0, 9, 10] {
            let bytes = read_bounded(&file_of(&dir, len), &TEN).expect("within the limit");
            assert_eq!(bytes.len(), len);
        }
    }

    #[test]
    fn a_file_one_byte_over_the_limit_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().expect("dir");
        let path = file_of(&dir, 11);
        let error = read_bounded(&path, &TEN).expect_err("over the limit");
        assert!(matches!(error, LocalFileError::TooLarge { limit: 10, .. }));
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("test file"), "{message}");
        assert!(message.contains("larger than 10 bytes"), "{message}");
        assert!(message.contains("make it shorter"), "{message}");
    }

    /// `/dev/zero` reports a size of 0 and never ends; reading it whole
    /// never returned.
    #[test]
    fn an_endless_file_stops_at_the_limit() {
        let zero = Path::new("/dev/zero");
        if !zero.exists() {
            return;
        }
        let error = read_bounded(zero, &TEN).expect_err("endless");
        assert!(matches!(error, LocalFileError::TooLarge { .. }), "{error}");
    }

    #[test]
    fn missing_and_binary_files_are_clear_errors() {
        let dir = tempfile::tempdir().expect("dir");
        let missing = dir.path().join("missing.txt");
        let error = read_bounded(&missing, &TEN).expect_err("missing");
        assert!(matches!(error, LocalFileError::Unreadable { .. }));
        assert!(error.to_string().contains("missing.txt"), "{error}");
        let binary = dir.path().join("binary");
        std::fs::write(&binary, [0xff, 0xfe, 0]).expect("write");
        let error = read_bounded_text(&binary, &TEN).expect_err("not text");
        assert!(error.to_string().contains("not UTF-8"), "{error}");
        assert_eq!(read_bounded(&binary, &TEN).expect("bytes"), [0xff, 0xfe, 0]);
    }

    #[test]
    fn limits_read_as_sizes() {
        assert_eq!(size(256 * 1024 * 1024), "256 MiB");
        assert_eq!(size(64 * 1024), "64 KiB");
        assert_eq!(size(1536), "1536 bytes");
        assert_eq!(size(10), "10 bytes");
    }
}
