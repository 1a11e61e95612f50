//! One decision, as the line the log gets.

use alloc::string::ToString;
use core::fmt;
use model::{PolicyFile, Reason, Rule, Target, Verdict};

/// The `RESULT=` of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Granted,
    Refused,
    /// Neither: the request, the configuration or the bind itself failed.
    Error,
}

impl Outcome {
    fn word(self) -> &'static str {
        match self {
            Outcome::Granted => "granted",
            Outcome::Refused => "refused",
            Outcome::Error => "error",
        }
    }
}

/// The transport protocol of the socket (`SO_PROTOCOL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
    Other(u32),
}

impl Proto {
    /// From the IP protocol number.
    pub fn of(number: u32) -> Proto {
        match number {
            6 => Proto::Tcp,
            17 => Proto::Udp,
            n => Proto::Other(n),
        }
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Proto::Tcp => f.write_str("tcp"),
            Proto::Udp => f.write_str("udp"),
            Proto::Other(n) => write!(f, "ip{n}"),
        }
    }
}

/// Everything known of one decision. Only what is known goes in the line:
/// fields left `None` are left out.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    pub result: Outcome,
    /// The real uid the decision was made for.
    pub uid: u32,
    pub user: Option<&'a str>,
    /// The process that asked.
    pub pid: Option<u32>,
    /// Its executable, as the kernel names it (`/proc/PID/exe`).
    pub exe: Option<&'a [u8]>,
    pub proto: Option<Proto>,
    pub target: Option<&'a Target>,
    pub rule: Option<Rule>,
    pub file: Option<PolicyFile>,
    /// The byuid line that granted.
    pub line: Option<u32>,
    /// Why it was refused or failed: a word from [`reason_word`] or
    /// another fixed word of the caller's.
    pub reason: Option<&'static str>,
    /// The errno, for refusals and errors.
    pub errno: Option<model::Errno>,
    /// Lines of this user's refusals left out of the log since the last
    /// one written (see [`crate::RateLimit`]).
    pub suppressed: Option<u32>,
    /// Who decided: `helper` or `kernel`.
    pub by: &'static str,
}

impl<'a> Entry<'a> {
    /// The line for a verdict of the helper.
    pub fn of_verdict(verdict: &Verdict, uid: u32, target: Option<&'a Target>) -> Entry<'a> {
        use model::Outcome as O;
        let decision = verdict.decision;
        let result = match verdict.outcome {
            O::Bound => Outcome::Granted,
            O::Refused => Outcome::Refused,
            O::BindFailed | O::BadRequest | O::ConfigError | O::NoPrivilege => Outcome::Error,
        };
        let reason = match (verdict.outcome, decision) {
            (O::Bound, _) => None,
            (O::BindFailed, _) => Some("bind-failed"),
            (O::NoPrivilege, _) => Some("helper-not-privileged"),
            (O::BadRequest, _) => Some("bad-request"),
            (O::ConfigError | O::Refused, None) => Some("no-configuration"),
            (O::Refused | O::ConfigError, Some(d)) => Some(reason_word(d.reason)),
        };
        let file = match (decision, target) {
            (Some(d), Some(t)) => Some(d.file_for(t.addr, t.port, uid)),
            _ => None,
        };
        Entry {
            result,
            uid,
            user: None,
            pid: None,
            exe: None,
            proto: None,
            target,
            rule: decision.map(|d| d.file.rule()),
            file,
            line: decision.filter(|d| d.line != 0).map(|d| d.line),
            reason,
            errno: (verdict.errno.0 != 0).then_some(verdict.errno),
            suppressed: None,
            by: "helper",
        }
    }
}

/// The `REASON=` word for a policy's reason.
pub fn reason_word(reason: Reason) -> &'static str {
    match reason {
        Reason::Executable => "executable",
        Reason::LineMatched => "line-matched",
        Reason::NotExecutable => "not-executable",
        Reason::CheckFailed => "check-failed",
        Reason::NoByuidFile => "no-byuid-file",
        Reason::OpenFailed => "open-failed",
        Reason::NotRegular => "not-regular-file",
        Reason::NoMatchingLine => "no-matching-line",
        Reason::ReadFailed => "read-failed",
        Reason::TooLarge => "too-large",
        Reason::Reserved => "reserved",
        Reason::Owner => "owner",
    }
}

