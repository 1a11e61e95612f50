//! What the launcher says, once and always, before it execs the program,
//! when it knows the program's privileged binds cannot work as asked: the
//! helper cannot act as root here, or `--depth` does not reach the program
//! that will bind. Only when it is true; each check is cheap (a prctl, a
//! stat, a statvfs, reading a script's first line).

use crate::detect::env_chain;
use crate::options::Depth;
use std::ffi::OsStr;
use supervisor::say::say;
use syscalls::privilege::{helper_cannot_act, Cause, REMEDY};

/// The helper cannot act as root here (and the program would need it).
fn helper_unusable() -> Option<Cause> {
    // Root, or a holder of CAP_NET_BIND_SERVICE, needs no helper; nor does
    // a process kernel mode covers (the kernel grants its binds).
    let needs_helper = !syscalls::process::may_bind_privileged() && crate::kernel_mode::covering().is_none();
    helper_cannot_act(buildcfg::HELPER_PATH_C).filter(|_| needs_helper)
}

fn refused_because(cause: Cause) {
    say(format_args!(
        "privileged binds will be refused with EACCES: {}; {REMEDY}",
        cause.describe()
    ));
}

/// Before the seccomp supervisor starts: the same line, except for
/// no_new_privs, which the supervisor itself reports (it cannot start).
pub fn before_supervisor() {
    if let Some(cause) = helper_unusable().filter(|c| *c != Cause::NoNewPrivs) {
        refused_because(cause);
    }
}

pub fn before_preload(depth: Depth, program: &OsStr) {
    if let Some(cause) = helper_unusable() {
        refused_because(cause);
    }
    if let Depth::Levels(levels) = depth {
        if let Some((last, before)) = env_chain(program) {
            let needed = before + 1;
            if levels < needed {
                say(format_args!(
                    "{} runs {} through /usr/bin/env, which takes one of the levels --depth {levels} gives: {} \
                     will run without the library; use --depth {needed} (or --deep)",
                    program.to_string_lossy(),
                    last.display(),
                    last.display(),
                ));
            }
        }
    }
}
