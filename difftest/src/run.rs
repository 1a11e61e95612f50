//! Running a helper the way libauthbind does: as the user, classic
//! arguments, a fresh socket of the request's family on fd 0.

use std::net::IpAddr;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};

/// The exit status, or 1000 + signal number if it was killed.
pub fn helper_status(helper: &str, args: &[String], uid: u32, addr: &IpAddr) -> std::io::Result<i32> {
    let mut cmd = Command::new(helper);
    cmd.args(args).uid(uid).gid(uid);
    status_with_socket(cmd, addr)
}

/// Runs `cmd` with an empty environment and a fresh socket of `addr`'s
/// family on fd 0: its exit status, or 1000 + signal number.
pub fn status_with_socket(mut cmd: Command, addr: &IpAddr) -> std::io::Result<i32> {
    let family = if addr.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 };
    // SAFETY: socket() has no memory-safety preconditions.
    let fd = unsafe { libc::socket(family, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fd is a new descriptor that nothing else owns.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };
    let status = cmd
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::from(socket))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    Ok(status.code().unwrap_or_else(|| 1000 + status.signal().unwrap_or(0)))
}

/// access(X_OK) of `path` by `uid` (gid = uid), as `test -x` run as that
/// user finds it: with no supplementary groups, or with the `setpriv`
/// groups argument `groups` (e.g. `--groups=0,1500`).
pub fn executable_as(uid: u32, groups: Option<&str>, path: &std::path::Path) -> bool {
    let mut cmd = match groups {
        None => {
            let mut cmd = Command::new("test");
            cmd.uid(uid).gid(uid);
            cmd
        }
        Some(groups) => {
            let id = uid.to_string();
            let mut cmd = Command::new("setpriv");
            cmd.args(["--reuid", &id, "--regid", &id, groups, "--", "test"]);
            cmd
        }
    };
    cmd.arg("-x")
        .arg(path)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
