//! What to do when the kernel said EACCES: ask the helper if this is an
//! Internet bind we may help with, else return the kernel's answer.

use crate::debug;
use syscalls::client::bind_with_helper;
use syscalls::{errno, BorrowedFd, Errno};

/// Returns bind's result for the caller, errno set accordingly.
pub fn after_eacces(fd: BorrowedFd, addr: &[u8], errno_before: i32) -> i32 {
    let fail = |e: Errno| {
        errno::set(e.0);
        -1
    };
    // root needs no help (and authbind leaves it alone too).
    if syscalls::sock::effective_uid() == 0 {
        return fail(Errno::EACCES);
    }
    let Some(asked) = bind_with_helper(buildcfg::HELPER_PATH_C, fd, addr) else {
        return fail(Errno::EACCES);
    };
    debug::report(&asked);
    match asked.result() {
        Ok(()) => {
            errno::set(errno_before);
            0
        }
        Err(e) => fail(e),
    }
}
