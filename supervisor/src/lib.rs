//! The seccomp supervisor: runs the program with a filter that sends its
//! `bind` system calls (only those) to us, and answers them. Reaches what
//! LD_PRELOAD cannot: static executables, Go, raw `syscall(SYS_bind)`.
//!
//! The filter is inherited by every descendant, so the whole process tree
//! is covered (as with `--deep`) for as long as the program itself runs.
//! We stay the unprivileged user; privileged binds go to the setuid helper
//! exactly as the shim sends them. io_uring's bind bypasses seccomp and is
//! not helped.

mod answer;
mod error;
mod judge;
mod proc_status;
pub mod say;
mod start;

pub use error::SupervisorError;
pub use judge::Pass;

use std::ffi::{OsStr, OsString};
use std::process::exit;
use syscalls::process::{poll, try_wait, Ended};
use syscalls::signals;

/// Signals we pass on to the program when someone sends them to us.
const FORWARDED: [i32; 7] = [
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGWINCH,
];

/// The one place the supervisor's errors are printed.
fn fail(e: SupervisorError) -> ! {
    say::say(format_args!("{e}"));
    exit(255)
}

/// Set in the program's environment: a launcher started inside a
/// supervised tree can tell why it cannot supervise.
pub const SUPERVISED_VAR: &str = "AUTHBIND_SUPERVISED";

pub fn run(program: &OsStr, args: &[OsString], debug: bool) -> ! {
    let no_new_privs = proc_status::self_has_no_new_privs();
    if no_new_privs && std::env::var_os(SUPERVISED_VAR).is_some() {
        fail(SupervisorError::Nested);
    }
    if no_new_privs {
        fail(SupervisorError::NoNewPrivs);
    }
    // Blocked before the program starts, so none is lost; the program gets
    // a clean mask (see start.rs).
    let mut watched = FORWARDED.to_vec();
    watched.push(libc::SIGCHLD);
    if let Err(e) = signals::block(&watched) {
        fail(SupervisorError::BlockSignals(e));
    }
    let sigfd = signals::signalfd(&watched).unwrap_or_else(|e| fail(SupervisorError::Signalfd(e)));
    let started = start::start(program, args).unwrap_or_else(|e| fail(e));
    if debug && !started.killable_wait {
        say::say(format_args!("this kernel lacks SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: a signal during a bind may make it fail with EINTR"));
    }
    let ctx = answer::Context::new(started.listener, debug);
    let mut watching = true;
    loop {
        let listener = watching.then(|| ctx.listener());
        let ready = match poll([(listener, libc::POLLIN), (Some(sigfd.as_fd()), libc::POLLIN)], -1) {
            Ok(r) => r,
            Err(e) => fail(SupervisorError::Poll(e)),
        };
        if ready[0] & libc::POLLIN != 0 {
            ctx.answer_one();
        } else if ready[0] & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
            // No process uses the filter any more: stop watching it.
            watching = false;
        }
        if ready[1] & libc::POLLIN != 0 {
            if let Some(ended) = on_signal(sigfd.as_fd(), started.pid) {
                finish(ended, &ctx, watching, debug);
            }
        }
    }
}

/// The program has ended: end the same way. Processes it left behind
/// still have the filter, and a filter without a listener fails their
/// every bind with ENOSYS: if any remain, a detached copy of us keeps
/// answering until the last of them is gone.
fn finish(ended: Ended, ctx: &answer::Context, watching: bool, debug: bool) -> ! {
    let still_used = watching
        && poll([(Some(ctx.listener()), 0)], 0)
            .is_ok_and(|r| r[0] & (libc::POLLHUP | libc::POLLNVAL | libc::POLLERR) == 0);
    // SAFETY: the supervisor is single-threaded (the launcher starts no
    // thread).
    if still_used && unsafe { syscalls::process::fork_single_threaded() } == Ok(0) {
        syscalls::process::detach(debug);
        signals::unblock_all();
        loop {
            match poll([(Some(ctx.listener()), libc::POLLIN)], -1) {
                Ok(r) if r[0] & libc::POLLIN != 0 => ctx.answer_one(),
                _ => exit(0),
            }
        }
    }
    match ended {
        Ended::Exited(code) => exit(code),
        Ended::Killed(sig) => {
            signals::die_of(sig);
            exit(128 + sig)
        }
    }
}

fn on_signal(sigfd: syscalls::BorrowedFd, child: i32) -> Option<Ended> {
    let (sig, code, sender) = signals::read_signalfd(sigfd).ok()?;
    if sig == libc::SIGCHLD {
        return try_wait(child).ok().flatten();
    }
    // Sent by a process (kill, a service manager): pass it on. Sent by the
    // kernel (the terminal's ^C, ^\, window size): the program, in the same
    // process group, got its own copy.
    let from_a_process = code <= 0; // SI_USER, SI_QUEUE, SI_TKILL…
    if from_a_process && sender != child {
        let _ = syscalls::process::kill(child, sig);
    }
    None
}
