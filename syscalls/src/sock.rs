//! Socket calls the shim, the supervisor and the helper need, as raw
//! system calls.

use crate::errno::Errno;
use crate::fd::{BorrowedFd, Fd};
use crate::sys;
use core::mem::size_of;
use model::Target;

/// A close-on-exec `SOCK_SEQPACKET` pair: message boundaries are kept.
pub fn seqpacket_pair() -> Result<(Fd, Fd), Errno> {
    let mut fds = [-1i32; 2];
    // SAFETY: fds has room for the two descriptors socketpair writes.
    unsafe {
        sys!(
            libc::SYS_socketpair,
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr()
        )
    }?;
    // SAFETY: socketpair just made both descriptors; we own them.
    Ok(unsafe { (Fd::from_raw(fds[0]), Fd::from_raw(fds[1])) })
}

fn getsockopt_int(fd: BorrowedFd, option: i32) -> Result<i32, Errno> {
    let mut value: i32 = 0;
    let mut len = size_of::<i32>() as libc::socklen_t;
    // SAFETY: value and len are valid for writing; the kernel writes at
    // most `len` bytes.
    unsafe {
        sys!(
            libc::SYS_getsockopt,
            fd.raw(),
            libc::SOL_SOCKET,
            option,
            &mut value as *mut i32,
            &mut len as *mut libc::socklen_t
        )
    }?;
    Ok(value)
}

/// The socket's address family and type (`SO_DOMAIN`, `SO_TYPE`).
/// ENOTSOCK when `fd` is not a socket.
pub fn domain_and_type(fd: BorrowedFd) -> Result<(i32, i32), Errno> {
    Ok((getsockopt_int(fd, libc::SO_DOMAIN)?, getsockopt_int(fd, libc::SO_TYPE)?))
}

/// The socket's IP protocol (`SO_PROTOCOL`: 6 TCP, 17 UDP…).
pub fn protocol(fd: BorrowedFd) -> Result<u32, Errno> {
    Ok(getsockopt_int(fd, libc::SO_PROTOCOL)? as u32)
}

/// The pid of the process at the other end of a Unix socket, as it was
/// when the connection (or the pair) was made (`SO_PEERCRED`).
pub fn peer_pid(fd: BorrowedFd) -> Result<u32, Errno> {
    // SAFETY: an all-zero ucred is valid for getsockopt to fill.
    let mut cred: libc::ucred = unsafe { core::mem::zeroed() };
    let mut len = size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: cred and len are valid for writing; the kernel writes at
    // most `len` bytes.
    unsafe {
        sys!(
            libc::SYS_getsockopt,
            fd.raw(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            &mut cred as *mut libc::ucred,
            &mut len as *mut libc::socklen_t
        )
    }?;
    Ok(cred.pid as u32)
}

/// The parent's pid (cannot fail).
pub fn parent_pid() -> u32 {
    // SAFETY: getppid has no arguments and cannot fail.
    unsafe { sys!(libc::SYS_getppid) }.unwrap_or(0) as u32
}

/// Binds `fd` to the raw sockaddr bytes `addr` (exactly as a program
/// passed them), by system call number: never through a (possibly
/// interposed) `bind` symbol. EINTR is the caller's to see.
pub fn bind_raw(fd: BorrowedFd, addr: &[u8]) -> Result<(), Errno> {
    let len = addr.len() as libc::socklen_t;
    // SAFETY: addr is a valid buffer of its length.
    unsafe { sys!(libc::SYS_bind, fd.raw(), addr.as_ptr(), len) }?;
    Ok(())
}

/// Binds `fd` to `target`, retrying on EINTR.
pub fn bind_target(fd: BorrowedFd, target: &Target) -> Result<(), Errno> {
    let (addr, len) = target.to_sockaddr();
    // SAFETY: addr holds a valid sockaddr of `len` bytes.
    unsafe { crate::sys_retry!(libc::SYS_bind, fd.raw(), addr.as_ptr(), len) }?;
    Ok(())
}

/// Bounds how long a receive (`SO_RCVTIMEO`) or a send (`SO_SNDTIMEO`) on
/// `fd` may block.
fn set_timeout(fd: BorrowedFd, option: i32, millis: u32) -> Result<(), Errno> {
    let tv = libc::timeval {
        tv_sec: (millis / 1000).into(),
        tv_usec: ((millis % 1000) * 1000).into(),
    };
    // SAFETY: tv is a valid timeval of the stated size.
    unsafe {
        sys!(
            libc::SYS_setsockopt,
            fd.raw(),
            libc::SOL_SOCKET,
            option,
            &tv as *const libc::timeval,
            size_of::<libc::timeval>()
        )
    }?;
    Ok(())
}

/// Bounds how long a receive on `fd` may block.
pub fn set_recv_timeout(fd: BorrowedFd, millis: u32) -> Result<(), Errno> {
    set_timeout(fd, libc::SO_RCVTIMEO, millis)
}

/// Bounds how long a send on `fd` may block.
pub fn set_send_timeout(fd: BorrowedFd, millis: u32) -> Result<(), Errno> {
    set_timeout(fd, libc::SO_SNDTIMEO, millis)
}

/// The effective uid (cannot fail).
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no arguments and cannot fail.
    unsafe { sys!(libc::SYS_geteuid) }.unwrap_or(0) as u32
}

