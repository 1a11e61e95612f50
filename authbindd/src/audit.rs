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
//! another user's lines: the programs keep each user's rate limit
//! themselves, before the ring ([`crate::suppressed`]), so every record
//! that reaches the daemon gets its line, and the daemon says what a
//! window left out (`SUPPRESSED=`) from the programs' counts. Lines
//! syslog's small queue has no room for wait in the daemon (a bounded
//! number) and go as it drains. The lines left out and the lines syslog
//! did not take (no /dev/log, or too many waiting) are counted in a
//! small file beside the helper's counts, which `authbindd --status`
//! shows ([`crate::audit_tally`]).

use crate::audit_tally::Tally;
use crate::maps::layout::Event;
use crate::suppressed::{Kind, Summary};
use audit::{Delivery, Entry, Outcome, Proto, Severity};
use model::{Errno, PolicyFile, Reason, Target};
use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::time::{Duration, Instant};

/// What the daemon keeps for its audit lines: user names, cached per uid
/// until the next reload (a burst of binds must not read /etc/passwd each
/// time), one syslog socket for all of them, and the counts not yet
/// added to the tally file.
#[derive(Default)]
pub struct Names {
    cache: BTreeMap<u32, Option<String>>,
    sender: audit::Sender,
    uncounted: Tally,
    /// Lines syslog's queue had no room for yet, oldest first (a burst
    /// outruns its small queue): sent as it drains.
    pending: VecDeque<String>,
}

/// The most lines kept for syslog; past that a line is counted as lost.
/// (The programs let each user at most GRANTS_PER_WINDOW records a
/// window.)
const MAX_PENDING: usize = 4096;
/// The most a turn of the loop waits for syslog to drain its queue.
const PATIENCE_PER_TURN: Duration = Duration::from_millis(20);
/// The most the daemon waits for syslog when it stops.
const PATIENCE_AT_EXIT: Duration = Duration::from_millis(500);
/// How long to wait before trying a full queue again.
const RETRY: Duration = Duration::from_micros(200);

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

    /// Says what the programs' windows left out (`due`, from
    /// [`crate::suppressed::Suppressions::due`]), and counts it.
    pub fn say_suppressed(&mut self, due: &[Summary]) {
        for s in due {
            let outcome = match s.key.kind {
                Kind::Grants => Outcome::Granted,
                Kind::Refusals => Outcome::Refused,
            };
            let user = self.of(s.key.uid).map(str::to_string);
            let n = u32::try_from(s.suppressed).unwrap_or(u32::MAX);
            self.write(&summary(outcome, s.key.uid, user.as_deref(), n));
            self.uncounted.suppressed = self.uncounted.suppressed.saturating_add(s.suppressed);
        }
    }

    /// When the daemon stops: sends what syslog takes within
    /// [`PATIENCE_AT_EXIT`] (the rest is counted as lost), and adds the
    /// counts to the tally.
    pub fn finish(&mut self, pins: &Path) {
        self.flush(PATIENCE_AT_EXIT);
        self.uncounted.undelivered += self.pending.len() as u64;
        self.pending.clear();
        self.turn(pins);
    }

    /// Once per turn of the daemon's loop: sends what syslog will take,
    /// and adds the counts to the tally of the cgroup whose pins are
    /// `pins`.
    pub fn turn(&mut self, pins: &Path) {
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

/// The line of one grant (or refusal): the programs sent only what its
/// user's budget let through.
pub fn send(names: &mut Names, e: &Event) {
    let target = Target::new(e.addr, e.port);
    let user = names.of(e.uid).map(str::to_string);
    names.write(&entry(e, &target, user.as_deref()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suppressed::Key;
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

    /// A datagram socket standing in for /dev/log, and the daemon's
    /// audit state sending to it.
    fn log(name: &str) -> (std::path::PathBuf, std::os::unix::net::UnixDatagram, Names) {
        let dir = std::env::temp_dir().join(format!("authbindd-audit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join("log");
        let receiver = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        receiver.set_nonblocking(true).unwrap();
        let names = names_to(&path);
        (dir, receiver, names)
    }

    /// Reads what `names` sends until nothing waits in it.
    fn receive(receiver: &std::os::unix::net::UnixDatagram, names: &mut Names) -> Vec<String> {
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
        lines
    }

    #[test]
    fn a_burst_waits_for_syslog_in_order_and_what_cannot_be_sent_is_counted() {
        let (dir, receiver, mut names) = log("burst");
        // More records than syslog's queue holds, nobody reading yet: the
        // rest wait in the daemon (the programs sent only what the users'
        // budgets let through: each gets its line).
        for uid in 0..500 {
            send(&mut names, &grant(2000 + uid));
        }
        assert_eq!(names.uncounted, Tally::default());
        assert!(!names.pending.is_empty());
        let lines = receive(&receiver, &mut names);
        assert_eq!(lines.len(), 500);
        for (uid, line) in (2000..).zip(&lines) {
            assert!(line.contains(&format!("UID={uid} ")), "{line}");
        }
        // Nobody there any more: what cannot be sent is counted.
        drop(receiver);
        send(&mut names, &grant(9));
        assert_eq!(names.uncounted.undelivered, 1);
        assert!(names.pending.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn what_the_programs_left_out_is_said_per_user_and_kind_and_counted() {
        // A uid no user has (no USER= field).
        const NOBODY: u32 = 3_000_000_007;
        let (dir, receiver, mut names) = log("suppressed");
        let mut s = crate::suppressed::Suppressions::default();
        let w = audit::GRANT_WINDOW_SECONDS * 1_000_000_000;
        let flood = crate::suppressed::Counted {
            born: 1,
            suppressed: 20_000,
            last: 100,
        };
        let refusals = crate::suppressed::Counted {
            born: 2,
            suppressed: 90,
            last: 100 * w / (audit::WINDOW_SECONDS * 1_000_000_000),
        };
        let read = [
            (
                Key {
                    uid: NOBODY,
                    kind: Kind::Grants,
                },
                flood,
            ),
            (
                Key {
                    uid: NOBODY,
                    kind: Kind::Refusals,
                },
                refusals,
            ),
        ];
        names.say_suppressed(&s.due(&read, 100 * w));
        assert_eq!(receive(&receiver, &mut names), Vec::<String>::new());
        // The windows ended.
        names.say_suppressed(&s.due(&read, 200 * w));
        let lines = receive(&receiver, &mut names);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].ends_with(&format!("RESULT=granted UID={NOBODY} SUPPRESSED=20000 BY=kernel")),
            "{lines:?}"
        );
        assert!(
            lines[1].ends_with(&format!("RESULT=refused UID={NOBODY} SUPPRESSED=90 BY=kernel")),
            "{lines:?}"
        );
        assert_eq!(names.uncounted.suppressed, 20_090);
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
}
