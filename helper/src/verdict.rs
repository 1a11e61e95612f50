//! From a request to a bound socket or a reason: policy first (authbind's
//! order), then the socket check, then the bind itself.

use crate::confdir::ConfDir;
use crate::exit::{describe, say};
use policy::{decide, Address, Decision, Fault, Request, Rule};
use syscalls::sock::{bind_inet, domain_and_type, InetAddr};
use wire::{Outcome, RuleCode};

pub struct Verdict {
    pub outcome: Outcome,
    pub rule: RuleCode,
    /// 0 when bound.
    pub errno: i32,
}

fn rule_code(rule: Rule) -> RuleCode {
    match rule {
        Rule::ByPort => RuleCode::ByPort,
        Rule::ByAddr => RuleCode::ByAddr,
        Rule::ByUidMissing => RuleCode::ByUidMissing,
        Rule::ByUid => RuleCode::ByUid,
    }
}

/// Decides `target` for the real uid and, if granted, binds `socket`.
/// `socktype`: the type the client says the socket has, if it said.
pub fn settle(socket: i32, target: &InetAddr, socktype: Option<i32>) -> Verdict {
    let (addr, port) = match *target {
        InetAddr::V4 { addr, port } => (Address::V4(addr), port),
        InetAddr::V6 { addr, port, .. } => (Address::V6(addr), port),
    };
    let mut conf = match ConfDir::open() {
        Ok(c) => c,
        Err(errno) => {
            say(format_args!("{}: {}", buildcfg::CONFDIR, describe(errno)));
            return Verdict {
                outcome: Outcome::ConfigError,
                rule: RuleCode::None,
                errno,
            };
        }
    };
    let req = Request {
        uid: nix::unistd::getuid().as_raw(),
        addr,
        port,
    };
    let rule = match decide(&mut conf, &req) {
        Decision::Grant { rule, .. } => rule_code(rule),
        Decision::Refuse {
            rule,
            errno,
            file,
            fault,
        } => {
            match fault {
                Some(Fault::ReadError) => say(format_args!("{file}: read per-uid file: {}", describe(errno))),
                Some(Fault::TooLarge) => say(format_args!(
                    "{file}: larger than {} bytes; not read further",
                    policy::MAX_FILE_BYTES
                )),
                None => {}
            }
            let outcome = if fault.is_some() {
                Outcome::ConfigError
            } else {
                Outcome::Refused
            };
            return Verdict {
                outcome,
                rule: rule_code(rule),
                errno,
            };
        }
    };
    if let Err(errno) = check_socket(socket, &addr, socktype) {
        return Verdict {
            outcome: Outcome::BadRequest,
            rule,
            errno,
        };
    }
    match bind_inet(socket, target) {
        Ok(()) => Verdict {
            outcome: Outcome::Bound,
            rule,
            errno: 0,
        },
        Err(e) => Verdict {
            outcome: Outcome::BindFailed,
            rule,
            errno: e.0,
        },
    }
}

/// The socket must be an Internet socket of the request's family (and of
/// the type the client announced): we bind nothing else as root.
fn check_socket(socket: i32, addr: &Address, socktype: Option<i32>) -> Result<(), i32> {
    let (domain, kind) = domain_and_type(socket).map_err(|e| e.0)?;
    let want = if addr.is_v6() { libc::AF_INET6 } else { libc::AF_INET };
    if domain != want {
        return Err(libc::EAFNOSUPPORT);
    }
    if socktype.is_some_and(|t| t != kind) {
        return Err(libc::EPROTOTYPE);
    }
    Ok(())
}
