//! Asking the helper, over the native protocol: the part the shim (and
//! later the seccomp supervisor) share. Safe code over the wrappers.

use crate::errno::Errno;
use crate::{fdpass, sock, spawn};
use wire::{Reply, Request};

/// Hands `socket` and `request` to the helper at `helper_path`
/// (NUL-terminated) and returns its reply. The socket itself is bound by
/// the helper (it is the same open file), so the reply's copy is closed.
pub fn ask_helper(helper_path: &[u8], socket: i32, request: &Request) -> Result<Reply, Errno> {
    let (ours, theirs) = sock::seqpacket_pair()?;
    let result = exchange(helper_path, socket, request, ours, theirs);
    sock::close(ours);
    result
}

fn exchange(
    helper_path: &[u8],
    socket: i32,
    request: &Request,
    ours: i32,
    theirs: i32,
) -> Result<Reply, Errno> {
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
