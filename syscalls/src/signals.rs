//! Blocking every signal around the vfork-style spawn, as posix_spawn does:
//! the child shares our memory until it execs, so no handler of the
//! program may run in it.

use crate::errno::{check_fd, Errno};
use crate::fd::{BorrowedFd, Fd};

/// The kernel's signal set: 64 bits on Linux.
pub type KernelSigset = u64;

pub(crate) fn rt_sigprocmask(how: libc::c_int, set: Option<&KernelSigset>) -> Result<KernelSigset, Errno> {
    let mut old: KernelSigset = 0;
    let set_ptr = set.map_or(core::ptr::null(), |s| s as *const KernelSigset);
    // SAFETY: both pointers are valid for 8 bytes (or null for `set`), the
    // size the kernel is told. The raw syscall also blocks the two signals
    // glibc reserves for itself, which pthread_sigmask would leave open.
    unsafe { crate::sys!(libc::SYS_rt_sigprocmask, how, set_ptr, &mut old as *mut KernelSigset, 8) }?;
    Ok(old)
}

/// Blocks every signal for the calling thread; returns the previous mask.
pub fn block_all() -> Result<KernelSigset, Errno> {
    rt_sigprocmask(libc::SIG_SETMASK, Some(&!0))
}

/// Puts back a mask returned by [`block_all`].
pub fn restore(mask: KernelSigset) {
    // Cannot fail with a valid `how` and pointers.
    let _ = rt_sigprocmask(libc::SIG_SETMASK, Some(&mask));
}

/// Unblocks every signal (the helper starts with all of them blocked).
pub fn unblock_all() {
    let _ = rt_sigprocmask(libc::SIG_SETMASK, Some(&0));
}

/// Blocks `signals` for the calling thread (others stay as they were).
pub fn block(signals: &[i32]) -> Result<(), Errno> {
    let set = signals.iter().fold(0u64, |acc, &s| acc | (1u64 << (s - 1)));
    rt_sigprocmask(libc::SIG_BLOCK, Some(&set)).map(|_| ())
}

/// A signalfd that reads the (blocked) `signals`. Close-on-exec.
pub fn signalfd(signals: &[i32]) -> Result<Fd, Errno> {
    // SAFETY: sigset_t is plain data; sigemptyset/sigaddset initialise it.
    let mut set: libc::sigset_t = unsafe { core::mem::zeroed() };
    // SAFETY: set is a valid sigset_t.
    unsafe { libc::sigemptyset(&mut set) };
    for &s in signals {
        // SAFETY: as above.
        unsafe { libc::sigaddset(&mut set, s) };
    }
    // SAFETY: set is initialised; -1 asks for a new descriptor.
    check_fd(unsafe { libc::signalfd(-1, &set, libc::SFD_CLOEXEC) })
}

/// One signal read from a signalfd: (signal number, si_code, sender pid).
pub fn read_signalfd(fd: BorrowedFd) -> Result<(i32, i32, i32), Errno> {
    // SAFETY: signalfd_siginfo is plain data.
    let mut info: libc::signalfd_siginfo = unsafe { core::mem::zeroed() };
    let size = core::mem::size_of::<libc::signalfd_siginfo>();
    // SAFETY: info is writable for `size` bytes.
    let n = unsafe { libc::read(fd.raw(), (&mut info as *mut libc::signalfd_siginfo).cast(), size) };
    if n as usize != size {
        return Err(if n < 0 { crate::errno::last() } else { Errno::EIO });
    }
    Ok((info.ssi_signo as i32, info.ssi_code, info.ssi_pid as i32))
}

/// Dies of `sig` as the program did: default action, unblocked, raised.
pub fn die_of(sig: i32) {
    // SAFETY: resetting a disposition to the default and raising a signal.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
    }
    let _ = rt_sigprocmask(libc::SIG_UNBLOCK, Some(&(1u64 << (sig - 1))));
    // SAFETY: raise has no memory-safety preconditions.
    unsafe { libc::raise(sig) };
}

/// The kernel's `struct sigaction` (x86-64 and aarch64): handler, flags,
/// restorer, an 8-byte mask. No handler of ours ever runs, so no
/// restorer is needed.
#[repr(C)]
struct KernelSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: KernelSigset,
}

/// Sets the disposition of `sig` to `handler` (SIG_IGN or SIG_DFL only).
fn set_disposition(sig: i32, handler: libc::sighandler_t) {
    let action = KernelSigaction {
        handler,
        flags: 0,
        restorer: 0,
        mask: 0,
    };
    // SAFETY: a valid kernel sigaction of the size told; SIG_IGN and
    // SIG_DFL run no code of ours; no old action asked for.
    let _ = unsafe { crate::sys!(libc::SYS_rt_sigaction, sig, &action as *const KernelSigaction, 0, 8) };
}

/// Sets `sig` to SIG_IGN.
pub fn ignore(sig: i32) {
    set_disposition(sig, libc::SIG_IGN);
}

/// Sets `sig` to its default action (undoing a SIG_IGN inherited across
/// exec).
pub fn default_action(sig: i32) {
    set_disposition(sig, libc::SIG_DFL);
}

/// Disarms the CPU-time interval timers (`ITIMER_VIRTUAL`, `ITIMER_PROF`),
/// which survive exec: a caller could arm one to end a set-user-ID root
/// process (SIGVTALRM, SIGPROF) at a moment of its choosing, after the
/// kernel stopped letting it send signals itself.
pub fn disarm_cpu_timers() {
    set_timer(libc::ITIMER_VIRTUAL, 0);
    set_timer(libc::ITIMER_PROF, 0);
}

/// `alarm(seconds)`: SIGALRM after that long (replacing any pending
/// alarm), as the C library's alarm does it on every architecture:
/// setitimer(ITIMER_REAL).
pub fn alarm(seconds: u32) {
    set_timer(libc::ITIMER_REAL, seconds);
}

/// Arms interval timer `which` to fire once in `seconds` (0: disarms it).
fn set_timer(which: i32, seconds: u32) {
    let timer = libc::itimerval {
        it_interval: libc::timeval { tv_sec: 0, tv_usec: 0 },
        it_value: libc::timeval {
            tv_sec: seconds.into(),
            tv_usec: 0,
        },
    };
    // SAFETY: a valid itimerval, read only; no old value asked for.
    let _ = unsafe { crate::sys!(libc::SYS_setitimer, which, &timer as *const libc::itimerval, 0) };
}
