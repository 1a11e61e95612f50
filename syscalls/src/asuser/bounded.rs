//! The parent's side of the pipes to [`super::AccessAs`]'s child: every
//! read and write ends by a deadline, whatever the child does (stopped,
//! stuck in the kernel, gone). The descriptors are non-blocking, and each
//! wait is a `poll` for the time left.

use crate::clock::monotonic_ns as now_ns;
use crate::errno::{check, Errno};
use crate::fd::BorrowedFd;
use core::time::Duration;

/// A point on the monotonic clock.
pub(super) struct Deadline(u64);

impl Deadline {
    pub(super) fn after(timeout: Duration) -> Deadline {
        let ns = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
        Deadline(now_ns().saturating_add(ns))
    }

    /// Milliseconds left, rounded up; ETIMEDOUT once it has passed.
    fn left_ms(&self) -> Result<i32, Errno> {
        let now = now_ns();
        if now >= self.0 {
            return Err(Errno::ETIMEDOUT);
        }
        Ok(i32::try_from((self.0 - now).div_ceil(1_000_000)).unwrap_or(i32::MAX))
    }
}

/// Makes `fd` non-blocking (the parent's ends only: each end of a pipe is
/// its own open file, the child's ends stay blocking).
pub(super) fn set_nonblocking(fd: BorrowedFd) -> Result<(), Errno> {
    // SAFETY: integer arguments only.
    let flags = check(unsafe { libc::fcntl(fd.raw(), libc::F_GETFL) })?;
    // SAFETY: as above.
    check(unsafe { libc::fcntl(fd.raw(), libc::F_SETFL, flags | libc::O_NONBLOCK) })?;
    Ok(())
}

/// Waits until `fd` is ready for `events`, or hung up or in error (the
/// next read or write then says so), until the deadline.
fn ready(fd: BorrowedFd, events: i16, deadline: &Deadline) -> Result<(), Errno> {
    loop {
        let ms = deadline.left_ms()?;
        if crate::process::poll([(Some(fd), events)], ms)?[0] != 0 {
            return Ok(());
        }
    }
}

/// A raw read or write's count, `None` to try again (EINTR, EAGAIN).
fn count(n: libc::c_long) -> Result<Option<usize>, Errno> {
    if n >= 0 {
        return Ok(Some(n as usize));
    }
    match crate::errno::last() {
        Errno::EINTR | Errno::EAGAIN => Ok(None),
        e => Err(e),
    }
}

/// Writes all of `buf` to the non-blocking `fd` before the deadline.
pub(super) fn write_all(fd: BorrowedFd, mut buf: &[u8], deadline: &Deadline) -> Result<(), Errno> {
    while !buf.is_empty() {
        ready(fd, libc::POLLOUT, deadline)?;
        // SAFETY: buf is a valid readable buffer of buf.len() bytes.
        if let Some(n) = count(unsafe { libc::syscall(libc::SYS_write, fd.raw(), buf.as_ptr(), buf.len()) })? {
            buf = &buf[n..];
        }
    }
    Ok(())
}

/// Reads exactly `buf.len()` bytes from the non-blocking `fd` before the
/// deadline; `Ok(false)` at end of file before the first byte.
pub(super) fn read_exact(fd: BorrowedFd, buf: &mut [u8], deadline: &Deadline) -> Result<bool, Errno> {
    let mut done = 0;
    while done < buf.len() {
        ready(fd, libc::POLLIN, deadline)?;
        let rest = &mut buf[done..];
        // SAFETY: rest is valid writable memory of rest.len() bytes.
        match count(unsafe { libc::syscall(libc::SYS_read, fd.raw(), rest.as_mut_ptr(), rest.len()) })? {
            Some(0) if done == 0 => return Ok(false),
            Some(0) => return Err(Errno::EIO),
            Some(n) => done += n,
            None => {}
        }
    }
    Ok(true)
}

/// Sleeps for `ms` milliseconds (EINTR ends it early).
pub(super) fn sleep_ms(ms: u32) {
    let ts = libc::timespec {
        tv_sec: (ms / 1000) as libc::time_t,
        tv_nsec: ((ms % 1000) * 1_000_000) as libc::c_long,
    };
    // SAFETY: ts is valid; no remainder is asked for.
    unsafe { libc::nanosleep(&ts, core::ptr::null_mut()) };
}
