//! The helper's one place for messages: each is one line on stderr,
//! `authbind helper: ` first, written in one call and only if stderr can
//! take it now: a pipe nobody reads must not keep a root process asleep.
//! Write errors are ignored: stderr may be closed or odd, and a message is
//! never worth a crash.

use crate::error::HelperError;
use model::{Outcome, Reason, Target, Verdict};
use syscalls::fd::STDERR;
use syscalls::process::poll;

fn line(message: core::fmt::Arguments) {
    let writable = poll([(Some(STDERR), libc::POLLOUT)], 0).is_ok_and(|r| r[0] & libc::POLLOUT != 0);
    if writable {
        syscalls::sock::write_stderr(alloc::format!("authbind helper: {message}\n").as_bytes());
    }
}

pub fn error(e: &HelperError) {
    line(format_args!("{e}"));
}

/// A verdict is worth a line when the configuration is at fault: the
/// administrator has something to mend (authbind prints these too).
pub fn fault(v: &Verdict, uid: u32, target: &Target) {
    if v.outcome != Outcome::ConfigError {
        return;
    }
    let Some(d) = v.decision else {
        line(format_args!("{}: {}", buildcfg::CONFDIR, v.errno));
        return;
    };
    let file = d.file_for(target.addr, target.port, uid);
    match d.reason {
        Reason::TooLarge => line(format_args!(
            "{file}: larger than {} bytes; not read further",
            model::MAX_BYUID_BYTES
        )),
        Reason::NotRegular => line(format_args!("{file}: not a regular file; ignoring it")),
        _ => line(format_args!("{file}: read per-uid file: {}", d.errno)),
    }
}

/// The classic protocol has only stderr to say that the helper, though the
/// policy granted, could not bind as root (the native one says it in the
/// reply, and the library explains it).
pub fn no_privilege(v: &Verdict, target: &Target) {
    if v.outcome == Outcome::NoPrivilege {
        line(format_args!(
            "{target}: granted, but this helper cannot bind it: it is not running as root with \
             CAP_NET_BIND_SERVICE (no_new_privs, a nosuid mount, no set-user-ID bit, or a capability bounding set \
             without it)"
        ));
    }
}
