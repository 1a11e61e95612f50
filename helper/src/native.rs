//! The native protocol: one request with the socket attached, one reply
//! with the socket attached again.

use crate::error::HelperError;
use crate::Settled;
use model::{Errno, Outcome, Verdict};
use syscalls::{fdpass, sock, Fd};
use wire::Request;

/// The reply, with the socket attached again, to send once the decision
/// is logged.
pub struct Reply {
    bytes: wire::Reply,
    socket: Option<Fd>,
}

impl Reply {
    /// Never blocks: a reply queue filled beforehand gets EAGAIN, not a
    /// sleeping root process.
    pub fn send(&self) -> Result<(), HelperError> {
        let socket = self.socket.as_ref().map(Fd::as_fd);
        fdpass::send(crate::STDIN, &self.bytes, socket, libc::MSG_DONTWAIT).map_err(HelperError::Reply)
    }
}

/// `uid`: the real user, who asks.
pub fn run(extra_args: &[&[u8]], uid: u32) -> Result<Settled, HelperError> {
    if !extra_args.is_empty() {
        return Err(HelperError::NativeUsage);
    }
    let channel = crate::STDIN;
    // Nothing is done as root on anything but what the client makes: a
    // Unix SOCK_SEQPACKET socket (not a netlink socket, not a connected
    // TCP or stream socket someone else is at the end of).
    match sock::domain_and_type(channel) {
        Ok((libc::AF_UNIX, libc::SOCK_SEQPACKET)) => {}
        Ok(_) => return Err(HelperError::NotAChannel(Errno::EPROTOTYPE)),
        Err(e) => return Err(HelperError::NotAChannel(e)),
    }
    // A peer that never writes must not keep a root process around (the
    // deadline would end it a little later anyway).
    sock::set_recv_timeout(channel, 5_000).map_err(HelperError::NotAChannel)?;
    let mut buf = [0u8; 128];
    let got = fdpass::recv(channel, &mut buf, 0).map_err(HelperError::NoRequest)?;
    let (target, verdict) = match (Request::decode(&buf[..got.len]), &got.fd) {
        (Ok(req), Some(socket)) => (
            Some(req.target),
            crate::settle_on(&req.target, socket.as_fd(), Some(i32::from(req.socktype)), uid),
        ),
        (Ok(req), None) => (Some(req.target), bad(Errno::EBADF)),
        (Err(_), _) => (None, bad(Errno::EPROTO)),
    };
    let proto = got.fd.as_ref().and_then(|fd| sock::protocol(fd.as_fd()).ok());
    Ok(Settled {
        reply: Some(Reply {
            bytes: wire::encode_reply(&verdict),
            socket: got.fd,
        }),
        target,
        verdict,
        status: 0,
        // Whoever made the pair (the program, or the supervisor).
        caller: sock::peer_pid(channel).ok(),
        proto,
    })
}

fn bad(errno: Errno) -> Verdict {
    Verdict::without_decision(Outcome::BadRequest, errno)
}
