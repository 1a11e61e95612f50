//! Files and folders by system call, for code without a C library (the
//! setuid helper's policy reads and audit files): paths are copied into a
//! NUL-terminated buffer on the stack, results are values.

use crate::errno::Errno;
use crate::fd::{BorrowedFd, Fd};
use crate::sys;
use core::ops::ControlFlow;

/// The longest path the kernel takes, with its NUL.
const PATH_MAX: usize = libc::PATH_MAX as usize;

/// Calls `f` with `path` NUL-terminated. ENAMETOOLONG for a path longer
/// than the kernel takes, EINVAL for one with a NUL inside (it would name
/// a shorter path than the caller meant).
fn with_c<R>(path: &[u8], f: impl FnOnce(*const libc::c_char) -> R) -> Result<R, Errno> {
    let mut buf = [0u8; PATH_MAX];
    if path.len() >= PATH_MAX {
        return Err(Errno(libc::ENAMETOOLONG));
    }
    if path.contains(&0) {
        return Err(Errno(libc::EINVAL));
    }
    buf[..path.len()].copy_from_slice(path);
    Ok(f(buf.as_ptr().cast()))
}

/// The folder a relative path starts from: `dir`, or the working folder.
fn base(dir: Option<BorrowedFd>) -> i32 {
    dir.map_or(libc::AT_FDCWD, BorrowedFd::raw)
}

/// `openat(dir, path, flags, mode)`; the new descriptor is ours (add
/// `O_CLOEXEC` to `flags` as wanted).
pub fn open_at(dir: Option<BorrowedFd>, path: &[u8], flags: i32, mode: u32) -> Result<Fd, Errno> {
    let raw = with_c(path, |p| {
        // SAFETY: p is NUL-terminated and lives through the call.
        unsafe { crate::sys_retry!(libc::SYS_openat, base(dir), p, flags, mode) }
    })??;
    // SAFETY: the kernel just made it.
    Ok(unsafe { Fd::from_raw(raw as i32) })
}

/// What `fd` is (`fstat`).
pub fn stat(fd: BorrowedFd) -> Result<libc::stat, Errno> {
    // SAFETY: an all-zero stat is a valid buffer for the kernel to fill.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: an empty path with AT_EMPTY_PATH: `fd` itself; st writable.
    unsafe {
        sys!(
            libc::SYS_newfstatat,
            fd.raw(),
            c"".as_ptr(),
            &mut st as *mut libc::stat,
            libc::AT_EMPTY_PATH
        )
    }?;
    Ok(st)
}

/// `faccessat(dir, path, mode)` with the real uid and gid and the
/// process's groups, as access(2).
pub fn access_at(dir: Option<BorrowedFd>, path: &[u8], mode: i32) -> Result<(), Errno> {
    with_c(path, |p| {
        // SAFETY: p is NUL-terminated and lives through the call.
        unsafe { sys!(libc::SYS_faccessat, base(dir), p, mode) }
    })??;
    Ok(())
}

/// `mkdirat(dir, path, mode)`.
pub fn mkdir_at(dir: Option<BorrowedFd>, path: &[u8], mode: u32) -> Result<(), Errno> {
    with_c(path, |p| {
        // SAFETY: p is NUL-terminated and lives through the call.
        unsafe { sys!(libc::SYS_mkdirat, base(dir), p, mode) }
    })??;
    Ok(())
}

/// Reads what `path` (a symbolic link) holds into `buf`; its length.
pub fn read_link(path: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
    with_c(path, |p| {
        // SAFETY: p is NUL-terminated; buf is writable for its length.
        unsafe { sys!(libc::SYS_readlinkat, libc::AT_FDCWD, p, buf.as_mut_ptr(), buf.len()) }
    })?
}

/// One `read` into `buf` (0 at the end), again while interrupted.
pub fn read(fd: BorrowedFd, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: buf is writable for its length.
    unsafe { crate::sys_retry!(libc::SYS_read, fd.raw(), buf.as_mut_ptr(), buf.len()) }
}

/// Writes all of `bytes` at `offset` (`pwrite`); a short write is EIO.
pub fn write_all_at(fd: BorrowedFd, bytes: &[u8], offset: u64) -> Result<(), Errno> {
    // SAFETY: bytes is readable for its length.
    let n = unsafe { crate::sys_retry!(libc::SYS_pwrite64, fd.raw(), bytes.as_ptr(), bytes.len(), offset) }?;
    if n == bytes.len() {
        Ok(())
    } else {
        Err(Errno::EIO)
    }
}

