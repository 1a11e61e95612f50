//! Answering one trapped `bind`: gathering the facts [`judge`] decides on,
//! then binding our copy of the program's socket.
//!
//! Anything we do not help with is let through (CONTINUE) so the kernel
//! gives its own answer. For the rest we take our own copy of the socket
//! and bind it ourselves — the kernel then checks everything in its usual
//! order and, only if it says EACCES, the helper is asked. No decision
//! rests on memory the program could change afterwards: we bind our copy
//! of the address.

use crate::judge::{self, Caller, NsId, Own, Pass, MAX_ADDR};
use crate::proc_status;
use crate::say::{once, say};
use std::sync::atomic::AtomicBool;
use syscalls::client::bind_with_helper;
use syscalls::client::report::{worth_saying, Report};
use syscalls::process::{kcmp_files, pidfd_getfd, pidfd_open, read_memory, PIDFD_THREAD};
use syscalls::seccomp::{self, Answer, Notif};
use syscalls::sock::bind_raw;
use syscalls::{BorrowedFd, Errno, Fd};

/// Say once (always, under AUTHBIND_DEBUG) that a program's socket was
/// out of our reach: its binds then get the kernel's answer, and a
/// silent EACCES after a grant would be a mystery.
fn unreachable(debug: bool, tid: i32, what: &str, e: Errno) {
    static SAID: AtomicBool = AtomicBool::new(false);
    once(
        &SAID,
        debug,
        format_args!(
            "cannot {what} of process {tid} ({e}): it is not dumpable (PR_SET_DUMPABLE 0, or an \
             executable it cannot read), so its privileged binds get the kernel's answer; run it with --preload"
        ),
    );
}

/// Say once (even under AUTHBIND_DEBUG: it is the same reason every
/// time) that /proc cannot tell us about the caller: without it no
/// privileged bind can be helped.
fn no_proc(tid: i32, e: &std::io::Error) {
    static SAID: AtomicBool = AtomicBool::new(false);
    once(
        &SAID,
        false,
        format_args!(
            "cannot read /proc/{tid}/status ({}; is /proc mounted?): the supervisor needs it to check who \
             binds, so privileged binds get the kernel's answer",
            model::Errno::of(e)
        ),
    );
}

/// A pidfd through which `pidfd_getfd` reaches the calling thread's own
/// descriptor table: the thread itself (PIDFD_THREAD, Linux 6.9+), else
/// its process, if the thread shares the process's table (a thread that
/// called unshare(CLONE_FILES) would get someone else's socket).
fn thread_pidfd(tid: i32, tgid: i32) -> Option<Fd> {
    match pidfd_open(tid, PIDFD_THREAD) {
        Ok(fd) => Some(fd),
        Err(Errno::EINVAL) => {
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

/// The identity of the user namespace at `/proc/PID/ns/user`.
fn userns_of(pid: &str) -> Option<NsId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/{pid}/ns/user"))
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

pub struct Context {
    listener: Fd,
    own: Own,
    debug: bool,
}

impl Context {
    pub fn new(listener: Fd, debug: bool) -> Context {
        let unprivileged_from = std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(1024);
        let own = Own {
            credentials: proc_status::read("self").map(|s| s.credentials).unwrap_or_default(),
            label: proc_status::label("self"),
            userns: userns_of("self"),
            unprivileged_from,
        };
        Context { listener, own, debug }
    }

    pub fn listener(&self) -> BorrowedFd<'_> {
        self.listener.as_fd()
    }

    /// Receives and answers one notification. Every error is answered to
    /// the kernel (an unanswered bind would hang its caller).
    pub fn answer_one(&self) {
        let Ok(notif) = seccomp::recv(self.listener()) else {
            return; // the caller vanished meanwhile (ENOENT) or was interrupted
        };
        let answer = self.decide(&notif).unwrap_or(Answer::Continue);
        // ENOENT: the caller died meanwhile; nothing to do.
        let _ = seccomp::send(self.listener(), notif.id, answer);
    }

    fn pass(&self, tid: i32, why: Pass) -> Option<Answer> {
        if self.debug {
            match why {
                Pass::OtherCredentials => say(format_args!(
                    "process {tid} runs with other credentials than authbind's; its bind gets the kernel's answer"
                )),
                Pass::OtherUserNamespace => say(format_args!(
                    "process {tid} lives in another user namespace than authbind's; its bind gets the kernel's answer"
                )),
                _ => {}
            }
        }
        None
    }

    /// `None`: let it through.
    fn decide(&self, n: &Notif) -> Option<Answer> {
        let tid = n.pid as i32;
        let len = match judge::screen(n) {
            Ok(len) => len,
            Err(why) => return self.pass(tid, why),
        };
        let fd = n.data.args[0] as i32;
        let mut buf = [0u8; MAX_ADDR];
        let addr = &mut buf[..len];
        if let Err(e) = read_memory(tid, n.data.args[1], addr) {
            if e == Errno::EPERM {
                unreachable(self.debug, tid, "read the bind address", e);
            }
            return None; // EFAULT and friends: the kernel will say so itself
        }
        if !seccomp::id_valid(self.listener(), n.id) {
            return None; // the tid may belong to someone else by now
        }
        if let Err(why) = judge::judge_address(addr, &self.own) {
            return self.pass(tid, why);
        }
        let status = match proc_status::read(&tid.to_string()) {
            Ok(s) => s,
            Err(e) => {
                if e.kind() == std::io::ErrorKind::NotFound && !std::path::Path::new("/proc/self").exists() {
                    no_proc(tid, &e);
                }
                return None;
            }
        };
        let label = proc_status::label(&tid.to_string());
        let caller = Caller {
            status: &status,
            label: &label,
            userns: userns_of(&tid.to_string()),
        };
        if let Err(why) = judge::judge_caller(&caller, &self.own) {
            return self.pass(tid, why);
        }
        let pidfd = thread_pidfd(tid, status.tgid)?;
        let socket = match pidfd_getfd(pidfd.as_fd(), fd) {
            Ok(s) => s,
            Err(e) => {
                if e == Errno::EPERM {
                    unreachable(self.debug, tid, "take the socket", e);
                }
                return None; // EBADF: the kernel will say so itself
            }
        };
        // Still the same caller, waiting: the descriptor we took is its.
        seccomp::id_valid(self.listener(), n.id).then(|| self.bind_for(socket.as_fd(), addr))
    }

    /// Binds our copy of the program's socket: ourselves first, so the
    /// kernel's own checks and errors come first; the helper on EACCES.
    fn bind_for(&self, socket: BorrowedFd, addr: &[u8]) -> Answer {
        match bind_raw(socket, addr) {
            Ok(()) => return Answer::Success,
            Err(e) if e != Errno::EACCES => return Answer::Fail(e.0),
            Err(_) => {}
        }
        let Some(asked) = bind_with_helper(buildcfg::HELPER_PATH_C, socket, addr) else {
            return Answer::Fail(libc::EACCES);
        };
        if worth_saying(&asked, self.debug) {
            let uid = syscalls::sock::real_uid();
            say(format_args!("{}", Report { asked: &asked, uid }));
        }
        match asked.result() {
            Ok(()) => Answer::Success,
            Err(e) => Answer::Fail(e.0),
        }
    }
}
