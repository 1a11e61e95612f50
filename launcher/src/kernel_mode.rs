//! Whether kernel mode (`authbindd`) covers this process: it serves a
//! cgroup at or above this process's own (the `0::` line of
//! /proc/self/cgroup), as its public marks in KERNEL_RUN_DIR say (readable
//! where systemd mounts bpffs 0700), or its pins (KERNEL_PIN_DIR/*/bind4
//! and bind6) when they can be seen. Then the kernel itself grants the
//! privileged binds the policy allows, to any program, so a static or Go
//! program is run directly rather than under the seccomp supervisor, and
//! no warning about the set-user-ID helper is due.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{exit, Command};

/// Is `own` (a cgroup path) at or below `attach`?
fn covers(attach: &str, own: &str) -> bool {
    let attach = attach.trim_end_matches('/');
    attach.is_empty() || own == attach || own.strip_prefix(attach).is_some_and(|rest| rest.starts_with('/'))
}

/// This process's cgroup v2 path.
fn own_cgroup() -> Option<String> {
    let mut text = String::new();
    std::fs::File::open("/proc/self/cgroup")
        .ok()?
        .take(64 << 10)
        .read_to_string(&mut text)
        .ok()?;
    text.lines().find_map(|l| l.strip_prefix("0::")).map(str::to_string)
}

/// The attach point (a cgroup path) that covers this process, if any.
pub fn covering() -> Option<String> {
    let own = own_cgroup()?;
    buildcfg::attached::attach_points()
        .into_iter()
        .find(|attach| covers(attach, &own))
}

/// Runs the program as it is when kernel mode covers this process (the
/// kernel grants its binds); returns otherwise. `why`: why the program
/// would need the supervisor.
pub fn run_if_covered(program: &OsStr, args: &[OsString], why: &str, debug: bool) {
    let Some(attach) = covering() else { return };
    if debug {
        supervisor::say::say(format_args!(
            "kernel mode covers this process (attached at cgroup {attach}): running it directly, \
             without the seccomp supervisor ({why})"
        ));
    }
    let err = Command::new(program).args(args).exec();
    supervisor::say::say(format_args!(
        "{}: {}",
        Path::new(program).display(),
        syscalls::Errno::of(&err)
    ));
    exit(255)
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn at_or_below_the_attach_point() {
        assert!(covers("/", "/user.slice/x"));
        assert!(covers("/system.slice/a.service", "/system.slice/a.service"));
        assert!(covers("/system.slice/a.service", "/system.slice/a.service/sub"));
        assert!(!covers("/system.slice/a.service", "/system.slice/a.service2"));
        assert!(!covers("/system.slice/a.service", "/system.slice"));
        assert!(!covers("/a", "/b/a"));
    }
}
