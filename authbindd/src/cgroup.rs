//! The cgroup v2 folder kernel mode attaches to: the root of the cgroup2
//! hierarchy (found in /proc/self/mountinfo, wherever it is mounted) or
//! the one `--cgroup` names, with its id (the inode number, which the
//! kernel's cgroup links report) and its path inside the hierarchy (what
//! /proc/PID/cgroup shows for processes in it).

use crate::error::Error;
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use nix::sys::statfs::{statfs, CGROUP2_SUPER_MAGIC};
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

pub struct Cgroup {
    /// Absolute, canonical.
    pub path: PathBuf,
    /// Its path in the hierarchy, from `/`.
    pub rel: String,
    pub id: u64,
    pub fd: OwnedFd,
}

/// A cgroup2 mount: where, and which folder of the hierarchy it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    pub point: PathBuf,
    pub root: String,
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
pub(crate) fn unescape(field: &str) -> String {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match (b[i], octal) {
            (b'\\', Some(d)) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The cgroup2 mounts listed in `mountinfo` (its text).
pub fn cgroup2_mounts(mountinfo: &str) -> Vec<Mount> {
    let mut out = Vec::new();
    for line in mountinfo.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let fields: Vec<&str> = left.split(' ').collect();
        if right.split(' ').next() == Some("cgroup2") && fields.len() >= 5 {
            out.push(Mount {
                point: PathBuf::from(unescape(fields[4])),
                root: unescape(fields[3]),
            });
        }
    }
    out
}

/// The cgroup2 mounts of this process (bounded read of a kernel file).
pub fn mounts() -> Result<Vec<Mount>, Error> {
    let text = crate::read::small_file("/proc/self/mountinfo", 4 << 20)?;
    Ok(cgroup2_mounts(&text))
}

/// `path`'s place in the hierarchy, seen through the mount holding it.
fn relative(path: &Path, mounts: &[Mount]) -> Option<String> {
    let m = mounts
        .iter()
        .filter(|m| path.starts_with(&m.point))
        .max_by_key(|m| m.point.as_os_str().len())?;
    let below = path.strip_prefix(&m.point).ok()?;
    let mut rel = PathBuf::from(if m.root.is_empty() { "/" } else { &m.root });
    rel.push(below);
    Some(rel.to_string_lossy().into_owned())
}

impl Cgroup {
    /// `--cgroup PATH`, or the hierarchy's root.
    pub fn resolve(arg: Option<&Path>) -> Result<Cgroup, Error> {
        let mounts = mounts()?;
        let path = match arg {
            Some(p) => std::fs::canonicalize(p).map_err(|e| Error::io(p.display().to_string(), &e))?,
            None => {
                let m = mounts
                    .iter()
                    .find(|m| m.root == "/")
                    .or(mounts.first())
                    .ok_or(Error::NoCgroup2)?;
                m.point.clone()
            }
        };
        let shown = path.display().to_string();
        if mounts.is_empty() {
            return Err(Error::NoCgroup2);
        }
        match statfs(&path) {
            Ok(fs) if fs.filesystem_type() == CGROUP2_SUPER_MAGIC => {}
            _ => return Err(Error::NotCgroup2(shown)),
        }
        let rel = relative(&path, &mounts).ok_or_else(|| Error::NotCgroup2(shown.clone()))?;
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(shown.clone(), &e))?;
        if !meta.is_dir() {
            return Err(Error::NotCgroup2(shown));
        }
        let fd = nix::fcntl::open(
            &path,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::sys(shown.clone(), model::Errno(e as i32)))?;
        Ok(Cgroup {
            path,
            rel,
            id: meta.ino(),
            fd,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
50 22 0:40 /ns /srv/my\\040cg rw shared:5 - cgroup2 cgroup2 rw
";

    #[test]
    fn finds_cgroup2_wherever_mounted() {
        let m = cgroup2_mounts(MOUNTINFO);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].point, PathBuf::from("/sys/fs/cgroup/unified"));
        assert_eq!(m[1].point, PathBuf::from("/srv/my cg"));
        assert_eq!(m[1].root, "/ns");
        assert_eq!(
            relative(Path::new("/sys/fs/cgroup/unified/system.slice/x"), &m).as_deref(),
            Some("/system.slice/x")
        );
        assert_eq!(relative(Path::new("/sys/fs/cgroup/unified"), &m).as_deref(), Some("/"));
        assert_eq!(relative(Path::new("/srv/my cg/a"), &m).as_deref(), Some("/ns/a"));
        assert_eq!(relative(Path::new("/tmp"), &m), None);
    }
}
