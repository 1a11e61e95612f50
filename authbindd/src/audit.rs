//! One audit line per grant the programs report, through the shared
//! `audit` crate (the helper's format and sender: facility authpriv,
//! ident `authbind`, `RESULT=granted UID=… PID=… PROTO=… ADDR=… PORT=…
//! RULE=… FILE=… BY=kernel`), and per bind a reservation refused
//! (`RESULT=refused … RULE=reserve FILE=reserve/5432 REASON=reserved
//! ERRNO=… BY=kernel`; an owner's grant says `REASON=owner`). User names are cached per uid until the
//! next reload, so that a burst of binds does not read /etc/passwd each
//! time. The PID is the kernel's (initial PID namespace) and the process
//! has usually exited when the line is written, so no EXE is given: a
//! /proc lookup could name another process.
//!
//! A user binding in a loop must neither flood the log nor crowd out
//! another user's lines: each user gets at most
//! [`audit::GRANTS_PER_WINDOW`] lines per [`audit::GRANT_WINDOW_SECONDS`]
//! (counted here, after the programs: the bind itself never waits for
//! it), and when a window that left lines out ends, one line says how
//! many (`SUPPRESSED=`). Lines syslog's small queue has no room for wait
//! in the daemon (a bounded number) and go as it drains. The lines left
//! out and the lines syslog did not take (no /dev/log, or too many
//! waiting) are counted in a small file beside
//! the helper's counts, which `authbindd --status` shows
//! ([`crate::audit_tally`]).

use crate::audit_tally::Tally;
use crate::maps::layout::Event;
use audit::{Allowance, Delivery, Entry, Outcome, Proto, Severity};
use model::{Errno, PolicyFile, Reason, Target};
use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::time::{Duration, Instant};

/// What the daemon keeps for its audit lines: user names, cached per uid
/// until the next reload (a burst of binds must not read /etc/passwd each
/// time), one syslog socket for all of them, each user's window, and the
/// counts not yet added to the tally file.
pub struct Names {
    cache: BTreeMap<u32, Option<String>>,
    sender: audit::Sender,
    limits: audit::PerUser,
    /// Refusals by a reservation, limited as the helper limits its own.
    refusal_limits: audit::PerUser,
    started: Instant,
    uncounted: Tally,
    /// Lines syslog's queue had no room for yet, oldest first (a burst
    /// outruns its small queue): sent as it drains.
    pending: VecDeque<String>,
}

/// The most lines kept for syslog; past that a line is counted as lost.
/// (Each user has at most GRANTS_PER_WINDOW lines a window.)
const MAX_PENDING: usize = 4096;
/// The most a turn of the loop waits for syslog to drain its queue.
const PATIENCE_PER_TURN: Duration = Duration::from_millis(20);
/// How long to wait before trying a full queue again.
const RETRY: Duration = Duration::from_micros(200);

impl Default for Names {
    fn default() -> Names {
        Names {
            cache: BTreeMap::new(),
            sender: audit::Sender::default(),
            limits: audit::PerUser::grants(),
            refusal_limits: audit::PerUser::refusals(),
            started: Instant::now(),
            uncounted: Tally::default(),
            pending: VecDeque::new(),
        }
    }
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

