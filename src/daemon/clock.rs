//! The daemon's clock: the only place that reads the time, so that the rest
//! of the daemon takes instants as parameters. `--clock-file FILE` makes it
//! read the instant (RFC 3339) from a file instead, polled every 100 ms, so
//! that tests and benchmarks can move time (TSIG times and log timestamps
//! still use the system clock).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// A clock file and the last instant read from it whole. A file caught
/// while it is rewritten (empty or cut short) reads as that instant, not
/// as the system clock, so time never jumps to today and back.
#[derive(Debug, Clone)]
pub struct ClockFile {
    path: PathBuf,
    last: Arc<Mutex<Option<DateTime<Utc>>>>,
}

impl Clock {
    /// A clock that reads its instant from the file at `path`.
    pub fn file(path: PathBuf) -> Clock {
        Clock::File(ClockFile {
            path,
            last: Arc::new(Mutex::new(None)),
        })
    }
}

impl ClockFile {
    /// The file's instant; while it cannot be read, the last one read, and
    /// the system clock before any was.
    fn now(&self) -> DateTime<Utc> {
        let read = cautery_seeds::read_bounded_text(&self.path, &CLOCK_FILE)
            .ok()
            .and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok())
            .map(|t| t.with_timezone(&Utc));
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match read {
            Some(now) => {
                *last = Some(now);
                now
            }
            None => last.unwrap_or_else(Utc::now),
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
