//! The environment, through the C library (the program's own copy), for
//! the constructor only: never called from the bind hook.

use std::ffi::{CStr, CString};

pub fn get(name: &CStr) -> Option<Vec<u8>> {
    // SAFETY: name is NUL-terminated; the result, if any, is a
    // NUL-terminated string we copy at once.
    unsafe {
        let p = libc::getenv(name.as_ptr());
        (!p.is_null()).then(|| CStr::from_ptr(p).to_bytes().to_vec())
    }
}

pub fn set(name: &CStr, value: &[u8]) {
    if let Ok(value) = CString::new(value) {
        // SAFETY: both strings are NUL-terminated; setenv copies them.
        unsafe { libc::setenv(name.as_ptr(), value.as_ptr(), 1) };
    }
}

pub fn unset(name: &CStr) {
    // SAFETY: name is NUL-terminated.
    unsafe { libc::unsetenv(name.as_ptr()) };
}