    /// Seconds on the daemon's own clock (never goes back).
    fn now(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    fn write(&mut self, entry: &Entry<'_>) {
        if self.pending.len() >= MAX_PENDING {
            self.uncounted.undelivered += 1;
            return;
        }
        self.pending.push_back(audit::format(
            audit::AUTHPRIV,
            Severity::Info,
            audit::IDENT,
            std::process::id(),
            entry,
        ));
        self.flush(Duration::ZERO);
    }

    /// Sends the pending lines in order while syslog takes them, waiting
    /// up to `patience` for its queue to drain.
    fn flush(&mut self, patience: Duration) {
        let start = Instant::now();
        while let Some(datagram) = self.pending.front() {
            match self.sender.try_send(datagram) {
                Delivery::Taken => {}
                Delivery::Failed => self.uncounted.undelivered += 1,
                Delivery::Full if start.elapsed() < patience => {
                    std::thread::sleep(RETRY);
                    continue;
                }
                Delivery::Full => return,
            }
            self.pending.pop_front();
        }
    }

    /// Once per turn of the daemon's loop: says what the windows that
    /// ended left out, and adds the counts to the tally of the cgroup
    /// whose pins are `pins`.
    pub fn turn(&mut self, pins: &Path) {
        let now = self.now();
        let ended = self.limits.ended(now).into_iter().map(|e| (Outcome::Granted, e));
        let refusals = self
            .refusal_limits
            .ended(now)
            .into_iter()
            .map(|e| (Outcome::Refused, e));
        for (outcome, (uid, suppressed)) in ended.chain(refusals).collect::<Vec<_>>() {
            let user = self.of(uid).map(str::to_string);
            self.write(&summary(outcome, uid, user.as_deref(), suppressed));
        }
        self.flush(PATIENCE_PER_TURN);
        if self.uncounted != Tally::default() {
            // Kept for the next turn if the file cannot be written.
            if crate::audit_tally::add(pins, &self.uncounted).is_ok() {
                self.uncounted = Tally::default();
            }
        }
    }
}

/// The line that says how many lines of `uid` (grants, or refusals by a
/// reservation) a window left out.
fn summary(result: Outcome, uid: u32, user: Option<&str>, suppressed: u32) -> Entry<'_> {
    Entry {
        result,
        uid,
        user,
        pid: None,
        exe: None,
        proto: None,
        target: None,
        rule: None,
        file: None,
        line: None,
        reason: None,
        errno: None,
        suppressed: Some(suppressed),
        by: "kernel",
    }
}

/// The entry of one grant, or of a refusal by a reservation.
pub fn entry<'a>(e: &Event, target: &'a Target, user: Option<&'a str>) -> Entry<'a> {
    let file = match e.reservation {
        Some(r) => Some(PolicyFile::reservation(&r)),
        None => e.file.and_then(|name| PolicyFile::new(name, e.addr, e.port, e.uid)),
    };
    let reason = match (e.reservation, e.refused) {
        (Some(_), true) => Some(audit::reason_word(Reason::Reserved)),
        (Some(_), false) => Some(audit::reason_word(Reason::Owner)),
        (None, _) => None,
    };
    Entry {
        result: if e.refused { Outcome::Refused } else { Outcome::Granted },
        uid: e.uid,
        user,
        pid: Some(e.pid),
        exe: None,
        proto: Some(Proto::of(e.protocol)),
        target: Some(target),
        rule: e.rule,
        file,
        line: None,
        reason,
        errno: e.refused.then_some(Errno::EACCES),
        suppressed: None,
        by: "kernel",
    }
}

