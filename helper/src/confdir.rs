//! The real configuration folder, as the policy sees it: opened once by
//! its baked-in path, every policy file resolved against that handle.

use crate::exit::say;
use nix::fcntl::{openat, OFlag};
use nix::sys::stat::{fstat, Mode, SFlag};
use nix::unistd::{faccessat, AccessFlags};
use policy::PolicyFs;
use std::fs::File;
use std::io::BufReader;
use std::os::fd::OwnedFd;

pub struct ConfDir {
    dir: OwnedFd,
}

impl ConfDir {
    /// Opens `buildcfg::CONFDIR` (root's folder: following its own
    /// symlinks is the administrator's choice, as with authbind).
    pub fn open() -> Result<ConfDir, i32> {
        let flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        match nix::fcntl::open(buildcfg::CONFDIR, flags, Mode::empty()) {
            Ok(dir) => Ok(ConfDir { dir }),
            Err(e) => Err(e as i32),
        }
    }
}

impl PolicyFs for ConfDir {
    type File = BufReader<File>;

    /// `access(X_OK)` with the real uid and gid, as authbind does: the flag
    /// files grant by their mode, owner and group.
    fn access_x(&mut self, path: &str) -> Result<(), i32> {
        faccessat(&self.dir, path, AccessFlags::X_OK, nix::fcntl::AtFlags::empty()).map_err(|e| e as i32)
    }

    /// Opens a byuid file without blocking (a FIFO would hang authbind) and
    /// reads it only if it is a regular file.
    fn open(&mut self, path: &str) -> Result<Self::File, i32> {
        let flags = OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_NOCTTY | OFlag::O_CLOEXEC;
        let fd = openat(&self.dir, path, flags, Mode::empty()).map_err(|e| e as i32)?;
        let st = fstat(&fd).map_err(|e| e as i32)?;
        let kind = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
        if kind == SFlag::S_IFDIR {
            // What authbind's read of a directory fails with.
            say(format_args!(
                "{path}: read per-uid file: {}",
                crate::exit::describe(libc::EISDIR)
            ));
            return Err(libc::EISDIR);
        }
        if kind != SFlag::S_IFREG {
            say(format_args!("{path}: not a regular file; ignoring it"));
            return Err(libc::EINVAL);
        }
        Ok(BufReader::with_capacity(64 * 1024, File::from(fd)))
    }
}
