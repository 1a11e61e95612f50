//! The native protocol: one request with the socket attached, one reply
//! with the socket attached again.

use crate::exit::say;
use crate::verdict::{settle, Verdict};
use syscalls::fdpass;
use syscalls::sock::{close, set_recv_timeout, InetAddr};
use wire::{Family, Outcome, Reply, Request, RuleCode};

const CHANNEL: i32 = 0;

pub fn run(extra_args: &[&[u8]]) -> i32 {
    if !extra_args.is_empty() {
        say(format_args!("bad usage: --native takes no arguments"));
        return libc::ENOSYS;
    }
    // A peer that never writes must not keep a root process around.
    if let Err(e) = set_recv_timeout(CHANNEL, 10) {
        say(format_args!(
            "--native: fd 0 is not a socket pair ({})",
            crate::exit::describe(e.0)
        ));
        return crate::exit::status_for(e.0);
    }
    let mut buf = [0u8; 128];
    let got = match fdpass::recv(CHANNEL, &mut buf, 0) {
        Ok(g) => g,
        Err(e) => {
            say(format_args!("--native: no request: {}", crate::exit::describe(e.0)));
            return crate::exit::status_for(e.0);
        }
    };
    let verdict = match (Request::decode(&buf[..got.len]), got.fd) {
        (Ok(req), Some(socket)) => settle(socket, &target_of(&req), Some(i32::from(req.socktype))),
        (Err(_), _) => bad(libc::EPROTO),
        (Ok(_), None) => bad(libc::EBADF),
    };
    let reply = Reply {
        outcome: verdict.outcome,
        rule: verdict.rule,
        errno: verdict.errno,
    };
    let sent = fdpass::send(CHANNEL, &reply.encode(), got.fd);
    if let Some(fd) = got.fd {
        close(fd);
    }
    match sent {
        Ok(()) => 0,
        Err(e) => crate::exit::status_for(e.0),
    }
}

fn bad(errno: i32) -> Verdict {
    Verdict {
        outcome: Outcome::BadRequest,
        rule: RuleCode::None,
        errno,
    }
}

fn target_of(req: &Request) -> InetAddr {
    match req.family {
        Family::V4 => InetAddr::V4 {
            addr: [req.addr[0], req.addr[1], req.addr[2], req.addr[3]],
            port: req.port,
        },
        Family::V6 => InetAddr::V6 {
            addr: req.addr,
            port: req.port,
            flowinfo: req.flowinfo,
            scope_id: req.scope_id,
        },
    }
}
