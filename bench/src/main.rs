//! `make bench`: per-bind latency of socket + bind + close, natively and
//! through authbind (ours and Debian's), in a small process and in one that
//! has touched 4 GiB of memory, all measured in one run so that the ratios
//! are comparable on a noisy machine. Rows (a)-(f) are the LD_PRELOAD path;
//! (g)-(i) run a statically linked copy of the loop, which our launcher puts
//! under its seccomp supervisor; (j)-(k) a getppid() loop, natively and under
//! the filter; (l) is (c) with a syslog receiver on /dev/log; (m)-(r) are
//! kernel mode (kernel.rs), with (q)-(r) its floor: a bind4 program that
//! does nothing but answer (trivial_prog.c).
//!
//! The measured loop is a small C program (bindloop.c) compiled with gcc at
//! run time, so the shim is exercised through LD_PRELOAD exactly as in a real
//! program. Every measurement runs in a fresh network and mount namespace
//! (`unshare --mount --net --fork`) where a tmpfs over the policy folder
//! grants port 80 to uid 1500, and the program runs as uid 1500
//! (`setpriv --reuid=1500 --regid=1500 --clear-groups`).
//!
//! Each row reports the median over repetitions of each run's median
//! per-bind time, repetitions interleaved across rows. Small-process rows
//! start one process per repetition; each 4 GiB row (touching the memory
//! takes seconds) starts one process, touched once and kept, that measures
//! one block per repetition when asked on its standard input. Ratios are
//! printed twice: of the rows' medians, and of their fastest runs (on a
//! shared machine a whole run is often slowed by the host; the fastest run
//! is the least disturbed one).
//! A run stops early after a time budget, so the whole bench stays around
//! a minute even where a bind costs 200 ms.
//!
//! Environment:
//!   AUTHBIND_E2E_PREFIX     our installation (bin/authbind, lib/authbind/...);
//!                           the "ours" rows are skipped when unset or missing
//!   AUTHBIND_BENCH_DEBIAN   Debian's launcher (default /usr/bin/authbind)
//!   AUTHBIND_BENCH_CONFDIR  policy folder both were built with (default /etc/authbind)
//!   AUTHBIND_BENCH_REPS     repetitions per row (default 5)
//!   AUTHBIND_BENCH_MEM_MIB  memory touched by the "big" rows (default 4096)

use authbind_testkit::{cc, sandbox, Scratch, ScratchCgroup, UserDb};
use std::env;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::time::Instant;

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

mod kernel;

/// What every sandbox is set up with: the policy folder it mounts its
/// tmpfs over, and the user database it mounts over the machine's.
struct Sandbox {
    confdir: String,
    users: UserDb,
}

impl Sandbox {
    /// The sandbox prelude ([`sandbox::prelude`]), then `script`.
    fn script(&self, script: &str) -> String {
        format!(
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH\n{}{script}",
            sandbox::prelude(&self.confdir, &self.users)
        )
    }
}

const BINDLOOP_C: &str = include_str!("bindloop.c");
const SANDBOX_UID: u32 = authbind_testkit::USER;
const PRIV_PORT: u16 = 80;
const HIGH_PORT: u16 = 40080;

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

#[derive(Clone, Copy, PartialEq)]
enum Who {
    Native,
    /// Our launcher on the dynamic bindloop: the LD_PRELOAD shim.
    Ours,
    /// Our launcher on the static bindloop: the seccomp supervisor.
    OursSeccomp,
    Debian,
    /// No launcher, in a cgroup where authbindd is attached (kernel.rs).
    Kernel(kernel::Mode),
}

struct Row {
    tag: &'static str,
    label: String,
    who: Who,
    /// A syslog receiver listens on /dev/log (the helper's audit lines).
    devlog: bool,
    port: u16,
    mem_mib: u64,
    iterations: u32,
    max_ms: u32,
    warmup: u32,
    /// Why the row is not measured, if it is not.
    skip: Option<String>,
    /// Per-repetition median ns/bind, and the binds each run did.
    runs: Vec<(f64, u32)>,
    rss_mib: Option<i64>,
    error: Option<String>,
}

