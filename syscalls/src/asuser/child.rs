//! The child of [`super::AccessAs`]: takes the user's identity for file
//! access only, then answers questions until its questions pipe closes.
//! Raw system calls only, on memory that exists before the fork, so that
//! it is sound to run after a fork from any process.

use super::{Credentials, MAX_PATH};
use libc::c_long;

/// Linux's capability header and data, version 3 (two data words).
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const CAP_VERSION_3: u32 = 0x2008_0522;

/// Writes all of `buf` (raw syscall, EINTR retried).
fn write_all(fd: i32, mut buf: &[u8]) -> Result<(), i32> {
    while !buf.is_empty() {
        // SAFETY: buf is a valid readable buffer of buf.len() bytes.
        let n = unsafe { libc::syscall(libc::SYS_write, fd, buf.as_ptr(), buf.len()) };
        if n < 0 {
            match crate::errno::get() {
                libc::EINTR => continue,
                e => return Err(e),
            }
        }
        buf = &buf[n as usize..];
    }
    Ok(())
}

/// Reads exactly `buf.len()` bytes (blocking: the parent bounds its own
/// waits, and kills this child when it gives up); `Ok(false)` at end of
/// file before the first byte.
fn read_exact(fd: i32, buf: &mut [u8]) -> Result<bool, i32> {
    let mut done = 0;
    while done < buf.len() {
        // SAFETY: the slice from `done` is valid writable memory.
        let n = unsafe { libc::syscall(libc::SYS_read, fd, buf[done..].as_mut_ptr(), buf.len() - done) };
        if n < 0 {
            match crate::errno::get() {
                libc::EINTR => continue,
                e => return Err(e),
            }
        }
        if n == 0 {
            return if done == 0 { Ok(false) } else { Err(libc::EIO) };
        }
        done += n as usize;
    }
    Ok(true)
}

/// Closes every descriptor but `keep` (sorted), by raw `close_range`.
fn close_all_but(keep: [i32; 3]) {
    let mut from: u32 = 0;
    for k in keep {
        if k as u32 > from {
            // SAFETY: in the child, which owns copies of these descriptors
            // and uses none of them.
            unsafe { libc::syscall(libc::SYS_close_range, from, k as u32 - 1, 0u32) };
        }
        from = k as u32 + 1;
    }
    // SAFETY: as above.
    unsafe { libc::syscall(libc::SYS_close_range, from, !0u32, 0u32) };
}

/// Takes `creds` where the kernel's file permission checks look, and
/// nowhere else: the supplementary groups, the file-system gid and uid,
/// and the capabilities `access()` gives that uid (none, or root's
/// permitted set for uid 0: the kernel's `access_override_creds`). The
/// real, effective and saved uids stay root's, so the user has no hold on
/// this process. Fails with an errno.
fn take_file_identity(creds: &Credentials) -> Result<(), i32> {
    // SAFETY: raw credential call on this single-threaded child; the
    // group list is valid memory of `groups.len()` gids.
    if unsafe { libc::syscall(libc::SYS_setgroups, creds.groups.len(), creds.groups.as_ptr()) } != 0 {
        return Err(crate::errno::get());
    }
    // setfsgid and setfsuid return the previous id and report no error:
    // each is read back by asking again with an invalid id (-1), which
    // changes nothing.
    // SAFETY: integer arguments only.
    let (fsgid, fsuid) = unsafe {
        libc::syscall(libc::SYS_setfsgid, creds.gid);
        libc::syscall(libc::SYS_setfsuid, creds.uid);
        (
            libc::syscall(libc::SYS_setfsgid, u32::MAX),
            libc::syscall(libc::SYS_setfsuid, u32::MAX),
        )
    };
    if (fsgid as u32, fsuid as u32) != (creds.gid, creds.uid) {
        return Err(libc::EPERM);
    }
    let mut header = CapHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: header and data have the layout of version 3 (two data
    // words), which capget fills.
    if unsafe { libc::syscall(libc::SYS_capget, &mut header as *mut CapHeader, data.as_mut_ptr()) } != 0 {
        return Err(crate::errno::get());
    }
    for d in &mut data {
        *d = if creds.uid == 0 {
            CapData {
                effective: d.permitted,
                ..*d
            }
        } else {
            CapData::default()
        };
    }
    // SAFETY: as above; capset only reads them.
    if unsafe { libc::syscall(libc::SYS_capset, &header as *const CapHeader, data.as_ptr()) } != 0 {
        return Err(crate::errno::get());
    }
    Ok(())
}

/// Takes the identity, says whether that worked (0 or the errno), then
/// answers each question (u32 length, path bytes) with the i32 errno of
/// `faccessat2(dir, path, X_OK, AT_EACCESS)` (0 when allowed): judged by
/// the file-system ids, groups and capabilities just taken, as plain
/// `faccessat` judges the helper by its real ids. Never returns.
pub(super) fn run(dir: i32, questions: i32, answers: i32, creds: &Credentials, buf: &mut [u8; MAX_PATH + 1]) -> ! {
    let mut keep = [dir, questions, answers];
    keep.sort_unstable();
    close_all_but(keep);
    let taken = take_file_identity(creds);
    let status: i32 = taken.err().unwrap_or(0);
    if write_all(answers, &status.to_ne_bytes()).is_ok() && taken.is_ok() {
        answer(dir, questions, answers, buf);
    }
    loop {
        // SAFETY: ends this process only.
        unsafe { libc::syscall(libc::SYS_exit_group, 0) };
    }
}

fn answer(dir: i32, questions: i32, answers: i32, buf: &mut [u8; MAX_PATH + 1]) {
    loop {
        let mut len = [0u8; 4];
        let len = match read_exact(questions, &mut len) {
            Ok(true) => u32::from_ne_bytes(len) as usize,
            _ => return,
        };
        if len > MAX_PATH || !matches!(read_exact(questions, &mut buf[..len]), Ok(true)) {
            return;
        }
        buf[len] = 0;
        // SAFETY: buf holds a NUL-terminated path; dir is an open descriptor.
        let r = unsafe {
            libc::syscall(
                libc::SYS_faccessat2,
                dir,
                buf.as_ptr(),
                libc::X_OK,
                libc::AT_EACCESS as c_long,
            )
        };
        let answer: i32 = if r == 0 { 0 } else { crate::errno::get() };
        if write_all(answers, &answer.to_ne_bytes()).is_err() {
            return;
        }
    }
}
