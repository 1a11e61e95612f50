//! The exported symbol. It only turns the caller's raw pointer into a
//! byte view, and only after the kernel has proved it readable.

use crate::{hook, real_bind};

/// `bind(2)`, interposed.
///
/// # Safety
/// Called by C code with bind's contract: `addr` points at `len` readable
/// bytes (or the kernel will say EFAULT, which we pass on).
#[no_mangle]
pub unsafe extern "C" fn bind(fd: libc::c_int, addr: *const libc::sockaddr, len: libc::socklen_t) -> libc::c_int {
    let errno_before = syscalls::errno::get();
    let ret = real_bind::call(fd, addr, len);
    if ret == 0 || syscalls::errno::get() != libc::EACCES {
        return ret;
    }
    // The kernel answered EACCES, so it copied `len` bytes from `addr`
    // (EFAULT otherwise; EINVAL for len > sockaddr_storage).
    let len = (len as usize).min(core::mem::size_of::<libc::sockaddr_storage>());
    if addr.is_null() || len == 0 {
        return ret;
    }
    // SAFETY: readable for `len` bytes, as the kernel just showed.
    let bytes = unsafe { core::slice::from_raw_parts(addr.cast::<u8>(), len) };
    // SAFETY: the program's descriptor, open for the length of its call
    // (the kernel has just used it); we never close it.
    let fd = unsafe { syscalls::BorrowedFd::borrow_raw(fd) };
    hook::after_eacces(fd, bytes, errno_before)
}
