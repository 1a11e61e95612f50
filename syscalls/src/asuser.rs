//! `access(X_OK)` as another user, exactly as the kernel answers it for
//! that user: a child process takes the user's uid, gid and groups
//! (`setgroups` + `setresgid` + `setresuid`, all three ids) and answers
//! `faccessat` questions over a pipe until the pipe closes. For
//! `authbind-policy explain --user` and its conflict checks, run by root:
//! the setuid helper's own `access()` runs with the caller's real
//! credentials, and this is the only way to get the kernel's answer for
//! someone else (ACLs, security modules, folder search rights included)
//! without re-implementing it.
//!
//! The child makes raw system calls only, on buffers that exist before
//! the fork, so starting it is sound in any process (no lock or allocator
//! state of another thread is touched).

use crate::errno::{check, Errno};
use crate::fd::{BorrowedFd, Fd};

/// The longest path a question may carry (Linux's PATH_MAX).
pub const MAX_PATH: usize = 4096;

/// How many supplementary groups the child may take (Linux's NGROUPS_MAX).
pub const MAX_GROUPS: usize = 65536;

/// Whose access to judge.
#[derive(Clone, Copy, Debug)]
pub struct Credentials<'a> {
    pub uid: u32,
    pub gid: u32,
    /// The supplementary groups (set with `setgroups`).
    pub groups: &'a [u32],
}

/// A running child with someone's credentials; dropping it ends it.
pub struct AccessAs {
    pid: i32,
    questions: Option<Fd>,
    answers: Fd,
}

fn pipe() -> Result<(Fd, Fd), Errno> {
    let mut fds = [0i32; 2];
    // SAFETY: fds has room for the two descriptors pipe2 writes.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: both descriptors are new and ours.
    Ok(unsafe { (Fd::from_raw(fds[0]), Fd::from_raw(fds[1])) })
}

/// Writes all of `buf` (raw syscall, EINTR retried).
fn write_all(fd: i32, mut buf: &[u8]) -> Result<(), Errno> {
    while !buf.is_empty() {
        // SAFETY: buf is a valid readable buffer of buf.len() bytes.
        let n = unsafe { libc::syscall(libc::SYS_write, fd, buf.as_ptr(), buf.len()) };
        if n < 0 {
            let e = crate::errno::last();
            if e == Errno::EINTR {
                continue;
            }
            return Err(e);
        }
        buf = &buf[n as usize..];
    }
    Ok(())
}

/// Reads exactly `buf.len()` bytes; `Ok(false)` at end of file before the
/// first byte.
fn read_exact(fd: i32, buf: &mut [u8]) -> Result<bool, Errno> {
    let mut done = 0;
    while done < buf.len() {
        // SAFETY: the slice from `done` is valid writable memory.
        let n = unsafe { libc::syscall(libc::SYS_read, fd, buf[done..].as_mut_ptr(), buf.len() - done) };
        if n < 0 {
            let e = crate::errno::last();
            if e == Errno::EINTR {
                continue;
            }
            return Err(e);
        }
        if n == 0 {
            return if done == 0 { Ok(false) } else { Err(Errno::EIO) };
        }
        done += n as usize;
    }
    Ok(true)
}

/// Closes every descriptor but `keep` (sorted), by raw `close_range`.
fn close_all_but(keep: [i32; 3]) {
    let mut from: u32 = 0;
    for k in keep {
        if k as u32 > from {
            // SAFETY: in the child, which owns copies of these descriptors
            // and uses none of them.
            unsafe { libc::syscall(libc::SYS_close_range, from, k as u32 - 1, 0u32) };
        }
        from = k as u32 + 1;
    }
    // SAFETY: as above.
    unsafe { libc::syscall(libc::SYS_close_range, from, !0u32, 0u32) };
}

/// The child: take the credentials, say whether that worked, then answer
/// each question (u32 length, path bytes) with the i32 errno of
/// `faccessat(dir, path, X_OK, 0)` (0 when allowed). Never returns.
fn child(dir: i32, questions: i32, answers: i32, creds: &Credentials, buf: &mut [u8; MAX_PATH + 1]) -> ! {
    let mut keep = [dir, questions, answers];
    keep.sort_unstable();
    close_all_but(keep);
    // SAFETY: raw credential system calls on this (single-threaded) child;
    // the group list is valid memory of `groups.len()` gids.
    let dropped = unsafe {
        libc::syscall(libc::SYS_setgroups, creds.groups.len(), creds.groups.as_ptr()) == 0
            && libc::syscall(libc::SYS_setresgid, creds.gid, creds.gid, creds.gid) == 0
            && libc::syscall(libc::SYS_setresuid, creds.uid, creds.uid, creds.uid) == 0
    };
    let status: i32 = if dropped { 0 } else { crate::errno::get() };
    if write_all(answers, &status.to_ne_bytes()).is_err() || !dropped {
        // SAFETY: _exit ends this process only.
        unsafe { libc::syscall(libc::SYS_exit_group, 1) };
    }
    loop {
        let mut len = [0u8; 4];
        let len = match read_exact(questions, &mut len) {
            Ok(true) => u32::from_ne_bytes(len) as usize,
            _ => break,
        };
        if len > MAX_PATH || !matches!(read_exact(questions, &mut buf[..len]), Ok(true)) {
            break;
        }
        buf[len] = 0;
        // SAFETY: buf holds a NUL-terminated path; dir is an open descriptor.
        let r = unsafe { libc::syscall(libc::SYS_faccessat, dir, buf.as_ptr(), libc::X_OK, 0) };
        let answer: i32 = if r == 0 { 0 } else { crate::errno::get() };
        if write_all(answers, &answer.to_ne_bytes()).is_err() {
            break;
        }
    }
    loop {
        // SAFETY: as above.
        unsafe { libc::syscall(libc::SYS_exit_group, 0) };
    }
}

