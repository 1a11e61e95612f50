//! Owned and borrowed file descriptors for a `no_std` layer: an [`Fd`] is
//! closed exactly once, when dropped, by raw system call (libc's close is
//! a thread cancellation point); a [`BorrowedFd`] cannot outlive what it
//! borrows. Leaks and double closes become compile errors.

use core::marker::PhantomData;

/// An open descriptor this process owns.
#[derive(Debug, PartialEq, Eq)]
pub struct Fd(i32);

impl Fd {
    /// Takes ownership of `raw`.
    ///
    /// # Safety
    /// `raw` is an open descriptor that nothing else closes or owns.
    pub unsafe fn from_raw(raw: i32) -> Fd {
        debug_assert!(raw >= 0);
        Fd(raw)
    }

    pub fn as_fd(&self) -> BorrowedFd<'_> {
        BorrowedFd {
            raw: self.0,
            _owner: PhantomData,
        }
    }

    /// The number, still owned by `self`.
    pub fn raw(&self) -> i32 {
        self.0
    }

    /// Gives up ownership without closing.
    pub fn into_raw(self) -> i32 {
        let raw = self.0;
        core::mem::forget(self);
        raw
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: we own the descriptor and close it once; EINTR still
        // closes it on Linux. By number: not a cancellation point, and the
        // caller's errno is left alone.
        let _ = unsafe { crate::sys!(libc::SYS_close, self.0) };
    }
}

/// A descriptor borrowed for `'a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BorrowedFd<'a> {
    raw: i32,
    _owner: PhantomData<&'a Fd>,
}

impl BorrowedFd<'_> {
    /// Borrows a descriptor someone else owns (a program's, the standard
    /// streams).
    ///
    /// # Safety
    /// `raw` stays open for the borrow's lifetime (a descriptor number
    /// that is not open only makes the calls on it fail with EBADF).
    pub const unsafe fn borrow_raw<'a>(raw: i32) -> BorrowedFd<'a> {
        BorrowedFd {
            raw,
            _owner: PhantomData,
        }
    }

    pub fn raw(self) -> i32 {
        self.raw
    }
}

// SAFETY: the standard descriptors are the process's own; a number that
// is not open only makes calls on it fail with EBADF, and nothing here
// closes them.
pub const STDIN: BorrowedFd<'static> = unsafe { BorrowedFd::borrow_raw(0) };
// SAFETY: as for STDIN.
pub const STDERR: BorrowedFd<'static> = unsafe { BorrowedFd::borrow_raw(2) };

/// What std's runtime does before `main` for a program that has its own
/// entry point (the setuid helper): each of fds 0-2 that is not open gets
/// `/dev/null`, so that no file the program opens later lands on a
/// standard descriptor (a message meant for stderr written into it).
/// One `poll` when all three are open.
pub fn fill_closed_std_fds() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // The kernel writes the time left back into it.
    let mut none = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `fds` is a valid array of three pollfd for the call's length,
    // `none` a valid timeout, no signal mask.
    let r = unsafe {
        crate::sys!(
            libc::SYS_ppoll,
            fds.as_mut_ptr(),
            3,
            &mut none as *mut libc::timespec,
            0,
            0
        )
    };
    if r == Ok(0) {
        return;
    }
    for p in fds {
        // poll failing (EINVAL/ENOMEM) says nothing of which fd is closed;
        // then each is asked on its own, as std does.
        let closed = if r.is_err() {
            // SAFETY: F_GETFD only reads the descriptor's flags.
            let flags = unsafe { crate::sys!(libc::SYS_fcntl, p.fd, libc::F_GETFD) };
            flags == Err(crate::Errno::EBADF)
        } else {
            p.revents & libc::POLLNVAL != 0
        };
        // SAFETY: open of a constant NUL-terminated path; the lowest free
        // number is the closed one (lower ones are open), kept for life.
        let opened = || unsafe { crate::sys!(libc::SYS_openat, libc::AT_FDCWD, c"/dev/null".as_ptr(), libc::O_RDWR) };
        if closed && opened().is_err() {
            // As std: no /dev/null to put there is a reason to stop.
            crate::raw::exit(127);
        }
    }
}

#[cfg(feature = "std")]
mod std_conversions {
    extern crate std;
    use super::{BorrowedFd, Fd};
    use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd};

    impl From<Fd> for OwnedFd {
        fn from(fd: Fd) -> OwnedFd {
            // SAFETY: ownership moves from one owner type to the other.
            unsafe { OwnedFd::from_raw_fd(fd.into_raw()) }
        }
    }

    impl From<OwnedFd> for Fd {
        fn from(fd: OwnedFd) -> Fd {
            // SAFETY: as above.
            unsafe { Fd::from_raw(fd.into_raw_fd()) }
        }
    }

    impl<'a> From<std::os::fd::BorrowedFd<'a>> for BorrowedFd<'a> {
        fn from(fd: std::os::fd::BorrowedFd<'a>) -> BorrowedFd<'a> {
            // SAFETY: std's borrow keeps it open for 'a.
            unsafe { BorrowedFd::borrow_raw(fd.as_raw_fd()) }
        }
    }

    /// Any std descriptor owner, borrowed.
    pub fn borrow<T: AsFd>(owner: &T) -> BorrowedFd<'_> {
        owner.as_fd().into()
    }
}
#[cfg(feature = "std")]
pub use std_conversions::borrow;
