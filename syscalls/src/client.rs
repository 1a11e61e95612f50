//! Asking the helper, over the native protocol: the part the shim (and
//! later the seccomp supervisor) share. Safe code over the wrappers.

use crate::errno::Errno;
use crate::{fdpass, sock, spawn};
use wire::{Outcome, Reply, Request, RuleCode};

/// What became of a bind the kernel refused with EACCES, once the helper
/// was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HelperAnswer {
    /// The socket is bound.
    Bound,
    /// The policy granted but bind() failed: the program gets this errno.
    BindFailed(i32),
    /// Refused by the policy, or the request or configuration was bad: the
    /// program gets EACCES, what the kernel said.
    Refused {
        request: Request,
        rule: RuleCode,
        helper_errno: i32,
    },
    /// The helper could not be asked (errno): the program gets EACCES.
    Unavailable(i32),
}

/// The shared path of the shim and the seccomp supervisor: `socket` was
/// refused binding to `addr` (the caller's sockaddr bytes) with EACCES.
/// `None`: not an AF_INET/AF_INET6 bind we help with.
pub fn bind_with_helper(helper_path: &[u8], socket: i32, addr: &[u8]) -> Option<HelperAnswer> {
    let socktype = match sock::domain_and_type(socket) {
        Ok((_, t)) => t as u16,
        Err(e) => return Some(HelperAnswer::Unavailable(e.0)),
    };
    let request = Request::from_sockaddr(addr, socktype)?;
    Some(match ask_helper(helper_path, socket, &request) {
        Ok(reply) => match reply.outcome {
            Outcome::Bound => HelperAnswer::Bound,
            Outcome::BindFailed => HelperAnswer::BindFailed(reply.errno),
            Outcome::Refused | Outcome::BadRequest | Outcome::ConfigError => HelperAnswer::Refused {
                request,
                rule: reply.rule,
                helper_errno: reply.errno,
            },
        },
        Err(e) => HelperAnswer::Unavailable(e.0),
    })
}

/// Hands `socket` and `request` to the helper at `helper_path`
/// (NUL-terminated) and returns its reply. The socket itself is bound by
/// the helper (it is the same open file), so the reply's copy is closed.
pub fn ask_helper(helper_path: &[u8], socket: i32, request: &Request) -> Result<Reply, Errno> {
    let (ours, theirs) = sock::seqpacket_pair()?;
    let result = exchange(helper_path, socket, request, ours, theirs);
    sock::close(ours);
    result
}

fn exchange(helper_path: &[u8], socket: i32, request: &Request, ours: i32, theirs: i32) -> Result<Reply, Errno> {
    // Queued before the helper starts: it finds the request waiting.
    let sent = fdpass::send(ours, &request.encode(), Some(socket));
    if let Err(e) = sent {
        sock::close(theirs);
        return Err(e);
    }
    let ran = spawn::run(helper_path, &[helper_path, b"--native\0"], theirs);
    sock::close(theirs);
    ran?;
    // The helper has finished: read its reply without blocking, so that a
    // copy of its end of the pair held elsewhere (a fork in another
    // thread) can never make us hang.
    let mut buf = [0u8; 64];
    let got = fdpass::recv(ours, &mut buf, libc::MSG_DONTWAIT).map_err(|e| {
        if e.0 == libc::EAGAIN {
            // The helper died without answering.
            Errno(libc::ECONNRESET)
        } else {
            e
        }
    })?;
    if let Some(fd) = got.fd {
        sock::close(fd);
    }
    Reply::decode(&buf[..got.len]).map_err(|_| Errno(libc::EPROTO))
}
