//! The state directory's lock: one daemon per state directory. `serve`
//! takes an advisory lock (`flock`, exclusive, non-blocking) on
//! `cautery.lock` in the state directory and writes its process id there;
//! a second daemon pointed at the same directory is refused with that pid,
//! before it reads or writes any state file. The kernel drops the lock
//! when the process ends, however it ends, so a stale file never blocks a
//! restart.
//!
//! Known limitations: an advisory lock binds only programs that ask for it
//! (cautery does; an editor does not), and over NFS `flock` may be local to
//! one client.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rustix::fs::{flock, FlockOperation};

/// The lock file's name in the state directory.
pub const LOCK_FILE: &str = "cautery.lock";

/// The held lock; released when dropped or when the process ends.
#[derive(Debug)]
pub struct StateLock {
    _file: File,
    path: PathBuf,
}

impl StateLock {
    /// Creates `dir` if needed and locks it for this process, or says which
    /// process holds it.
    pub fn acquire(dir: &Path) -> Result<StateLock> {
        std::fs::create_dir_all(dir).with_context(|| {
            format!(
                "cannot create the state directory {}: create it, or set [server] state-dir to a writable folder",
                dir.display()
            )
        })?;
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        if flock(&file, FlockOperation::NonBlockingLockExclusive).is_err() {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let holder = if !holder.is_empty() && holder.bytes().all(|b| b.is_ascii_digit()) {
                format!("process {holder}")
            } else {
                "another process".to_string()
            };
            bail!(
                "the state directory {} is in use by another cautery serve ({holder}, lock {}); stop it, or give this daemon its own [server] state-dir",
                absolute(dir).display(),
                path.display()
            );
        }
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()))
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write the lock file {}", path.display()))?;
        Ok(StateLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `path` made absolute for a message, as far as that is possible.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_on_a_state_dir_names_the_holder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = StateLock::acquire(dir.path()).expect("first lock");
        let written = std::fs::read_to_string(first.path()).expect("lock file");
        assert_eq!(written.trim(), std::process::id().to_string());
        let error = StateLock::acquire(dir.path()).expect_err("second lock refused");
        let message = format!("{error:#}");
        assert!(
            message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");
        drop(first);
        StateLock::acquire(dir.path()).expect("free again once dropped");
    }
}