/// The real uid (cannot fail).
pub fn real_uid() -> u32 {
    // SAFETY: getuid has no arguments and cannot fail.
    unsafe { sys!(libc::SYS_getuid) }.unwrap_or(0) as u32
}

/// Writes `bytes` to fd 2 in one call, ignoring failure.
/// A stderr pipe nobody reads must not kill the program with SIGPIPE:
/// SIGPIPE is blocked for this thread around the write, and the one the
/// write raised (if it was not pending already) is taken back.
pub fn write_stderr(bytes: &[u8]) {
    use crate::signals::rt_sigprocmask;
    let pipe_bit: u64 = 1 << (libc::SIGPIPE - 1);
    let mut pending: u64 = 0;
    // SAFETY: rt_sigpending by number into an 8-byte kernel sigset.
    let _ = unsafe { sys!(libc::SYS_rt_sigpending, &mut pending as *mut u64, 8) };
    let old = rt_sigprocmask(libc::SIG_BLOCK, Some(&pipe_bit));
    // SAFETY: write by number (not a cancellation point), valid buffer.
    let n = unsafe { sys!(libc::SYS_write, 2, bytes.as_ptr(), bytes.len()) };
    if n == Err(Errno(libc::EPIPE)) && pending & pipe_bit == 0 {
        let zero = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: takes back the SIGPIPE our write raised; 8-byte set, a
        // zero timeout never blocks, siginfo may be null.
        let _ = unsafe {
            sys!(
                libc::SYS_rt_sigtimedwait,
                &pipe_bit as *const u64,
                0,
                &zero as *const libc::timespec,
                8
            )
        };
    }
    if let Ok(old) = old {
        let _ = rt_sigprocmask(libc::SIG_SETMASK, Some(&old));
    }
}

/// Closes every descriptor from `first` up (close_range, Linux 5.9+).
///
/// # Safety
/// No descriptor from `first` up may be owned by anything that will use
/// or close it later (an `Fd`, a `File`): at the start of the helper,
/// before any is opened.
pub unsafe fn close_from(first: u32) {
    // SAFETY: the caller guarantees nothing owns these descriptors.
    let _ = unsafe { sys!(libc::SYS_close_range, first, !0u32, 0) };
}

/// `SO_NETNS_COOKIE` (Linux 5.14; not in every libc crate's list).
const SO_NETNS_COOKIE: i32 = 71;

/// The cookie of the calling thread's network namespace, as the BPF helper
/// `bpf_get_netns_cookie` gives it to kernel mode's programs: read from a
/// socket made here (and closed again). ENOPROTOOPT before Linux 5.14.
pub fn netns_cookie() -> Result<u64, Errno> {
    // SAFETY: plain system call; a descriptor it returns is ours.
    let sock = socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC)?;
    let mut value: u64 = 0;
    let mut len = size_of::<u64>() as libc::socklen_t;
    // SAFETY: value and len are valid for writing; the kernel writes at
    // most `len` bytes.
    unsafe {
        sys!(
            libc::SYS_getsockopt,
            sock.as_fd().raw(),
            libc::SOL_SOCKET,
            SO_NETNS_COOKIE,
            &mut value as *mut u64,
            &mut len as *mut libc::socklen_t
        )
    }?;
    Ok(value)
}

/// A new socket of `domain` and `kind` (with its flags, `SOCK_CLOEXEC`…).
pub fn socket(domain: i32, kind: i32) -> Result<Fd, Errno> {
    // SAFETY: integer arguments; the descriptor returned is new and ours.
    let raw = unsafe { sys!(libc::SYS_socket, domain, kind, 0) }?;
    // SAFETY: the kernel just made it.
    Ok(unsafe { Fd::from_raw(raw as i32) })
}

/// Sends `bytes` as one datagram from the Unix datagram socket `fd` to
/// the socket file at `path` (at most 107 bytes, else ENAMETOOLONG),
/// never blocking (EAGAIN when the receiver's queue is full) nor raising
/// SIGPIPE.
pub fn send_to_unix(fd: BorrowedFd, path: &[u8], bytes: &[u8]) -> Result<usize, Errno> {
    // SAFETY: an all-zero sockaddr_un is valid; the path is copied in.
    let mut addr: libc::sockaddr_un = unsafe { core::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    if path.len() >= addr.sun_path.len() {
        return Err(Errno(libc::ENAMETOOLONG));
    }
    for (d, &b) in addr.sun_path.iter_mut().zip(path) {
        *d = b as libc::c_char;
    }
    // SAFETY: bytes is readable for its length; addr is a valid
    // sockaddr_un of the stated size.
    unsafe {
        crate::sys_retry!(
            libc::SYS_sendto,
            fd.raw(),
            bytes.as_ptr(),
            bytes.len(),
            libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
            &addr as *const libc::sockaddr_un,
            size_of::<libc::sockaddr_un>()
        )
    }
}