impl AccessAs {
    /// Starts a child with `creds` that resolves paths against `dir` (an
    /// open folder, e.g. an `O_PATH` handle of the configuration folder).
    /// Needs root (CAP_SETUID, CAP_SETGID); fails with the errno of the
    /// first credential call that failed.
    pub fn start(dir: BorrowedFd, creds: &Credentials) -> Result<AccessAs, Errno> {
        if creds.groups.len() > MAX_GROUPS {
            return Err(Errno::EINVAL);
        }
        let (q_read, q_write) = pipe()?;
        let (a_read, a_write) = pipe()?;
        // Allocated before the fork: the child only fills it.
        let mut buf = [0u8; MAX_PATH + 1];
        // SAFETY: the child runs only `child`, which makes raw system calls
        // on memory that exists before the fork, and never returns.
        let pid = check(unsafe { libc::fork() })?;
        if pid == 0 {
            child(dir.raw(), q_read.raw(), a_write.raw(), creds, &mut buf);
        }
        drop(q_read);
        drop(a_write);
        let me = AccessAs {
            pid,
            questions: Some(q_write),
            answers: a_read,
        };
        let mut status = [0u8; 4];
        // On failure `me` is dropped here, which reaps the child.
        match read_exact(me.answers.raw(), &mut status)? {
            true if i32::from_ne_bytes(status) == 0 => Ok(me),
            true => Err(Errno(i32::from_ne_bytes(status))),
            false => Err(Errno::EIO),
        }
    }

    /// The kernel's answer to `faccessat(dir, path, X_OK, 0)` for the
    /// child's user: `Ok(Ok(()))` allowed, `Ok(Err(errno))` refused; the
    /// outer error is the conversation's (the child is gone).
    pub fn access_x(&mut self, path: &[u8]) -> Result<Result<(), Errno>, Errno> {
        if path.len() > MAX_PATH || path.contains(&0) {
            return Ok(Err(Errno(libc::ENAMETOOLONG)));
        }
        let q = self.questions.as_ref().ok_or(Errno::EIO)?.raw();
        write_all(q, &(path.len() as u32).to_ne_bytes())?;
        write_all(q, path)?;
        let mut answer = [0u8; 4];
        if !read_exact(self.answers.raw(), &mut answer)? {
            return Err(Errno::EIO);
        }
        Ok(match i32::from_ne_bytes(answer) {
            0 => Ok(()),
            e => Err(Errno(e)),
        })
    }

    /// Closes the questions (the child then exits) and reaps the child.
    fn end(&mut self) {
        self.questions = None;
        if self.pid > 0 {
            let mut status = 0;
            // SAFETY: waits for our own child; status is writable.
            let _ = crate::errno::retry(|| unsafe { libc::waitpid(self.pid, &mut status, 0) });
            self.pid = 0;
        }
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

    fn open_dir(path: &core::ffi::CStr) -> Fd {
        // SAFETY: a valid NUL-terminated path.
        let fd = unsafe { libc::open(path.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) };
        assert!(fd >= 0, "open {path:?}");
        // SAFETY: new descriptor, ours.
        unsafe { Fd::from_raw(fd) }
    }

    /// As root the child answers as nobody would be answered; without
    /// root it cannot take nobody's credentials, and says so instead of
    /// answering as us. Either way something is checked.
    #[test]
    fn answers_as_another_user_or_refuses_without_root() {
        // SAFETY: no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            return self::as_root::answers_as_nobody();
        }
        let dir = open_dir(c"/");
        let creds = Credentials {
            uid: 65534,
            gid: 65534,
            groups: &[],
        };
        assert_eq!(AccessAs::start(dir.as_fd(), &creds).err(), Some(Errno::EPERM));
    }

    mod as_root {
        use super::*;

        pub(super) fn answers_as_nobody() {
            let dir = open_dir(c"/");
            let creds = Credentials {
                uid: 65534,
                gid: 65534,
                groups: &[],
            };
            let mut child = AccessAs::start(dir.as_fd(), &creds).expect("start as root");
            assert_eq!(child.access_x(b"bin/sh").unwrap(), Ok(()));
            assert_eq!(child.access_x(b"etc/passwd").unwrap(), Err(Errno::EACCES));
            assert_eq!(child.access_x(b"no/such/thing").unwrap(), Err(Errno::ENOENT));
            assert_eq!(child.access_x(b"etc/passwd/x").unwrap(), Err(Errno::ENOTDIR));
        }
    }
}