impl Row {
    fn median_us(&self) -> Option<f64> {
        if self.runs.is_empty() || self.error.is_some() {
            return None;
        }
        let mut v: Vec<f64> = self.runs.iter().map(|r| r.0 / 1000.0).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        let m = v.len() / 2;
        Some(if v.len() % 2 == 1 {
            v[m]
        } else {
            (v[m - 1] + v[m]) / 2.0
        })
    }
    /// Takes one "ok ..." line of bindloop.
    fn record(&mut self, line: &str) {
        match parse_field(line, "median_ns") {
            Some(med) if line.starts_with("ok ") => {
                let binds = parse_field(line, "binds").unwrap_or(0) as u32;
                self.runs.push((med as f64, binds));
                self.rss_mib = parse_field(line, "rss_mib");
            }
            _ => self.error = Some(format!("unexpected output: {line}")),
        }
    }
    /// The fastest run's median: on a shared machine, where a run is
    /// slowed as a whole by the host (every run here is either fast or
    /// about 30% slower, at random), the least disturbed estimate.
    fn best_us(&self) -> Option<f64> {
        self.range_us().filter(|_| self.error.is_none()).map(|(lo, _)| lo)
    }

    fn range_us(&self) -> Option<(f64, f64)> {
        let it = self.runs.iter().map(|r| r.0 / 1000.0);
        let lo = it.clone().fold(f64::INFINITY, f64::min);
        let hi = it.fold(f64::NEG_INFINITY, f64::max);
        (!self.runs.is_empty()).then_some((lo, hi))
    }
}

/// What went wrong with a bindloop run, in one line.
fn failure(line: Option<&str>, status: &str, stderr: &[u8]) -> String {
    let err = String::from_utf8_lossy(stderr);
    format!(
        "{} [{status}]{}",
        line.unwrap_or("no result").trim(),
        err.lines()
            .last()
            .map(|l| format!(" stderr: {}", l.trim()))
            .unwrap_or_default()
    )
}

/// A big bindloop kept running (`run ... 0`): one block per request.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start(cmd: &mut Command) -> Result<Server, String> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        Ok(Server { child, stdin, stdout })
    }

    fn line(&mut self) -> Option<String> {
        let mut l = String::new();
        match self.stdout.read_line(&mut l) {
            Ok(n) if n > 0 => Some(l.trim_end().to_string()),
            _ => None,
        }
    }

    /// Ends the process and describes why it failed.
    fn fail(&mut self, line: Option<String>) -> String {
        drop(self.stdin.take());
        // After an error line or end of output it is exiting by itself.
        if line.as_deref().is_some_and(|l| !l.starts_with("error ")) {
            let _ = self.child.kill();
        }
        let status = self.child.wait().map_or("?".to_string(), |s| s.to_string());
        let mut err = Vec::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_end(&mut err);
        }
        failure(line.as_deref(), &status, &err)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        match self.line() {
            Some(l) if l == "ready" => Ok(()),
            other => Err(self.fail(other)),
        }
    }

    /// Measures one block; returns its "ok ..." line.
    fn block(&mut self) -> Result<String, String> {
        let sent = self
            .stdin
            .as_mut()
            .map(|i| i.write_all(b"go\n").and_then(|_| i.flush()));
        if !matches!(sent, Some(Ok(()))) {
            return Err(self.fail(None));
        }
        match self.line() {
            Some(l) if l.starts_with("ok ") => Ok(l),
            other => Err(self.fail(other)),
        }
    }

    fn finish(mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

fn env_num(name: &str, default: u64) -> u64 {
    match env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| {
            eprintln!("bench: ignoring {name}={v:?} (not a number)");
            default
        }),
        Err(_) => default,
    }
}

fn have(cmd: &str) -> bool {
    let path = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from))
        .any(|d| d.join(cmd).is_file())
}