/// A value as it goes in the line: printable ASCII but space, backslash
/// and double quote as it is, every other byte `\xHH`.
struct Escaped<'a>(&'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.0 {
            if b.is_ascii_graphic() && b != b'\\' && b != b'"' {
                write!(f, "{}", b as char)?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

/// The line: `RESULT=… UID=… USER=… PID=… EXE=… PROTO=… ADDR=… PORT=…
/// RULE=… FILE=… LINE=… REASON=… ERRNO=… SUPPRESSED=… BY=…`, in that order.
impl fmt::Display for Entry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RESULT={} UID={}", self.result.word(), self.uid)?;
        if let Some(user) = self.user {
            write!(f, " USER={}", Escaped(user.as_bytes()))?;
        }
        if let Some(pid) = self.pid {
            write!(f, " PID={pid}")?;
        }
        if let Some(exe) = self.exe {
            write!(f, " EXE={}", Escaped(exe))?;
        }
        if let Some(proto) = self.proto {
            write!(f, " PROTO={proto}")?;
        }
        if let Some(t) = self.target {
            write!(f, " ADDR={} PORT={}", t.addr, t.port)?;
        }
        if let Some(rule) = self.rule {
            write!(f, " RULE={}", rule.folder())?;
        }
        if let Some(file) = &self.file {
            write!(f, " FILE={}", Escaped(file.to_string().as_bytes()))?;
        }
        if let Some(line) = self.line {
            write!(f, " LINE={line}")?;
        }
        if let Some(reason) = self.reason {
            write!(f, " REASON={reason}")?;
        }
        if let Some(e) = self.errno {
            match e.name() {
                Some(name) => write!(f, " ERRNO={name}")?,
                None => write!(f, " ERRNO={}", e.0)?,
            }
        }
        if let Some(n) = self.suppressed.filter(|&n| n > 0) {
            write!(f, " SUPPRESSED={n}")?;
        }
        write!(f, " BY={}", self.by)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::{Address, Decision, Errno, FileName};

    fn target() -> Target {
        Target::new(Address::V4([0, 0, 0, 0]), 80)
    }

    #[test]
    fn a_grant_as_the_issue_shows_it() {
        let t = target();
        let d = Decision {
            file: FileName::ByPort,
            reason: Reason::Executable,
            errno: Errno(0),
            line: 0,
            ignored: None,
            reservation: None,
        };
        let mut e = Entry::of_verdict(&Verdict::of_decision(d, Ok(())), 1000, Some(&t));
        e.user = Some("alice");
        e.pid = Some(4242);
        e.exe = Some(b"/usr/bin/python3");
        e.proto = Some(Proto::Tcp);
        assert_eq!(
            e.to_string(),
            "RESULT=granted UID=1000 USER=alice PID=4242 EXE=/usr/bin/python3 PROTO=tcp ADDR=0.0.0.0 PORT=80 \
             RULE=byport FILE=byport/80 BY=helper"
        );
    }

    #[test]
    fn refusals_and_errors_say_why() {
        let t = Target::new(Address::V4([127, 0, 0, 1]), 636);
        let d = Decision {
            file: FileName::ByUid,
            reason: Reason::NoByuidFile,
            errno: Errno::EPERM,
            line: 0,
            ignored: None,
            reservation: None,
        };
        let e = Entry::of_verdict(&Verdict::of_decision(d, Ok(())), 3100, Some(&t));
        assert_eq!(
            e.to_string(),
            "RESULT=refused UID=3100 ADDR=127.0.0.1 PORT=636 RULE=byuid FILE=byuid/!3100 REASON=no-byuid-file \
             ERRNO=EPERM BY=helper"
        );
        let v = Verdict::without_decision(model::Outcome::BadRequest, Errno::EPROTO);
        assert_eq!(
            Entry::of_verdict(&v, 1, None).to_string(),
            "RESULT=error UID=1 REASON=bad-request ERRNO=EPROTO BY=helper"
        );
        let granted = Decision {
            file: FileName::ByUid,
            reason: Reason::LineMatched,
            errno: Errno(0),
            line: 3,
            ignored: None,
            reservation: None,
        };
        let v = Verdict::of_decision(granted, Err(Errno::EADDRINUSE));
        assert_eq!(
            Entry::of_verdict(&v, 1, Some(&t)).to_string(),
            "RESULT=error UID=1 ADDR=127.0.0.1 PORT=636 RULE=byuid FILE=byuid/!1 LINE=3 REASON=bind-failed \
             ERRNO=EADDRINUSE BY=helper"
        );
    }

    #[test]
    fn no_value_can_forge_a_field_or_a_line() {
        let v = Verdict::without_decision(model::Outcome::BadRequest, Errno::EPROTO);
        let mut e = Entry::of_verdict(&v, 1, None);
        e.exe = Some(b"/tmp/x RESULT=granted UID=0\nauthbind: RESULT=granted\\\x1b\xff");
        e.user = Some("al ice");
        let line = e.to_string();
        assert_eq!(
            line,
            "RESULT=error UID=1 USER=al\\x20ice EXE=/tmp/x\\x20RESULT=granted\\x20UID=0\\x0aauthbind:\\x20RESULT=granted\
             \\x5c\\x1b\\xff REASON=bad-request ERRNO=EPROTO BY=helper"
        );
        assert_eq!(line.matches("RESULT=").count(), 3);
        assert_eq!(line.split(' ').filter(|w| w.starts_with("RESULT=")).count(), 1);
        assert!(!line.contains('\n'));
    }
}
