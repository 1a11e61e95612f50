//! `authbind-difftest --ours HELPER [--theirs HELPER] [--cases N] [--seed S] [--policy-tool PATH]`
//!
//! Must run as root inside its own mount and network namespaces
//! (`unshare --mount --net --fork`): it mounts a scratch tmpfs over the
//! configuration folder, allows non-local binds, then for each case writes
//! a random tree, picks a request, and runs Debian's helper and ours on it
//! as an unprivileged user. Their exit codes must be equal, every time.
//!
//! With `--policy-tool` (authbind-policy), each case also checks that
//! `explain`'s exit status says what the helper decided (run by root for
//! `--user UID`, and by the user itself), and makes a round trip: `export`
//! the tree, empty the folder, `apply` the export, and the helper must
//! decide the case's request and a few nearby ones exactly as before.

mod lines;
mod names;
mod request;
mod rng;
mod run;
mod tool;
mod tree;

use std::path::Path;
use std::process::{exit, Command};

const CONFDIR: &str = "/etc/authbind";

struct Options {
    ours: String,
    theirs: String,
    cases: u64,
    seed: u64,
    tool: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        ours: String::new(),
        theirs: "/usr/lib/authbind/helper".into(),
        cases: 5000,
        seed: 0,
        tool: None,
    };
    let mut seed = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--ours" => o.ours = value()?,
            "--theirs" => o.theirs = value()?,
            "--cases" => o.cases = value()?.parse().map_err(|e| format!("--cases: {e}"))?,
            "--seed" => seed = Some(value()?.parse().map_err(|e| format!("--seed: {e}"))?),
            "--policy-tool" => o.tool = Some(value()?),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    if o.ours.is_empty() {
        return Err("--ours is required".into());
    }
    o.seed = seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    Ok(o)
}

fn sh(cmd: &str) -> Result<(), String> {
    let ok = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .status()
        .map_err(|e| e.to_string())?
        .success();
    ok.then_some(()).ok_or_else(|| format!("failed: {cmd}"))
}

/// Private scratch configuration and a network namespace where any
/// address may be bound.
fn sandbox() -> Result<(), String> {
    sh("ip link set lo up")?;
    sh("sysctl -qw net.ipv4.ip_nonlocal_bind=1 net.ipv6.ip_nonlocal_bind=1")?;
    sh("mount --make-rprivate /")?;
    sh(&format!(
        "mkdir -p {CONFDIR} && mount -t tmpfs -o mode=755 tmpfs {CONFDIR}"
    ))?;
    // Our helper's refusal counts and audit lines stay in here.
    sh("mkdir -p /run/authbind && mount -t tmpfs -o mode=0700 tmpfs /run/authbind")?;
    sh("if [ -e /dev/log ]; then mount --bind /dev/null /dev/log; fi")
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("authbind-difftest: {e}");
            exit(2);
        }
    };
    if let Err(e) = sandbox() {
        eprintln!("authbind-difftest: sandbox: {e}");
        exit(2);
    }
    println!(
        "difftest: seed={} cases={} ours={} theirs={}",
        o.seed, o.cases, o.ours, o.theirs
    );
    let mut rng = rng::Rng::new(o.seed);
    let mut granted = 0u64;
    let mut failed = 0u64;
    let mut histogram = std::collections::BTreeMap::<i32, u64>::new();
    let mut tally = tool::Tally::default();
    for case in 0..o.cases {
        let req = request::random(&mut rng);
        let tree = tree::random(&mut rng, &req);
        if let Err(e) = tree::write(Path::new(CONFDIR), &tree) {
            eprintln!("authbind-difftest: writing case {case}: {e}");
            exit(2);
        }
        let args = request::classic_args(&req);
        let theirs = run::helper_status(&o.theirs, &args, req.uid, &req.addr);
        let ours = run::helper_status(&o.ours, &args, req.uid, &req.addr);
        if let (Some(tool), Ok(decided)) = (&o.tool, &theirs) {
            let trip = check_tool(tool, &o.ours, *decided, &req, &tree, &mut rng, &mut tally);
            if let Err(report) = trip {
                println!("TOOL MISMATCH case {case} (seed {}):\n{report}", o.seed);
                if tally.failures() >= 20 {
                    println!("difftest: stopping after 20 tool mismatches");
                    break;
                }
            }
        }
        match (theirs, ours) {
            (Ok(t), Ok(u)) if t == u => {
                *histogram.entry(t).or_default() += 1;
                granted += u64::from(t == 0);
            }
            (t, u) => {
                failed += 1;
                println!(
                    "MISMATCH case {case} (seed {}): uid={} addr={} port={} args={args:?}\n  debian: {t:?}\n  ours:   {u:?}\n{}",
                    o.seed,
                    req.uid,
                    req.addr,
                    req.port,
                    tree::describe(&tree)
                );
                if failed >= 20 {
                    println!("difftest: stopping after 20 mismatches");
                    break;
                }
            }
        }
    }
    println!("difftest: exit codes seen (code: count): {histogram:?}; granted {granted}");
    println!("difftest: {} passed, {failed} failed", o.cases - failed);
    if o.tool.is_some() {
        tally.print();
    }
    exit(if failed == 0 && tally.failures() == 0 { 0 } else { 1 });
}

