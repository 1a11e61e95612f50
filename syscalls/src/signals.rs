//! Blocking every signal around the vfork-style spawn, as posix_spawn does:
//! the child shares our memory until it execs, so no handler of the
//! program may run in it.

use crate::errno::{check, Errno};

/// The kernel's signal set: 64 bits on Linux.
pub type KernelSigset = u64;

fn rt_sigprocmask(how: libc::c_int, set: Option<&KernelSigset>) -> Result<KernelSigset, Errno> {
    let mut old: KernelSigset = 0;
    let set_ptr = set.map_or(core::ptr::null(), |s| s as *const KernelSigset);
    // SAFETY: both pointers are valid for 8 bytes (or null for `set`), the
    // size the kernel is told. The raw syscall also blocks the two signals
    // glibc reserves for itself, which pthread_sigmask would leave open.
    let r = unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            how,
            set_ptr,
            &mut old as *mut KernelSigset,
            8usize,
        )
    };
    check(r as libc::c_int)?;
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
