//! The real configuration folder, as the policy sees it: opened once by
//! its baked-in path, every policy file resolved against that handle.

use model::Errno;
use nix::dir::Dir;
use nix::fcntl::{openat, OFlag};
use nix::sys::stat::{fstat, Mode, SFlag};
use nix::unistd::{faccessat, AccessFlags};
use policy::{OpenError, PolicyFs};
use std::fs::File;
use std::io::BufReader;
use std::ops::ControlFlow;
use std::os::fd::{AsRawFd, OwnedFd};

pub struct ConfDir {
    dir: OwnedFd,
}

fn errno(e: nix::errno::Errno) -> Errno {
    Errno(e as i32)
}

impl ConfDir {
    /// Opens `buildcfg::CONFDIR` (root's folder: following its own
    /// symlinks is the administrator's choice, as with authbind).
    pub fn open() -> Result<ConfDir, Errno> {
        ConfDir::open_at(buildcfg::CONFDIR)
    }

    /// Opens another configuration folder (the administration tool's
    /// `--confdir`, tests).
    pub fn open_at(path: &str) -> Result<ConfDir, Errno> {
        let flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let dir = nix::fcntl::open(path, flags, Mode::empty()).map_err(errno)?;
        Ok(ConfDir { dir })
    }
}

impl PolicyFs for ConfDir {
    type File = BufReader<File>;

    /// `access(X_OK)` with the real uid and gid, as authbind does: the flag
    /// files grant by their mode, owner and group.
    fn access_x(&mut self, path: &str) -> Result<(), Errno> {
        faccessat(&self.dir, path, AccessFlags::X_OK, nix::fcntl::AtFlags::empty()).map_err(errno)
    }

    /// Looks at what the name leads to before opening it for reading: a
    /// symlink into a place users control must not make root open a device
    /// (a watchdog, a tape), and a FIFO would hang authbind. So the target
    /// is reached with `O_PATH` (which opens nothing), checked, and only a
    /// regular file is then opened, through that very handle.
    fn open(&mut self, path: &str) -> Result<Self::File, OpenError> {
        let handle = openat(&self.dir, path, OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty())
            .map_err(|e| OpenError::Failed(errno(e)))?;
        let st = fstat(&handle).map_err(|e| OpenError::Failed(errno(e)))?;
        match SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT {
            SFlag::S_IFREG => {}
            SFlag::S_IFDIR => return Err(OpenError::Directory),
            _ => return Err(OpenError::NotRegular),
        }
        let file = reopen(&handle, &st).map_err(OpenError::Failed)?;
        Ok(BufReader::with_capacity(64 * 1024, File::from(file)))
    }

    /// Lists the reserve folder as root. Only names are read (getdents):
    /// no entry is opened, so nothing a link leads to is touched here. The
    /// folder itself is root's, like the policy's other folders: a link
    /// there is the administrator's choice, and followed.
    fn reservations(&mut self, each: &mut dyn FnMut(&str) -> ControlFlow<()>) -> Result<(), Errno> {
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let mut dir = Dir::openat(&self.dir, RESERVE, flags, Mode::empty()).map_err(errno)?;
        for entry in dir.iter() {
            let entry = entry.map_err(errno)?;
            let name = entry.file_name().to_bytes();
            // "." and "..", and names no reservation has (not UTF-8).
            let Ok(name) = std::str::from_utf8(name) else {
                continue;
            };
            if name == "." || name == ".." {
                continue;
            }
            if each(name).is_break() {
                break;
            }
        }
        Ok(())
    }
}

/// The reserve folder's name.
const RESERVE: &str = "reserve";

/// Opens the file `handle` (an `O_PATH` handle) stands for, for reading:
/// through `/proc/self/fd`, which reopens that inode and no other. Without
/// /proc the name cannot be resolved again safely: refused.
fn reopen(handle: &OwnedFd, st: &nix::sys::stat::FileStat) -> Result<OwnedFd, Errno> {
    let flags = OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_NOCTTY | OFlag::O_CLOEXEC;
    let link = format!("/proc/self/fd/{}", handle.as_raw_fd());
    let file = nix::fcntl::open(link.as_str(), flags, Mode::empty()).map_err(errno)?;
    let again = fstat(&file).map_err(errno)?;
    if (again.st_dev, again.st_ino) != (st.st_dev, st.st_ino) {
        return Err(Errno::EIO);
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use authbind_testkit::Scratch;
    use std::os::unix::ffi::OsStrExt;

    fn listed(conf: &mut ConfDir) -> Result<Vec<String>, Errno> {
        let mut names = Vec::new();
        conf.reservations(&mut |n| {
            names.push(n.to_string());
            ControlFlow::Continue(())
        })?;
        names.sort();
        Ok(names)
    }

    /// The names as getdents gives them (not `.`, `..`, nor one that is
    /// not UTF-8), none opened: a FIFO is listed without blocking; no
    /// folder is ENOENT, a file in its place ENOTDIR.
    #[test]
    fn the_reserve_folder_is_listed_by_name() {
        let scratch = Scratch::new("host-reserve");
        let root = scratch.path();
        let mut conf = ConfDir::open_at(root.to_str().unwrap()).unwrap();
        assert_eq!(listed(&mut conf), Err(Errno::ENOENT));
        std::fs::write(root.join("reserve"), b"").unwrap();
        assert_eq!(listed(&mut conf), Err(Errno::ENOTDIR));
        std::fs::remove_file(root.join("reserve")).unwrap();
        std::fs::create_dir(root.join("reserve")).unwrap();
        assert_eq!(listed(&mut conf), Ok(vec![]));
        std::fs::write(root.join("reserve/5432"), b"").unwrap();
        std::os::unix::fs::symlink("/nonexistent", root.join("reserve/10.0.0.1,80")).unwrap();
        nix::unistd::mkfifo(&root.join("reserve/25"), Mode::from_bits_truncate(0o600)).unwrap();
        std::fs::write(root.join(std::ffi::OsStr::from_bytes(b"reserve/\xff")), b"").unwrap();
        assert_eq!(listed(&mut conf).unwrap(), ["10.0.0.1,80", "25", "5432"]);
        // It stops when told to.
        let mut seen = 0;
        conf.reservations(&mut |_| {
            seen += 1;
            ControlFlow::Break(())
        })
        .unwrap();
        assert_eq!(seen, 1);
    }
}
