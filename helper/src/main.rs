//! authbind's setuid-root helper. Two ways in:
//! - classic (authbind 2.1's): `helper ADDR4HEX PORTHEX` or
//!   `helper ADDR6HEX PORTHEX 6`, the socket on fd 0, the answer in the
//!   exit status (0 or an errno);
//! - native (our shim's): `helper --native`, fd 0 a SOCK_SEQPACKET socket
//!   carrying one request with the socket attached; one reply goes back.
//!
//! Nothing is taken from the environment: the configuration folder is baked
//! in at build time. Errors are values, printed in one place ([`say`]); the
//! process never panics.
//!
//! No std and no C library (see [`start`]): every system call is the
//! `syscalls` crate's, the memory the [`heap`] arena's. Of what std's
//! start-up does, the helper keeps the two things that matter ([`run`]).
#![no_std]
#![no_main]

extern crate alloc;
// Linked for its symbols (memcpy and kin), which the compiler calls.
use helper_nolibc as _;

mod classic;
mod error;
mod heap;
mod log;
mod native;
mod say;
mod start;

use core::sync::atomic::{AtomicBool, Ordering};
use model::{Outcome, Target, Verdict};
use syscalls::BorrowedFd;

/// fd 0: the socket (classic) or the channel (native).
const STDIN: BorrowedFd<'static> = syscalls::fd::STDIN;

/// The helper's life is bounded: SIGALRM (default action: the process
/// ends) this many seconds after it starts, whatever it is waiting for. A
/// caller could otherwise park a root process for ever: a reply queue
/// filled beforehand, a stderr pipe nobody reads, a peer that never writes.
/// (A caller may still stop, with SIGSTOP, its own helper before the
/// decision; from the decision on every id of the helper is root, and
/// the caller cannot signal it at all. Nor can its timers: the CPU-time
/// ones, which survive exec, are disarmed first thing.)
pub const DEADLINE_SECONDS: u32 = 6;

/// How a request ended: what the caller is told, the exit status, and
/// what the audit log says of who asked. The native reply is sent only
/// after the audit line is written: a caller that makes the reply fail
/// must not make a grant go unlogged.
pub struct Settled {
    /// The native protocol's reply, still to send.
    pub reply: Option<native::Reply>,
    /// `None` when the request could not be read.
    pub target: Option<Target>,
    pub verdict: Verdict,
    pub status: i32,
    /// The process that asked.
    pub caller: Option<u32>,
    /// The socket's IP protocol, when there was a socket.
    pub proto: Option<u32>,
}

/// The real user's (`uid`'s) decision on `target` and, if granted, the
/// bind of `socket` (the grant library does the work). The decision needs
/// the caller's real ids (access() as the user); once it is made they are
/// dropped, so that the caller cannot kill or stop us between the bind
/// and its audit line.
fn settle_on(target: &Target, socket: BorrowedFd, socktype: Option<i32>, uid: u32) -> Verdict {
    let caller = grant::Caller { uid };
    match grant::ConfDir::open() {
        Ok(mut conf) => grant::settle(&mut conf, caller, target, socket, socktype, become_root),
        Err(errno) => Verdict::without_decision(Outcome::ConfigError, errno),
    }
}

/// Whether [`become_root`] has run.
static ROOT: AtomicBool = AtomicBool::new(false);

/// Every id root, once: after the decision, or before the audit line
/// when no decision was made (two system calls not made twice).
fn become_root() {
    if !ROOT.swap(true, Ordering::Relaxed) {
        syscalls::process::become_root_entirely();
    }
}

/// The caller chose our limits and could starve us into a crash halfway
/// (an allocation failing, SIGXFSZ on a message to a full stderr file,
/// SIGXCPU). As root we may put sane ones back before doing anything
/// that allocates; failing that we go on and fail closed at the first
/// thing that does not work.
fn reset_limits() {
    use syscalls::process::set_rlimit;
    let unlimited = libc::RLIM_INFINITY;
    let _ = set_rlimit(libc::RLIMIT_AS, unlimited, unlimited);
    let _ = set_rlimit(libc::RLIMIT_DATA, unlimited, unlimited);
    let _ = set_rlimit(libc::RLIMIT_STACK, 8 << 20, unlimited);
    let _ = set_rlimit(libc::RLIMIT_CPU, unlimited, unlimited);
    let _ = set_rlimit(libc::RLIMIT_FSIZE, unlimited, unlimited);
    let _ = set_rlimit(libc::RLIMIT_NOFILE, 64, 64);
    // A setuid process must never leave a core file behind.
    let _ = set_rlimit(libc::RLIMIT_CORE, 0, 0);
}

/// The helper's work, once [`start`] has relocated it: `args` is argv
/// (the program's name first). Returns the exit status.
pub fn run(args: &[&[u8]]) -> i32 {
    // What std's start-up would do: a closed fd 0-2 gets /dev/null (a
    // file we open must not become our stderr), and a write to a closed
    // pipe is an EPIPE error, not a SIGPIPE death.
    syscalls::fd::fill_closed_std_fds();
    syscalls::signals::ignore(libc::SIGPIPE);
    // First of all: the deadline. SIGALRM may have been ignored by the
    // caller (that survives exec); it must end us. And no timer of the
    // caller's may end us instead, at a moment of its choosing.
    syscalls::signals::disarm_cpu_timers();
    syscalls::signals::default_action(libc::SIGALRM);
    syscalls::signals::alarm(DEADLINE_SECONDS);
    // With RLIMIT_FSIZE small and stderr a file, a message would kill us
    // with SIGXFSZ if the limit could not be raised (no CAP_SYS_RESOURCE
    // in the bounding set): make such writes fail with EFBIG instead.
    syscalls::signals::ignore(libc::SIGXFSZ);
    reset_limits();
    // Whatever the caller left open is none of our business (fd 0 is the
    // socket or the channel; 1 and 2 carry messages).
    // SAFETY: nothing of ours is open yet beyond fds 0-2.
    unsafe { syscalls::sock::close_from(3) };
    syscalls::signals::unblock_all();
    // The user the decision is for, read before our ids are all root.
    let uid = syscalls::sock::real_uid();
    let args = args.get(1..).unwrap_or_default();
    let ran = if args.first().copied() == Some(wire::NATIVE_ARG.as_bytes()) {
        native::run(&args[1..], uid)
    } else {
        classic::run(args, uid)
    };
    match ran {
        Ok(s) => {
            become_root();
            if let Some(target) = &s.target {
                say::fault(&s.verdict, uid, target);
            }
            log::decision(&s, uid);
            match s.reply.as_ref().map(native::Reply::send) {
                Some(Err(e)) => {
                    say::error(&e);
                    e.status()
                }
                _ => s.status,
            }
        }
        Err(e) => {
            say::error(&e);
            e.status()
        }
    }
}

/// Never taken (the helper does not panic; release builds abort): if it
/// were, the process ends at once with a status that grants nothing.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    syscalls::raw::exit(libc::ENOSYS)
}
