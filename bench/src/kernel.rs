//! Rows for kernel mode: the same loop, run natively (no launcher, no
//! preload) by the unprivileged user from a process in a scratch cgroup
//! where `authbindd` is attached, with byport/80 granting port 80. The
//! cgroup (`authbind-bench-PID` under the cgroup2 root) is made once and
//! removed when dropped; each run attaches in its own mount, network and
//! PID namespaces (a private bpffs), so everything it attached goes with
//! it when the loop exits. /dev/log is /dev/null in there: the daemon's
//! audit lines for the thousands of grants never reach the machine's log.
//! The reservation rows add the bench's reserve folder (reserve.rs) to the
//! tree before the daemon starts; the daemon serves the run's own network
//! namespace, so its reservations hold for the loop.

use authbind_testkit::{cc, ScratchCgroup, OTHER};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// $1 policy folder, $2 uid, $3 port granted, $4 authbindd or `none`
/// (the same sandbox and cgroup, nothing attached: the baseline), $5
/// cgroup, $6 `keep` (the daemon runs and logs every grant) or `stop`
/// (SIGTERM once attached: the grants stay, nobody reads the audit
/// ring), $7 trivial_prog or `none`, $8 what its program returns, $9 a
/// reserve folder copied into the tree (owners and modes kept) or `none`;
/// the command follows.
const KERNEL_SANDBOX_SH: &str = concat!(
    policy_sandbox_sh!(),
    r#"kd=$4 cg=$5 daemon=$6 trivial=$7 ret=$8 reserve=$9
shift 9
[ "$reserve" = none ] || cp -a "$reserve" "$confdir/reserve"
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
    /// authbindd attached and running, the tree's reserve folder holding
    /// the bench's reservations (reserve.rs, `reserve/80` the sandbox
    /// user's), the loop run by this user.
    Reserved(Binder),
}

/// Who binds under [`Mode::Reserved`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Binder {
    /// The sandbox's user, the reservations' owner.
    Owner,
    /// Another user ([`OTHER`]): refused a reserved port. byport/80
    /// grants this user port 80 there (the sandbox grants it to whoever
    /// runs the loop): the reservation, consulted first, refuses it all
    /// the same.
    Other,
}

impl Mode {
    /// The user the loop runs as.
    fn uid(self) -> u32 {
        match self {
            Mode::Reserved(Binder::Other) => OTHER,
            _ => crate::SANDBOX_UID,
        }
    }
}

/// authbindd and the scratch cgroup its rows attach to.
pub struct Place {
    pub authbindd: PathBuf,
    pub cgroup: ScratchCgroup,
    /// trivial_prog.c, built (`build_trivial`).
    pub trivial: Result<PathBuf, String>,
    /// The reservation rows' reserve folder, made (`reserve::build`).
    pub reserve: Result<PathBuf, String>,
}

const TRIVIAL_PROG_C: &str = include_str!("trivial_prog.c");

/// Compiles trivial_prog.c into `dir`.
pub fn build_trivial(dir: &Path) -> Result<PathBuf, String> {
    cc::compile(dir, ("trivial_prog", TRIVIAL_PROG_C, &[]))
        .map_err(|e| format!("gcc trivial_prog.c failed: {}", e.lines().nth(1).unwrap_or("")))
}

impl Place {
    /// The command that runs `bindloop ARGS` under kernel mode (as the
    /// mode's user), granting `port`; an error for a `Mode::Trivial` row
    /// without its program, or a `Mode::Reserved` one without its folder.
    pub fn command(
        &self,
        mode: Mode,
        dirs: &crate::Sandbox,
        port: u16,
        bindloop: &Path,
        args: &[String],
    ) -> Result<Command, String> {
        let (authbindd, cgroup) = (&self.authbindd, &self.cgroup);
        let mut cmd = Command::new("unshare");
        cmd.args(["--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"])
            .args(["sh", "-c", &dirs.script(KERNEL_SANDBOX_SH), "sh"])
            .arg(&dirs.confdir)
            .arg(mode.uid().to_string())
            .arg(port.to_string())
            .arg(match mode {
                Mode::Nothing | Mode::Trivial(_) => "none".into(),
                Mode::Logging | Mode::Attached | Mode::Reserved(_) => authbindd.as_os_str().to_owned(),
            })
            .arg(cgroup.path())
            .arg(if mode == Mode::Attached { "stop" } else { "keep" });
        match (mode, &self.trivial) {
            (Mode::Trivial(ret), Ok(trivial)) => cmd.arg(trivial).arg(ret.to_string()),
            (Mode::Trivial(_), Err(e)) => return Err(e.clone()),
            _ => cmd.arg("none").arg("1"),
        };
        match (mode, &self.reserve) {
            (Mode::Reserved(_), Ok(folder)) => cmd.arg(folder),
            (Mode::Reserved(_), Err(e)) => return Err(e.clone()),
            _ => cmd.arg("none"),
        };
        cmd.arg(bindloop).args(args).stdin(Stdio::null());
        Ok(cmd)
    }
}
