//! The setuid helper's work, as a library: for a caller, a target and a
//! socket, decide with the policy (authbind 2.1's order), check that the
//! socket is one we may bind, bind it, and say how it ended in one
//! [`Verdict`]. The helper's two protocols are thin layers over
//! [`settle`] (which lets the helper drop the caller's ids between the
//! decision and the bind); the kernel-mode daemon and the administration tool use the
//! same policy and model types.
#![forbid(unsafe_code)]
// No std and no C library: the setuid helper is built on it (see
// helper/src/start.rs); its tests have std.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

mod confdir;

/// The safe root open: one definition, the helper's policy file system,
/// which the administration tool reads the real tree with too.
pub use confdir::{ByuidFile, ConfDir};
use model::{Decision, Errno, Outcome, Target, Verdict};
pub use policy::decide;
use policy::PolicyFs;
use syscalls::sock::{bind_target, domain_and_type};
use syscalls::BorrowedFd;

/// Who asks: the real user of the calling process. (Its groups are the
/// process's own; `access()` sees them.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub uid: u32,
}

/// Decides `target` for `caller` with `conf` and, if granted, binds
/// `socket`. `socktype`: the type the client says the socket has, if it
/// said. `decided` runs once the policy has decided and before anything
/// is bound: the decision needs the caller's real ids (access() as the
/// user), and the helper drops them there.
pub fn settle<F: PolicyFs>(
    conf: &mut F,
    caller: Caller,
    target: &Target,
    socket: BorrowedFd,
    socktype: Option<i32>,
    decided: impl FnOnce(),
) -> Verdict {
    let decision = decide(conf, caller.uid, &target.addr, target.port);
    decided();
    bind_granted(decision, target, socket, socktype)
}

/// The second half of [`settle`]: the policy has decided (as the real
/// user); if it granted, bind `socket`.
fn bind_granted(decision: Decision, target: &Target, socket: BorrowedFd, socktype: Option<i32>) -> Verdict {
    if !decision.granted() {
        return Verdict::of_decision(decision, Ok(()));
    }
    if let Err(errno) = check_socket(socket, target, socktype) {
        return Verdict {
            outcome: Outcome::BadRequest,
            decision: Some(decision),
            errno,
        };
    }
    let bound = bind_target(socket, target);
    if bound == Err(Errno::EACCES) && !syscalls::process::may_bind_privileged() {
        // Granted, but we are not the root we should be.
        return Verdict {
            outcome: Outcome::NoPrivilege,
            decision: Some(decision),
            errno: Errno::EACCES,
        };
    }
    Verdict::of_decision(decision, bound)
}

/// The socket must be an Internet socket of the target's family (and of
/// the type the client announced): we bind nothing else as root.
fn check_socket(socket: BorrowedFd, target: &Target, socktype: Option<i32>) -> Result<(), Errno> {
    let (domain, kind) = domain_and_type(socket)?;
    let want = if target.addr.is_v6() {
        libc::AF_INET6
    } else {
        libc::AF_INET
    };
    if domain != want {
        return Err(Errno::EAFNOSUPPORT);
    }
    if socktype.is_some_and(|t| t != kind) {
        return Err(Errno::EPROTOTYPE);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::{Address, Reason};
    use nix::sys::socket::{socket as new_socket, AddressFamily, SockFlag, SockType};
    use policy::memfs::MemFs;
    use std::os::fd::{AsRawFd, OwnedFd};

    fn socket(family: i32, kind: i32) -> OwnedFd {
        let family = if family == libc::AF_INET6 {
            AddressFamily::Inet6
        } else {
            AddressFamily::Inet
        };
        let kind = if kind == libc::SOCK_DGRAM {
            SockType::Datagram
        } else {
            SockType::Stream
        };
        new_socket(family, kind, SockFlag::SOCK_CLOEXEC, None).unwrap()
    }

    fn local(port: u16) -> Target {
        Target::new(Address::V4([127, 0, 0, 1]), port)
    }

    #[test]
    fn a_grant_binds_the_very_socket() {
        let s = socket(libc::AF_INET, libc::SOCK_STREAM);
        // An unprivileged port, so that the test runs as any user.
        let mut fs = MemFs::new().flag("byport/!40123", true);
        // The helper's step between the decision and the bind runs once.
        let mut between = 0;
        let v = settle(
            &mut fs,
            Caller { uid: 1 },
            &local(40123),
            syscalls::fd::borrow(&s),
            None,
            || between += 1,
        );
        assert_eq!((v.outcome, v.errno), (Outcome::Bound, Errno(0)), "{v:?}");
        assert_eq!(between, 1);
        let bound = std::net::TcpListener::from(s).local_addr().unwrap();
        assert_eq!(bound.port(), 40123);
    }

    #[test]
    fn refusals_bind_nothing_and_wrong_sockets_are_refused() {
        let s = socket(libc::AF_INET, libc::SOCK_STREAM);
        let v = settle(
            &mut MemFs::new(),
            Caller { uid: 1 },
            &local(80),
            syscalls::fd::borrow(&s),
            None,
            || {},
        );
        assert_eq!(v.outcome, Outcome::Refused);
        assert_eq!(v.decision.map(|d| d.reason), Some(Reason::NoByuidFile));
        let mut fs = MemFs::new().flag("byport/80", true);
        let v6 = socket(libc::AF_INET6, libc::SOCK_STREAM);
        let v = settle(
            &mut fs,
            Caller { uid: 1 },
            &local(80),
            syscalls::fd::borrow(&v6),
            None,
            || {},
        );
        assert_eq!((v.outcome, v.errno), (Outcome::BadRequest, Errno::EAFNOSUPPORT));
        let v = settle(
            &mut fs,
            Caller { uid: 1 },
            &local(80),
            syscalls::fd::borrow(&s),
            Some(libc::SOCK_DGRAM),
            || {},
        );
        assert_eq!((v.outcome, v.errno), (Outcome::BadRequest, Errno::EPROTOTYPE));
        assert!(s.as_raw_fd() >= 0);
    }
}
