//! The real configuration folder, as the policy sees it: opened once by
//! its baked-in path, every policy file resolved against that handle.

use model::Errno;
use nix::fcntl::{openat, OFlag};
use nix::sys::stat::{fstat, Mode, SFlag};
use nix::unistd::{faccessat, AccessFlags};
use policy::{OpenError, PolicyFs};
use std::fs::File;
use std::io::BufReader;
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
}

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
