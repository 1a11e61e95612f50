//! Where kernel mode keeps what must outlive the daemon: a bpffs at
//! BPFFS_DIR (mounted, 0700, if nothing is), and below KERNEL_PIN_DIR one
//! folder per cgroup served, named after the cgroup's id, holding the two
//! links, the kept maps and a `cgroup` symlink to the cgroup's path in the
//! hierarchy (for `authbind`, where it may read them, and `--status`).
//!
//! Two locks, on two files: a daemon holds its cgroup's lock for its
//! whole life (a second daemon for the same cgroup is refused); every
//! compile-and-swap (and `--detach`) holds the swap lock, so that a swap
//! always installs a tree read after the previous swap finished. flock(2)
//! needs no more than an open descriptor, so the lock files are root's,
//! 0600, in a folder only root may enter ([`LOCK_DIR`] in KERNEL_RUN_DIR):
//! a lock on anything a user may open (the pin folders are 0755 in a
//! bpffs mounted with the default mode) would let any user stop every
//! reload, `--reload` and `--detach`, or keep a new daemon out.

use crate::cgroup::Cgroup;
use crate::error::Error;
use nix::mount::{mount, MsFlags};
use nix::sys::statfs::{statfs, BPF_FS_MAGIC};
use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The folder of the lock files, in KERNEL_RUN_DIR (which systemd's unit
/// makes writable, and `ls` does not list beside the public marks).
pub const LOCK_DIR: &str = ".locks";
const SWAP_LOCK: &str = "swap.lock";

/// Mounts a bpffs at BPFFS_DIR unless one is there; says whether it did.
pub fn ensure_bpffs() -> Result<bool, Error> {
    let dir = buildcfg::BPFFS_DIR;
    if statfs(dir).is_ok_and(|fs| fs.filesystem_type() == BPF_FS_MAGIC) {
        return Ok(false);
    }
    // 0700, as systemd mounts it: nothing of root's here is any user's
    // business; `authbind` learns of kernel mode from the public marks.
    mount(
        Some("bpf"),
        dir,
        Some("bpf"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        Some("mode=0700"),
    )
    .map_err(|e| Error::sys(format!("mounting a bpffs at {dir}"), model::Errno(e as i32)))?;
    Ok(true)
}

/// The pin folder of `cg` (not created).
pub fn dir_for(cg: &Cgroup) -> PathBuf {
    Path::new(buildcfg::KERNEL_PIN_DIR).join(format!("cgroup-{}", cg.id))
}

/// Creates the pin root and `dir`, readable by all (where the bpffs
/// lets them be seen), writable by root alone.
pub fn create(dir: &Path) -> Result<(), Error> {
    for d in [Path::new(buildcfg::KERNEL_PIN_DIR), dir] {
        match std::fs::DirBuilder::new().mode(0o755).create(d) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io(format!("creating {}", d.display()), &e)),
        }
        let _ = std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755));
        // In a bpffs mounted with the default mode (1777), a user may have
        // made the folder first, to rename root's pins away.
        roots_folder(d)?;
    }
    Ok(())
}

/// Held while it lives (the lock goes with the descriptor).
pub struct Lock {
    _file: File,
}

/// `dir` as a folder only root may enter: made 0700 if missing, set to
/// 0700 if root's; refused if it is not a folder (a symlink) or not root's.
fn root_only_dir(dir: &Path) -> Result<(), Error> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io(format!("creating {}", dir.display()), &e)),
    }
    let md = std::fs::symlink_metadata(dir).map_err(|e| Error::io(dir.display().to_string(), &e))?;
    if !md.is_dir() || md.uid() != 0 {
        return Err(Error::Unsafe(format!(
            "{}: not a folder of root's (owner {}); what it holds could be anyone's",
            dir.display(),
            md.uid()
        )));
    }
    if md.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(format!("making {} 0700", dir.display()), &e))?;
    }
    Ok(())
}

/// A folder that holds `dir`: root's, and writable by no one else (else
/// someone else could put their own folder in `dir`'s place).
fn roots_folder(dir: &Path) -> Result<(), Error> {
    let md = std::fs::symlink_metadata(dir).map_err(|e| Error::io(dir.display().to_string(), &e))?;
    if !md.is_dir() || md.uid() != 0 || md.mode() & 0o022 != 0 {
        return Err(Error::Unsafe(format!(
            "{}: not a folder only root may write (owner {}, mode {:04o})",
            dir.display(),
            md.uid(),
            md.mode() & 0o7777
        )));
    }
    Ok(())
}

