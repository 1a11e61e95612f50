//! The native protocol: one request with the socket attached, one reply
//! with the socket attached again.

use crate::error::HelperError;
use crate::Settled;
use model::{Errno, Outcome, Target, Verdict};
use syscalls::{fdpass, sock};
use wire::Request;

pub fn run(extra_args: &[&[u8]]) -> Result<Settled, HelperError> {
    if !extra_args.is_empty() {
        return Err(HelperError::NativeUsage);
    }
    let channel = crate::STDIN;
    // A peer that never writes must not keep a root process around.
    sock::set_recv_timeout(channel, 10_000).map_err(HelperError::NotAChannel)?;
    let mut buf = [0u8; 128];
    let got = fdpass::recv(channel, &mut buf, 0).map_err(HelperError::NoRequest)?;
    let (target, verdict) = match (Request::decode(&buf[..got.len]), &got.fd) {
        (Ok(req), Some(socket)) => (
            req.target,
            crate::settle_on(&req.target, socket.as_fd(), Some(i32::from(req.socktype))),
        ),
        (Ok(req), None) => (req.target, bad(Errno::EBADF)),
        (Err(_), _) => (Target::new(model::Address::UNSPECIFIED_V4, 0), bad(Errno::EPROTO)),
    };
    let reply = wire::encode_reply(&verdict);
    fdpass::send(channel, &reply, got.fd.as_ref().map(|fd| fd.as_fd()), 0).map_err(HelperError::Reply)?;
    Ok(Settled {
        target,
        verdict,
        status: 0,
    })
}

fn bad(errno: Errno) -> Verdict {
    Verdict::without_decision(Outcome::BadRequest, errno)
}
