//! Answering one trapped `bind`.
//!
//! Anything we do not help with is let through (CONTINUE) so the kernel
//! gives its own answer: other families, odd lengths, bad pointers, bad
//! descriptors, unprivileged ports, callers allowed privileged ports. For
//! the rest we take our own copy of the socket and bind it ourselves —
//! the kernel then checks everything in its usual order and, only if it
//! says EACCES, the helper is asked. No decision rests on memory the
//! program could change afterwards: we bind our copy of the address.

use super::proc_status;
use crate::debug_line;
use syscalls::client::{bind_with_helper, HelperAnswer};
use syscalls::process::{bind_raw, kcmp_files, pidfd_getfd, pidfd_open, read_memory, PIDFD_THREAD};
use syscalls::seccomp::{self, Answer, Notif};
use syscalls::sock::close;
use syscalls::Errno;

/// Say once (always, under AUTHBIND_DEBUG) that a program's socket was
/// out of our reach: its binds then get the kernel's answer, and a
/// silent EACCES after a grant would be a mystery.
fn unreachable(debug: bool, tid: i32, what: &str, e: Errno) {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if debug || !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
        crate::debug_line::say(format_args!(
            "cannot {what} of process {tid} (errno {}): it is not dumpable (PR_SET_DUMPABLE 0, or an \
             executable it cannot read), so its privileged binds get the kernel's answer; run it with --preload",
            e.0
        ));
    }
}

/// A pidfd through which `pidfd_getfd` reaches the calling thread's own
/// descriptor table: the thread itself (PIDFD_THREAD, Linux 6.9+), else
/// its process, if the thread shares the process's table (a thread that
/// called unshare(CLONE_FILES) would get someone else's socket).
fn thread_pidfd(tid: i32, tgid: i32) -> Option<i32> {
    match pidfd_open(tid, PIDFD_THREAD) {
        Ok(fd) => Some(fd),
        Err(e) if e.0 == libc::EINVAL => {
            let shares_table = tid == tgid || kcmp_files(tgid, tid) == Ok(true);
            if shares_table {
                pidfd_open(tgid, 0).ok()
            } else {
                None
            }
        }
        Err(_) => None,
    }
}

/// `sizeof(struct sockaddr_storage)`: the kernel refuses longer addresses.
const MAX_ADDR: usize = 128;

pub struct Context {
    listener: i32,
    /// Our own credentials and security label: we act only for callers
    /// with the very same, or our bind (and the helper's view of the real
    /// uid) would not be theirs (a program that switched users, or took on
    /// another LSM label, under the supervisor).
    own_credentials: String,
    own_label: String,
    /// Ports from here up need no privilege (this network namespace's
    /// `net.ipv4.ip_unprivileged_port_start`).
    unprivileged_from: u32,
    debug: bool,
}

impl Context {
    pub fn new(listener: i32, debug: bool) -> Context {
        let unprivileged_from = std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(1024);
        Context {
            listener,
            own_credentials: proc_status::read("self").map(|s| s.credentials).unwrap_or_default(),
            own_label: proc_status::label("self"),
            unprivileged_from,
            debug,
        }
    }

    /// Receives and answers one notification. Every error is answered to
    /// the kernel (an unanswered bind would hang its caller).
    pub fn answer_one(&self) {
        let Ok(notif) = seccomp::recv(self.listener) else {
            return; // the caller vanished meanwhile (ENOENT) or was interrupted
        };
        let answer = self.decide(&notif).unwrap_or(Answer::Continue);
        // ENOENT: the caller died meanwhile; nothing to do.
        let _ = seccomp::send(self.listener, notif.id, answer);
    }

    /// `None`: let it through.
    fn decide(&self, n: &Notif) -> Option<Answer> {
        if n.data.arch != seccomp::NATIVE_ARCH || i64::from(n.data.nr) != libc::SYS_bind {
            return None;
        }
        let tid = n.pid as i32;
        let fd = n.data.args[0] as i32;
        // bind's addrlen is an int: the kernel rejects negative or oversized ones itself.
        let len = n.data.args[2] as u32 as usize;
        if !(2..=MAX_ADDR).contains(&len) {
            return None;
        }
        let mut buf = [0u8; MAX_ADDR];
        let addr = &mut buf[..len];
        if let Err(e) = read_memory(tid, n.data.args[1], addr) {
            if e.0 == libc::EPERM {
                unreachable(self.debug, tid, "read the bind address", e);
            }
            return None; // EFAULT and friends: the kernel will say so itself
        }
        if !seccomp::id_valid(self.listener, n.id) {
            return None; // the tid may belong to someone else by now
        }
        let req = wire::Request::from_sockaddr(addr, 0)?;
        if u32::from(req.port) >= self.unprivileged_from {
            return None;
        }
        let status = proc_status::read(&tid.to_string())?;
        if proc_status::may_bind_privileged(&status) {
            return None;
        }
        if status.credentials != self.own_credentials || proc_status::label(&tid.to_string()) != self.own_label {
            if self.debug {
                debug_line::say(format_args!(
                    "process {tid} runs with other credentials than authbind's; its bind gets the kernel's answer"
                ));
            }
            return None;
        }
        let pidfd = thread_pidfd(tid, status.tgid)?;
        let socket = pidfd_getfd(pidfd, fd);
        close(pidfd);
        let socket = match socket {
            Ok(s) => s,
            Err(e) => {
                if e.0 == libc::EPERM {
                    unreachable(self.debug, tid, "take the socket", e);
                }
                return None; // EBADF: the kernel will say so itself
            }
        };
        // Still the same caller, waiting: the descriptor we took is its.
        let answer = if seccomp::id_valid(self.listener, n.id) {
            Some(self.bind_for(socket, addr))
        } else {
            None
        };
        close(socket);
        answer
    }

    /// Binds our copy of the program's socket: ourselves first, so the
    /// kernel's own checks and errors come first; the helper on EACCES.
    fn bind_for(&self, socket: i32, addr: &[u8]) -> Answer {
        match bind_raw(socket, addr) {
            Ok(()) => return Answer::Success,
            Err(e) if e.0 != libc::EACCES => return Answer::Fail(e.0),
            Err(_) => {}
        }
        match bind_with_helper(buildcfg::HELPER_PATH_C, socket, addr) {
            None => Answer::Fail(libc::EACCES),
            Some(HelperAnswer::Bound) => Answer::Success,
            Some(HelperAnswer::BindFailed(e)) => Answer::Fail(e),
            Some(HelperAnswer::Refused {
                request,
                rule,
                helper_errno,
            }) => {
                if self.debug {
                    debug_line::refused(&request, rule.name(), helper_errno);
                }
                Answer::Fail(libc::EACCES)
            }
            Some(HelperAnswer::Unavailable(e)) => {
                crate::debug_line::say(format_args!(
                    "could not run {} (errno {e}); returning EACCES",
                    buildcfg::HELPER_PATH
                ));
                Answer::Fail(libc::EACCES)
            }
        }
    }
}