/// Cuts the file to `len` bytes.
pub fn truncate(fd: BorrowedFd, len: u64) -> Result<(), Errno> {
    // SAFETY: integer arguments.
    unsafe { crate::sys_retry!(libc::SYS_ftruncate, fd.raw(), len) }?;
    Ok(())
}

/// Takes `fd`'s exclusive `flock` without waiting (EWOULDBLOCK when
/// someone holds it).
pub fn lock_now(fd: BorrowedFd) -> Result<(), Errno> {
    // SAFETY: integer arguments.
    unsafe { sys!(libc::SYS_flock, fd.raw(), libc::LOCK_EX | libc::LOCK_NB) }?;
    Ok(())
}

/// Calls `each` with the name of every entry of the folder `dir` (opened
/// for reading; `.` and `..` included) in the order getdents gives them,
/// until it breaks. `buf` holds the entries of one call.
pub fn each_entry(
    dir: BorrowedFd,
    buf: &mut [u8],
    mut each: impl FnMut(&[u8]) -> ControlFlow<()>,
) -> Result<(), Errno> {
    // linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), name.
    const NAME: usize = 19;
    loop {
        // SAFETY: buf is writable for its length.
        let n = unsafe { crate::sys_retry!(libc::SYS_getdents64, dir.raw(), buf.as_mut_ptr(), buf.len()) }?;
        if n == 0 {
            return Ok(());
        }
        let mut at = 0;
        while at + NAME <= n {
            let reclen = usize::from(u16::from_ne_bytes([buf[at + 16], buf[at + 17]]));
            if reclen < NAME || at + reclen > n {
                return Err(Errno::EIO);
            }
            let name = &buf[at + NAME..at + reclen];
            let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
            if each(name).is_break() {
                return Ok(());
            }
            at += reclen;
        }
    }
}

/// This process's id.
pub fn pid() -> u32 {
    // SAFETY: getpid has no arguments and cannot fail.
    unsafe { sys!(libc::SYS_getpid) }.unwrap_or(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn a_file_written_read_listed_and_its_link_read() {
        let dir = std::env::temp_dir().join(format!("syscalls-file-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        mkdir_at(None, dir.as_os_str().as_bytes(), 0o700).unwrap();
        let d = open_at(
            None,
            dir.as_os_str().as_bytes(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
            0,
        )
        .unwrap();
        let f = open_at(
            Some(d.as_fd()),
            b"a",
            libc::O_RDWR | libc::O_CREAT | libc::O_CLOEXEC,
            0o600,
        )
        .unwrap();
        lock_now(f.as_fd()).unwrap();
        write_all_at(f.as_fd(), b"hello world", 0).unwrap();
        truncate(f.as_fd(), 5).unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(read(f.as_fd(), &mut buf), Ok(5));
        assert_eq!(&buf[..5], b"hello");
        let st = stat(f.as_fd()).unwrap();
        assert_eq!(
            (st.st_mode & libc::S_IFMT, st.st_mode & 0o777, st.st_size),
            (libc::S_IFREG, 0o600, 5)
        );
        assert_eq!(access_at(Some(d.as_fd()), b"a", libc::R_OK), Ok(()));
        assert_eq!(access_at(Some(d.as_fd()), b"none", libc::R_OK), Err(Errno::ENOENT));
        std::os::unix::fs::symlink("/some/where", dir.join("l")).unwrap();
        let n = read_link(dir.join("l").as_os_str().as_bytes(), &mut buf).unwrap();
        assert_eq!(&buf[..n], b"/some/where");
        let mut names = Vec::new();
        // A small buffer: several getdents calls.
        each_entry(d.as_fd(), &mut [0u8; 64], |n| {
            names.push(n.to_vec());
            ControlFlow::Continue(())
        })
        .unwrap();
        names.sort();
        assert_eq!(names, [&b"."[..], b"..", b"a", b"l"]);
        assert_eq!(
            open_at(None, b"a\0b", libc::O_RDONLY, 0).err(),
            Some(Errno(libc::EINVAL))
        );
        assert_eq!(
            open_at(None, &[b'a'; 5000], libc::O_RDONLY, 0).err(),
            Some(Errno(libc::ENAMETOOLONG))
        );
        assert_eq!(pid(), std::process::id());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
