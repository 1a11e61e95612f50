//! The audit line for each decision the helper makes (see the `audit`
//! crate): who asked, for what, and what came of it. Refusals are rate
//! limited per user; nothing here can block or fail a bind.

use crate::Settled;
use audit::{Allowance, Entry, Outcome, Proto, RateLimit, Severity};

/// Writes the line for `s`, decided for real user `uid`.
pub fn decision(s: &Settled, uid: u32) {
    let mut entry = Entry::of_verdict(&s.verdict, uid, s.target.as_ref());
    if entry.result == Outcome::Refused {
        match RateLimit::at(buildcfg::RUNDIR).refusal_now(uid) {
            Allowance::Suppress => return,
            Allowance::Write { suppressed } => entry.suppressed = Some(suppressed),
        }
    }
    let user = audit::user_name(uid);
    entry.user = user.as_deref();
    entry.pid = s.caller;
    // As the kernel names it now. PID and EXE describe the asking
    // process; they prove nothing (a caller may arrange for them to name
    // another process of its own). UID is what the decision was for.
    let mut exe = [0u8; 4096];
    entry.exe = s.caller.and_then(|pid| {
        let n = syscalls::file::read_link(alloc::format!("/proc/{pid}/exe").as_bytes(), &mut exe).ok()?;
        exe.get(..n)
    });
    entry.proto = s.proto.map(Proto::of);
    let severity = match entry.result {
        Outcome::Granted => Severity::Info,
        Outcome::Refused => Severity::Notice,
        Outcome::Error => Severity::Warning,
    };
    audit::send(&entry, severity, syscalls::file::pid());
}
