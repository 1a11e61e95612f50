//! One change at a time: `grant`, `revoke` and `apply` each read the tree,
//! plan, and write; two of them at once would each write a byuid file made
//! from what they read, and the second rename would silently drop the
//! first one's lines. So each holds an exclusive lock on the configuration
//! folder itself (flock(2) on its descriptor: nothing is created in the
//! tree, and the lock goes with the process however it ends) from before
//! it reads until it has written.
//!
//! It serialises this tool only: an editor or a configuration-management
//! run that writes the files itself does not take it.

use crate::error::{AdminError, Result};
use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long to wait for another `authbind-policy` to finish.
const PATIENCE: Duration = Duration::from_secs(10);

/// Held while it lives.
pub struct TreeLock {
    _folder: File,
}

impl TreeLock {
    /// Waits (up to [`PATIENCE`]) for the configuration folder `root`.
    pub fn take(root: &Path) -> Result<TreeLock> {
        let folder = File::open(root).map_err(|e| AdminError::io(root.to_string_lossy(), &e))?;
        let start = Instant::now();
        loop {
            match folder.try_lock() {
                Ok(()) => return Ok(TreeLock { _folder: folder }),
                Err(TryLockError::WouldBlock) if start.elapsed() < PATIENCE => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(AdminError::Refused(format!(
                        "{}: another authbind-policy has been changing it for {} s; nothing was written (try again)",
                        root.display(),
                        PATIENCE.as_secs()
                    )))
                }
                Err(TryLockError::Error(e)) => return Err(AdminError::io(root.to_string_lossy(), &e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = TreeLock::take(dir.path()).unwrap();
        let path = dir.path().to_path_buf();
        let started = Instant::now();
        let second = std::thread::spawn(move || TreeLock::take(&path).map(|_| started.elapsed()));
        std::thread::sleep(Duration::from_millis(300));
        drop(first);
        let waited = second.join().unwrap().unwrap();
        assert!(
            waited >= Duration::from_millis(300),
            "took the lock after {waited:?}, while it was held"
        );
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            TreeLock::take(&dir.path().join("absent")),
            Err(AdminError::Io { .. })
        ));
    }
}
