//! The daemon's clock: the only place that reads the time, so that the rest
//! of the daemon takes instants as parameters. `--clock-file FILE` makes it
//! read the instant (RFC 3339) from a file instead, polled every 100 ms, so
//! that tests and benchmarks can move time (TSIG times and log timestamps
//! still use the system clock).
//!
//! The sinkhole stamps every event with this clock. A clock file is read
//! again only when it changed (another inode, size or change time: tests
//! rewrite it by rename) or when the last read is [`REREAD`] old; otherwise
//! the instant read last is the answer, for one `stat` instead of an open,
//! a read and a close per event.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// A clock file holds one RFC 3339 instant.
const CLOCK_FILE: cautery_seeds::FileKind = cautery_seeds::FileKind {
    what: "clock file",
    limit: 4096,
    advice: "write one RFC 3339 instant",
};

/// Where the scheduler reads the time.
#[derive(Debug, Clone)]
pub enum Clock {
    /// The system clock.
    System,
    /// An instant written in a file.
    File(ClockFile),
}

/// The longest a clock file's instant is reused without reading the file,
/// even when its metadata look the same (a rewrite in place within one
/// tick of the file system's timestamps, with the same length).
const REREAD: Duration = Duration::from_millis(100);

/// A clock file and the last instant read from it whole. A file caught
/// while it is rewritten (empty or cut short) reads as that instant, not
/// as the system clock, so time never jumps to today and back.
#[derive(Debug, Clone)]
pub struct ClockFile {
    path: PathBuf,
    last: Arc<Mutex<LastRead>>,
    /// Times the file was read (tests).
    reads: Arc<AtomicU64>,
}

/// What the file said when it was last read, and what it looked like.
#[derive(Debug, Default)]
struct LastRead {
    instant: Option<DateTime<Utc>>,
    /// The file's identity and change marks at that read, and when it was.
    seen: Option<(Signature, Instant)>,
}

/// What changes when a clock file is rewritten, in place or by rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Signature {
    device: u64,
    inode: u64,
    size: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Signature {
    fn of(metadata: &std::fs::Metadata) -> Signature {
        Signature {
            device: metadata.dev(),
            inode: metadata.ino(),
            size: metadata.size(),
            modified: (metadata.mtime(), metadata.mtime_nsec()),
            changed: (metadata.ctime(), metadata.ctime_nsec()),
        }
    }
}

impl Clock {
    /// A clock that reads its instant from the file at `path`.
    pub fn file(path: PathBuf) -> Clock {
        Clock::File(ClockFile {
            path,
            last: Arc::default(),
            reads: Arc::default(),
        })
    }
}

impl ClockFile {
    /// The file's instant; while it cannot be read, the last one read, and
    /// the system clock before any was.
    fn now(&self) -> DateTime<Utc> {
        let signature = std::fs::metadata(&self.path)
            .ok()
            .map(|metadata| Signature::of(&metadata));
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let (Some(signature), Some((seen, at)), Some(instant)) =
            (signature, last.seen, last.instant)
        {
            if seen == signature && at.elapsed() < REREAD {
                return instant;
            }
        }
        self.reads.fetch_add(1, Ordering::Relaxed);
        let read = cautery_seeds::read_bounded_text(&self.path, &CLOCK_FILE)
            .ok()
            .and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok())
            .map(|t| t.with_timezone(&Utc));
        match read {
            Some(now) => {
                last.instant = Some(now);
                // A file changed between the stat and the read is read
                // again next time: its signature will differ.
                last.seen = signature.map(|signature| (signature, Instant::now()));
                now
            }
            None => {
                last.seen = None;
                last.instant.unwrap_or_else(Utc::now)
            }
        }
    }
}

impl Clock {
    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::File(file) => file.now(),
        }
    }

    /// How long to sleep before looking at the clock again, with the next
    /// change `due`: until then, but at most 30 s (the system clock may be
    /// stepped); a clock file is polled every 100 ms.
    pub fn wait(&self, due: Option<DateTime<Utc>>) -> Duration {
        match self {
            Clock::System => due
                .and_then(|due| (due - Utc::now()).to_std().ok())
                .unwrap_or_default()
                .min(Duration::from_secs(30)),
            Clock::File(_) => Duration::from_millis(100),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_file_sets_the_time() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("clock");
        std::fs::write(&path, "2030-01-02T03:04:05Z\n").expect("write");
        let now = Clock::file(path).now();
        assert_eq!(now.to_rfc3339(), "2030-01-02T03:04:05+00:00");
    }

    /// A test moving time rewrote the file while the daemon read it; the
    /// empty file read as the system clock, and events landed on today.
    #[test]
    fn a_clock_file_caught_mid_rewrite_keeps_its_last_instant() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("clock");
        std::fs::write(&path, "2030-01-02T03:04:05Z\n").expect("write");
        let clock = Clock::file(path.clone());
        assert_eq!(clock.now().to_rfc3339(), "2030-01-02T03:04:05+00:00");
        std::fs::write(&path, "").expect("truncate");
        assert_eq!(clock.now().to_rfc3339(), "2030-01-02T03:04:05+00:00");
        std::fs::write(&path, "2030-01-02T03:").expect("cut short");
        assert_eq!(clock.now().to_rfc3339(), "2030-01-02T03:04:05+00:00");
        std::fs::write(&path, "2030-01-03T00:00:00Z").expect("write");
        assert_eq!(clock.now().to_rfc3339(), "2030-01-03T00:00:00+00:00");
    }

    /// The sinkhole read the clock file for every event (four system calls
    /// each); an unchanged file is now read at most every REREAD, and a
    /// file rewritten by rename, as tests move time, is read at once.
    #[test]
    fn an_unchanged_clock_file_is_not_read_for_every_instant() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("clock");
        std::fs::write(&path, "2030-01-02T03:04:05Z\n").expect("write");
        let clock = Clock::file(path.clone());
        let Clock::File(file) = &clock else {
            unreachable!("a clock file")
        };
        let started = Instant::now();
        for _ in 0..1000 {
            assert_eq!(clock.now().to_rfc3339(), "2030-01-02T03:04:05+00:00");
        }
        let reads = file.reads.load(Ordering::Relaxed);
        let allowed = 1 + started.elapsed().as_millis() / REREAD.as_millis();
        assert!(
            u128::from(reads) <= allowed,
            "{reads} reads, {allowed} allowed"
        );
        let next = dir.path().join("clock.new");
        std::fs::write(&next, "2030-01-02T03:04:06Z\n").expect("write");
        std::fs::rename(&next, &path).expect("rename");
        assert_eq!(clock.now().to_rfc3339(), "2030-01-02T03:04:06+00:00");
        // Unreadable for a moment: the last instant, and read again after.
        std::fs::remove_file(&path).expect("remove");
        assert_eq!(clock.now().to_rfc3339(), "2030-01-02T03:04:06+00:00");
        std::fs::write(&path, "2030-01-02T03:04:07Z\n").expect("write");
        assert_eq!(clock.now().to_rfc3339(), "2030-01-02T03:04:07+00:00");
    }

    /// The clock file was read whole; a path to a file without end
    /// (/dev/zero reports a size of 0) stalled the scheduler while memory
    /// filled. Now at most 4 KiB are read and the system clock is used.
    #[test]
    fn an_endless_clock_file_falls_back_to_the_system_clock() {
        let zero = PathBuf::from("/dev/zero");
        if !zero.exists() {
            return;
        }
        let before = Utc::now();
        let now = Clock::file(zero).now();
        assert!(now >= before && now <= Utc::now(), "{now}");
    }
}