fn mem_available_mib() -> Option<u64> {
    let s = fs::read_to_string("/proc/meminfo").ok()?;
    let line = s.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

fn read_trim(p: &str) -> String {
    fs::read_to_string(p)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into())
}

/// Compiles bindloop.c into a fresh scratch folder the sandboxed user can
/// read, dynamically linked (for the shim) and statically linked (for the
/// seccomp supervisor; an error if libc.a is missing).
/// Returns (folder, dynamic binary, static binary).
type Built = (Scratch, PathBuf, Result<PathBuf, String>);
fn build_bindloop() -> Result<Built, String> {
    let dir = Scratch::create("bench").map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let bin = cc::compile(dir.path(), ("bindloop", BINDLOOP_C, &[]))?;
    let static_built = cc::compile(dir.path(), ("bindloop-static", BINDLOOP_C, &["-static"]))
        .map_err(|e| format!("gcc -static failed: {}", e.lines().nth(1).unwrap_or("")));
    Ok((dir, bin, static_built))
}

/// The command that runs `[launcher] bindloop ARGS`, in the sandbox as the
/// unprivileged user when `sandbox` (with a listening /dev/log when
/// `devlog`), else directly as ourselves.
fn command(
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

fn parse_field(line: &str, key: &str) -> Option<i64> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
}

fn fmt_us(us: f64) -> String {
    if us >= 1000.0 {
        format!("{us:.0}")
    } else if us >= 10.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.2}")
    }
}

fn fmt_ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}x")
    } else if r >= 10.0 {
        format!("{r:.1}x")
    } else {
        format!("{r:.2}x")
    }
}

