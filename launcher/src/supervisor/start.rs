//! Starting the program under the bind filter and getting its listener.

use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;
use std::process::Command;
use syscalls::seccomp::{install_bind_listener, set_no_new_privs, FLAG_WAIT_KILLABLE_RECV};
use syscalls::{fdpass, signals, sock};

pub struct Started {
    pub pid: i32,
    pub listener: i32,
    pub killable_wait: bool,
}

/// Runs in the child between fork and exec: async-signal-safe wrappers
/// only, nothing allocated.
fn in_child(channel: i32) -> std::io::Result<()> {
    let os = |e: syscalls::Errno| std::io::Error::from_raw_os_error(e.0);
    signals::unblock_all();
    set_no_new_privs().map_err(os)?;
    let (listener, killable) = match install_bind_listener(FLAG_WAIT_KILLABLE_RECV) {
        Ok(fd) => (fd, b"K"),
        // Older kernels (before 5.19) lack the flag.
        Err(syscalls::Errno(libc::EINVAL)) => (install_bind_listener(0).map_err(os)?, b"k"),
        Err(e) => return Err(os(e)),
    };
    let sent = fdpass::send(channel, killable, Some(listener));
    sock::close(listener);
    sent.map_err(os)
}

pub fn start(program: &OsStr, args: &[OsString]) -> Result<Started, String> {
    let (ours, theirs) = sock::seqpacket_pair().map_err(|e| format!("socketpair: errno {}", e.0))?;
    let mut cmd = Command::new(program);
    cmd.args(args).env(super::SUPERVISED_VAR, "1");
    // SAFETY: `in_child` makes only async-signal-safe system calls through
    // the syscalls crate's wrappers and allocates nothing, as a pre_exec
    // hook must (the child of a possibly multithreaded fork).
    unsafe {
        cmd.pre_exec(move || in_child(theirs));
    }
    let spawned = cmd.spawn();
    sock::close(theirs);
    let child = match spawned {
        Ok(c) => c,
        Err(e) => {
            sock::close(ours);
            return Err(match e.raw_os_error() {
                Some(libc::EBUSY) => {
                    "this process already has a seccomp listener (nested authbind --seccomp?): only one can exist"
                        .into()
                }
                _ => format!("{}: {e}", program.to_string_lossy()),
            });
        }
    };
    let mut buf = [0u8; 4];
    let got = fdpass::recv(ours, &mut buf, 0).map_err(|e| format!("no seccomp listener from the child: errno {}", e.0));
    sock::close(ours);
    let got = got?;
    let listener = got.fd.ok_or("no seccomp listener from the child")?;
    Ok(Started {
        pid: child.id() as i32,
        listener,
        killable_wait: got.len == 1 && buf[0] == b'K',
    })
}
