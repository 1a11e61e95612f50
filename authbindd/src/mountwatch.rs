//! Mounts that change what the tree is: a tree bind-mounted over the
//! configuration folder, or its file system remounted `noexec`, raise no
//! inotify event. The kernel marks /proc/self/mountinfo (POLLPRI and
//! POLLERR) when this mount namespace's mounts change; the daemon then
//! compares the lines of the mounts on or above the paths the policy was
//! read through (every inode it read is one: a mount over `byport` is on
//! `byport`'s path) with what they were before the tree was read, and
//! reloads when they differ. Mounts elsewhere (a container's overlay)
//! cost nothing.

use crate::cgroup::unescape;
use std::fs::File;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};

const MOUNTINFO: &str = "/proc/self/mountinfo";
/// /proc/self/mountinfo is read whole; a machine with this many bytes of
/// mounts gets its lines cut (and compares what it read).
const LIMIT: u64 = 16 << 20;

/// The lines of `mountinfo` whose mount point is one of `paths` (a tree
/// bind-mounted over the configuration folder) or above one (a remount of
/// `/` noexec).
pub fn relevant(mountinfo: &str, paths: &[PathBuf]) -> Vec<String> {
    mountinfo
        .lines()
        .filter(|line| {
            let Some(point) = line.split(' ').nth(4) else {
                return false;
            };
            let point = PathBuf::from(unescape(point));
            paths.iter().any(|p| p.starts_with(&point))
        })
        .map(str::to_string)
        .collect()
}

pub struct MountWatch {
    file: File,
    /// The text read before the tree was read, and what of it mattered.
    before: String,
    seen: Vec<String>,
}

fn read_all() -> String {
    crate::read::small_file(MOUNTINFO, LIMIT).unwrap_or_default()
}

impl MountWatch {
    /// `None` without /proc: mounts then go unnoticed, as before.
    pub fn open() -> Option<MountWatch> {
        let file = File::open(MOUNTINFO).ok()?;
        Some(MountWatch {
            file,
            before: String::new(),
            seen: Vec::new(),
        })
    }

    /// Polled for POLLPRI.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }

    /// Before the tree is read: the mounts it is read through.
    pub fn arm(&mut self) {
        self.before = read_all();
    }

    /// After it was read through `paths`: what of the mounts then matters.
    pub fn settle(&mut self, paths: &[PathBuf]) {
        self.seen = relevant(&self.before, paths);
    }

    /// After POLLPRI: whether a mount that matters changed since [`arm`].
    ///
    /// [`arm`]: MountWatch::arm
    pub fn changed(&self, paths: &[PathBuf]) -> bool {
        relevant(&read_all(), paths) != self.seen
    }
}

/// The path an `O_PATH` descriptor was opened at, as the kernel tells.
pub fn path_of(fd: BorrowedFd<'_>) -> Option<PathBuf> {
    use std::os::fd::AsRawFd;
    std::fs::read_link(Path::new("/proc/self/fd").join(fd.as_raw_fd().to_string())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: &str = "\
22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
30 22 0:30 / /etc/authbind rw,nosuid - tmpfs tmpfs rw
31 30 0:31 / /etc/authbind/byport rw - tmpfs tmpfs rw
32 22 0:32 / /etc/authbindx rw - tmpfs tmpfs rw
33 22 0:33 / /srv/my\\040tree rw - tmpfs tmpfs rw
34 22 0:34 / /var rw - tmpfs tmpfs rw
";

    fn ids(lines: &[String]) -> Vec<&str> {
        lines.iter().map(|l| l.split(' ').next().unwrap()).collect()
    }

    #[test]
    fn mounts_on_and_above_a_path_matter() {
        let got = relevant(INFO, &[PathBuf::from("/etc/authbind")]);
        assert_eq!(ids(&got), ["22", "30"]);
        let paths = [PathBuf::from("/etc/authbind"), PathBuf::from("/etc/authbind/byport")];
        assert_eq!(ids(&relevant(INFO, &paths)), ["22", "30", "31"]);
        let got = relevant(INFO, &[PathBuf::from("/srv/my tree/byport/80")]);
        assert_eq!(ids(&got), ["22", "33"]);
    }

    #[test]
    fn a_remount_changes_the_line() {
        let paths = [PathBuf::from("/etc/authbind")];
        let noexec = INFO.replace("/etc/authbind rw,nosuid", "/etc/authbind rw,nosuid,noexec");
        assert_ne!(relevant(INFO, &paths), relevant(&noexec, &paths));
        // A mount elsewhere does not.
        let elsewhere = format!("{INFO}40 34 0:40 / /var/lib/x rw - tmpfs tmpfs rw\n");
        assert_eq!(relevant(INFO, &paths), relevant(&elsewhere, &paths));
    }
}
