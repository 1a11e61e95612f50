//! `access(X_OK)` as another user, exactly as the kernel answers it for
//! that user: a child process takes the user's file-access identity and
//! answers `faccessat` questions over a pipe until the pipe closes. For
//! `authbind-policy explain --user` and its conflict checks, run by root:
//! the setuid helper's own `access()` runs with the caller's real
//! credentials, and this is the only way to get the kernel's answer for
//! someone else (ACLs, security modules, folder search rights included)
//! without re-implementing it.
//!
//! The user has no hold on the child, and root's caller never waits for
//! it unboundedly:
//! - its real, effective and saved uids stay root's; it takes the user
//!   only where file permission checks look: the supplementary groups,
//!   the file-system gid and uid (`setgroups`, `setfsgid`, `setfsuid`),
//!   and the capabilities `access()` gives that uid (none but for uid 0),
//!   then answers with `faccessat2(AT_EACCESS)`, which judges exactly
//!   those, as plain `faccessat` judges the helper once the kernel has put
//!   its real ids there (`access_override_creds`). A process whose real or
//!   saved uid is the user's is the user's to stop (`kill`), renice or
//!   make `SCHED_IDLE`; a thread of root's process with the user's uids
//!   can be `tgkill`ed, and a SIGSTOP to one thread stops all of root's
//!   process. This child can be signalled by root alone.
//! - every exchange with it has a deadline ([`AccessAs::start`]'s
//!   timeout): whatever else stalls it (a path through a hung network or
//!   FUSE file system), the caller gets ETIMEDOUT, and the child is killed
//!   and reaped, as it is whenever an [`AccessAs`] is dropped.
//!
//! The child makes raw system calls only, on buffers that exist before
//! the fork, so starting it is sound in any process (no lock or allocator
//! state of another thread is touched).

mod bounded;
mod child;

use crate::errno::{check, Errno};
use crate::fd::{BorrowedFd, Fd};
use bounded::Deadline;
use core::time::Duration;

/// The longest path a question may carry (Linux's PATH_MAX).
pub const MAX_PATH: usize = 4096;

/// How many supplementary groups the child may take (Linux's NGROUPS_MAX).
pub const MAX_GROUPS: usize = 65536;

/// How long a killed child is waited for before it is left to be reaped
/// by init when this process ends (only a child stuck in an
/// uninterruptible kernel wait outlives SIGKILL that long).
const REAP_PATIENCE_MS: u32 = 1000;

/// Whose access to judge.
#[derive(Clone, Copy, Debug)]
pub struct Credentials<'a> {
    pub uid: u32,
    pub gid: u32,
    /// The supplementary groups (set with `setgroups`).
    pub groups: &'a [u32],
}

/// A running child with someone's file-access identity; dropping it ends
/// it (SIGKILL, then a bounded wait to reap it).
pub struct AccessAs {
    pid: i32,
    questions: Option<Fd>,
    answers: Fd,
    timeout: Duration,
}

fn pipe() -> Result<(Fd, Fd), Errno> {
    let mut fds = [0i32; 2];
    // SAFETY: fds has room for the two descriptors pipe2 writes.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: both descriptors are new and ours.
    Ok(unsafe { (Fd::from_raw(fds[0]), Fd::from_raw(fds[1])) })
}

impl AccessAs {
    /// Starts a child with the file-access identity of `creds` that
    /// resolves paths against `dir` (an open folder, e.g. an `O_PATH`
    /// handle of the configuration folder). Each exchange with it (this
    /// start, each [`AccessAs::access_x`]) must end within `timeout`, or
    /// fails with ETIMEDOUT. Needs root (CAP_SETUID, CAP_SETGID); fails
    /// with the errno of the first credential call that failed.
    pub fn start(dir: BorrowedFd, creds: &Credentials, timeout: Duration) -> Result<AccessAs, Errno> {
        if creds.groups.len() > MAX_GROUPS {
            return Err(Errno::EINVAL);
        }
        let (q_read, q_write) = pipe()?;
        let (a_read, a_write) = pipe()?;
        bounded::set_nonblocking(q_write.as_fd())?;
        bounded::set_nonblocking(a_read.as_fd())?;
        // Allocated before the fork: the child only fills it.
        let mut buf = [0u8; MAX_PATH + 1];
        // SAFETY: the child runs only `child::run`, which makes raw system
        // calls on memory that exists before the fork, and never returns.
        let pid = check(unsafe { libc::fork() })?;
        if pid == 0 {
            child::run(dir.raw(), q_read.raw(), a_write.raw(), creds, &mut buf);
        }
        drop(q_read);
        drop(a_write);
        let mut me = AccessAs {
            pid,
            questions: Some(q_write),
            answers: a_read,
            timeout,
        };
        let mut status = [0u8; 4];
        // On failure `me` is dropped here, which ends the child.
        match me.read(&mut status)? {
            true if i32::from_ne_bytes(status) == 0 => Ok(me),
            true => Err(Errno(i32::from_ne_bytes(status))),
            false => Err(Errno::EIO),
        }
    }

