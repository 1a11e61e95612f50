//! What to do when the kernel said EACCES: ask the helper if this is an
//! Internet bind we may help with, else return the kernel's answer.

use crate::debug;
use syscalls::client::{bind_with_helper, HelperAnswer};
use syscalls::errno;

/// Returns bind's result for the caller, errno set accordingly.
pub fn after_eacces(fd: i32, addr: &[u8], errno_before: i32) -> i32 {
    let fail = |e: i32| {
        errno::set(e);
        -1
    };
    // root needs no help (and authbind leaves it alone too).
    if syscalls::sock::effective_uid() == 0 {
        return fail(libc::EACCES);
    }
    match bind_with_helper(buildcfg::HELPER_PATH_C, fd, addr) {
        None => fail(libc::EACCES),
        Some(HelperAnswer::Bound) => {
            errno::set(errno_before);
            0
        }
        // A real bind error after a grant: the program should see it.
        Some(HelperAnswer::BindFailed(e)) => fail(e),
        Some(HelperAnswer::Refused {
            request,
            rule,
            helper_errno,
        }) => {
            debug::refused(&request, rule.name(), helper_errno);
            fail(libc::EACCES)
        }
        Some(HelperAnswer::Unavailable(e)) => {
            debug::helper_failed(e);
            fail(libc::EACCES)
        }
    }
}
