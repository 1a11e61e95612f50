//! Rows for kernel mode: the same loop, run natively (no launcher, no
//! preload) by the unprivileged user from a process in a scratch cgroup
//! where `authbindd` is attached, with byport/80 granting port 80. The
//! cgroup (`authbind-bench-PID` under the cgroup2 root) is made once and
//! removed when dropped; each run attaches in its own mount, network and
//! PID namespaces (a private bpffs), so everything it attached goes with
//! it when the loop exits. /dev/log is /dev/null in there: the daemon's
//! audit lines for the thousands of grants never reach the machine's log.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// $1 policy folder, $2 uid, $3 port granted, $4 authbindd or `none`
/// (the same sandbox and cgroup, nothing attached: the baseline), $5
/// cgroup, $6 `keep` (the daemon runs and logs every grant) or `stop`
/// (SIGTERM once attached: the grants stay, nobody reads the audit
/// ring), $7 trivial_prog or `none`, $8 what its program returns; the
/// command follows.
const KERNEL_SANDBOX_SH: &str = concat!(
    policy_sandbox_sh!(),
    r#"kd=$4 cg=$5 daemon=$6 trivial=$7 ret=$8
shift 8
mkdir -m 0755 /run/authbindd
[ -e /dev/log ] && mount --bind /dev/null /dev/log
mount -t bpf bpf /sys/fs/bpf
if [ "$kd" != none ]; then
    "$kd" --cgroup "$cg" 2>/dev/null & kdpid=$!
    for i in $(seq 1 200); do "$kd" --status --cgroup "$cg" >/dev/null 2>&1 && break; sleep 0.05; done
    "$kd" --status --cgroup "$cg" >/dev/null 2>&1 || { echo "error authbindd did not attach"; exit 1; }
    if [ "$daemon" = stop ]; then kill -TERM $kdpid; wait $kdpid || true; fi
fi
echo $$ > "$cg/cgroup.procs"
as_user="setpriv --reuid=$uid --regid=$uid --clear-groups --no-new-privs env -i PATH=/usr/bin:/bin"
# The trivial program attaches as root, then runs the rest: its link
# lives as long as the loop.
[ "$trivial" = none ] || exec "$trivial" "$cg" "$ret" $as_user "$@"
exec $as_user "$@"
"#
);

/// The scratch cgroup the kernel rows attach to.
pub struct Cgroup {
    path: PathBuf,
}

impl Cgroup {
    pub fn new() -> Result<Cgroup, String> {
        let info = std::fs::read_to_string("/proc/self/mountinfo").map_err(|e| format!("mountinfo: {e}"))?;
        let root = info
            .lines()
            .filter_map(|l| l.split_once(" - "))
            .find(|(left, right)| right.starts_with("cgroup2 ") && left.split(' ').nth(3) == Some("/"))
            .and_then(|(left, _)| left.split(' ').nth(4).map(PathBuf::from))
            .ok_or("no cgroup2 file system is mounted")?;
        let path = root.join(format!("authbind-bench-{}", std::process::id()));
        std::fs::create_dir(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Cgroup { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        let _ = std::fs::write(self.path.join("cgroup.kill"), "1");
        for _ in 0..250 {
            if std::fs::remove_dir(&self.path).is_ok() || !self.path.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("bench: could not remove {}", self.path.display());
    }
}

/// How a kernel-mode row runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// authbindd attached and running, logging each grant.
    Logging,
    /// Attached, daemon stopped: the programs alone.
    Attached,
    /// Nothing attached: the same sandbox and cgroup, for the baseline.
    Nothing,
    /// Instead of authbindd's, a bind4 program that only returns this
    /// (trivial_prog.c): the kernel's hook alone (1), or a grant of every
    /// bind without deciding anything (3).
    Trivial(u8),
}

/// authbindd and the scratch cgroup its rows attach to.
pub struct Place {
    pub authbindd: PathBuf,
    pub cgroup: Cgroup,
    /// trivial_prog.c, built (`build_trivial`).
    pub trivial: Result<PathBuf, String>,
}

const TRIVIAL_PROG_C: &str = include_str!("trivial_prog.c");

/// Compiles trivial_prog.c into `dir`.
pub fn build_trivial(dir: &Path) -> Result<PathBuf, String> {
    let src = dir.join("trivial_prog.c");
    let bin = dir.join("trivial_prog");
    std::fs::write(&src, TRIVIAL_PROG_C).map_err(|e| format!("write {}: {e}", src.display()))?;
    let out = Command::new("gcc")
        .args(["-O2", "-Wall", "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .map_err(|e| format!("cannot run gcc: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "gcc trivial_prog.c failed: {}",
            String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or("")
        ));
    }
    Ok(bin)
}

impl Place {
    /// The command that runs `bindloop ARGS` as `uid` under kernel mode,
    /// granting `port`; an error for a `Mode::Trivial` row without its
    /// program.
    pub fn command(
        &self,
        mode: Mode,
        dirs: &crate::Dirs,
        uid: u32,
        port: u16,
        bindloop: &Path,
        args: &[String],
    ) -> Result<Command, String> {
        let (authbindd, cgroup) = (&self.authbindd, &self.cgroup);
        let mut cmd = Command::new("unshare");
        cmd.args(["--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"])
            .args(["sh", "-c", &dirs.script(KERNEL_SANDBOX_SH), "sh"])
            .arg(&dirs.confdir)
            .arg(uid.to_string())
            .arg(port.to_string())
            .arg(match mode {
                Mode::Nothing | Mode::Trivial(_) => "none".into(),
                Mode::Logging | Mode::Attached => authbindd.as_os_str().to_owned(),
            })
            .arg(cgroup.path())
            .arg(if mode == Mode::Attached { "stop" } else { "keep" });
        match (mode, &self.trivial) {
            (Mode::Trivial(ret), Ok(trivial)) => cmd.arg(trivial).arg(ret.to_string()),
            (Mode::Trivial(_), Err(e)) => return Err(e.clone()),
            _ => cmd.arg("none").arg("1"),
        };
        cmd.arg(bindloop).args(args).stdin(Stdio::null());
        Ok(cmd)
    }
}