    /// The kernel's `access(path, X_OK)` answer (`path` resolved against
    /// the folder) for the child's user: `Ok(Ok(()))` allowed, `Ok(Err(errno))` refused; the
    /// outer error is the conversation's (ETIMEDOUT when the child did not
    /// answer in time), after which the child is gone and every later
    /// question fails with EIO.
    pub fn access_x(&mut self, path: &[u8]) -> Result<Result<(), Errno>, Errno> {
        if path.len() > MAX_PATH || path.contains(&0) {
            return Ok(Err(Errno(libc::ENAMETOOLONG)));
        }
        match self.ask(path) {
            Ok(0) => Ok(Ok(())),
            Ok(e) => Ok(Err(Errno(e))),
            Err(e) => {
                self.end();
                Err(e)
            }
        }
    }

    /// The child's process id (0 once it has ended).
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// One question and its answer, within the timeout.
    fn ask(&mut self, path: &[u8]) -> Result<i32, Errno> {
        let q = self.questions.as_ref().ok_or(Errno::EIO)?.as_fd();
        let deadline = Deadline::after(self.timeout);
        bounded::write_all(q, &(path.len() as u32).to_ne_bytes(), &deadline)?;
        bounded::write_all(q, path, &deadline)?;
        let mut answer = [0u8; 4];
        if !bounded::read_exact(self.answers.as_fd(), &mut answer, &deadline)? {
            return Err(Errno::EIO);
        }
        Ok(i32::from_ne_bytes(answer))
    }

    /// Reads `buf` from the child within the timeout.
    fn read(&mut self, buf: &mut [u8]) -> Result<bool, Errno> {
        bounded::read_exact(self.answers.as_fd(), buf, &Deadline::after(self.timeout))
    }

    /// Kills the child (it has nothing to finish) and reaps it, waiting a
    /// bounded time.
    fn end(&mut self) {
        self.questions = None;
        if self.pid <= 0 {
            return;
        }
        // Still ours to signal: not reaped yet, so the pid is not reused.
        let _ = crate::process::kill(self.pid, libc::SIGKILL);
        for _ in 0..REAP_PATIENCE_MS {
            match crate::process::try_wait(self.pid) {
                Ok(None) => bounded::sleep_ms(1),
                _ => break,
            }
        }
        self.pid = 0;
    }
}

impl Drop for AccessAs {
    fn drop(&mut self) {
        self.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATIENCE: Duration = Duration::from_secs(10);

    fn open_dir(path: &core::ffi::CStr) -> Fd {
        // SAFETY: a valid NUL-terminated path.
        let fd = unsafe { libc::open(path.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) };
        assert!(fd >= 0, "open {path:?}");
        // SAFETY: new descriptor, ours.
        unsafe { Fd::from_raw(fd) }
    }

    fn am_root() -> bool {
        // SAFETY: no preconditions.
        unsafe { libc::geteuid() == 0 }
    }

    const NOBODY: Credentials<'static> = Credentials {
        uid: 65534,
        gid: 65534,
        groups: &[],
    };

    /// As root, a child answering as nobody (with `timeout`); without
    /// root, checks that none can be started (it says so instead of
    /// answering as us) and gives `None`. Either way something is checked.
    fn nobody_or_refusal(timeout: Duration) -> Option<AccessAs> {
        let dir = open_dir(c"/");
        let started = AccessAs::start(dir.as_fd(), &NOBODY, timeout);
        if am_root() {
            Some(started.expect("start as root"))
        } else {
            assert_eq!(started.err(), Some(Errno::EPERM));
            None
        }
    }

