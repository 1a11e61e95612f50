//! The few C library functions the compiler itself calls (it lowers
//! copies, fills and comparisons to `memcpy`, `memset`, `memcmp`...), for
//! the setuid helper, which links no C library (see helper/src/start.rs).
//! `no_builtins`: the loops below must not be turned back into calls to
//! themselves. On x86-64 copies and fills are the string instructions
//! (fast on every CPU with ERMS, and short), elsewhere plain loops.
#![no_std]
#![no_builtins]

/// # Safety
/// As C's memcpy: `dst` and `src` valid for `n` bytes, not overlapping.
#[no_mangle]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract; forward copy of non-overlapping bytes.
    unsafe { forward(dst, src, n) };
    dst
}

/// # Safety
/// As C's memmove: `dst` and `src` valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dst as usize).wrapping_sub(src as usize) >= n {
        // dst before src, or after the end of src: a forward copy never
        // overwrites a byte it has still to read.
        // SAFETY: the caller's contract.
        unsafe { forward(dst, src, n) };
    } else {
        let mut i = n;
        while i > 0 {
            i -= 1;
            // SAFETY: i < n; from the end, so overlapping bytes are read
            // before they are written.
            unsafe { *dst.add(i) = *src.add(i) };
        }
    }
    dst
}

/// # Safety
/// As C's memset: `dst` valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: rep stosb writes n bytes from dst, as the caller allows.
    unsafe {
        core::arch::asm!("rep stosb", inout("rdi") dst => _, inout("rcx") n => _, in("al") c as u8, options(nostack, preserves_flags));
    }
    #[cfg(not(target_arch = "x86_64"))]
    for i in 0..n {
        // SAFETY: i < n.
        unsafe { *dst.add(i) = c as u8 };
    }
    dst
}

/// # Safety
/// As C's memcmp: both valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    for i in 0..n {
        // SAFETY: i < n.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
    }
    0
}

/// # Safety
/// As C's bcmp: both valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the same contract.
    unsafe { memcmp(a, b, n) }
}

/// # Safety
/// As C's strlen: `s` NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn strlen(s: *const u8) -> usize {
    let mut n = 0;
    // SAFETY: every byte up to the NUL is readable.
    while unsafe { *s.add(n) } != 0 {
        n += 1;
    }
    n
}

/// # Safety
/// `dst` and `src` valid for `n` bytes; a forward copy is correct.
unsafe fn forward(dst: *mut u8, src: *const u8, n: usize) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: rep movsb copies n bytes forward, as the caller allows.
    unsafe {
        core::arch::asm!("rep movsb", inout("rdi") dst => _, inout("rsi") src => _, inout("rcx") n => _, options(nostack, preserves_flags));
    }
    #[cfg(not(target_arch = "x86_64"))]
    for i in 0..n {
        // SAFETY: i < n.
        unsafe { *dst.add(i) = *src.add(i) };
    }
}

/// The precompiled `core` and `alloc` were built to unwind and name the
/// unwinder; under `panic = "abort"` nothing unwinds, so neither runs.
/// Were one called, the process ends: nothing is granted.
#[no_mangle]
pub extern "C" fn _Unwind_Resume() -> ! {
    abort()
}

/// See [`_Unwind_Resume`].
#[no_mangle]
pub extern "C" fn rust_eh_personality() -> ! {
    abort()
}

fn abort() -> ! {
    // SIGABRT's number would need a kill; exit_group with a failing status
    // (ENOSYS, 38: "the helper could not do it") is enough.
    #[cfg(target_arch = "x86_64")]
    // SAFETY: exit_group (231) does not return.
    unsafe {
        core::arch::asm!("syscall", in("rax") 231usize, in("rdi") 38usize, options(noreturn, nostack));
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: exit_group (94) does not return.
    unsafe {
        core::arch::asm!("svc 0", in("x8") 94usize, in("x0") 38usize, options(noreturn, nostack));
    }
}
