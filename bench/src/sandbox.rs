//! The sandbox every privileged row runs in, and the measured loop.

use crate::{PRIV_PORT, SANDBOX_UID};
use authbind_testkit::{cc, sandbox, Scratch, UserDb};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The start of every sandbox script (this file's and kernel.rs's),
/// after the sandbox prelude ([`Sandbox::script`]): byport/`$3` in the
/// policy folder `$1` grants port `$3` to uid `$2` (mode 0500, owner the
/// user). A macro, so that `concat!` makes each script one literal.
macro_rules! policy_sandbox_sh {
    () => {
        r#"
set -e
confdir=$1 uid=$2 port=$3
touch "$confdir/byport/$port"
chown "$uid" "$confdir/byport/$port"
chmod 500 "$confdir/byport/$port"
"#
    };
}

/// What every sandbox is set up with: the policy folder it mounts its
/// tmpfs over, and the user database it mounts over the machine's.
pub struct Sandbox {
    pub confdir: String,
    pub users: UserDb,
}

impl Sandbox {
    /// The sandbox prelude ([`sandbox::prelude`]), then `script`.
    pub fn script(&self, script: &str) -> String {
        format!(
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH\n{}{script}",
            sandbox::prelude(&self.confdir, &self.users)
        )
    }
}

const BINDLOOP_C: &str = include_str!("bindloop.c");
const HELPERLOOP_C: &str = include_str!("helperloop.c");

/// Sets up the sandbox, then runs "$@" as the unprivileged user.
/// $1 = policy folder, $2 = uid, $3 = port granted, $4 = 1 for a syslog
/// receiver on a private /dev/log (socat, to /dev/null), 0 for none
/// (/dev/log, if any, is /dev/null then: the prelude sees to it); the
/// command follows.
const SANDBOX_SH: &str = concat!(
    policy_sandbox_sh!(),
    r#"devlog=$4
shift 4
if [ "$devlog" = 0 ]; then
    exec setpriv --reuid="$uid" --regid="$uid" --clear-groups env -i PATH=/usr/bin:/bin "$@"
fi
real=$(mktemp -d); mount --rbind /dev "$real"
mount -t tmpfs -o mode=0755 tmpfs /dev
for d in null zero full random urandom tty; do touch "/dev/$d"; mount --bind "$real/$d" "/dev/$d"; done
socat -u UNIX-RECV:/dev/log,mode=666 OPEN:/dev/null & receiver=$!
for i in $(seq 1 100); do [ -S /dev/log ] && break; sleep 0.02; done
set +e
setpriv --reuid="$uid" --regid="$uid" --clear-groups env -i PATH=/usr/bin:/bin "$@"
rc=$?
kill $receiver
exit $rc
"#
);

/// Compiles bindloop.c into a fresh scratch folder the sandboxed user can
/// read, dynamically linked (for the shim) and statically linked (for the
/// seccomp supervisor; an error if libc.a is missing).
/// Returns (folder, dynamic binary, static binary).
pub type Built = (Scratch, PathBuf, Result<PathBuf, String>);
pub fn build_bindloop() -> Result<Built, String> {
    let dir = Scratch::create("bench").map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let bin = cc::compile(dir.path(), ("bindloop", BINDLOOP_C, &[]))?;
    let static_built = cc::compile(dir.path(), ("bindloop-static", BINDLOOP_C, &["-static"]))
        .map_err(|e| format!("gcc -static failed: {}", e.lines().nth(1).unwrap_or("")));
    Ok((dir, bin, static_built))
}

/// Compiles helperloop.c (the helpers alone) into `dir`.
pub fn build_helperloop(dir: &Path) -> Result<PathBuf, String> {
    cc::compile(dir, ("helperloop", HELPERLOOP_C, &[]))
}

/// The command that runs `[launcher] bindloop ARGS`, in the sandbox as the
/// unprivileged user when `sandbox` (with a listening /dev/log when
/// `devlog`), else directly as ourselves.
pub fn command(
    sandbox: bool,
    devlog: bool,
    dirs: &Sandbox,
    launcher: Option<&Path>,
    bindloop: &Path,
    args: &[String],
) -> Command {
    let mut cmd;
    if sandbox {
        cmd = Command::new("unshare");
        cmd.args(["--mount", "--net", "--fork", "sh", "-c", &dirs.script(SANDBOX_SH), "sh"])
            .arg(&dirs.confdir)
            .arg(SANDBOX_UID.to_string())
            .arg(PRIV_PORT.to_string())
            .arg(if devlog { "1" } else { "0" });
        if let Some(l) = launcher {
            cmd.arg(l);
        }
        cmd.arg(bindloop);
    } else {
        match launcher {
            Some(l) => {
                cmd = Command::new(l);
                cmd.arg(bindloop);
            }
            None => cmd = Command::new(bindloop),
        }
        cmd.env_remove("LD_PRELOAD");
    }
    cmd.args(args).stdin(Stdio::null());
    cmd
}
