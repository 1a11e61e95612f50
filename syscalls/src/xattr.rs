//! Whether a file carries a POSIX access ACL (kernel mode cannot express
//! ACL entries in its maps, so it must know where they are).

use crate::errno::Errno;
use core::ffi::CStr;

/// Does the file at `path` (followed, e.g. a `/proc/self/fd/N` link to an
/// `O_PATH` descriptor) have a `system.posix_acl_access` attribute? The
/// kernel keeps one only when the ACL says more than the mode bits.
pub fn has_access_acl(path: &CStr) -> Result<bool, Errno> {
    // SAFETY: both strings are NUL-terminated; a zero-size query writes
    // nothing and returns the value's size.
    let r = unsafe {
        libc::getxattr(
            path.as_ptr(),
            c"system.posix_acl_access".as_ptr(),
            core::ptr::null_mut(),
            0,
        )
    };
    if r >= 0 {
        return Ok(true);
    }
    match crate::errno::last() {
        // No such attribute, or a file system without ACLs at all.
        Errno(libc::ENODATA) | Errno(libc::EOPNOTSUPP) => Ok(false),
        e => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_files_have_no_acl() {
        assert_eq!(has_access_acl(c"/"), Ok(false));
        assert!(has_access_acl(c"/nonexistent/authbind").is_err());
    }
}
