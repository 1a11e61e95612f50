//! The administration tool in the differential test: `explain`'s exit
//! status against the helpers' decision (run by root for `--user UID`,
//! and by the user itself), and the round trip `export`, `apply` to an
//! empty folder, same decisions.

use crate::request::Request;
use std::net::IpAddr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// `ADDR:PORT`, or `[ADDR]:PORT` for IPv6, as explain takes it.
pub fn target(req: &Request) -> String {
    match req.addr {
        IpAddr::V4(a) => format!("{a}:{}", req.port),
        IpAddr::V6(a) => format!("[{a}]:{}", req.port),
    }
}

/// net.ipv4.ip_unprivileged_port_start of this network namespace (the
/// kernel's default, 1024, when it cannot be read).
pub fn unprivileged_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(1024)
}

/// explain's exit status: as root for `--user UID`, or as the user (the
/// helper's credentials: uid, gid = uid, no supplementary groups).
pub fn explain(tool: &str, req: &Request, as_user: bool) -> std::io::Result<i32> {
    let mut cmd = Command::new(tool);
    cmd.arg("explain");
    if as_user {
        cmd.uid(req.uid).gid(req.uid);
    } else {
        cmd.arg("--user").arg(req.uid.to_string());
    }
    let status = cmd
        .arg(target(req))
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    Ok(status.code().unwrap_or(1000))
}

/// Whether the user of `req` really cannot know what their byuid file
/// says (the only case where `explain` as the user may answer "cannot
/// tell", exit 3): it is there but not readable to them, or they cannot
/// even see whether it is there. Not when they may read it, nor when they
/// can see it is absent.
pub fn byuid_hidden_from_user(confdir: &str, req: &Request) -> bool {
    let bang = if req.port >= 512 { "!" } else { "" };
    let file = format!("{confdir}/byuid/{bang}{}", req.uid);
    let status = Command::new("sh")
        .args([
            "-c",
            r#"test -r "$1" && exit 10; LC_ALL=C stat -- "$1" 2>&1 >/dev/null | grep -q 'No such file' && exit 11; exit 0"#,
            "sh",
        ])
        .arg(&file)
        .uid(req.uid)
        .gid(req.uid)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    matches!(status.map(|s| s.code()), Ok(Some(0)))
}

/// `export` of the current tree, or why it failed.
pub fn export(tool: &str) -> Result<String, String> {
    let out = Command::new(tool)
        .arg("export")
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        String::from_utf8(out.stdout).map_err(|e| e.to_string())
    } else {
        Err(format!(
            "{}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// `apply FILE` on the current tree, or why it failed.
pub fn apply(tool: &str, file: &Path) -> Result<(), String> {
    let out = Command::new(tool)
        .arg("apply")
        .arg(file)
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}: {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// What the tool is compared on, and how often it agreed.
#[derive(Default)]
pub struct Tally {
    pub root_agreed: u64,
    pub root_disagreed: u64,
    pub user_agreed: u64,
    pub user_disagreed: u64,
    pub user_cannot_tell: u64,
    pub trip_same: u64,
    pub trip_different: u64,
    pub trip_failed: u64,
}

impl Tally {
    pub fn failures(&self) -> u64 {
        self.root_disagreed + self.user_disagreed + self.trip_different + self.trip_failed
    }

    pub fn print(&self) {
        println!(
            "difftest: explain --user UID (as root): {} agreed with the helper, {} disagreed",
            self.root_agreed, self.root_disagreed
        );
        println!(
            "difftest: explain (as the user): {} agreed, {} disagreed, {} could not tell (a byuid file only root reads)",
            self.user_agreed, self.user_disagreed, self.user_cannot_tell
        );
        println!(
            "difftest: round trip (export, apply to an empty folder, helper again): {} requests decided as before, {} differently, {} trips failed",
            self.trip_same, self.trip_different, self.trip_failed
        );
    }
}
