//! A scratch cgroup: a child of the cgroup2 hierarchy's root (found in
//! /proc/self/mountinfo, wherever this machine mounts it), where kernel
//! mode's programs are attached instead of the machine's root cgroup;
//! removed when dropped, its processes killed first.

use crate::scratch::file_name_part;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The cgroup2 hierarchy's root, where `mountinfo` (the text of
/// /proc/self/mountinfo) says it is mounted.
pub fn cgroup2_root_in(mountinfo: &str) -> Option<PathBuf> {
    mountinfo
        .lines()
        .filter_map(|l| l.split_once(" - "))
        .find(|(left, right)| right.starts_with("cgroup2 ") && left.split(' ').nth(3) == Some("/"))
        .and_then(|(left, _)| left.split(' ').nth(4).map(PathBuf::from))
}

/// The cgroup2 hierarchy's root on this machine.
pub fn cgroup2_root() -> std::io::Result<PathBuf> {
    let info = std::fs::read_to_string("/proc/self/mountinfo")?;
    cgroup2_root_in(&info).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no cgroup2 file system is mounted: kernel mode needs one",
        )
    })
}

pub struct ScratchCgroup {
    path: PathBuf,
}

impl ScratchCgroup {
    /// A new child of the root, `authbind-NAME-PID-N`.
    pub fn create(name: &str) -> std::io::Result<ScratchCgroup> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let path = cgroup2_root()?.join(format!(
            "authbind-{}-{}-{}",
            file_name_part(name),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&path).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        Ok(ScratchCgroup { path })
    }

    /// [`ScratchCgroup::create`], panicking (failing the test) when it cannot.
    pub fn new(name: &str) -> ScratchCgroup {
        ScratchCgroup::create(name).unwrap_or_else(|e| panic!("cannot create a scratch cgroup: {e}"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchCgroup {
    fn drop(&mut self) {
        // Whatever is still in it is killed (cgroup.kill, Linux 5.14)
        // before the removal, which also detaches what is attached here.
        let _ = std::fs::write(self.path.join("cgroup.kill"), "1");
        for _ in 0..250 {
            if std::fs::remove_dir(&self.path).is_ok() || !self.path.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("!!!!! could not remove {}", self.path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_found_where_the_machine_mounts_it() {
        // A hybrid layout: v1 controllers, v2 at /sys/fs/cgroup/unified.
        let hybrid = "\
35 24 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
36 35 0:31 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
37 35 0:32 / /sys/fs/cgroup/cpu rw,nosuid shared:11 - cgroup cgroup rw,cpu";
        assert_eq!(cgroup2_root_in(hybrid), Some(PathBuf::from("/sys/fs/cgroup/unified")));
        // A container's view of a sub-tree is not the root.
        let inner = "50 40 0:31 /system.slice /sys/fs/cgroup rw - cgroup2 cgroup2 rw";
        assert_eq!(cgroup2_root_in(inner), None);
        let unified = "30 24 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw";
        assert_eq!(cgroup2_root_in(unified), Some(PathBuf::from("/sys/fs/cgroup")));
    }
}
