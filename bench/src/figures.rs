//! Figures of the setuid helpers that a noisy machine does not move: the
//! binary's size and the system calls one grant makes (strace of one exec
//! of the helper alone, in the sandbox, as the sandbox's user). A helper
//! that grows, or starts doing more per bind, shows here in any run.

use crate::sandbox::Sandbox;
use crate::{PRIV_PORT, SANDBOX_UID};
use std::path::Path;
use std::process::{Command, Stdio};

/// One helper's figures.
pub struct Figures {
    pub who: &'static str,
    pub bytes: Option<u64>,
    /// System calls from its exec to its exit, one grant.
    pub syscalls: Result<usize, String>,
}

/// Runs `helperloop HELPER once PORT` under `strace -u USER` (strace as
/// root, so that the helper's set-user-ID bit takes effect) in the
/// sandbox; its trace goes to `trace`.
const STRACE_SH: &str = concat!(
    policy_sandbox_sh!(),
    r#"trace=$4 helperloop=$5 helper=$6
name=$(getent passwd "$uid" | cut -d: -f1)
exec strace -qq -o "$trace" -u "$name" "$helperloop" "$helper" once "$port"
"#
);

pub fn of(who: &'static str, helper: &Path, helperloop: &Path, dirs: &Sandbox, scratch: &Path) -> Figures {
    Figures {
        who,
        bytes: std::fs::metadata(helper).ok().map(|m| m.len()),
        syscalls: syscalls_per_grant(helper, helperloop, dirs, scratch),
    }
}

fn syscalls_per_grant(helper: &Path, helperloop: &Path, dirs: &Sandbox, scratch: &Path) -> Result<usize, String> {
    if !crate::machine::have("strace") {
        return Err("strace not installed".into());
    }
    let trace = scratch.join("helper.strace");
    let _ = std::fs::remove_file(&trace);
    let out = Command::new("unshare")
        .args(["--mount", "--net", "--fork", "sh", "-c", &dirs.script(STRACE_SH), "sh"])
        .arg(&dirs.confdir)
        .arg(SANDBOX_UID.to_string())
        .arg(PRIV_PORT.to_string())
        .arg(&trace)
        .arg(helperloop)
        .arg(helper)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run unshare: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the grant failed [{}] {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")
        ));
    }
    let text = std::fs::read_to_string(&trace).map_err(|e| format!("no trace: {e}"))?;
    let _ = std::fs::remove_file(&trace);
    count_after_exec(&text, helper).ok_or_else(|| "no exec of the helper in the trace".into())
}

/// The system calls in `trace` (strace's, one a line) from the exec of
/// `helper` on, that exec included.
fn count_after_exec(trace: &str, helper: &Path) -> Option<usize> {
    let exec = format!("execve(\"{}\"", helper.display());
    let at = trace.lines().position(|l| l.starts_with(&exec))?;
    Some(trace.lines().skip(at).filter(|l| !l.starts_with("---")).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_helpers_calls_only() {
        let trace = "execve(\"/x/loop\", [\"/x/loop\"], 0x1 /* 1 var */) = 0\nsocket(AF_INET, SOCK_STREAM, 0) = 3\n\
                     execve(\"/x/helper\", [\"/x/helper\", \"0100007f\", \"5000\"], 0x1 /* 1 var */) = 0\n\
                     --- SIGALRM {si_signo=SIGALRM} ---\ngetuid() = 1500\nexit_group(0) = ?\n";
        assert_eq!(count_after_exec(trace, Path::new("/x/helper")), Some(3));
        assert_eq!(count_after_exec(trace, Path::new("/y/helper")), None);
    }
}
