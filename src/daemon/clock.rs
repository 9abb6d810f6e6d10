//! The daemon's clock: the only place that reads the time, so that the rest
//! of the daemon takes instants as parameters. `--clock-file FILE` makes it
//! read the instant (RFC 3339) from a file instead, polled every 100 ms, so
//! that tests and benchmarks can move time (TSIG times and log timestamps
//! still use the system clock).

use std::path::PathBuf;
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
    File(PathBuf),
}

impl Clock {
    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::File(path) => cautery_seeds::read_bounded_text(path, &CLOCK_FILE)
                .ok()
                .and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok())
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(Utc::now),
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
        let now = Clock::File(path).now();
        assert_eq!(now.to_rfc3339(), "2030-01-02T03:04:05+00:00");
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
        let now = Clock::File(zero).now();
        assert!(now >= before && now <= Utc::now(), "{now}");
    }
}
