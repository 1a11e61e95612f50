//! Runs one bash script as root in fresh mount, network and PID namespaces,
//! after the sandbox prelude ([`authbind_testkit::sandbox::prelude`]):
//! loopback up, a private `/etc/authbind`, `/run` and `/dev/log`, and the
//! sandbox's own user database.

use crate::grants::Policy;
use crate::install::Install;
use crate::outcome::Outcome;
use crate::programs::programs;
use crate::{UserDb, OTHER, USER};
use authbind_testkit::{sandbox, sh_quote, Scratch};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One sandboxed run. The body script sees these variables and functions:
/// - `$P` prefix, `$AB` launcher, `$LIB` shim (.so.1), `$HELPER` helper;
/// - `$BT` bindtest, `$BS` bindstorm, `$RB` robust (see tests/c/);
/// - `$SB` sysbind (static), `$EP` envprobe, `$MARK` libmarker.so;
/// - the variables given with [`Sandbox::var`];
/// - `$W` a scratch folder (root's, 0755, removed afterwards);
/// - `$U` = 1500 (gets the grants), `$O` = 1501 (gets none);
/// - the user database ([`Sandbox::users`], [`UserDb::standard`] unless
///   the test says otherwise) mounted over `/etc/passwd`, `/etc/group` and
///   `/etc/nsswitch.conf` (files only), whatever users the machine has; its
///   files are in `$USERDB` (`$USERDB/group`, …), where a test that changes
///   the database while it runs edits them;
/// - `as_user UID [VAR=VALUE…] PROGRAM ARGS…`: runs as that user with an
///   empty environment but `PATH=/usr/bin:/bin`;
/// - `bg_as_user UID [VAR=VALUE…] PROGRAM ARGS…`: the same in the
///   background, its pid (the program's, through the execs) in `$BGPID`;
/// - `r KEY CMD…`: runs CMD and prints `KEY=<its stdout on one line>` and
///   `KEY.rc=<its exit status>` (its stderr goes to the script's stderr);
/// - `fetch PID URL [TRIES]`: prints what curl gets from URL, trying up to
///   TRIES (100) times 0.1 s apart while the server PID starts, and giving
///   up once PID is gone (exit status 1); curl's errors go to `$W/curl.err`;
/// - `private_dev_log FILE`: a private `/dev` whose `/dev/log` is a real
///   syslog receiver (socat, pid in `$SOCAT`) appending each datagram to
///   FILE. (Otherwise `/dev/log` is /dev/null here, and `/run/authbind` a
///   private tmpfs.)
pub struct Sandbox<'a> {
    install: &'a Install,
    name: String,
    policy: Policy,
    users: UserDb,
    nonlocal_bind: bool,
    timeout: Duration,
    vars: Vec<(String, String)>,
}

