//! An inode met on a path walk, held by an `O_PATH | O_NOFOLLOW`
//! descriptor (which opens nothing: no device is touched, no FIFO
//! blocks), and what the permission rule needs of it besides `fstat`:
//! its mount's `noexec` and `nosymfollow`, and whether it has ACL entries.

use model::Errno;
use nix::fcntl::{openat, readlinkat, OFlag};
use nix::sys::stat::{fstat, FileStat, Mode};
use std::cell::OnceCell;
use std::ffi::{CString, OsStr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use tree::{Kind, Meta};

pub struct Inode {
    fd: OwnedFd,
    st: FileStat,
    /// Its mount's flags (`ST_*`), read once when first asked.
    mount: OnceCell<Result<u64, Errno>>,
    acl: OnceCell<Result<bool, Errno>>,
}

fn errno(e: nix::errno::Errno) -> Errno {
    Errno(e as i32)
}

impl Inode {
    fn of(fd: OwnedFd) -> Result<Inode, Errno> {
        let st = fstat(&fd).map_err(errno)?;
        Ok(Inode {
            fd,
            st,
            mount: OnceCell::new(),
            acl: OnceCell::new(),
        })
    }

    /// The folder at `path`, following symlinks (root's own paths: the
    /// configuration folder, `/`).
    pub fn open_dir(path: impl AsRef<Path>) -> Result<Inode, Errno> {
        let flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        Inode::of(nix::fcntl::open(path.as_ref(), flags, Mode::empty()).map_err(errno)?)
    }

    /// The node at `path`, not followed if it is a symlink (the folders on
    /// the way are: give a canonical path when that matters).
    pub fn open(path: impl AsRef<Path>) -> Result<Inode, Errno> {
        let flags = OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
        Inode::of(nix::fcntl::open(path.as_ref(), flags, Mode::empty()).map_err(errno)?)
    }

    /// The node at `path`, followed if it is a symlink (what `stat` says).
    pub fn open_followed(path: impl AsRef<Path>) -> Result<Inode, Errno> {
        let flags = OFlag::O_PATH | OFlag::O_CLOEXEC;
        Inode::of(nix::fcntl::open(path.as_ref(), flags, Mode::empty()).map_err(errno)?)
    }

    /// The entry `name` of this folder, not followed if it is a symlink;
    /// `..` is the kernel's parent (across a mount, and `/`'s is `/`).
    pub fn lookup(&self, name: &[u8]) -> Result<Inode, Errno> {
        let flags = OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
        Inode::of(openat(&self.fd, OsStr::from_bytes(name), flags, Mode::empty()).map_err(errno)?)
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// (device, inode number).
    pub fn id(&self) -> (u64, u64) {
        (self.st.st_dev, self.st.st_ino)
    }

    pub fn kind(&self) -> Kind {
        Kind::of_mode(self.st.st_mode)
    }

    pub fn uid(&self) -> u32 {
        self.st.st_uid
    }

    pub fn gid(&self) -> u32 {
        self.st.st_gid
    }

    /// `st_mode`, type bits included.
    pub fn mode(&self) -> u32 {
        self.st.st_mode
    }

    fn mount_flags(&self) -> Result<u64, Errno> {
        *self
            .mount
            .get_or_init(|| syscalls::mountflags::mount_flags(syscalls::fd::borrow(&self.fd)))
    }

    /// Is its mount `noexec`? (`fstatvfs` on the `O_PATH` descriptor: a
    /// symlink's own mount, a mount point's mounted file system.)
    pub fn noexec(&self) -> Result<bool, Errno> {
        #[allow(clippy::unnecessary_cast)]
        self.mount_flags().map(|f| f & libc::ST_NOEXEC as u64 != 0)
    }

    /// Is its mount `nosymfollow`?
    pub fn nosymfollow(&self) -> Result<bool, Errno> {
        self.mount_flags()
            .map(|f| f & syscalls::mountflags::ST_NOSYMFOLLOW != 0)
    }

    /// Does it carry POSIX ACL entries beyond its mode? Through
    /// /proc/self/fd: the xattr calls do not take `O_PATH` descriptors,
    /// and the magic link reaches this very inode.
    pub fn has_acl(&self) -> Result<bool, Errno> {
        *self.acl.get_or_init(|| {
            let path = CString::new(format!("/proc/self/fd/{}", self.fd.as_raw_fd())).map_err(|_| Errno::EINVAL)?;
            syscalls::xattr::has_access_acl(&path)
        })
    }

    /// What the permission rule and the walk need of it. What cannot be
    /// told is judged the safe way (fewer grants): a regular file on a
    /// mount that cannot be read is `noexec`, a symlink or folder there
    /// `nosymfollow` (the walk follows no link we could not vouch for), an
    /// ACL that cannot be read is there (only the owner passes).
    ///
    /// `noexec` is read for regular files only (Linux refuses `X_OK` on a
    /// regular file of a `noexec` mount before it looks at the mode, not
    /// on other kinds); `nosymfollow` for symlinks (the walk follows none
    /// there) and folders (the links a plan makes in one are on its
    /// mount: see `tree::Overlay`).
    pub fn meta(&self) -> Meta {
        let kind = self.kind();
        Meta {
            id: self.id(),
            size: self.st.st_size as u64,
            noexec: kind == Kind::File && self.noexec().unwrap_or(true),
            nosymfollow: matches!(kind, Kind::Symlink | Kind::Dir) && self.nosymfollow().unwrap_or(true),
            acl: self.has_acl().unwrap_or(true),
            ..Meta::new(kind, self.st.st_uid, self.st.st_gid, self.st.st_mode)
        }
    }

    /// A symlink's target; `EINVAL` for anything else, as `readlink(2)`
    /// answers on its name (`readlinkat` on the descriptor itself would
    /// say `ENOENT`).
    pub fn link_target(&self) -> Result<Vec<u8>, Errno> {
        if self.kind() != Kind::Symlink {
            return Err(Errno::EINVAL);
        }
        readlinkat(&self.fd, "").map(|t| t.as_bytes().to_vec()).map_err(errno)
    }
}

/// Is the folder at `path` (followed) on a `nosymfollow` mount? Yes when
/// it cannot be told, there being no such folder included.
pub fn nosymfollow_at(path: &Path) -> bool {
    Inode::open_dir(path).map_or(true, |d| d.nosymfollow().unwrap_or(true))
}

/// `fs.protected_symlinks`, as the kernel's walk will apply it (see
/// `tree::perm::may_follow_link`).
pub fn protected_symlinks() -> Result<bool, Errno> {
    syscalls::mountflags::protected_symlinks()
}