/// The folder `name` in `run` (made 0755 if missing, as the marks need
/// it), made a folder only root may enter: for what is root's alone (the
/// locks, the reserved ports kernel mode added).
pub(crate) fn private_dir(run: &Path, name: &str) -> Result<PathBuf, Error> {
    match std::fs::DirBuilder::new().mode(0o755).create(run) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io(format!("creating {}", run.display()), &e)),
    }
    roots_folder(run)?;
    let dir = run.join(name);
    root_only_dir(&dir)?;
    Ok(dir)
}

/// Opens (creating it 0600) the lock file `name` in the root-only folder
/// [`LOCK_DIR`] of `run`.
fn lock_file(run: &Path, name: &str) -> Result<File, Error> {
    let path = private_dir(run, LOCK_DIR)?.join(name);
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), &e))
}

/// Locks `file` (exclusive); waits if `wait`, else `None` when it is held.
fn lock(file: File, wait: bool, shown: &Path) -> Result<Option<Lock>, Error> {
    let taken = if wait {
        file.lock().map_err(TryLockError::Error)
    } else {
        file.try_lock()
    };
    match taken {
        Ok(()) => Ok(Some(Lock { _file: file })),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(Error::io(format!("locking {}", shown.display()), &e)),
    }
}

/// The swap lock, in `run` (waits for the swap in progress, if any).
fn swap_lock_in(run: &Path) -> Result<Lock, Error> {
    let file = lock_file(run, SWAP_LOCK)?;
    lock(file, true, &run.join(LOCK_DIR).join(SWAP_LOCK))?
        .ok_or_else(|| Error::Load("the swap lock was not taken".into()))
}

/// The lock of the daemon serving the cgroup whose pins are `dir`, in
/// `run`; `None` if another daemon holds it.
fn daemon_lock_in(run: &Path, dir: &Path) -> Result<Option<Lock>, Error> {
    let name = format!("{}.lock", dir.file_name().unwrap_or_default().to_string_lossy());
    let file = lock_file(run, &name)?;
    lock(file, false, &run.join(LOCK_DIR).join(&name))
}

/// The swap lock (waits for the swap in progress, if any).
pub fn swap_lock() -> Result<Lock, Error> {
    swap_lock_in(Path::new(buildcfg::KERNEL_RUN_DIR))
}

/// The swap lock if no one holds it (`None`: a swap is in progress).
pub fn try_swap_lock() -> Result<Option<Lock>, Error> {
    let run = Path::new(buildcfg::KERNEL_RUN_DIR);
    let file = lock_file(run, SWAP_LOCK)?;
    lock(file, false, &run.join(LOCK_DIR).join(SWAP_LOCK))
}

/// The daemon's lock on its cgroup's pins `dir`; `Busy` if another daemon
/// has it.
pub fn daemon_lock(dir: &Path, cg: &Cgroup) -> Result<Lock, Error> {
    daemon_lock_in(Path::new(buildcfg::KERNEL_RUN_DIR), dir)?.ok_or_else(|| Error::Busy(cg.path.display().to_string()))
}

/// Points the `cgroup` symlink at `rel`.
pub fn record_cgroup(dir: &Path, rel: &str) -> Result<(), Error> {
    let link = dir.join(buildcfg::PIN_CGROUP);
    if std::fs::read_link(&link).is_ok_and(|t| t == Path::new(rel)) {
        return Ok(());
    }
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(rel, &link).map_err(|e| Error::io(format!("creating {}", link.display()), &e))
}

/// The public mark of `dir`'s cgroup in KERNEL_RUN_DIR (see buildcfg).
fn public_mark(dir: &Path) -> Option<PathBuf> {
    Some(Path::new(buildcfg::KERNEL_RUN_DIR).join(dir.file_name()?))
}