impl<'a> Sandbox<'a> {
    pub fn new(install: &'a Install, name: &str) -> Sandbox<'a> {
        Sandbox {
            install,
            name: name.to_string(),
            policy: Policy::new(),
            users: UserDb::standard(),
            nonlocal_bind: false,
            timeout: Duration::from_secs(60),
            vars: Vec::new(),
        }
    }

    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The user database the sandbox sees instead of the machine's
    /// ([`UserDb::standard`] unless set).
    pub fn users(mut self, users: UserDb) -> Self {
        self.users = users;
        self
    }

    /// Let any IPv4/IPv6 address be bound (`ip_nonlocal_bind`), for policy
    /// tests over addresses the namespace does not have.
    pub fn nonlocal_bind(mut self) -> Self {
        self.nonlocal_bind = true;
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the shell variable `name` (e.g. `"GO"`) to `value` (quoted)
    /// before the body runs.
    pub fn var(mut self, name: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        assert!(
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "bad variable name `{name}`"
        );
        self.vars
            .push((name.to_string(), value.as_ref().to_string_lossy().into_owned()));
        self
    }

    /// Runs `body` after the setup; never panics on the script's own failure
    /// (the returned [`Outcome`] does, on a failed expectation).
    pub fn run(&self, body: &str) -> Outcome {
        let scratch = Scratch::new(&format!("e2e-work.{}", self.name));
        let script = self.script(scratch.path(), body);
        let started = Instant::now();
        // SIGKILL: unshare ignores SIGTERM while it waits; --kill-child
        // then takes the namespace's init, and so every process in it, down.
        let output = Command::new("timeout")
            .args(["-s", "KILL"])
            .arg(format!("{}", self.timeout.as_secs().max(1)))
            .args(["unshare", "--mount", "--net", "--pid", "--fork", "--kill-child"])
            .args(["--mount-proc", "bash", "-c"])
            .arg(&script)
            .arg(format!("sandbox:{}", self.name))
            .output()
            .unwrap_or_else(|e| panic!("cannot run timeout/unshare/bash: {e}"));
        Outcome::new(&self.name, script, output, started.elapsed(), self.timeout)
    }

    fn script(&self, scratch: &Path, body: &str) -> String {
        let progs = programs();
        let q = |p: &Path| sh_quote(&p.to_string_lossy());
        let nonlocal = if self.nonlocal_bind {
            "sysctl -qw net.ipv4.ip_nonlocal_bind=1 net.ipv6.ip_nonlocal_bind=1 || fail sysctl\n"
        } else {
            ""
        };
        format!(
            r#"set -u
fail() {{ echo "SANDBOX SETUP FAILED: $*" >&2; exit 97; }}
{prelude}{nonlocal}{policy}P={prefix}; AB={launcher}; LIB={shim}; HELPER={helper}
BT={bt}; BS={bs}; RB={rb}; W={scratch}; U={user}; O={other}; USERDB={userdb}
SB={sb}; EP={ep}; MARK={mark}
{vars}as_user() {{ local uid=$1; shift; setpriv --reuid="$uid" --regid="$uid" --clear-groups env -i PATH=/usr/bin:/bin "$@"; }}
bg_as_user() {{ local uid=$1; shift; setpriv --reuid="$uid" --regid="$uid" --clear-groups env -i PATH=/usr/bin:/bin "$@" & BGPID=$!; }}
r() {{ local key=$1 out rc; shift; out=$("$@"); rc=$?; printf '%s=%s\n%s.rc=%s\n' "$key" "${{out//$'\n'/ }}" "$key" "$rc"; }}
fetch() {{
    local pid=$1 url=$2 tries=${{3:-100}} got i
    for i in $(seq 1 "$tries"); do
        got=$(curl -gsS --max-time 3 "$url" 2>>"$W/curl.err") && {{ echo "$got"; return 0; }}
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}}
# A private /dev (tmpfs; the usual devices bound in) with a syslog receiver
# on /dev/log that appends every datagram to FILE, one per line.
private_dev_log() {{
    local file=$1 i
    mkdir -p "$W/realdev" && mount --rbind /dev "$W/realdev" || return 1
    mount -t tmpfs -o mode=0755 authbind-e2e-dev /dev || return 1
    for d in null zero full random urandom tty; do
        touch "/dev/$d" && mount --bind "$W/realdev/$d" "/dev/$d" || return 1
    done
    mkdir /dev/pts && mount --rbind "$W/realdev/pts" /dev/pts || return 1
    ln -s /proc/self/fd /dev/fd
    socat -u UNIX-RECV:/dev/log,mode=666 "OPEN:$file,creat,append" & SOCAT=$!
    for i in $(seq 1 100); do [ -S /dev/log ] && return 0; sleep 0.02; done
    return 1
}}
echo __setup=done
# ---------------- test body ----------------
{body}
"#,
            prelude = sandbox::prelude("/etc/authbind", &self.users),
            userdb = sandbox::USERDB_DIR,
            policy = self.policy.script(),
            prefix = q(self.install.prefix()),
            launcher = q(&self.install.launcher()),
            shim = q(&self.install.shim()),
            helper = q(&self.install.helper()),
            bt = q(&progs.bindtest()),
            bs = q(&progs.bindstorm()),
            rb = q(&progs.robust()),
            sb = q(&progs.sysbind()),
            ep = q(&progs.envprobe()),
            mark = q(&progs.marker_lib()),
            vars = self
                .vars
                .iter()
                .map(|(name, value)| format!("{name}={}\n", sh_quote(value)))
                .collect::<String>(),
            scratch = q(scratch),
            user = USER,
            other = OTHER,
        )
    }
}
