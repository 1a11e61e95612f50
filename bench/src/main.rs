//! `make bench`: per-bind latency of socket + bind + close, natively and
//! through authbind (ours and Debian's), in a small process and in one that
//! has touched 4 GiB of memory, all measured in one run so that the ratios
//! are comparable on a noisy machine. Rows (a)-(f) are the LD_PRELOAD path;
//! (g)-(i) run a statically linked copy of the loop, which our launcher puts
//! under its seccomp supervisor; (j)-(k) a getppid() loop, natively and under
//! the filter; (l) is (c) with a syslog receiver on /dev/log; (m)-(r) are
//! kernel mode (kernel.rs), with (q)-(r) its floor: a bind4 program that
//! does nothing but answer (trivial_prog.c); (s)-(t) are the setuid
//! helpers alone, ours and Debian's, exec to exit for the same grant
//! (helperloop.c), with figures noise does not move: each helper's size and
//! system calls per grant (figures.rs); (u)-(w) are kernel mode with 1,000
//! reservations loaded (reserve.rs): a high port's bind, and reserved port
//! 80's by its owner (granted) and by another user (refused, each refused
//! bind a measured iteration), judged against issue 19's goals (goals.rs).
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
//!   AUTHBIND_BENCH_DEBIAN_HELPER  Debian's helper (default /usr/lib/authbind/helper)
//!   AUTHBIND_BENCH_CONFDIR  policy folder both were built with (default /etc/authbind)
//!   AUTHBIND_BENCH_REPS     repetitions per row (default 5)
//!   AUTHBIND_BENCH_MEM_MIB  memory touched by the "big" rows (default 4096)
//!
//! Here: what can be measured, the header and the sandbox check; the rows
//! are in row.rs, the sandbox and the measured loop in sandbox.rs, the
//! measuring in measure.rs (big rows' kept processes: server.rs), kernel
//! mode's rows in kernel.rs (their reservations in reserve.rs), the report
//! in report.rs (its goals in goals.rs), what the machine has in machine.rs.

use std::env;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[macro_use]
mod sandbox;
mod figures;
mod goals;
mod kernel;
mod machine;
mod measure;
mod report;
mod reserve;
mod row;
mod server;

use authbind_testkit::{ScratchCgroup, UserDb};
use machine::{env_num, have, mem_available_mib, read_trim};
use row::{parse_field, Who};
use sandbox::{build_bindloop, build_helperloop, command, Sandbox};

const SANDBOX_UID: u32 = authbind_testkit::USER;
const PRIV_PORT: u16 = 80;
const HIGH_PORT: u16 = 40080;

fn main() -> ExitCode {
    let t_start = Instant::now();
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let reps = env_num("AUTHBIND_BENCH_REPS", 5).clamp(1, 50) as usize;
    let big_mib = env_num("AUTHBIND_BENCH_MEM_MIB", 4096);
    let confdir = env::var("AUTHBIND_BENCH_CONFDIR").unwrap_or_else(|_| "/etc/authbind".into());
    let debian = PathBuf::from(env::var("AUTHBIND_BENCH_DEBIAN").unwrap_or_else(|_| "/usr/bin/authbind".into()));
    let prefix = env::var_os("AUTHBIND_E2E_PREFIX").map(PathBuf::from);
    let debian_helper =
        PathBuf::from(env::var("AUTHBIND_BENCH_DEBIAN_HELPER").unwrap_or_else(|_| "/usr/lib/authbind/helper".into()));
    let ours_helper = prefix.as_ref().map(|p| p.join("lib/authbind/helper"));

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
    if let Some(helper) = &ours_helper {
        match fs::metadata(helper) {
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
    let debian_helper_skip = (!debian_helper.exists()).then(|| format!("{} not installed", debian_helper.display()));
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
                reserve: Err("the reserve folder not made yet".into()),
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

    let mut rows = row::table(big_mib, &gib);
    for r in rows.iter_mut() {
        let no_socat = r.skip.take();
        r.skip = no_socat.or(match r.who {
            Who::Native => None,
            Who::Ours | Who::OursSeccomp => ours_skip.clone(),
            Who::Debian => debian_skip.clone(),
            Who::OursHelper => ours_skip.clone(),
            Who::DebianHelper => debian_helper_skip.clone(),
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
        place.reserve = reserve::build(tmp.path());
        if let Err(e) = &place.reserve {
            for r in rows
                .iter_mut()
                .filter(|r| matches!(r.who, Who::Kernel(kernel::Mode::Reserved(_))))
            {
                r.skip.get_or_insert_with(|| e.clone());
            }
        }
    }
    let helperloop = build_helperloop(tmp.path());
    if let Err(e) = &helperloop {
        for r in rows
            .iter_mut()
            .filter(|r| matches!(r.who, Who::OursHelper | Who::DebianHelper))
        {
            r.skip.get_or_insert_with(|| e.clone());
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
        "  rows (s)-(t): the setuid helpers alone, exec to exit, one grant of port {PRIV_PORT} each (helperloop.c)"
    );
    println!(
        "  rows (g)-(i), \"seccomp\": a static build of the loop, run by our launcher under its seccomp supervisor"
    );
    println!(
        "  rows (m)-(r), \"kernel mode\": the dynamic loop run directly (no launcher) under no_new_privs, in a cgroup where authbindd is attached"
    );
    println!(
        "  rows (q)-(r): instead of authbindd's, a bind4 program that only returns 1 or 3 (trivial_prog.c): the floor"
    );
    println!(
        "  rows (u)-(w): kernel mode, reserve/ holding {} names (reserve/{PRIV_PORT} uid {SANDBOX_UID}'s; (w) binds as uid {})",
        reserve::COUNT,
        authbind_testkit::OTHER
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
    let runner = measure::Runner {
        sandbox,
        dirs: &dirs,
        ours: ours.clone(),
        debian: debian.clone(),
        bindloop,
        bindloop_static,
        helperloop: helperloop.clone(),
        ours_helper: ours_helper.clone(),
        debian_helper: debian_helper.clone(),
        kernel: kernel_place.as_ref(),
    };
    let kept = runner.measure(&mut rows, reps, avail, big_mib, &gib);
    // What noise does not move: the helpers' sizes and system calls per grant.
    let mut helpers = Vec::new();
    if let (true, Ok(hl)) = (sandbox, &helperloop) {
        if let (Some(h), None) = (&ours_helper, &ours_skip) {
            helpers.push(figures::of("ours", h, hl, &dirs, tmp.path()));
        }
        if debian_helper_skip.is_none() {
            helpers.push(figures::of("Debian's", &debian_helper, hl, &dirs, tmp.path()));
        }
    }

    // Under `make bench` our installation must be there: missing is a failure.
    let failed = report::print(&rows, reps, kept, &gib, &helpers) || (prefix.is_some() && ours_skip.is_some());
    println!("bench took {:.0} s", t_start.elapsed().as_secs_f64());
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
