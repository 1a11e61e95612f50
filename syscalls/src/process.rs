//! Processes: reaching into a supervised one (its memory and its
//! descriptors), waiting, limits, forking the single-threaded launcher.

use crate::errno::{check, check_fd, Errno};
use crate::fd::{BorrowedFd, Fd};

/// Reads `buf.len()` bytes at `addr` in thread `tid`'s address space.
/// Errors (EFAULT, ESRCH, EPERM) are the caller's to handle; a short read
/// is an EFAULT.
pub fn read_memory(tid: i32, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as usize as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: `local` describes our writable buffer; the remote address is
    // only read by the kernel, which checks it.
    let n = unsafe { libc::process_vm_readv(tid, &local, 1, &remote, 1, 0) };
    if n < 0 {
        return Err(crate::errno::last());
    }
    if n as usize != buf.len() {
        return Err(Errno(libc::EFAULT));
    }
    Ok(())
}

/// `pidfd_open(pid, flags)`.
pub fn pidfd_open(pid: i32, flags: u32) -> Result<Fd, Errno> {
    // SAFETY: integer arguments only.
    check_fd(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, flags) } as libc::c_int)
}

/// `PIDFD_THREAD` (= O_EXCL): a pidfd for a thread, not a process
/// (Linux 6.9+).
pub const PIDFD_THREAD: u32 = libc::O_EXCL as u32;

/// `pidfd_getfd(pidfd, fd, 0)`: our own copy of the target's descriptor
/// number `fd`, close-on-exec.
pub fn pidfd_getfd(pidfd: BorrowedFd, fd: i32) -> Result<Fd, Errno> {
    // SAFETY: integer arguments only.
    check_fd(unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.raw(), fd, 0u32) } as libc::c_int)
}

/// `kill(pid, sig)`.
pub fn kill(pid: i32, sig: i32) -> Result<(), Errno> {
    // SAFETY: integer arguments only.
    check(unsafe { libc::kill(pid, sig) })?;
    Ok(())
}

/// `poll` over `(fd, events)` pairs (`None` is not watched); returns each
/// entry's revents. EINTR is retried. `timeout_ms` < 0 waits forever.
pub fn poll<const N: usize>(fds: [(Option<BorrowedFd>, i16); N], timeout_ms: i32) -> Result<[i16; N], Errno> {
    let mut pfds = fds.map(|(fd, events)| libc::pollfd {
        fd: fd.map_or(-1, BorrowedFd::raw),
        events,
        revents: 0,
    });
    // ppoll, which every architecture has: the timeout as a timespec.
    // The kernel writes the time left back into it.
    let mut ts = libc::timespec {
        tv_sec: (timeout_ms / 1000).into(),
        tv_nsec: ((timeout_ms % 1000) * 1_000_000).into(),
    };
    let ts_ptr = if timeout_ms < 0 {
        core::ptr::null_mut()
    } else {
        &mut ts as *mut libc::timespec
    };
    // SAFETY: pfds is a valid array of N pollfd structures, ts_ptr a valid
    // timespec or null (no timeout), no signal mask.
    unsafe { crate::sys_retry!(libc::SYS_ppoll, pfds.as_mut_ptr(), N, ts_ptr, 0, 0) }?;
    Ok(pfds.map(|p| p.revents))
}

/// How a child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    Exited(i32),
    Killed(i32),
}

/// `waitpid(pid, WNOHANG)`: `None` while it still runs.
pub fn try_wait(pid: i32) -> Result<Option<Ended>, Errno> {
    let mut status = 0;
    // SAFETY: status is writable.
    let r = crate::errno::retry(|| unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) })?;
    if r == 0 {
        return Ok(None);
    }
    Ok(Some(if libc::WIFSIGNALED(status) {
        Ended::Killed(libc::WTERMSIG(status))
    } else {
        Ended::Exited(libc::WEXITSTATUS(status))
    }))
}

/// Sets a resource limit (soft and hard) for this process.
pub fn set_rlimit(resource: u32, soft: u64, hard: u64) -> Result<(), Errno> {
    let lim = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: lim is a valid rlimit, read only; no old value is asked for;
    // `resource` is checked by the kernel.
    unsafe { crate::sys!(libc::SYS_prlimit64, 0, resource, &lim as *const libc::rlimit, 0) }?;
    Ok(())
}

/// `fork()`: in the child, `Ok(0)`; in the parent, the child's pid.
///
/// # Safety
/// The caller is single-threaded (the launcher): the child's copy of every
/// lock and of the allocator is then consistent, and it may use anything.
pub unsafe fn fork_single_threaded() -> Result<i32, Errno> {
    // SAFETY: the caller guarantees a single thread.
    check(unsafe { libc::fork() })
}

/// Starts a new session (no controlling terminal, own process group), and
/// points fds 0 and 1 (and 2 unless `keep_stderr`) at /dev/null.
pub fn detach(keep_stderr: bool) {
    // SAFETY: setsid, open, dup2 and close with valid arguments; the
    // standard descriptors are replaced, not closed from under an owner.
    unsafe {
        libc::setsid();
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC);
        if null >= 0 {
            libc::dup2(null, 0);
            libc::dup2(null, 1);
            if !keep_stderr {
                libc::dup2(null, 2);
            }
            if null > 2 {
                libc::close(null);
            }
        }
    }
}

/// Do processes/threads `a` and `b` share one descriptor table
/// (`kcmp(KCMP_FILES)`)?
pub fn kcmp_files(a: i32, b: i32) -> Result<bool, Errno> {
    const KCMP_FILES: i32 = 2;
    // SAFETY: integer arguments only.
    let r = check(unsafe { libc::syscall(libc::SYS_kcmp, a, b, KCMP_FILES, 0usize, 0usize) } as libc::c_int)?;
    Ok(r == 0)
}

/// Whether this process may bind privileged ports: root, or
/// CAP_NET_BIND_SERVICE in its effective set.
pub fn may_bind_privileged() -> bool {
    const CAP_NET_BIND_SERVICE: u32 = 10;
    const VERSION_3: u32 = 0x2008_0522;
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    let mut header = Header {
        version: VERSION_3,
        pid: 0,
    };
    let mut data = [Data {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    // SAFETY: capget with a version-3 header and room for its two data
    // structures.
    let r = unsafe { crate::sys!(libc::SYS_capget, &mut header as *mut Header, data.as_mut_ptr()) };
    r.is_ok() && data[0].effective & (1 << CAP_NET_BIND_SERVICE) != 0
}

/// Makes every user and group id of a set-user-ID root process root
/// (`setresgid(0,0,0)`, `setresuid(0,0,0)`): from then on the user who
/// started it can no longer signal or stop it, and what it sends carries
/// root's credentials. Does nothing (and fails quietly) when not root.
/// For a single-threaded process (the helper): by system call, the ids
/// change for the calling thread only (the C library would broadcast
/// the change to every thread).
pub fn become_root_entirely() {
    // SAFETY: integer arguments only; failure leaves the ids as they were.
    unsafe {
        let _ = crate::sys!(libc::SYS_setresgid, 0, 0, 0);
        let _ = crate::sys!(libc::SYS_setresuid, 0, 0, 0);
    }
}
