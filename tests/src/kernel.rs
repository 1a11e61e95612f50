//! Kernel mode in the sandbox. A [`Kernel`] owns a scratch cgroup under
//! the cgroup2 root (found in /proc/self/mountinfo), named after the test,
//! removed when dropped whatever happened (its processes killed first):
//! programs are attached only there, never to the machine's root cgroup.
//! The bpffs the daemon pins into is mounted inside the sandbox's own
//! mount namespace, so pins, links and programs go when the sandbox does.
//!
//! The body sees, besides [`crate::Sandbox`]'s:
//! - `$CG` the scratch cgroup, `$KD` authbindd, `$UB` uringbind,
//!   `$KL` kbindloop (tests/c/);
//! - `kd_start [ARGS…]`: mounts a private bpffs on /sys/fs/bpf (unless
//!   `KD_NO_BPFFS=1`), starts `$KD --cgroup $CG ARGS…` in the background
//!   (pid in `$KDPID`, stderr appended to `$W/kd.err`) and waits until it
//!   says it serves and `--status` says it is attached (status 1 if it
//!   never does);
//! - `kd_stop`: SIGTERM and wait (the grants stay attached);
//! - `in_cg CMD…`: runs CMD, as root, from a process in `$CG`;
//! - `cg_user UID CMD…`: runs CMD as UID in `$CG`, without authbind, under
//!   `no_new_privs`, no supplementary groups, an empty environment but
//!   `PATH=/usr/bin:/bin`; `bg_cg_user` the same in the background (pid in
//!   `$BGPID`);
//! - `attached HOOK`: how many of our programs bpftool lists on `$CG` for
//!   `bind4` or `bind6` (independently of authbindd);
//! - `flips WANT CMD…`: runs CMD until it prints WANT, for at most
//!   `$LIMIT_MS` (1000) ms; prints the milliseconds it took, or `never`
//!   (status 1).

use crate::install::Install;
use crate::outcome::Outcome;
use crate::sandbox::Sandbox;
use authbind_testkit::cc::{self, CSource};
use authbind_testkit::ScratchCgroup;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const SOURCES: &[CSource] = &[
    ("uringbind", include_str!("../c/uringbind.c"), &[]),
    ("kbindloop", include_str!("../c/kbindloop.c"), &[]),
];

const PRELUDE: &str = r#"
kd_start() {
    if [ "${KD_NO_BPFFS:-}" != 1 ] && ! mountpoint -q /sys/fs/bpf; then
        mount -t bpf authbind-e2e-bpf /sys/fs/bpf || return 1
    fi
    local i served
    served=$(grep -c '^authbindd: serving' "$W/kd.err" 2>/dev/null)
    "$KD" --cgroup "$CG" "$@" 2>>"$W/kd.err" & KDPID=$!
    # Attached (pins left by an earlier daemon count only once this one
    # has taken them over and said so).
    for i in $(seq 1 400); do
        if [ "$(grep -c '^authbindd: serving' "$W/kd.err")" -gt "${served:-0}" ] &&
            "$KD" --status --cgroup "$CG" >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$KDPID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
kd_stop() { kill -TERM "$KDPID"; wait "$KDPID"; }
in_cg() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG" "$@"; }
cg_user() { local uid=$1; shift; in_cg setpriv --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs env -i PATH=/usr/bin:/bin "$@"; }
bg_cg_user() { local uid=$1; shift; in_cg setpriv --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs env -i PATH=/usr/bin:/bin "$@" & BGPID=$!; }
attached() { bpftool cgroup show "$CG" 2>/dev/null | grep -c "authbind_$1"; }
flips() {
    local want=$1 start now; shift
    start=$(date +%s%N)
    while :; do
        [ "$("$@")" = "$want" ] && { now=$(date +%s%N); echo $(( (now - start) / 1000000 )); return 0; }
        now=$(date +%s%N)
        [ $(( (now - start) / 1000000 )) -gt "${LIMIT_MS:-1000}" ] && { echo never; return 1; }
        sleep 0.01
    done
}
"#;

fn programs_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| cc::build_cached("authbind-e2e-kprogs-", SOURCES))
}

/// A kernel-mode run: the scratch cgroup and the sandbox around it.
pub struct Kernel {
    cgroup: ScratchCgroup,
}

impl Kernel {
    pub fn new(test: &str) -> Kernel {
        Kernel {
            cgroup: ScratchCgroup::new(&format!("e2e-{test}")),
        }
    }

    pub fn cgroup(&self) -> &Path {
        self.cgroup.path()
    }

    /// A sandbox with the kernel-mode variables set.
    pub fn sandbox<'a>(&self, install: &'a Install, test: &str) -> Sandbox<'a> {
        let dir = programs_dir();
        Sandbox::new(install, test)
            .var("CG", self.cgroup.path())
            .var("KD", install.authbindd())
            .var("UB", dir.join("uringbind"))
            .var("KL", dir.join("kbindloop"))
    }

    /// Runs `body` in `sandbox` after the kernel-mode functions.
    pub fn run(&self, sandbox: Sandbox<'_>, body: &str) -> Outcome {
        sandbox.run(&format!("{PRELUDE}\n{body}"))
    }
}
