//! Spool files: where batches of events wait on local disk while the store
//! is down (PostgreSQL unreachable, a SQLite file on a full disk), so that
//! neither an outage nor a restart during one loses them.
//!
//! One file per batch in the spool folder, named by a sequence number and
//! the batch's id (`00000000000000000042-<32 hex digits>.events`), one
//! event per line as JSON. A batch is written to a temporary name, synced,
//! then renamed, so a crash leaves either the whole batch or none of it.
//! Batches are replayed oldest first and a file is removed only after the
//! store took its batch, so a crash during replay never loses it; the
//! batch id lets the store skip what it already holds (see
//! [`crate::batch`]), so neither is it stored twice.
//!
//! A file that cannot be read back (damaged on disk, or written by a
//! version whose events this one cannot read) is renamed to `*.bad` and
//! reported, never deleted: an operator can still look at it.
//!
//! Known limitations: files of a version without batch ids
//! (`00000000000000000042.events`) are still replayed, under a fresh id, so
//! for them a replay after a crash is not detected; files are read whole,
//! so a spool batch is bounded by the writer's batch size, not here.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::batch::BatchId;
use crate::event::Event;

/// What can go wrong with the spool.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SpoolError {
    /// The folder or a file could not be read or written.
    #[error("spool {path}: {source}")]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// A spool file could not be read back; it was renamed to `*.bad`.
    #[error(
        "spool file {path} line {line} cannot be read back ({message}); it was kept as {kept}, look at it or remove it"
    )]
    Damaged {
        /// The file as it was named.
        path: PathBuf,
        /// Line of the first unreadable event, from 1.
        line: usize,
        /// What was wrong.
        message: String,
        /// Where the file is now.
        kept: PathBuf,
    },
}

/// The suffix of complete spool files.
const SUFFIX: &str = "events";

/// A folder of waiting batches, oldest first.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    /// The files present, oldest first.
    files: std::collections::VecDeque<SpoolFile>,
    /// Sequence number of the next batch written.
    next: u64,
    /// The id given to the oldest file when it has none in its name.
    unnamed: Option<(u64, BatchId)>,
}

/// One waiting batch: its sequence number and its id (none in files of a
/// version without batch ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct SpoolFile {
    number: u64,
    batch: Option<BatchId>,
}

impl SpoolFile {
    /// The file named `name`, if it is a complete spool file.
    fn parse(name: &str) -> Option<SpoolFile> {
        let stem = name.strip_suffix(&format!(".{SUFFIX}"))?;
        let (number, batch) = match stem.split_once('-') {
            Some((number, batch)) => (number, Some(batch.parse().ok()?)),
            None => (stem, None),
        };
        Some(SpoolFile {
            number: number.parse().ok()?,
            batch,
        })
    }

    fn name(&self) -> String {
        match self.batch {
            Some(batch) => format!("{:020}-{batch}.{SUFFIX}", self.number),
            None => format!("{:020}.{SUFFIX}", self.number),
        }
    }
}