fn main() -> ExitCode {
    let t_start = Instant::now();
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let reps = env_num("AUTHBIND_BENCH_REPS", 5).clamp(1, 50) as usize;
    let big_mib = env_num("AUTHBIND_BENCH_MEM_MIB", 4096);
    let confdir = env::var("AUTHBIND_BENCH_CONFDIR").unwrap_or_else(|_| "/etc/authbind".into());
    let debian = PathBuf::from(env::var("AUTHBIND_BENCH_DEBIAN").unwrap_or_else(|_| "/usr/bin/authbind".into()));
    let prefix = env::var_os("AUTHBIND_E2E_PREFIX").map(PathBuf::from);

    // --- what can be measured -------------------------------------------
    if !have("gcc") {
        eprintln!("bench: gcc not found; it compiles the measured loop");
        return ExitCode::from(2);
    }
    let mut sandbox_missing: Vec<&str> = ["unshare", "setpriv", "ip"].into_iter().filter(|t| !have(t)).collect();
    if !root {
        sandbox_missing.push("root");
    }
    let sandbox = sandbox_missing.is_empty();
    let priv_skip = (!sandbox).then(|| format!("the sandbox needs {}", sandbox_missing.join(", ")));

    let ours = prefix.as_ref().map(|p| p.join("bin/authbind"));
    let ours_skip = match (&prefix, &ours) {
        (None, _) => Some("AUTHBIND_E2E_PREFIX not set (run `make bench`)".to_string()),
        (Some(_), Some(l)) if !l.exists() => Some(format!("{} not installed", l.display())),
        _ => None,
    };
    let mut notes: Vec<String> = Vec::new();
    if let Some(p) = &prefix {
        let helper = p.join("lib/authbind/helper");
        match fs::metadata(&helper) {
            Ok(m) if m.uid() == 0 && m.mode() & 0o4000 != 0 => {}
            Ok(_) => notes.push(format!(
                "warning: {} is not setuid root: our privileged binds will be refused",
                helper.display()
            )),
            Err(_) if ours_skip.is_none() => notes.push(format!("warning: {} is missing", helper.display())),
            Err(_) => {}
        }
    }
    let debian_skip = (!debian.exists()).then(|| format!("{} not installed", debian.display()));
    // Kernel mode: our authbindd, and a scratch cgroup (removed at the end).
    let authbindd = prefix.as_ref().map(|p| p.join("sbin/authbindd"));
    let mut kernel_skip = match &authbindd {
        None => Some("AUTHBIND_E2E_PREFIX not set (run `make bench`)".to_string()),
        Some(k) if !k.exists() => Some(format!("{} not installed", k.display())),
        _ if !root => Some("needs root".to_string()),
        _ => None,
    };
    let mut kernel_place = match (&kernel_skip, &authbindd) {
        (None, Some(kd)) => match ScratchCgroup::create("bench") {
            Ok(cgroup) => Some(kernel::Place {
                authbindd: kd.clone(),
                cgroup,
                trivial: Err("trivial_prog not built yet".into()),
            }),
            Err(e) => {
                kernel_skip = Some(e.to_string());
                None
            }
        },
        _ => None,
    };
    let avail = mem_available_mib();
    let big_skip = match avail {
        Some(a) if a < big_mib + 1024 => Some(format!("only {a} MiB available, {big_mib} MiB + 1 GiB needed")),
        _ => None,
    };
    let gib = if big_mib.is_multiple_of(1024) {
        format!("{} GiB", big_mib / 1024)
    } else {
        format!("{big_mib} MiB")
    };

    use kernel::Mode::{Attached as KBare, Logging as KLog, Nothing as KNone, Trivial as KTrivial};
    // tag, who, port, touches the big memory, iterations per run (a run
    // also stops after max_ms), max_ms, unmeasured warm-up binds.
    #[rustfmt::skip]
    let spec = [
        ("a", Who::Native,      HIGH_PORT, false, 20000, 1000, 100),
        ("b", Who::Ours,        HIGH_PORT, false, 20000, 1000, 100),
        ("c", Who::Ours,        PRIV_PORT, false,   600, 1000, 2),
        ("d", Who::Ours,        PRIV_PORT, true,    600, 1000, 2),
        ("e", Who::Debian,      PRIV_PORT, false,   600, 1000, 2),
        ("f", Who::Debian,      PRIV_PORT, true,     20, 2000, 1),
        ("g", Who::OursSeccomp, HIGH_PORT, false, 20000, 1000, 100),
        ("h", Who::OursSeccomp, PRIV_PORT, false,   600, 1000, 2),
        ("i", Who::OursSeccomp, PRIV_PORT, true,    600, 1000, 2),
        // Port 0: getppid() instead of a bind, natively and under the filter.
        ("j", Who::Native,      0,         false, 200000, 500, 1000),
        ("k", Who::OursSeccomp, 0,         false, 200000, 500, 1000),
        // Kernel mode: a privileged bind granted by the attached programs,
        // and an unprivileged one with them attached (the (a) loop otherwise).
        ("m", Who::Kernel(KLog),  PRIV_PORT, false, 20000, 1000, 100),
        ("n", Who::Kernel(KLog),  HIGH_PORT, false, 20000, 1000, 100),
        ("o", Who::Kernel(KNone), HIGH_PORT, false, 20000, 1000, 100),
        ("p", Who::Kernel(KBare), PRIV_PORT, false, 20000, 1000, 100),
        // The floor: a program that only says "the kernel decides" (the
        // hook's own cost), and one that grants every bind undecided.
        ("q", Who::Kernel(KTrivial(1)), HIGH_PORT, false, 20000, 1000, 100),
        ("r", Who::Kernel(KTrivial(3)), PRIV_PORT, false, 20000, 1000, 100),
    ];
    let mut rows: Vec<Row> = spec
        .into_iter()
        .map(|(tag, who, port, big, iterations, max_ms, warmup)| {
            let who_s = match who {
                Who::Native => "native",
                Who::Ours => "ours",
                Who::OursSeccomp => "seccomp",
                Who::Debian => "Debian's",
                Who::Kernel(kernel::Mode::Nothing) => "kernel-mode sandbox",
                Who::Kernel(kernel::Mode::Trivial(_)) => "trivial program",
                Who::Kernel(_) => "kernel mode",
            };
            if port == 0 {
                return Row {
                    tag,
                    label: format!("{who_s}, getppid() instead of bind"),
                    who,
                    devlog: false,
                    port,
                    mem_mib: 0,
                    iterations,
                    max_ms,
                    warmup,
                    skip: None,
                    runs: Vec::new(),
                    rss_mib: None,
                    error: None,
                };
            }
            let size = match (port < 1024, big) {
                (false, _) if who == Who::Native => String::new(),
                (false, _) if who == Who::OursSeccomp => " (no helper)".to_string(),
                (false, _) if who == Who::Kernel(KLog) => " (programs attached)".to_string(),
                (false, _) if who == Who::Kernel(KNone) => " (nothing attached)".to_string(),
                (true, _) if who == Who::Kernel(KLog) => " (granted, grants logged)".to_string(),
                (true, _) if who == Who::Kernel(KBare) => " (granted, no daemon)".to_string(),
                (false, _) if who == Who::Kernel(KTrivial(1)) => " (returns 1)".to_string(),
                (true, _) if who == Who::Kernel(KTrivial(3)) => " (returns 3, grants)".to_string(),
                (false, _) => " (shim only)".to_string(),
                (true, false) => ", small process".to_string(),
                (true, true) => format!(", {gib} touched"),
            };
            Row {
                tag,
                label: format!("{who_s}, port {port}{size}"),
                who,
                devlog: false,
                port,
                mem_mib: if big { big_mib } else { 0 },
                iterations,
                max_ms,
                warmup,
                skip: None,
                runs: Vec::new(),
                rss_mib: None,
                error: None,
            }
        })
        .collect();
    // (c) again, with a syslog receiver on /dev/log: what the audit log costs.
    let logged = Row {
        tag: "l",
        label: format!("ours, port {PRIV_PORT}, small, /dev/log listening"),
        who: Who::Ours,
        devlog: true,
        port: PRIV_PORT,
        mem_mib: 0,
        iterations: 600,
        max_ms: 1000,
        warmup: 2,
        skip: (!have("socat")).then(|| "socat not installed".to_string()),
        runs: Vec::new(),
        rss_mib: None,
        error: None,
    };
    rows.push(logged);
    for r in rows.iter_mut() {
        let no_socat = r.skip.take();
        r.skip = no_socat.or(match r.who {
            Who::Native => None,
            Who::Ours | Who::OursSeccomp => ours_skip.clone(),
            Who::Debian => debian_skip.clone(),
            Who::Kernel(_) => kernel_skip.clone(),
        });
        let kernel_row = matches!(r.who, Who::Kernel(_));
        if r.skip.is_none() && r.port != 0 && (r.port < 1024 || kernel_row) {
            r.skip = priv_skip.clone();
        }
        if r.skip.is_none() && r.mem_mib > 0 {
            r.skip = big_skip.clone();
        }
    }

    let (tmp, bindloop, bindloop_static) = match build_bindloop() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::from(2);
        }
    };
    let dirs = Sandbox {
        confdir: confdir.clone(),
        users: UserDb::standard(),
    };
    if let Some(place) = kernel_place.as_mut() {
        place.trivial = kernel::build_trivial(tmp.path());
        if let Err(e) = &place.trivial {
            for r in rows
                .iter_mut()
                .filter(|r| matches!(r.who, Who::Kernel(kernel::Mode::Trivial(_))))
            {
                r.skip.get_or_insert_with(|| e.clone());
            }
        }
    }
    if let Err(e) = &bindloop_static {
        for r in rows.iter_mut().filter(|r| r.who == Who::OursSeccomp) {
            r.skip.get_or_insert_with(|| e.clone());
        }
    }

    println!("authbind bench: socket(AF_INET) + bind(127.0.0.1:PORT) + close, per iteration");
    println!(
        "  kernel {}, {} CPUs, THP {}, {} MiB available",
        read_trim("/proc/sys/kernel/osrelease"),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        read_trim("/sys/kernel/mm/transparent_hugepage/enabled"),
        avail.map_or("?".into(), |a| a.to_string()),
    );
    println!(
        "  ours:   {}",
        ours.as_ref().map_or("(none)".into(), |p| p.display().to_string())
    );
    println!("  Debian: {}", debian.display());
    println!(
        "  rows (g)-(i), \"seccomp\": a static build of the loop, run by our launcher under its seccomp supervisor"
    );
    println!(
        "  rows (m)-(r), \"kernel mode\": the dynamic loop run directly (no launcher) under no_new_privs, in a cgroup where authbindd is attached"
    );
    println!(
        "  rows (q)-(r): instead of authbindd's, a bind4 program that only returns 1 or 3 (trivial_prog.c): the floor"
    );
    if sandbox {
        println!(
            "  sandbox: unshare --mount --net --fork, tmpfs on {confdir} granting byport/{PRIV_PORT} to uid {SANDBOX_UID}, run as uid {SANDBOX_UID}"
        );
    } else {
        println!("  no sandbox ({}): privileged rows skipped", sandbox_missing.join(", "));
    }
    for n in &notes {
        println!("  {n}");
    }

    // Sanity: without authbind the sandboxed user must be refused port 80,
    // or the privileged rows would not measure authbind at all.
    if sandbox {
        let out = command(
            true,
            false,
            &dirs,
            None,
            &bindloop,
            &["probe".into(), PRIV_PORT.to_string()],
        )
        .output();
        match out {
            Ok(o) => {
                let s = String::from_utf8_lossy(&o.stdout);
                match parse_field(s.trim(), "errno") {
                    Some(13) => println!(
                        "  check: without authbind, uid {SANDBOX_UID} binding port {PRIV_PORT} gets EACCES (good)"
                    ),
                    other => {
                        println!(
                            "  check FAILED: without authbind the privileged bind gave {other:?} ({}{})",
                            s.trim(),
                            String::from_utf8_lossy(&o.stderr).trim()
                        );
                        for r in rows.iter_mut().filter(|r| r.port < 1024) {
                            r.skip.get_or_insert("sandbox check failed".into());
                        }
                    }
                }
            }
            Err(e) => {
                println!("  check FAILED: cannot run unshare: {e}");
                for r in rows.iter_mut().filter(|r| r.port < 1024) {
                    r.skip.get_or_insert("sandbox check failed".into());
                }
            }
        }
    }
    println!();

    // --- measure ---------------------------------------------------------
    // Small rows: one process per repetition, repetitions interleaved across
    // rows. Big rows: touching the memory costs seconds, so each big row has
    // one process, touched once and kept; it measures one block whenever its
    // turn comes, interleaved with the others. Without the memory for all of
    // them at once, each measures all its blocks in one go instead, during
    // the middle repetition.
    // SAFETY: isatty has no preconditions.
    let tty = unsafe { libc::isatty(2) } == 1;
    let big_rows = rows.iter().filter(|r| r.mem_mib > 0 && r.skip.is_none()).count() as u64;
    let kept = avail.is_none_or(|a| a >= big_rows * big_mib + 1024);
    let launcher_for = |who: Who| match who {
        Who::Native | Who::Kernel(_) => None,
        Who::Ours | Who::OursSeccomp => ours.clone(),
        Who::Debian => Some(debian.clone()),
    };
    let program_for = |who: Who| match (who, &bindloop_static) {
        (Who::OursSeccomp, Ok(p)) => p.clone(),
        _ => bindloop.clone(),
    };
    let args_for = |r: &Row, blocks: usize| {
        [
            "run".to_string(),
            r.port.to_string(),
            r.iterations.to_string(),
            r.max_ms.to_string(),
            r.mem_mib.to_string(),
            r.warmup.to_string(),
            blocks.to_string(),
        ]
    };
    let mut servers: Vec<Option<Server>> = rows.iter().map(|_| None).collect();
    if kept && big_rows > 0 {
        if tty {
            eprint!("\rbench: touching {gib} in {big_rows} processes ");
        }
        for (r, slot) in rows.iter_mut().zip(servers.iter_mut()) {
            if r.mem_mib == 0 || r.skip.is_some() {
                continue;
            }
            let mut cmd = command(
                sandbox,
                r.devlog,
                &dirs,
                launcher_for(r.who).as_deref(),
                &program_for(r.who),
                &args_for(r, 0),
            );
            match Server::start(&mut cmd) {
                Ok(s) => *slot = Some(s),
                Err(e) => r.error = Some(e),
            }
        }
        // They touch their memory in parallel; wait until all are ready.
        for (r, slot) in rows.iter_mut().zip(servers.iter_mut()) {
            if let Some(s) = slot {
                if let Err(e) = s.wait_ready() {
                    r.error = Some(e);
                    *slot = None;
                }
            }
        }
    }
    for rep in 0..reps {
        if tty {
            eprint!(
                "\rbench: repetition {}/{reps}            \rbench: repetition {}/{reps} ",
                rep + 1,
                rep + 1
            );
        }
        for (r, slot) in rows.iter_mut().zip(servers.iter_mut()) {
            if r.skip.is_some() || r.error.is_some() {
                continue;
            }
            if let Some(server) = slot {
                if tty {
                    eprint!("{}", r.tag);
                }
                match server.block() {
                    Ok(l) => r.record(&l),
                    Err(e) => r.error = Some(e),
                }
                continue;
            }
            let blocks = if r.mem_mib == 0 {
                1
            } else if rep == reps / 2 {
                reps
            } else {
                continue;
            };
            if tty {
                eprint!("{}", r.tag);
            }
            let mut cmd = match (r.who, &kernel_place) {
                (Who::Kernel(mode), Some(place)) => {
                    match place.command(
                        mode,
                        &dirs,
                        SANDBOX_UID,
                        PRIV_PORT,
                        &program_for(r.who),
                        &args_for(r, blocks),
                    ) {
                        Ok(cmd) => cmd,
                        Err(e) => {
                            r.error = Some(e);
                            continue;
                        }
                    }
                }
                _ => command(
                    sandbox,
                    r.devlog,
                    &dirs,
                    launcher_for(r.who).as_deref(),
                    &program_for(r.who),
                    &args_for(r, blocks),
                ),
            };
            let out = cmd.output();
            let o = match out {
                Ok(o) => o,
                Err(e) => {
                    r.error = Some(format!("cannot run: {e}"));
                    continue;
                }
            };
            let stdout = String::from_utf8_lossy(&o.stdout);
            let oks: Vec<&str> = stdout.lines().filter(|l| l.starts_with("ok ")).collect();
            for l in &oks {
                r.record(l);
            }
            if oks.len() != blocks || !o.status.success() {
                let line = stdout.lines().find(|l| l.starts_with("error "));
                r.error = Some(failure(line, &o.status.to_string(), &o.stderr));
            }
        }
    }
    for s in servers.into_iter().flatten() {
        s.finish();
    }
    if tty {
        eprint!("\r{:40}\r", "");
    }

    // --- report -----------------------------------------------------------
    let native = rows[0].median_us();
    println!(
        "{:<3} {:<50} {:>12} {:>10} {:>21} {:>10}",
        "", "", "binds/run", "us/bind", "range over runs", "x native"
    );
    // Under `make bench` our installation must be there: missing is a failure.
    let mut failed = prefix.is_some() && ours_skip.is_some();
    for r in &rows {
        let head = format!("({}) {:<50}", r.tag, r.label);
        if let Some(why) = &r.skip {
            println!("{head} skipped: {why}");
            continue;
        }
        if let Some(e) = &r.error {
            failed = true;
            println!("{head} FAILED: {e}");
            continue;
        }
        let med = r.median_us().unwrap_or(f64::NAN);
        let (lo, hi) = r.range_us().unwrap_or((f64::NAN, f64::NAN));
        let mut binds: Vec<u32> = r.runs.iter().map(|x| x.1).collect();
        binds.sort_unstable();
        let binds = binds[binds.len() / 2];
        let vs = native.map_or("n/a".into(), |n| fmt_ratio(med / n));
        let rss = match r.rss_mib {
            Some(m) if r.mem_mib > 0 => format!("   (RSS {m} MiB)"),
            _ => String::new(),
        };
        println!(
            "{head} {binds:>12} {:>10} {:>21} {vs:>10}{rss}",
            fmt_us(med),
            format!("{} - {}", fmt_us(lo), fmt_us(hi)),
        );
    }

    let m = |tag: &str| rows.iter().find(|r| r.tag == tag).and_then(Row::median_us);
    let ratio = |num: Option<f64>, den: Option<f64>| match (num, den) {
        (Some(n), Some(d)) if d > 0.0 => fmt_ratio(n / d),
        _ => "n/a".into(),
    };
    println!();
    println!("us/bind: median over {reps} runs of each run's median per-bind time, runs interleaved across");
    if kept {
        println!("  rows; a small-process run is a new process, a {gib} run a block of one process kept touched.");
    } else {
        println!("  rows; a small-process run is a new process; each {gib} row ran its runs in one process");
        println!("  (not enough memory to keep the {gib} processes side by side).");
    }
    println!("ratios (left: of the rows' medians; right: of their fastest runs, the low ends of the ranges):");
    // (what, numerator, denominator)
    let lines = [
        ("shim overhead, unprivileged bind".to_string(), "b", "a"),
        ("Debian's / ours, small process".to_string(), "e", "c"),
        (format!("Debian's / ours, {gib} touched"), "f", "d"),
        (format!("ours, {gib} / small"), "d", "c"),
        (format!("Debian's, {gib} / small"), "f", "e"),
        ("supervisor overhead, unprivileged bind".to_string(), "g", "a"),
        ("supervisor / shim, small process".to_string(), "h", "c"),
        (format!("seccomp, {gib} / small"), "i", "h"),
        ("non-bind system call under the filter".to_string(), "k", "j"),
        ("audit log: /dev/log listening / not".to_string(), "l", "c"),
        ("kernel mode port 80 / native high port".to_string(), "m", "a"),
        ("  the same, in the same sandbox".to_string(), "m", "o"),
        ("  the same, no daemon (grants not logged)".to_string(), "p", "o"),
        ("high port, programs attached / native".to_string(), "n", "a"),
        ("  the same, in the same sandbox".to_string(), "n", "o"),
        ("  a program that returns 1 / nothing".to_string(), "q", "o"),
        ("  ours / a program that returns 1".to_string(), "n", "q"),
        ("port 80, a program that grants all / native".to_string(), "r", "a"),
        ("  ours (grants logged) / one that grants all".to_string(), "m", "r"),
    ];
    let best = |tag: &str| rows.iter().find(|r| r.tag == tag).and_then(Row::best_us);
    let lines = lines.map(|(what, num, den)| {
        (
            what,
            format!("({num})/({den})"),
            ratio(m(num), m(den)),
            ratio(best(num), best(den)),
        )
    });
    for (what, which, value, best_value) in lines {
        println!("  {what:<44} {which}  {value:>8}  {best_value:>8}");
    }

    // Absolute costs, where a ratio to a tiny denominator says little.
    let deltas = [
        ("supervisor cost per unprivileged bind", "g", "a"),
        ("filter cost per non-bind system call", "k", "j"),
        ("kernel mode cost per privileged bind", "m", "o"),
        ("  of which the programs alone", "p", "o"),
        ("kernel mode cost per unprivileged bind", "n", "o"),
        ("  the kernel's hook alone", "q", "o"),
        ("our decision + audit record, port 80", "m", "r"),
    ];
    for (what, num, den) in deltas {
        if let (Some(n), Some(d)) = (m(num), m(den)) {
            let best_delta = match (best(num), best(den)) {
                (Some(n), Some(d)) => format!("{:>5.0} ns", (n - d) * 1000.0),
                _ => "n/a".into(),
            };
            println!(
                "  {what:<44} ({num})-({den})  {:>5.0} ns  {best_delta:>8}",
                (n - d) * 1000.0
            );
        }
    }
    println!("bench took {:.0} s", t_start.elapsed().as_secs_f64());
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