/// Says, where any user can read it, that `dir`'s cgroup (`rel`) is
/// served. Best effort: without it `authbind` uses the supervisor for
/// static programs, which the kernel's grants make work all the same.
pub fn publish(dir: &Path, rel: &str) {
    let Some(mark) = public_mark(dir) else { return };
    let _ = std::fs::DirBuilder::new().mode(0o755).create(buildcfg::KERNEL_RUN_DIR);
    let _ = std::fs::set_permissions(buildcfg::KERNEL_RUN_DIR, std::fs::Permissions::from_mode(0o755));
    if std::fs::read_link(&mark).is_ok_and(|t| t == Path::new(rel)) {
        return;
    }
    let _ = std::fs::remove_file(&mark);
    let _ = std::os::unix::fs::symlink(rel, &mark);
}

/// Takes the public mark of `dir`'s cgroup away.
pub fn unpublish(dir: &Path) {
    if let Some(mark) = public_mark(dir) {
        let _ = std::fs::remove_file(mark);
    }
}

/// Every pin folder: (folder, the cgroup path it records).
pub fn all() -> Vec<(PathBuf, Option<String>)> {
    let Ok(entries) = std::fs::read_dir(buildcfg::KERNEL_PIN_DIR) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Option<String>)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .map(|p| {
            let rel = std::fs::read_link(p.join(buildcfg::PIN_CGROUP))
                .ok()
                .map(|t| t.to_string_lossy().into_owned());
            (p, rel)
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A scratch folder, removed when dropped.
    struct Scratch(PathBuf);
    impl Scratch {
        fn new() -> Scratch {
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "authbindd-pins-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir(&p).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
            Scratch(p)
        }
    }
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    #[ignore = "needs root: the owner checks need root's files"]
    fn lock_files_are_roots_alone_in_a_folder_only_root_may_enter() {
        let run = Scratch::new();
        let _swap = swap_lock_in(&run.0).unwrap();
        let dir = run.0.join(LOCK_DIR);
        assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o7777, 0o700);
        assert_eq!(std::fs::metadata(dir.join(SWAP_LOCK)).unwrap().mode() & 0o7777, 0o600);
        // A lock folder someone opened up is closed again.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        drop(_swap);
        swap_lock_in(&run.0).unwrap();
        assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o7777, 0o700);
    }

    #[test]
    #[ignore = "needs root: the lock files are root's"]
    fn a_second_daemon_for_the_same_pins_is_refused_and_the_swap_lock_waits() {
        let run = Scratch::new();
        let pins = Path::new("/nonexistent/cgroup-42");
        let first = daemon_lock_in(&run.0, pins).unwrap();
        assert!(first.is_some());
        assert!(daemon_lock_in(&run.0, pins).unwrap().is_none());
        assert!(daemon_lock_in(&run.0, Path::new("/nonexistent/cgroup-43"))
            .unwrap()
            .is_some());
        drop(first);
        assert!(daemon_lock_in(&run.0, pins).unwrap().is_some());

        let held = swap_lock_in(&run.0).unwrap();
        let path = run.0.clone();
        let started = std::time::Instant::now();
        let second = std::thread::spawn(move || swap_lock_in(&path).map(|_| started.elapsed()));
        std::thread::sleep(std::time::Duration::from_millis(200));
        drop(held);
        let waited = second.join().unwrap().unwrap();
        assert!(
            waited >= std::time::Duration::from_millis(200),
            "took the held lock after {waited:?}"
        );
    }

    #[test]
    fn folders_others_may_write_are_refused() {
        let run = Scratch::new();
        std::fs::set_permissions(&run.0, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(matches!(swap_lock_in(&run.0), Err(Error::Unsafe(_))));
        assert!(matches!(roots_folder(&run.0), Err(Error::Unsafe(_))));
    }

    #[test]
    #[ignore = "needs root: chown"]
    fn a_lock_folder_that_is_not_roots_is_refused() {
        let run = Scratch::new();
        std::fs::set_permissions(&run.0, std::fs::Permissions::from_mode(0o755)).unwrap();
        let dir = run.0.join(LOCK_DIR);
        std::fs::create_dir(&dir).unwrap();
        nix::unistd::chown(&dir, Some(nix::unistd::Uid::from_raw(1500)), None).unwrap();
        assert!(matches!(swap_lock_in(&run.0), Err(Error::Unsafe(_))));
    }
}
