//! An inode met on a path walk, held by an `O_PATH` descriptor (which
//! opens nothing: no device is touched, no FIFO blocks), and the check
//! `faccessat` would make on it.

use super::check::{Check, ACL, DIR, NOEXEC};
use super::Notes;
use model::Errno;
use nix::fcntl::{openat, readlinkat, OFlag};
use nix::sys::stat::{fstat, FileStat, Mode};
use nix::sys::statvfs::{fstatvfs, FsFlags};
use std::ffi::{CString, OsStr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

pub use tree::Kind;

pub struct Inode {
    fd: OwnedFd,
    st: FileStat,
    /// A symlink on a `nosymfollow` mount (or whose mount could not be
    /// told: judged so, the walk refuses to follow it).
    nosymfollow: bool,
}

fn errno(e: nix::errno::Errno) -> Errno {
    Errno(e as i32)
}

impl Inode {
    fn of(fd: OwnedFd) -> Result<Inode, Errno> {
        let st = fstat(&fd).map_err(errno)?;
        // The kernel refuses to follow a symlink on a nosymfollow mount
        // (ELOOP); only a symlink's mount matters to the walk.
        let nosymfollow = Kind::of_mode(st.st_mode) == Kind::Symlink
            && syscalls::mountflags::mount_flags(syscalls::fd::borrow(&fd))
                .map_or(true, |f| f & syscalls::mountflags::ST_NOSYMFOLLOW != 0);
        Ok(Inode { fd, st, nosymfollow })
    }

    /// The folder at `path`, following symlinks (root's own paths: the
    /// configuration folder, `/`).
    pub fn open_dir(path: &str) -> Result<Inode, Errno> {
        let flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        Inode::of(nix::fcntl::open(path, flags, Mode::empty()).map_err(errno)?)
    }

    /// The entry `name` of this folder, not followed if it is a symlink.
    pub fn lookup(&self, name: &[u8]) -> Result<Inode, Errno> {
        let flags = OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
        Inode::of(openat(&self.fd, OsStr::from_bytes(name), flags, Mode::empty()).map_err(errno)?)
    }

    pub fn try_clone(&self) -> Result<Inode, Errno> {
        Ok(Inode {
            fd: self
                .fd
                .try_clone()
                .map_err(|e| Errno(e.raw_os_error().unwrap_or(libc::EIO)))?,
            st: self.st,
            nosymfollow: self.nosymfollow,
        })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }

    /// (device, inode number).
    pub fn id(&self) -> (u64, u64) {
        (self.st.st_dev, self.st.st_ino)
    }

    pub fn kind(&self) -> Kind {
        Kind::of_mode(self.st.st_mode)
    }

    /// What the tree walk needs of it: its type, owners and mode, and a
    /// symlink's mount's `nosymfollow`.
    pub fn meta(&self) -> tree::Meta {
        tree::Meta {
            id: self.id(),
            nosymfollow: self.nosymfollow,
            ..tree::Meta::new(self.kind(), self.st.st_uid, self.st.st_gid, self.st.st_mode)
        }
    }

    /// A symlink's target.
    pub fn link_target(&self) -> Result<Vec<u8>, Errno> {
        readlinkat(&self.fd, "").map(|t| t.as_bytes().to_vec()).map_err(errno)
    }

    /// The check `faccessat(X_OK)` makes here: search on a folder (when
    /// looking a name up in it, or when it is the file asked about),
    /// execute on anything else.
    pub fn check(&self, notes: &mut Notes) -> Check {
        let mut flags = 0;
        match self.kind() {
            Kind::Dir => flags |= DIR,
            // Linux refuses X_OK on a regular file of a noexec mount
            // before it looks at the mode (not for other kinds).
            Kind::File => match fstatvfs(&self.fd) {
                Ok(vfs) if vfs.flags().contains(FsFlags::ST_NOEXEC) => flags |= NOEXEC,
                Ok(_) => {}
                Err(e) => {
                    notes.unexpressible(format!(
                        "inode {}: cannot tell whether its mount is noexec ({}): judged as noexec",
                        self.st.st_ino,
                        errno(e)
                    ));
                    flags |= NOEXEC;
                }
            },
            _ => {}
        }
        match self.has_acl() {
            Ok(false) => {}
            Ok(true) => {
                notes.unexpressible(format!(
                    "inode {} (uid {}, mode {:o}) has POSIX ACL entries: kernel mode lets only its owner through it",
                    self.st.st_ino,
                    self.st.st_uid,
                    self.st.st_mode & 0o7777
                ));
                flags |= ACL;
            }
            Err(e) => {
                notes.unexpressible(format!(
                    "inode {}: cannot read its ACL ({e}): only its owner is let through",
                    self.st.st_ino
                ));
                flags |= ACL;
            }
        }
        Check {
            owner: self.st.st_uid,
            group: self.st.st_gid,
            mode: (self.st.st_mode & 0o777) as u16,
            flags,
        }
    }

    /// The check that stands for `fs.protected_symlinks` on this symlink
    /// when the walk follows it at the end of a path in a sticky
    /// world-writable folder owned by someone else: only its owner passes
    /// (owner bits `x`, nothing else). Root passes it too, where the kernel
    /// would refuse root unless it owns the link: root's binds are the
    /// kernel's own to allow, whatever the program says.
    pub fn owner_only(&self) -> Check {
        Check {
            owner: self.st.st_uid,
            group: self.st.st_gid,
            mode: 0o100,
            flags: 0,
        }
    }

    /// Through /proc/self/fd: the xattr calls do not take `O_PATH`
    /// descriptors, and the magic link reaches this very inode.
    fn has_acl(&self) -> Result<bool, Errno> {
        let path = CString::new(format!("/proc/self/fd/{}", self.fd.as_raw_fd())).map_err(|_| Errno::EINVAL)?;
        syscalls::xattr::has_access_acl(&path)
    }
}

/// `fs.protected_symlinks`, as the kernel's walk will apply it; on when it
/// cannot be read (the safe direction: fewer links followed).
pub fn protected_symlinks(notes: &mut Notes) -> bool {
    syscalls::mountflags::protected_symlinks().unwrap_or_else(|e| {
        notes.unexpressible(format!(
            "{}: cannot be read ({e}): judged on",
            syscalls::mountflags::PROTECTED_SYMLINKS
        ));
        true
    })
}
