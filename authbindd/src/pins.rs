//! Where kernel mode keeps what must outlive the daemon: a bpffs at
//! BPFFS_DIR (mounted if nothing is), and below KERNEL_PIN_DIR one folder
//! per cgroup served, named after the cgroup's id, holding the two links,
//! the kept maps and a `cgroup` symlink to the cgroup's path in the
//! hierarchy (for `authbind` and `--status`).
//!
//! Two locks, on two inodes: a daemon holds its cgroup folder's lock for
//! its whole life (a second daemon for the same cgroup is refused); every
//! compile-and-swap holds the pin root's lock, so that a swap always
//! installs a tree read after the previous swap finished.

use crate::cgroup::Cgroup;
use crate::error::Error;
use nix::fcntl::{Flock, FlockArg, OFlag};
use nix::mount::{mount, MsFlags};
use nix::sys::stat::Mode;
use nix::sys::statfs::{statfs, BPF_FS_MAGIC};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Mounts a bpffs at BPFFS_DIR unless one is there; says whether it did.
pub fn ensure_bpffs() -> Result<bool, Error> {
    let dir = buildcfg::BPFFS_DIR;
    if statfs(dir).is_ok_and(|fs| fs.filesystem_type() == BPF_FS_MAGIC) {
        return Ok(false);
    }
    // 0755: `authbind` (any user) must be able to see the pins exist.
    mount(
        Some("bpf"),
        dir,
        Some("bpf"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        Some("mode=0755"),
    )
    .map_err(|e| Error::sys(format!("mounting a bpffs at {dir}"), model::Errno(e as i32)))?;
    Ok(true)
}

/// The pin folder of `cg` (not created).
pub fn dir_for(cg: &Cgroup) -> PathBuf {
    Path::new(buildcfg::KERNEL_PIN_DIR).join(format!("cgroup-{}", cg.id))
}

/// Creates the pin root and `dir`, readable by all.
pub fn create(dir: &Path) -> Result<(), Error> {
    for d in [Path::new(buildcfg::KERNEL_PIN_DIR), dir] {
        match std::fs::DirBuilder::new().mode(0o755).create(d) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io(format!("creating {}", d.display()), &e)),
        }
        let _ = std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755));
    }
    Ok(())
}

pub struct Lock {
    _held: Flock<OwnedFd>,
}

fn lock(path: &Path, wait: bool) -> Result<Option<Lock>, Error> {
    let fd = nix::fcntl::open(
        path,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| Error::sys(format!("opening {}", path.display()), model::Errno(e as i32)))?;
    let how = if wait {
        FlockArg::LockExclusive
    } else {
        FlockArg::LockExclusiveNonblock
    };
    match Flock::lock(fd, how) {
        Ok(held) => Ok(Some(Lock { _held: held })),
        Err((_, nix::errno::Errno::EWOULDBLOCK)) if !wait => Ok(None),
        Err((_, e)) => Err(Error::sys(
            format!("locking {}", path.display()),
            model::Errno(e as i32),
        )),
    }
}

/// The swap lock (waits for the swap in progress, if any).
pub fn swap_lock() -> Result<Lock, Error> {
    lock(Path::new(buildcfg::KERNEL_PIN_DIR), true)?.ok_or_else(|| Error::Load("the swap lock was not taken".into()))
}

/// The daemon's lock on its cgroup's pins; `Busy` if another daemon has it.
pub fn daemon_lock(dir: &Path, cg: &Cgroup) -> Result<Lock, Error> {
    lock(dir, false)?.ok_or_else(|| Error::Busy(cg.path.display().to_string()))
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
