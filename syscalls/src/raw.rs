//! System calls by number, without the C library: the instruction itself,
//! its result returned (never `errno`, which lives in the C library's
//! thread-local storage). The setuid helper has no C library at all (its
//! start-up alone cost more than the rest of a privileged bind, see
//! helper/src/start.rs), so every call it makes comes through here; the
//! shim and the tools use the same wrappers (the kernel's semantics, and
//! the caller's `errno` left alone).

use model::Errno;

/// The largest errno the kernel returns as `-errno` (include/linux/err.h).
const MAX_ERRNO: usize = 4095;

/// Makes system call `nr` with six arguments (the unused ones ignored by
/// the kernel). Returns what the kernel returned: a value, or `-errno`.
///
/// # Safety
/// The arguments must be what the system call `nr` expects: pointers
/// valid for what it reads and writes, descriptors the caller may use.
#[cfg(target_arch = "x86_64")]
#[inline]
pub unsafe fn syscall6(nr: libc::c_long, a: usize, b: usize, c: usize, d: usize, e: usize, f: usize) -> usize {
    let ret: usize;
    // SAFETY: the caller vouches for the arguments; `syscall` clobbers
    // rcx and r11 (declared), and may read and write memory.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") nr as usize => ret,
            in("rdi") a, in("rsi") b, in("rdx") c, in("r10") d, in("r8") e, in("r9") f,
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// As on x86-64: `svc 0`, the number in x8, the result in x0.
///
/// # Safety
/// As on x86-64.
#[cfg(target_arch = "aarch64")]
#[inline]
pub unsafe fn syscall6(nr: libc::c_long, a: usize, b: usize, c: usize, d: usize, e: usize, f: usize) -> usize {
    let ret: usize;
    // SAFETY: the caller vouches for the arguments; the kernel preserves
    // every register but x0.
    unsafe {
        core::arch::asm!(
            "svc 0",
            in("x8") nr as usize,
            inlateout("x0") a => ret,
            in("x1") b, in("x2") c, in("x3") d, in("x4") e, in("x5") f,
            options(nostack),
        );
    }
    ret
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
compile_error!("syscalls::raw: only x86-64 and aarch64 have their system call instruction written here");

/// A system call's result as a value: `-errno` (the top 4095 values) is an
/// error.
pub fn result(ret: usize) -> Result<usize, Errno> {
    if ret > usize::MAX - MAX_ERRNO {
        Err(Errno(ret.wrapping_neg() as i32))
    } else {
        Ok(ret)
    }
}

/// System call `nr` with up to six arguments, each converted with `as
/// usize` (integers, pointers), its result as `Result<usize, Errno>`.
///
/// # Safety
/// As [`syscall6`]: the caller writes the call inside `unsafe` and says
/// why the arguments are valid.
#[macro_export]
macro_rules! sys {
    ($nr:expr $(,)?) => { $crate::sys!($nr, 0, 0, 0, 0, 0, 0) };
    ($nr:expr, $a:expr $(,)?) => { $crate::sys!($nr, $a, 0, 0, 0, 0, 0) };
    ($nr:expr, $a:expr, $b:expr $(,)?) => { $crate::sys!($nr, $a, $b, 0, 0, 0, 0) };
    ($nr:expr, $a:expr, $b:expr, $c:expr $(,)?) => { $crate::sys!($nr, $a, $b, $c, 0, 0, 0) };
    ($nr:expr, $a:expr, $b:expr, $c:expr, $d:expr $(,)?) => { $crate::sys!($nr, $a, $b, $c, $d, 0, 0) };
    ($nr:expr, $a:expr, $b:expr, $c:expr, $d:expr, $e:expr $(,)?) => { $crate::sys!($nr, $a, $b, $c, $d, $e, 0) };
    ($nr:expr, $a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr $(,)?) => {
        $crate::raw::result($crate::raw::syscall6(
            $nr,
            $a as usize,
            $b as usize,
            $c as usize,
            $d as usize,
            $e as usize,
            $f as usize,
        ))
    };
}

/// [`sys!`], again while interrupted by a signal (EINTR).
#[macro_export]
macro_rules! sys_retry {
    ($($arg:expr),+ $(,)?) => {
        loop {
            match $crate::sys!($($arg),+) {
                Err($crate::Errno::EINTR) => continue,
                other => break other,
            }
        }
    };
}

/// Ends the process with `status` (every thread), without running
/// anything else: no C library here to flush or to call handlers.
pub fn exit(status: i32) -> ! {
    loop {
        // SAFETY: exit_group takes an integer and does not return.
        let _ = unsafe { sys!(libc::SYS_exit_group, status) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_errors() {
        // SAFETY: getpid takes no arguments.
        let pid = unsafe { sys!(libc::SYS_getpid) };
        assert_eq!(pid, Ok(std::process::id() as usize));
        // SAFETY: close of a number that is not open only fails.
        assert_eq!(unsafe { sys!(libc::SYS_close, -1i32) }, Err(Errno::EBADF));
        // SAFETY: a null path is rejected by the kernel with EFAULT.
        let null_path = unsafe { sys!(libc::SYS_openat, libc::AT_FDCWD, 0usize, 0) };
        assert_eq!(null_path, Err(Errno(libc::EFAULT)));
        assert_eq!(result(usize::MAX - 4095), Ok(usize::MAX - 4095));
        assert_eq!(result(usize::MAX), Err(Errno(1)));
    }
}
