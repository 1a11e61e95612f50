//! errno as a value ([`Errno`], the model's), and the thread's `errno`
//! variable.

pub use model::Errno;

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

/// The thread's errno as a value.
pub fn last() -> Errno {
    Errno(get())
}

/// `Err(errno)` when a call returned -1, else the value.
pub(crate) fn check(ret: libc::c_int) -> Result<libc::c_int, Errno> {
    if ret == -1 {
        Err(last())
    } else {
        Ok(ret)
    }
}

/// `check` for a call returning a new descriptor, which is then owned.
pub(crate) fn check_fd(ret: libc::c_int) -> Result<crate::fd::Fd, Errno> {
    let fd = check(ret)?;
    // SAFETY: the kernel just gave us this new descriptor.
    Ok(unsafe { crate::fd::Fd::from_raw(fd) })
}

/// `check`, retrying while the call is interrupted by a signal.
pub(crate) fn retry(mut call: impl FnMut() -> libc::c_int) -> Result<libc::c_int, Errno> {
    loop {
        match check(call()) {
            Err(Errno::EINTR) => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Errno;

    /// The model's errno table says what this C library says.
    #[test]
    fn table_matches_strerror() {
        for code in 1..134 {
            let Some(text) = Errno(code).text() else { continue };
            // SAFETY: strerror returns a valid NUL-terminated string.
            let c = unsafe { std::ffi::CStr::from_ptr(libc::strerror(code)) };
            assert_eq!(text, c.to_str().unwrap(), "errno {code}");
        }
        assert_eq!(Errno(libc::EACCES).name(), Some("EACCES"));
        assert_eq!(Errno(libc::EADDRINUSE).name(), Some("EADDRINUSE"));
    }
}
