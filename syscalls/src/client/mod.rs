//! Asking the helper, over the native protocol: the path the shim and the
//! seccomp supervisor share, from a refused bind to what the program gets
//! back and what is said about it ([`report`]). Safe code over the
//! wrappers.

pub mod report;

use crate::errno::Errno;
use crate::fd::BorrowedFd;
use crate::{fdpass, sock, spawn};
use model::{Outcome, Target, Verdict};
use wire::Request;

/// What became of a bind the kernel refused with EACCES, once the helper
/// was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The helper's verdict.
    Verdict(Verdict),
    /// The helper could not be asked, or did not answer (errno).
    Unavailable(Errno),
}

/// One request to the helper and its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Asked<'h> {
    pub target: Target,
    pub answer: Answer,
    /// The helper's path, NUL-terminated (for messages).
    pub helper: &'h [u8],
    /// When the helper could not act as root: why, if it can be told.
    pub cause: Option<crate::privilege::Cause>,
}

impl Asked<'_> {
    /// What the program's `bind()` returns: success, the bind's own error
    /// after a grant (EADDRINUSE…), else EACCES, what the kernel said.
    pub fn result(&self) -> Result<(), Errno> {
        match self.answer {
            Answer::Verdict(v) => match v.outcome {
                Outcome::Bound => Ok(()),
                Outcome::BindFailed => Err(v.errno),
                Outcome::Refused | Outcome::BadRequest | Outcome::ConfigError | Outcome::NoPrivilege => {
                    Err(Errno::EACCES)
                }
            },
            Answer::Unavailable(_) => Err(Errno::EACCES),
        }
    }
}

/// The shared path of the shim and the seccomp supervisor: `socket` was
/// refused binding to `addr` (the caller's sockaddr bytes) with EACCES.
/// `None`: not an AF_INET/AF_INET6 bind we help with.
pub fn bind_with_helper<'h>(helper: &'h [u8], socket: BorrowedFd, addr: &[u8]) -> Option<Asked<'h>> {
    let target = Target::from_sockaddr(addr)?;
    let answer = match sock::domain_and_type(socket) {
        Ok((_, socktype)) => {
            let request = Request {
                target,
                socktype: socktype as u16,
            };
            match ask_helper(helper, socket, &request) {
                Ok(v) => Answer::Verdict(v),
                Err(e) => Answer::Unavailable(e),
            }
        }
        Err(e) => Answer::Unavailable(e),
    };
    // Only on this slow path: why the helper could not act as root.
    let cause = match answer {
        Answer::Verdict(v) if v.outcome == Outcome::NoPrivilege => crate::privilege::helper_cannot_act(helper),
        _ => None,
    };
    Some(Asked {
        target,
        answer,
        helper,
        cause,
    })
}

/// Hands `socket` and `request` to the helper at `helper_path`
/// (NUL-terminated) and returns its verdict. The socket itself is bound
/// by the helper (it is the same open file), so the reply's copy is
/// closed.
pub fn ask_helper(helper_path: &[u8], socket: BorrowedFd, request: &Request) -> Result<Verdict, Errno> {
    let (ours, theirs) = sock::seqpacket_pair()?;
    // Queued before the helper starts: it finds the request waiting.
    fdpass::send(ours.as_fd(), &request.encode(), Some(socket), 0)?;
    spawn::run(helper_path, &[helper_path, b"--native\0"], theirs.as_fd())?;
    drop(theirs);
    // The helper has finished: read its reply without blocking, so that a
    // copy of its end of the pair held elsewhere (a fork in another
    // thread) can never make us hang.
    let mut buf = [0u8; 64];
    let got = fdpass::recv(ours.as_fd(), &mut buf, libc::MSG_DONTWAIT).map_err(|e| {
        if e == Errno::EAGAIN {
            // The helper died without answering.
            Errno::ECONNRESET
        } else {
            e
        }
    })?;
    drop(got.fd);
    wire::decode_reply(&buf[..got.len]).map_err(|_| Errno::EPROTO)
}
