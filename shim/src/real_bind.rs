//! The `bind` we interpose on: found once, in the constructor, with
//! `dlsym(RTLD_NEXT)`.

use core::sync::atomic::{AtomicPtr, Ordering};

pub type BindFn = unsafe extern "C" fn(libc::c_int, *const libc::sockaddr, libc::socklen_t) -> libc::c_int;

static REAL_BIND: AtomicPtr<libc::c_void> = AtomicPtr::new(core::ptr::null_mut());

/// Looks `bind` up in the libraries after us. Constructor only: dlsym takes
/// the loader's lock and may allocate, which the bind path must not.
pub fn resolve() {
    // SAFETY: dlsym with RTLD_NEXT and a NUL-terminated name.
    let p = unsafe { libc::dlsym(libc::RTLD_NEXT, c"bind".as_ptr()) };
    REAL_BIND.store(p, Ordering::Release);
}

/// Calls the real `bind`; before the constructor has run (another
/// library's constructor binding), the system call itself.
pub fn call(fd: libc::c_int, addr: *const libc::sockaddr, len: libc::socklen_t) -> libc::c_int {
    let p = REAL_BIND.load(Ordering::Acquire);
    if p.is_null() {
        // SAFETY: the caller's arguments, passed through to the kernel,
        // which checks them.
        return unsafe { libc::syscall(libc::SYS_bind, fd, addr, len) } as libc::c_int;
    }
    // SAFETY: `bind` in the C library has exactly this signature; the
    // pointers are the caller's, passed through untouched.
    unsafe { core::mem::transmute::<*mut libc::c_void, BindFn>(p)(fd, addr, len) }
}
