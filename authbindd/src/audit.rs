//! One audit line per grant the programs report, through the shared
//! `audit` crate (the helper's format and sender: facility authpriv,
//! ident `authbind`, `RESULT=granted UID=… PID=… PROTO=… ADDR=… PORT=…
//! RULE=… FILE=… BY=kernel`). User names are cached per uid until the
//! next reload, so that a burst of binds does not read /etc/passwd each
//! time. The PID is the kernel's (initial PID namespace) and the process
//! has usually exited when the line is written, so no EXE is given: a
//! /proc lookup could name another process.

use crate::maps::layout::Event;
use audit::{Entry, Outcome, Proto, Severity};
use model::{PolicyFile, Target};
use std::collections::BTreeMap;

/// What the daemon keeps for its audit lines: user names, cached per uid
/// until the next reload (a burst of binds must not read /etc/passwd each
/// time), and one syslog socket for all of them.
#[derive(Default)]
pub struct Names {
    cache: BTreeMap<u32, Option<String>>,
    sender: audit::Sender,
}

impl Names {
    fn of(&mut self, uid: u32) -> Option<&str> {
        self.cache
            .entry(uid)
            .or_insert_with(|| audit::user_name(uid))
            .as_deref()
    }

    /// After a reload (the user database may have changed).
    pub fn forget(&mut self) {
        self.cache.clear();
    }
}

/// The entry of one grant.
pub fn entry<'a>(e: &Event, target: &'a Target, user: Option<&'a str>) -> Entry<'a> {
    Entry {
        result: Outcome::Granted,
        uid: e.uid,
        user,
        pid: Some(e.pid),
        exe: None,
        proto: Some(Proto::of(e.protocol)),
        target: Some(target),
        rule: e.rule,
        file: e.file.and_then(|name| PolicyFile::new(name, e.addr, e.port, e.uid)),
        line: None,
        reason: None,
        errno: None,
        suppressed: None,
        by: "kernel",
    }
}

pub fn send(names: &mut Names, e: &Event) {
    let target = Target::new(e.addr, e.port);
    let user = names.of(e.uid).map(str::to_string);
    let entry = entry(e, &target, user.as_deref());
    names.sender.send(
        audit::AUTHPRIV,
        Severity::Info,
        audit::IDENT,
        std::process::id(),
        &entry,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::{Address, FileName, Rule};

    #[test]
    fn fields_in_order() {
        let e = Event {
            uid: 1500,
            gid: 1500,
            pid: 42,
            port: 636,
            addr: Address::V4([127, 0, 0, 1]),
            rule: Some(Rule::ByAddr),
            file: Some(FileName::ByAddrColon),
            sock_type: libc::SOCK_STREAM as u32,
            protocol: libc::IPPROTO_TCP as u32,
        };
        let t = Target::new(e.addr, e.port);
        assert_eq!(
            entry(&e, &t, Some("alice")).to_string(),
            "RESULT=granted UID=1500 USER=alice PID=42 PROTO=tcp ADDR=127.0.0.1 PORT=636 RULE=byaddr \
             FILE=byaddr/!127.0.0.1:636 BY=kernel"
        );
        let u = Event {
            rule: Some(Rule::ByUid),
            file: Some(FileName::ByUid),
            protocol: libc::IPPROTO_UDP as u32,
            port: 53,
            ..e
        };
        let t = Target::new(u.addr, u.port);
        assert!(entry(&u, &t, None)
            .to_string()
            .contains("PROTO=udp ADDR=127.0.0.1 PORT=53 RULE=byuid FILE=byuid/1500 BY=kernel"));
    }
}
