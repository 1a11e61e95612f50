//! One change at a time: `grant`, `revoke` and `apply` each read the tree,
//! plan, and write; two of them at once would each write a byuid file made
//! from what they read, and the second rename would silently drop the
//! first one's lines. So each holds an exclusive flock(2) from before it
//! reads until it has written (it goes with the process however it ends).
//!
//! As root, on a file only root may open (`/run/authbind/policy.lock`,
//! mode 0600, in the helper's 0700 folder): flock needs no more than an
//! open descriptor, so a lock on anything users may open (the
//! configuration folder, 0755) would let any user keep root's changes
//! out. Anyone else locks the configuration folder itself (theirs, if
//! they can change it at all).
//!
//! It serialises this tool only: an editor or a configuration-management
//! run that writes the files itself does not take it.

use crate::error::{AdminError, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long to wait for another `authbind-policy` to finish.
const PATIENCE: Duration = Duration::from_secs(10);

/// Held while it lives.
pub struct TreeLock {
    _file: File,
}

impl TreeLock {
    /// The lock for changes to the configuration folder `root`.
    pub fn for_tree(root: &Path) -> Result<TreeLock> {
        if nix::unistd::geteuid().is_root() {
            let file = root_only_file(Path::new(buildcfg::RUNDIR))?;
            Self::take(file, root)
        } else {
            let folder = File::open(root).map_err(|e| AdminError::io(root.to_string_lossy(), &e))?;
            Self::take(folder, root)
        }
    }

    /// Waits (up to [`PATIENCE`]) for the lock on `file`, which stands for
    /// the configuration folder `root` (named in messages).
    fn take(file: File, root: &Path) -> Result<TreeLock> {
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(TreeLock { _file: file }),
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

/// `dir/policy.lock`, made if need be, in a folder that must be root's
/// alone (as the helper makes it: 0700).
fn root_only_file(dir: &Path) -> Result<File> {
    let io = |p: &Path, e: std::io::Error| AdminError::io(p.to_string_lossy(), &e);
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(dir, e)),
    }
    let md = std::fs::symlink_metadata(dir).map_err(|e| io(dir, e))?;
    if !md.is_dir() || md.uid() != 0 || md.mode() & 0o022 != 0 {
        return Err(AdminError::Refused(format!(
            "{}: not a folder only root may write (owner {}, mode {:04o}); nothing was written",
            dir.display(),
            md.uid(),
            md.mode() & 0o7777
        )));
    }
    let path: PathBuf = dir.join("policy.lock");
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .open(&path)
        .map_err(|e| io(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let open = |p: &Path| File::open(p).unwrap();
        let first = TreeLock::take(open(dir.path()), dir.path()).unwrap();
        let path = dir.path().to_path_buf();
        let started = Instant::now();
        let second = std::thread::spawn(move || TreeLock::take(open(&path), &path).map(|_| started.elapsed()));
        std::thread::sleep(Duration::from_millis(300));
        drop(first);
        let waited = second.join().unwrap().unwrap();
        assert!(
            waited >= Duration::from_millis(300),
            "took the lock after {waited:?}, while it was held"
        );
    }

    #[test]
    fn the_lock_file_is_roots_alone() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("run");
        if nix::unistd::geteuid().is_root() {
            // Made 0700, the file 0600.
            root_only_file(&folder).unwrap();
            assert_eq!(std::fs::metadata(&folder).unwrap().mode() & 0o7777, 0o700);
            assert_eq!(
                std::fs::metadata(folder.join("policy.lock")).unwrap().mode() & 0o7777,
                0o600
            );
        }
        // A folder others may write, or not root's, is refused.
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::set_permissions(&folder, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
        assert!(matches!(root_only_file(&folder), Err(AdminError::Refused(_))));
    }
}
