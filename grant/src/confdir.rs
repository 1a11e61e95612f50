//! The real configuration folder, as the policy sees it: opened once by
//! its baked-in path, every policy file resolved against that handle.
//! Without the C library (the setuid helper has none): the system calls
//! are the `syscalls` crate's.

use alloc::vec;
use alloc::vec::Vec;
use core::ops::ControlFlow;
use model::Errno;
use policy::{ByuidRead, OpenError, PolicyFs};
use syscalls::{file, BorrowedFd, Fd};

pub struct ConfDir {
    dir: Fd,
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
        let flags = libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC;
        let dir = file::open_at(None, path.as_bytes(), flags, 0)?;
        Ok(ConfDir { dir })
    }

    fn at(&self) -> Option<BorrowedFd<'_>> {
        Some(self.dir.as_fd())
    }
}

/// How much of a byuid file one read takes (most are read in one).
const READ_SIZE: usize = 64 * 1024;

/// A byuid file opened for reading, read in [`READ_SIZE`] pieces.
pub struct ByuidFile {
    fd: Fd,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
}

impl ByuidRead for ByuidFile {
    fn fill_buf(&mut self) -> Result<&[u8], Errno> {
        if self.pos == self.len {
            self.len = file::read(self.fd.as_fd(), &mut self.buf)?;
            self.pos = 0;
        }
        Ok(&self.buf[self.pos..self.len])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.len);
    }
}

/// For programs with std (the administration tool reads a file's content
/// through it). Not `BufRead`: every `BufRead` is a `ByuidRead` already.
#[cfg(feature = "std")]
mod std_io {
    extern crate std;
    use super::ByuidFile;
    use policy::ByuidRead;

    fn io(e: model::Errno) -> std::io::Error {
        std::io::Error::from_raw_os_error(e.0)
    }

    impl std::io::Read for ByuidFile {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = {
                let buf = ByuidRead::fill_buf(self).map_err(io)?;
                let n = buf.len().min(out.len());
                out[..n].copy_from_slice(&buf[..n]);
                n
            };
            ByuidRead::consume(self, n);
            Ok(n)
        }
    }
}

impl PolicyFs for ConfDir {
    type File = ByuidFile;

    /// `access(X_OK)` with the real uid and gid, as authbind does: the flag
    /// files grant by their mode, owner and group.
    fn access_x(&mut self, path: &str) -> Result<(), Errno> {
        file::access_at(self.at(), path.as_bytes(), libc::X_OK)
    }

    /// Looks at what the name leads to before opening it for reading: a
    /// symlink into a place users control must not make root open a device
    /// (a watchdog, a tape), and a FIFO would hang authbind. So the target
    /// is reached with `O_PATH` (which opens nothing), checked, and only a
    /// regular file is then opened, through that very handle.
    fn open(&mut self, path: &str) -> Result<Self::File, OpenError> {
        let handle =
            file::open_at(self.at(), path.as_bytes(), libc::O_PATH | libc::O_CLOEXEC, 0).map_err(OpenError::Failed)?;
        let st = file::stat(handle.as_fd()).map_err(OpenError::Failed)?;
        match st.st_mode & libc::S_IFMT {
            libc::S_IFREG => {}
            libc::S_IFDIR => return Err(OpenError::Directory),
            _ => return Err(OpenError::NotRegular),
        }
        let fd = reopen(&handle, &st).map_err(OpenError::Failed)?;
        Ok(ByuidFile {
            fd,
            buf: vec![0; READ_SIZE],
            pos: 0,
            len: 0,
        })
    }

    /// Lists the reserve folder as root. Only names are read (getdents):
    /// no entry is opened, so nothing a link leads to is touched here. The
    /// folder itself is root's, like the policy's other folders: a link
    /// there is the administrator's choice, and followed.
    fn reservations(&mut self, each: &mut dyn FnMut(&str) -> ControlFlow<()>) -> Result<(), Errno> {
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
        let dir = file::open_at(self.at(), RESERVE.as_bytes(), flags, 0)?;
        let mut buf = vec![0u8; 32 * 1024];
        file::each_entry(dir.as_fd(), &mut buf, |name| {
            // "." and "..", and names no reservation has (not UTF-8).
            match core::str::from_utf8(name) {
                Ok("." | "..") | Err(_) => ControlFlow::Continue(()),
                Ok(name) => each(name),
            }
        })
    }
}

/// The reserve folder's name.
const RESERVE: &str = "reserve";

/// Opens the file `handle` (an `O_PATH` handle) stands for, for reading:
/// through `/proc/self/fd`, which reopens that inode and no other. Without
/// /proc the name cannot be resolved again safely: refused.
fn reopen(handle: &Fd, st: &libc::stat) -> Result<Fd, Errno> {
    let flags = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;
    let link = alloc::format!("/proc/self/fd/{}", handle.raw());
    let fd = file::open_at(None, link.as_bytes(), flags, 0)?;
    let again = file::stat(fd.as_fd())?;
    if (again.st_dev, again.st_ino) != (st.st_dev, st.st_ino) {
        return Err(Errno::EIO);
    }
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use authbind_testkit::Scratch;
    use nix::sys::stat::Mode;
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