/// The line of one grant (or refusal), unless its user's window is full
/// (then it is counted).
pub fn send(names: &mut Names, e: &Event) {
    let now = names.now();
    let limits = if e.refused {
        &mut names.refusal_limits
    } else {
        &mut names.limits
    };
    let suppressed = match limits.admit(e.uid, now) {
        Allowance::Write { suppressed } => suppressed,
        Allowance::Suppress => {
            names.uncounted.suppressed += 1;
            return;
        }
    };
    let target = Target::new(e.addr, e.port);
    let user = names.of(e.uid).map(str::to_string);
    let mut entry = entry(e, &target, user.as_deref());
    entry.suppressed = (suppressed > 0).then_some(suppressed);
    names.write(&entry);
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::{Address, FileName, Rule};

    /// A daemon's audit state sending to `path`.
    fn names_to(path: &Path) -> Names {
        Names {
            sender: audit::Sender::to(path.to_str().unwrap()),
            ..Names::default()
        }
    }

    fn grant(uid: u32) -> Event {
        Event {
            uid,
            gid: uid,
            pid: 1,
            port: 80,
            addr: Address::V4([127, 0, 0, 1]),
            rule: Some(Rule::ByPort),
            file: Some(FileName::ByPort),
            sock_type: libc::SOCK_STREAM as u32,
            protocol: libc::IPPROTO_TCP as u32,
            refused: false,
            reservation: None,
        }
    }

    #[test]
    fn a_flood_is_limited_per_user_and_no_line_is_lost_to_a_full_queue() {
        let dir = std::env::temp_dir().join(format!("authbindd-audit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join("log");
        let receiver = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        receiver.set_nonblocking(true).unwrap();
        let mut names = names_to(&path);
        // uid 7 floods; 8 binds once in the middle. Nobody reads yet:
        // syslog's queue fills, the rest wait in the daemon.
        for _ in 0..10_000 {
            send(&mut names, &grant(7));
        }
        send(&mut names, &grant(8));
        for _ in 0..10_000 {
            send(&mut names, &grant(7));
        }
        let limit = audit::GRANTS_PER_WINDOW as usize;
        assert_eq!(names.uncounted.suppressed, 20_000 - limit as u64);
        assert_eq!(names.uncounted.undelivered, 0);
        assert!(!names.pending.is_empty());
        let mut lines = Vec::new();
        let mut buf = [0u8; 4096];
        for _ in 0..1000 {
            while let Ok(n) = receiver.recv(&mut buf) {
                lines.push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
            if names.pending.is_empty() {
                break;
            }
            names.flush(Duration::ZERO);
        }
        assert_eq!(lines.len(), limit + 1, "{lines:?}");
        assert_eq!(lines.iter().filter(|l| l.contains("UID=8 ")).count(), 1);
        // Nobody there any more: what cannot be sent is counted.
        drop(receiver);
        send(&mut names, &grant(9));
        assert_eq!(names.uncounted.undelivered, 1);
        assert!(names.pending.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

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
            refused: false,
            reservation: None,
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
        assert_eq!(
            summary(Outcome::Granted, 1500, Some("alice"), 7).to_string(),
            "RESULT=granted UID=1500 USER=alice SUPPRESSED=7 BY=kernel"
        );
    }

    #[test]
    fn reservation_lines() {
        let refused = Event {
            uid: 1501,
            gid: 1501,
            pid: 9,
            port: 5432,
            addr: Address::V4([0; 4]),
            rule: Some(Rule::Reserve),
            file: Some(FileName::ReservePort),
            sock_type: libc::SOCK_STREAM as u32,
            protocol: libc::IPPROTO_TCP as u32,
            refused: true,
            reservation: Some(model::Reservation::port(5432)),
        };
        let t = Target::new(refused.addr, refused.port);
        assert_eq!(
            entry(&refused, &t, Some("abother")).to_string(),
            "RESULT=refused UID=1501 USER=abother PID=9 PROTO=tcp ADDR=0.0.0.0 PORT=5432 RULE=reserve \
             FILE=reserve/5432 REASON=reserved ERRNO=EACCES BY=kernel"
        );
        // A wildcard bind refused by an address's reservation names it.
        let one = model::Reservation {
            addr: Some(Address::V4([127, 0, 0, 1])),
            port: 80,
        };
        let owner = Event {
            refused: false,
            port: 80,
            file: Some(FileName::ReserveAddr),
            reservation: Some(one),
            ..refused
        };
        let t = Target::new(owner.addr, owner.port);
        let line = entry(&owner, &t, None).to_string();
        assert!(
            line.starts_with("RESULT=granted UID=1501 PID=9 PROTO=tcp ADDR=0.0.0.0 PORT=80 RULE=reserve")
                && line.ends_with("FILE=reserve/127.0.0.1,80 REASON=owner BY=kernel"),
            "{line}"
        );
    }

    #[test]
    fn refusals_are_limited_as_the_helpers_apart_from_grants() {
        let dir = std::env::temp_dir().join(format!("authbindd-audit-refusals-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join("log");
        let receiver = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        let mut names = names_to(&path);
        let refusal = Event {
            refused: true,
            rule: Some(Rule::Reserve),
            file: Some(FileName::ReservePort),
            reservation: Some(model::Reservation::port(80)),
            ..grant(7)
        };
        for _ in 0..100 {
            send(&mut names, &refusal);
        }
        send(&mut names, &grant(7));
        let limit = audit::REFUSALS_PER_WINDOW as usize;
        assert_eq!(names.uncounted.suppressed, 100 - limit as u64);
        let mut buf = [0u8; 4096];
        let mut lines = Vec::new();
        receiver.set_nonblocking(true).unwrap();
        while let Ok(n) = receiver.recv(&mut buf) {
            lines.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        assert_eq!(lines.iter().filter(|l| l.contains("RESULT=refused")).count(), limit);
        assert_eq!(lines.iter().filter(|l| l.contains("RESULT=granted")).count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