/// explain against the helper's `decided` status, then the round trip.
fn check_tool(
    tool: &str,
    ours: &str,
    decided: i32,
    req: &request::Request,
    tree: &tree::Tree,
    rng: &mut rng::Rng,
    tally: &mut tool::Tally,
) -> Result<(), String> {
    let mut report = String::new();
    let describe = |what: &str| {
        format!(
            "  {what}\n  request: uid={} {}\n{}",
            req.uid,
            tool::target(req),
            tree::describe(tree)
        )
    };
    let agrees = |status: i32| (status == 0) == (decided == 0) && (status == 0 || status == 1);
    match tool::explain(tool, req, false) {
        Ok(s) if agrees(s) => tally.root_agreed += 1,
        other => {
            tally.root_disagreed += 1;
            report += &describe(&format!("explain --user (root): {other:?}, helper: {decided}"));
        }
    }
    match tool::explain(tool, req, true) {
        Ok(3) => tally.user_cannot_tell += 1,
        Ok(s) if agrees(s) => tally.user_agreed += 1,
        other => {
            tally.user_disagreed += 1;
            report += &describe(&format!("explain (as the user): {other:?}, helper: {decided}"));
        }
    }
    let mut requests = vec![*req];
    requests.extend(request::around(rng, req));
    let before: Vec<_> = requests.iter().map(|r| status_of(ours, r)).collect();
    let trip = (|| {
        let exported = tool::export(tool).map_err(|e| format!("export failed: {e}"))?;
        let file = std::env::temp_dir().join(format!("authbind-difftest-{}.toml", std::process::id()));
        std::fs::write(&file, &exported).map_err(|e| e.to_string())?;
        tree::write(Path::new(CONFDIR), &tree::Tree::default()).map_err(|e| e.to_string())?;
        tool::apply(tool, &file).map_err(|e| format!("apply failed: {e}\n{exported}"))?;
        Ok::<String, String>(exported)
    })();
    match trip {
        Err(e) => {
            tally.trip_failed += 1;
            report += &describe(&e);
        }
        Ok(exported) => {
            for (r, was) in requests.iter().zip(&before) {
                let now = status_of(ours, r);
                if now == *was {
                    tally.trip_same += 1;
                } else {
                    tally.trip_different += 1;
                    report += &format!(
                        "  round trip: uid={} {}: before {was:?}, after {now:?}\n",
                        r.uid,
                        tool::target(r)
                    );
                }
            }
            if report.contains("round trip") {
                report += &describe(&format!("exported:\n{exported}"));
            }
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report)
    }
}

fn status_of(helper: &str, r: &request::Request) -> Result<i32, String> {
    run::helper_status(helper, &request::classic_args(r), r.uid, &r.addr).map_err(|e| e.to_string())
}
