//! The `bind` we interpose on: found once with `dlsym(RTLD_NEXT)`.

use core::sync::atomic::{AtomicPtr, Ordering};

pub type BindFn = unsafe extern "C" fn(libc::c_int, *const libc::sockaddr, libc::socklen_t) -> libc::c_int;

static REAL_BIND: AtomicPtr<libc::c_void> = AtomicPtr::new(core::ptr::null_mut());

/// Looks `bind` up in the libraries after us. Called from the constructor;
/// again lazily if some other constructor binds before ours has run.
pub fn resolve() -> Option<BindFn> {
    let mut p = REAL_BIND.load(Ordering::Acquire);
    if p.is_null() {
        // SAFETY: dlsym with RTLD_NEXT and a NUL-terminated name.
        p = unsafe { libc::dlsym(libc::RTLD_NEXT, c"bind".as_ptr()) };
        if p.is_null() {
            return None;
        }
        REAL_BIND.store(p, Ordering::Release);
    }
    // SAFETY: `bind` in the C library has exactly this signature.
    Some(unsafe { core::mem::transmute::<*mut libc::c_void, BindFn>(p) })
}

/// Calls the real `bind`, or fails with ENOSYS if there is none.
pub fn call(fd: libc::c_int, addr: *const libc::sockaddr, len: libc::socklen_t) -> libc::c_int {
    match resolve() {
        // SAFETY: the pointers are the caller's, passed through untouched to
        // the function they were meant for.
        Some(real) => unsafe { real(fd, addr, len) },
        None => {
            syscalls::errno::set(libc::ENOSYS);
            -1
        }
    }
}
