//! Socket calls the shim and the helper need, as raw system calls.

use crate::errno::{check, retry, Errno};
use core::mem::{size_of, zeroed};

/// Closes `fd`, keeping the caller's errno (close is best effort here).
/// By system call number: libc's close is a thread cancellation point.
pub fn close(fd: i32) {
    let saved = crate::errno::get();
    // SAFETY: closing a descriptor we own; EINTR still closes it on Linux.
    unsafe { libc::syscall(libc::SYS_close, fd) };
    crate::errno::set(saved);
}

/// A close-on-exec `SOCK_SEQPACKET` pair: message boundaries are kept.
pub fn seqpacket_pair() -> Result<(i32, i32), Errno> {
    let mut fds = [-1i32; 2];
    // SAFETY: fds has room for the two descriptors socketpair writes.
    check(unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    })?;
    Ok((fds[0], fds[1]))
}

fn getsockopt_int(fd: i32, option: i32) -> Result<i32, Errno> {
    let mut value: i32 = 0;
    let mut len = size_of::<i32>() as libc::socklen_t;
    // SAFETY: value and len are valid for writing; the kernel writes at
    // most `len` bytes.
    check(unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, option, (&mut value as *mut i32).cast(), &mut len) })?;
    Ok(value)
}

/// The socket's address family and type (`SO_DOMAIN`, `SO_TYPE`).
/// ENOTSOCK when `fd` is not a socket.
pub fn domain_and_type(fd: i32) -> Result<(i32, i32), Errno> {
    Ok((getsockopt_int(fd, libc::SO_DOMAIN)?, getsockopt_int(fd, libc::SO_TYPE)?))
}

/// Where to bind, in the helper's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InetAddr {
    /// Address bytes in network order, port in host order.
    V4 { addr: [u8; 4], port: u16 },
    V6 {
        addr: [u8; 16],
        port: u16,
        flowinfo: u32,
        scope_id: u32,
    },
}

/// `bind(fd, addr)` by system call number: never through a (possibly
/// interposed) `bind` symbol.
pub fn bind_inet(fd: i32, target: &InetAddr) -> Result<(), Errno> {
    // SAFETY: an all-zero sockaddr_storage is a valid empty address.
    let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
    let len = match *target {
        InetAddr::V4 { addr, port } => {
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
            let sin = unsafe { &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = port.to_be();
            sin.sin_addr.s_addr = u32::from_ne_bytes(addr);
            size_of::<libc::sockaddr_in>()
        }
        InetAddr::V6 {
            addr,
            port,
            flowinfo,
            scope_id,
        } => {
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
            let sin6 = unsafe { &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = port.to_be();
            sin6.sin6_flowinfo = flowinfo;
            sin6.sin6_addr.s6_addr = addr;
            sin6.sin6_scope_id = scope_id;
            size_of::<libc::sockaddr_in6>()
        }
    };
    // SAFETY: storage holds a valid address of `len` bytes.
    retry(|| unsafe {
        libc::syscall(
            libc::SYS_bind,
            fd,
            &storage as *const libc::sockaddr_storage,
            len as libc::socklen_t,
        ) as libc::c_int
    })?;
    Ok(())
}

/// Bounds how long a receive on `fd` may block.
pub fn set_recv_timeout(fd: i32, seconds: i64) -> Result<(), Errno> {
    let tv = libc::timeval {
        tv_sec: seconds,
        tv_usec: 0,
    };
    // SAFETY: tv is a valid timeval of the stated size.
    check(unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&tv as *const libc::timeval).cast(),
            size_of::<libc::timeval>() as libc::socklen_t,
        )
    })?;
    Ok(())
}

/// The effective uid (cannot fail).
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

/// Writes `bytes` to fd 2 in one call, ignoring failure, keeping errno.
/// A stderr pipe nobody reads must not kill the program with SIGPIPE:
/// SIGPIPE is blocked for this thread around the write, and the one the
/// write raised (if it was not pending already) is taken back.
pub fn write_stderr(bytes: &[u8]) {
    use crate::signals::rt_sigprocmask;
    let saved = crate::errno::get();
    let pipe_bit: u64 = 1 << (libc::SIGPIPE - 1);
    let mut pending: u64 = 0;
    // SAFETY: rt_sigpending by number into an 8-byte kernel sigset.
    unsafe { libc::syscall(libc::SYS_rt_sigpending, &mut pending as *mut u64, 8usize) };
    let old = rt_sigprocmask(libc::SIG_BLOCK, Some(&pipe_bit));
    // SAFETY: write by number (not a cancellation point), valid buffer.
    let n = unsafe { libc::syscall(libc::SYS_write, 2, bytes.as_ptr(), bytes.len()) };
    if n < 0 && crate::errno::get() == libc::EPIPE && pending & pipe_bit == 0 {
        let zero = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: takes back the SIGPIPE our write raised; 8-byte set, a
        // zero timeout never blocks, siginfo may be null.
        unsafe {
            libc::syscall(
                libc::SYS_rt_sigtimedwait,
                &pipe_bit as *const u64,
                core::ptr::null_mut::<libc::siginfo_t>(),
                &zero as *const libc::timespec,
                8usize,
            )
        };
    }
    if let Ok(old) = old {
        let _ = rt_sigprocmask(libc::SIG_SETMASK, Some(&old));
    }
    crate::errno::set(saved);
}

/// Closes every descriptor from `first` up (close_range, Linux 5.9+).
pub fn close_from(first: u32) {
    // SAFETY: closing descriptors this process may own; none is in use
    // by the caller at this point (start of the helper).
    unsafe { libc::syscall(libc::SYS_close_range, first, !0u32, 0u32) };
}
