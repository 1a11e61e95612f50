//! Starting the program under the bind filter and getting its listener.

use crate::error::SupervisorError;
use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;
use std::process::Command;
use syscalls::seccomp::{install_bind_listener, set_no_new_privs, FLAG_WAIT_KILLABLE_RECV};
use syscalls::{fdpass, signals, sock, BorrowedFd, Errno, Fd};

pub struct Started {
    pub pid: i32,
    pub listener: Fd,
    pub killable_wait: bool,
}

/// Runs in the child between fork and exec: async-signal-safe wrappers
/// only, nothing allocated.
fn in_child(channel: BorrowedFd) -> std::io::Result<()> {
    signals::unblock_all();
    set_no_new_privs()?;
    let (listener, killable) = match install_bind_listener(FLAG_WAIT_KILLABLE_RECV) {
        Ok(fd) => (fd, b"K"),
        // Older kernels (before 5.19) lack the flag.
        Err(Errno::EINVAL) => (install_bind_listener(0)?, b"k"),
        Err(e) => return Err(e.into()),
    };
    fdpass::send(channel, killable, Some(listener.as_fd()), 0)?;
    Ok(())
}

pub fn start(program: &OsStr, args: &[OsString]) -> Result<Started, SupervisorError> {
    let (ours, theirs) = sock::seqpacket_pair().map_err(SupervisorError::Channel)?;
    let mut cmd = Command::new(program);
    cmd.args(args).env(super::SUPERVISED_VAR, "1");
    // SAFETY: `in_child` makes only async-signal-safe system calls through
    // the syscalls crate's wrappers and allocates nothing, as a pre_exec
    // hook must (the child of a possibly multithreaded fork).
    unsafe {
        cmd.pre_exec(move || in_child(theirs.as_fd()));
    }
    let spawned = cmd.spawn();
    // Our copy of the child's end goes with the command.
    drop(cmd);
    let child = spawned.map_err(|error| match error.raw_os_error() {
        Some(libc::EBUSY) => SupervisorError::AlreadyListening,
        _ => SupervisorError::Spawn {
            program: program.to_string_lossy().into_owned(),
            error: Errno::of(&error),
        },
    })?;
    let mut buf = [0u8; 4];
    let got = fdpass::recv(ours.as_fd(), &mut buf, 0).map_err(SupervisorError::NoListener)?;
    let listener = got.fd.ok_or(SupervisorError::NoListener(Errno::EBADF))?;
    Ok(Started {
        pid: child.id() as i32,
        listener,
        killable_wait: got.len == 1 && buf[0] == b'K',
    })
}
