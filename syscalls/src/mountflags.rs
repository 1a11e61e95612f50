//! Which mount options apply to a file: `statvfs`'s `f_flag` (nix keeps
//! only the options it names, and `nosymfollow` is not among them).

use crate::errno::Errno;
use crate::fd::BorrowedFd;

/// `ST_NOSYMFOLLOW` (linux/statfs.h; the libc crate does not name it).
pub const ST_NOSYMFOLLOW: u64 = 0x2000;

/// The mount flags (`ST_*`) of the file `fd` refers to; an `O_PATH`
/// descriptor will do (of a symlink too: its own mount's).
pub fn mount_flags(fd: BorrowedFd<'_>) -> Result<u64, Errno> {
    let mut st = core::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: `st` is a writable statvfs-sized buffer; fstatvfs fills it or
    // fails, and a zeroed statvfs is a valid value either way.
    let r = unsafe { libc::fstatvfs(fd.raw(), st.as_mut_ptr()) };
    if r != 0 {
        return Err(crate::errno::last());
    }
    // SAFETY: zero-initialised above, filled by the kernel on success.
    let st = unsafe { st.assume_init() };
    #[allow(clippy::unnecessary_cast)]
    Ok(st.f_flag as u64)
}

/// Where the kernel keeps `fs.protected_symlinks` (one value for the
/// whole system).
#[cfg(feature = "std")]
pub const PROTECTED_SYMLINKS: &str = "/proc/sys/fs/protected_symlinks";

/// `fs.protected_symlinks`: do trailing symlinks in sticky world-writable
/// folders get followed by their owners only (see `tree::perm`)?
#[cfg(feature = "std")]
pub fn protected_symlinks() -> Result<bool, Errno> {
    let value =
        std::fs::read_to_string(PROTECTED_SYMLINKS).map_err(|e| Errno(e.raw_os_error().unwrap_or(libc::EIO)))?;
    Ok(value.trim() != "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ordinary_folder_follows_links() {
        let dir = std::fs::File::open("/").unwrap();
        let flags = mount_flags(crate::fd::borrow(&dir)).unwrap();
        assert_eq!(flags & ST_NOSYMFOLLOW, 0);
        assert!(protected_symlinks().is_ok());
    }
}
