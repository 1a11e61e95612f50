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
/// ring); the command follows.
const KERNEL_SANDBOX_SH: &str = r#"
set -e
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
confdir=$1 uid=$2 port=$3 kd=$4 cg=$5 daemon=$6
shift 6
ip link set lo up
mount --make-rprivate /
[ -d "$confdir" ] || mkdir -p "$confdir"
mount -t tmpfs -o mode=755 tmpfs "$confdir"
mkdir "$confdir/byport" "$confdir/byaddr" "$confdir/byuid"
touch "$confdir/byport/$port"
chown "$uid" "$confdir/byport/$port"
chmod 500 "$confdir/byport/$port"
mkdir -p /run/authbind && mount -t tmpfs -o mode=0700 tmpfs /run/authbind
mkdir -p /run/authbindd && mount -t tmpfs -o mode=0755 tmpfs /run/authbindd
[ -e /dev/log ] && mount --bind /dev/null /dev/log
mount -t bpf bpf /sys/fs/bpf
if [ "$kd" != none ]; then
    "$kd" --cgroup "$cg" 2>/dev/null & kdpid=$!
    for i in $(seq 1 200); do "$kd" --status --cgroup "$cg" >/dev/null 2>&1 && break; sleep 0.05; done
    "$kd" --status --cgroup "$cg" >/dev/null 2>&1 || { echo "error authbindd did not attach"; exit 1; }
    if [ "$daemon" = stop ]; then kill -TERM $kdpid; wait $kdpid || true; fi
fi
echo $$ > "$cg/cgroup.procs"
exec setpriv --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs env -i PATH=/usr/bin:/bin "$@"
"#;

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
}

/// authbindd and the scratch cgroup its rows attach to.
pub struct Place {
    pub authbindd: PathBuf,
    pub cgroup: Cgroup,
}

impl Place {
    /// The command that runs `bindloop ARGS` as `uid` under kernel mode,
    /// granting `port`.
    pub fn command(&self, mode: Mode, confdir: &str, uid: u32, port: u16, bindloop: &Path, args: &[String]) -> Command {
        let (authbindd, cgroup) = (&self.authbindd, &self.cgroup);
        let mut cmd = Command::new("unshare");
        cmd.args(["--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"])
            .args(["sh", "-c", KERNEL_SANDBOX_SH, "sh"])
            .arg(confdir)
            .arg(uid.to_string())
            .arg(port.to_string())
            .arg(if mode == Mode::Nothing {
                "none".into()
            } else {
                authbindd.as_os_str().to_owned()
            })
            .arg(cgroup.path())
            .arg(if mode == Mode::Attached { "stop" } else { "keep" })
            .arg(bindloop)
            .args(args)
            .stdin(Stdio::null());
        cmd
    }
}
