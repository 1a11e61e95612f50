//! errno as a value, and the thread's `errno` variable.

/// A failed system call's errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

/// The calling thread's `errno`.
pub fn get() -> i32 {
    // SAFETY: __errno_location returns a valid pointer to this thread's errno.
    unsafe { *libc::__errno_location() }
}

/// Sets the calling thread's `errno`.
pub fn set(value: i32) {
    // SAFETY: as in `get`; writing errno is what it is for.
    unsafe { *libc::__errno_location() = value }
}

/// `Err(Errno(errno))` when a call returned -1, else the value.
pub(crate) fn check(ret: libc::c_int) -> Result<libc::c_int, Errno> {
    if ret == -1 {
        Err(Errno(get()))
    } else {
        Ok(ret)
    }
}

/// `check`, retrying while the call is interrupted by a signal.
pub(crate) fn retry(mut call: impl FnMut() -> libc::c_int) -> Result<libc::c_int, Errno> {
    loop {
        match check(call()) {
            Err(Errno(libc::EINTR)) => continue,
            other => return other,
        }
    }
}