impl Spool {
    /// Opens (creating) the spool folder and finds the batches that an
    /// earlier run left; half-written temporary files are removed.
    pub fn open(dir: &Path) -> Result<Spool, SpoolError> {
        let io_error = |source| SpoolError::Io {
            path: dir.to_path_buf(),
            source,
        };
        fs::create_dir_all(dir).map_err(io_error)?;
        let mut files = Vec::new();
        for entry in fs::read_dir(dir).map_err(io_error)? {
            let entry = entry.map_err(io_error)?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.ends_with(".tmp") {
                // A batch whose writing did not finish: it was never
                // acknowledged as spooled, the writer kept it in memory.
                let _ = fs::remove_file(entry.path());
                continue;
            }
            if let Some(file) = SpoolFile::parse(name) {
                files.push(file);
            }
        }
        files.sort_unstable();
        let next = files.last().map_or(0, |last| last.number + 1);
        Ok(Spool {
            dir: dir.to_path_buf(),
            files: files.into(),
            next,
            unnamed: None,
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether no batch is waiting.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Batches waiting.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    fn path_of(&self, file: SpoolFile) -> PathBuf {
        self.dir.join(file.name())
    }

    /// Writes batch `id` after those already waiting. On error nothing was
    /// spooled (the caller still holds the batch).
    pub fn push(&mut self, id: BatchId, batch: &[Event]) -> Result<(), SpoolError> {
        let file = SpoolFile {
            number: self.next,
            batch: Some(id),
        };
        let path = self.path_of(file);
        let temporary = path.with_extension("tmp");
        let io_error = |source| SpoolError::Io {
            path: temporary.clone(),
            source,
        };
        let written = (|| {
            let mut out = BufWriter::new(File::create(&temporary)?);
            for event in batch {
                serde_json::to_writer(&mut out, event).map_err(io::Error::other)?;
                out.write_all(b"\n")?;
            }
            let file = out.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            fs::rename(&temporary, &path)
        })();
        if let Err(error) = written {
            let _ = fs::remove_file(&temporary);
            return Err(io_error(error));
        }
        self.next += 1;
        self.files.push_back(file);
        Ok(())
    }

    /// Reads the oldest waiting batch and its id, without removing it. A
    /// damaged file is set aside (renamed `*.bad`) and reported as an
    /// error; the next call goes on with the following file. A file of a
    /// version without batch ids is given a new id, the same until it is
    /// popped.
    pub fn oldest(&mut self) -> Result<Option<(BatchId, Vec<Event>)>, SpoolError> {
        let Some(&file) = self.files.front() else {
            return Ok(None);
        };
        let id = match file.batch {
            Some(id) => id,
            None => match self.unnamed {
                Some((number, id)) if number == file.number => id,
                _ => {
                    let id = BatchId::random();
                    self.unnamed = Some((file.number, id));
                    id
                }
            },
        };
        let path = self.path_of(file);
        let file = File::open(&path).map_err(|source| SpoolError::Io {
            path: path.clone(),
            source,
        })?;
        let mut events = Vec::new();
        for (index, line) in BufReader::new(file).lines().enumerate() {
            let parsed = line
                .map_err(|e| e.to_string())
                .and_then(|line| serde_json::from_str::<Event>(&line).map_err(|e| e.to_string()));
            match parsed {
                Ok(event) => events.push(event),
                Err(message) => {
                    self.files.pop_front();
                    let kept = path.with_extension("bad");
                    let _ = fs::rename(&path, &kept);
                    return Err(SpoolError::Damaged {
                        path,
                        line: index + 1,
                        message,
                        kept,
                    });
                }
            }
        }
        Ok(Some((id, events)))
    }

    /// Removes the oldest batch, once the store took it.
    pub fn pop(&mut self) -> Result<(), SpoolError> {
        let Some(file) = self.files.pop_front() else {
            return Ok(());
        };
        let path = self.path_of(file);
        fs::remove_file(&path).map_err(|source| SpoolError::Io { path, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{dns_event, http_event};

    #[test]
    fn batches_come_back_in_order_with_their_ids_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let first = vec![dns_event("192.0.2.1:5353", "a.example", "A")];
        let second = vec![
            http_event("192.0.2.2:40000"),
            dns_event("[2001:db8::1]:53", "c.example", "AAAA"),
        ];
        let (one, two, three) = (BatchId::random(), BatchId::random(), BatchId::random());
        {
            let mut spool = Spool::open(dir.path()).unwrap();
            spool.push(one, &first).unwrap();
            spool.push(two, &second).unwrap();
            assert_eq!(spool.len(), 2);
        }
        // A new process finds both, oldest first, and numbers after them.
        let mut spool = Spool::open(dir.path()).unwrap();
        assert_eq!(spool.oldest().unwrap().unwrap(), (one, first.clone()));
        spool.pop().unwrap();
        spool.push(three, &first).unwrap();
        assert_eq!(spool.oldest().unwrap().unwrap(), (two, second));
        spool.pop().unwrap();
        assert_eq!(spool.oldest().unwrap().unwrap(), (three, first));
        spool.pop().unwrap();
        assert!(spool.is_empty());
        assert_eq!(spool.oldest().unwrap(), None);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// Files of the version before batch ids replay, in order, under an id
    /// that stays the same until they are popped.
    #[test]
    fn files_without_a_batch_id_still_replay() {
        let dir = tempfile::tempdir().unwrap();
        let old = vec![dns_event("192.0.2.1:5353", "a.example", "A")];
        let new = vec![http_event("192.0.2.2:40000")];
        let line = serde_json::to_string(&old[0]).unwrap();
        fs::write(
            dir.path().join("00000000000000000007.events"),
            format!("{line}\n"),
        )
        .unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        let id = BatchId::random();
        spool.push(id, &new).unwrap();
        let (given, events) = spool.oldest().unwrap().unwrap();
        assert_eq!(events, old);
        assert_eq!(
            spool.oldest().unwrap().unwrap().0,
            given,
            "the same id again"
        );
        spool.pop().unwrap();
        assert_eq!(spool.oldest().unwrap().unwrap(), (id, new));
        assert!(dir
            .path()
            .join(format!("00000000000000000008-{id}.events"))
            .exists());
    }

    #[test]
    fn a_damaged_file_is_kept_aside_and_the_next_batch_still_replays() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        let (bad, good_id) = (BatchId::random(), BatchId::random());
        spool
            .push(bad, &[dns_event("192.0.2.1:5353", "a.example", "A")])
            .unwrap();
        let good = vec![dns_event("192.0.2.3:5353", "b.example", "A")];
        spool.push(good_id, &good).unwrap();
        let damaged = spool.path_of(SpoolFile {
            number: 0,
            batch: Some(bad),
        });
        fs::write(&damaged, b"{\"time\":1,\"transport\"\n").unwrap();
        // A batch cut short by a crash before the rename is not a batch.
        fs::write(dir.path().join("00000000000000000009.tmp"), b"half").unwrap();

        let mut spool = Spool::open(dir.path()).unwrap();
        let error = spool.oldest().unwrap_err().to_string();
        assert!(
            error.contains("line 1") && error.contains(".bad"),
            "{error}"
        );
        assert!(damaged.with_extension("bad").exists());
        assert_eq!(spool.oldest().unwrap().unwrap(), (good_id, good));
        assert!(!dir.path().join("00000000000000000009.tmp").exists());
    }
}