    /// The child's line `name:` of /proc/PID/status, its fields.
    fn status_line(pid: i32, name: &str) -> String {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let line = status.lines().find(|l| l.starts_with(name)).unwrap();
        line[name.len()..].split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn answers_as_another_user_or_refuses_without_root() {
        let Some(mut child) = nobody_or_refusal(PATIENCE) else {
            return;
        };
        assert_eq!(child.access_x(b"bin/sh").unwrap(), Ok(()));
        assert_eq!(child.access_x(b"etc/passwd").unwrap(), Err(Errno::EACCES));
        assert_eq!(child.access_x(b"no/such/thing").unwrap(), Err(Errno::ENOENT));
        assert_eq!(child.access_x(b"etc/passwd/x").unwrap(), Err(Errno::ENOTDIR));
    }

    /// The supplementary groups count, and root's capabilities do not: a
    /// file only group 4242 may execute is refused to nobody without the
    /// group (root's CAP_DAC_OVERRIDE would allow it) and allowed with it.
    #[test]
    fn judges_with_the_groups_and_without_roots_capabilities() {
        if nobody_or_refusal(PATIENCE).is_none() {
            return;
        }
        let dir = std::env::temp_dir().join(format!("asuser-groups.{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("g");
        std::fs::write(&file, "").unwrap();
        let c = std::ffi::CString::new(file.to_str().unwrap()).unwrap();
        let cdir = std::ffi::CString::new(dir.to_str().unwrap()).unwrap();
        // SAFETY: valid NUL-terminated paths.
        unsafe {
            assert_eq!(libc::chown(c.as_ptr(), 0, 4242), 0);
            assert_eq!(libc::chmod(c.as_ptr(), 0o010), 0);
            assert_eq!(libc::chmod(cdir.as_ptr(), 0o755), 0);
        }
        let dir_fd = open_dir(&cdir);
        let answer = |groups: &[u32]| {
            let creds = Credentials { groups, ..NOBODY };
            AccessAs::start(dir_fd.as_fd(), &creds, PATIENCE)
                .unwrap()
                .access_x(b"g")
                .unwrap()
        };
        let (without, with) = (answer(&[]), answer(&[4242]));
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(without, Err(Errno::EACCES));
        assert_eq!(with, Ok(()));
    }

    /// What a process of the user gets when it tries to stop, renice or
    /// reschedule `pid`: one errno each (0 when it worked).
    fn as_nobody_try_to_stall(pid: i32) -> [i32; 3] {
        let mut results = [0i32; 3];
        let mut fds = [0i32; 2];
        // SAFETY: fds has room for two descriptors.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        let [r, w] = fds;
        // SAFETY: the forked process makes raw system calls on memory that
        // exists before the fork, then exits.
        let tried = unsafe { libc::fork() };
        assert!(tried >= 0);
        if tried == 0 {
            // SAFETY: as above; `param` and `results` exist before the fork.
            unsafe {
                let param = libc::sched_param { sched_priority: 0 };
                let mut results = [0i32; 3];
                let ok = libc::syscall(libc::SYS_setgroups, 0, core::ptr::null::<u32>()) == 0
                    && libc::syscall(libc::SYS_setresgid, 65534, 65534, 65534) == 0
                    && libc::syscall(libc::SYS_setresuid, 65534, 65534, 65534) == 0;
                if ok {
                    let calls = [
                        libc::syscall(libc::SYS_kill, pid, libc::SIGSTOP),
                        libc::syscall(libc::SYS_setpriority, libc::PRIO_PROCESS, pid, 19),
                        libc::syscall(libc::SYS_sched_setscheduler, pid, libc::SCHED_IDLE, &param),
                    ];
                    for (r, c) in results.iter_mut().zip(calls) {
                        *r = if c == 0 { 0 } else { crate::errno::get() };
                    }
                }
                libc::syscall(libc::SYS_write, w, results.as_ptr(), 12usize);
                libc::syscall(libc::SYS_exit_group, 0);
            }
        }
        // SAFETY: w is ours; results is writable for 12 bytes; then reap.
        unsafe {
            libc::close(w);
            assert_eq!(
                libc::read(r, results.as_mut_ptr().cast(), 12),
                12,
                "the user's process failed"
            );
            libc::close(r);
            libc::waitpid(tried, core::ptr::null_mut(), 0);
        }
        results
    }

    /// The child keeps root's uids (only the file-system ones are the
    /// user's), so a process of the user can neither stop, renice nor
    /// reschedule it; it still answers afterwards.
    #[test]
    fn the_user_has_no_hold_on_the_child() {
        let Some(mut child) = nobody_or_refusal(PATIENCE) else {
            return;
        };
        assert_eq!(status_line(child.pid, "Uid:"), "0 0 0 65534");
        assert_eq!(status_line(child.pid, "Gid:"), "0 0 0 65534");
        assert_eq!(status_line(child.pid, "CapEff:"), "0000000000000000");
        assert_eq!(status_line(child.pid, "CapPrm:"), "0000000000000000");
        assert_eq!(as_nobody_try_to_stall(child.pid), [libc::EPERM; 3]);
        assert_eq!(child.access_x(b"etc/passwd").unwrap(), Err(Errno::EACCES));
    }

    /// A child that stops answering (stopped here by root) costs the
    /// caller the timeout, not more: the question fails with ETIMEDOUT,
    /// the child is killed and reaped, and later questions fail at once.
    #[test]
    fn a_stopped_child_costs_its_caller_the_timeout_only() {
        let timeout = Duration::from_millis(300);
        let Some(mut child) = nobody_or_refusal(timeout) else {
            return;
        };
        let pid = child.pid;
        crate::process::kill(pid, libc::SIGSTOP).unwrap();
        let started = std::time::Instant::now();
        assert_eq!(child.access_x(b"bin/sh"), Err(Errno::ETIMEDOUT));
        let took = started.elapsed();
        assert!(took >= timeout && took < Duration::from_secs(3), "took {took:?}");
        assert_eq!(
            crate::process::try_wait(pid),
            Err(Errno(libc::ECHILD)),
            "the child is reaped"
        );
        assert_eq!(child.access_x(b"bin/sh"), Err(Errno::EIO));
    }

    /// Dropping a stopped child ends it at once, and reaps it.
    #[test]
    fn dropping_a_stopped_child_does_not_wait_for_it() {
        let Some(child) = nobody_or_refusal(PATIENCE) else {
            return;
        };
        let pid = child.pid;
        crate::process::kill(pid, libc::SIGSTOP).unwrap();
        let started = std::time::Instant::now();
        drop(child);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(
            crate::process::try_wait(pid),
            Err(Errno(libc::ECHILD)),
            "the child is reaped"
        );
    }
}
