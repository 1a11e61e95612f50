//! `authbind-difftest --ours HELPER [--theirs HELPER] [--cases N] [--seed S] [--policy-tool PATH] [--reserve PCT]`
//! `authbind-difftest --kernel AUTHBINDD --ours HELPER [--cases N] [--seed S] [--reserve PCT]`
//!
//! Must run as root inside its own mount and network namespaces
//! (`unshare --mount --net --fork`): it mounts a scratch tmpfs over the
//! configuration folder, allows non-local binds, then for each case writes
//! a random tree, picks a request, and runs Debian's helper and ours on it
//! as an unprivileged user. Their exit codes must be equal, every time.
//!
//! With `--policy-tool` (authbind-policy), each case also checks that
//! `explain`'s exit status says what the helper decided, or granted from
//! the first unprivileged port, where the kernel decides (run by root for
//! `--user UID`, and by the user itself), and makes a round trip: `export`
//! the tree, empty the folder, `apply` the export, and the helper must
//! decide the case's request and a few nearby ones exactly as before.
//!
//! With `--kernel`, our helper's decision is compared with an actual bind
//! under kernel mode instead (see kernel.rs).
//!
//! With `--reserve PCT`, that share of the cases (of the trees, under
//! `--kernel`) also has a `reserve/` folder (reserve_tree.rs). Debian's
//! authbind ignores it, so there our helper is held to a written model of
//! reservations (reserve_model.rs), which leaves to Debian's helper's
//! answer on the same tree what no reservation decides; under `--kernel`
//! the bind is held to the same model. The other cases are exactly those
//! of a run without the option. (Default 0: no reservations.)
//!
//! Under `--kernel`, flag files are sometimes symlinks the kernel will
//! not follow: on a `nosymfollow` mount, or protected by
//! `fs.protected_symlinks` (see links.rs).

mod kernel;
mod kernel_groups;
mod lines;
mod links;
mod names;
mod request;
mod reserve_model;
mod reserve_tree;
mod run;
mod tool;
mod tree;

use authbind_testkit::{sandbox, Rng, UserDb};
use std::path::Path;
use std::process::{exit, Command};

pub(crate) const CONFDIR: &str = "/etc/authbind";

struct Options {
    ours: String,
    theirs: String,
    kernel: Option<String>,
    cases: u64,
    seed: u64,
    tool: Option<String>,
    /// The share of cases (trees under `--kernel`) with reservations, in percent.
    reserve: u64,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        ours: String::new(),
        theirs: "/usr/lib/authbind/helper".into(),
        kernel: None,
        cases: 5000,
        seed: 0,
        tool: None,
        reserve: 0,
    };
    let mut seed = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--ours" => o.ours = value()?,
            "--theirs" => o.theirs = value()?,
            "--kernel" => o.kernel = Some(value()?),
            "--cases" => o.cases = value()?.parse().map_err(|e| format!("--cases: {e}"))?,
            "--seed" => seed = Some(value()?.parse().map_err(|e| format!("--seed: {e}"))?),
            "--policy-tool" => o.tool = Some(value()?),
            "--reserve" => {
                o.reserve = value()?.parse().map_err(|e| format!("--reserve: {e}"))?;
                if o.reserve > 100 {
                    return Err("--reserve: a percentage, 0 to 100".into());
                }
            }
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    if o.ours.is_empty() {
        return Err("--ours is required".into());
    }
    o.seed = seed.unwrap_or_else(authbind_testkit::clock_seed);
    Ok(o)
}

pub(crate) fn sh(cmd: &str) -> Result<(), String> {
    let ok = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .status()
        .map_err(|e| e.to_string())?
        .success();
    ok.then_some(()).ok_or_else(|| format!("failed: {cmd}"))
}

/// The sandbox prelude (a private policy folder, /run and /dev/log, the
/// test users' database), and any address may be bound.
fn sandbox(users: &UserDb) -> Result<(), String> {
    sh(&sandbox::prelude(CONFDIR, users))?;
    sh("sysctl -qw net.ipv4.ip_nonlocal_bind=1 net.ipv6.ip_nonlocal_bind=1")
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("authbind-difftest: {e}");
            exit(2);
        }
    };
    let users = match o.kernel {
        Some(_) => kernel::users(),
        None => UserDb::standard(),
    };
    if let Err(e) = sandbox(&users) {
        eprintln!("authbind-difftest: sandbox: {e}");
        exit(2);
    }
    if let Some(authbindd) = &o.kernel {
        exit(kernel_mode(&o, authbindd));
    }
    println!(
        "difftest: seed={} cases={} ours={} theirs={} reserve={}%",
        o.seed, o.cases, o.ours, o.theirs, o.reserve
    );
    let mut rng = Rng::new(o.seed);
    let mut granted = 0u64;
    let mut failed = 0u64;
    let mut histogram = std::collections::BTreeMap::<i32, u64>::new();
    let mut tally = tool::Tally::default();
    let mut reserved = ReserveTally::default();
    for case in 0..o.cases {
        let (with_reserve, req, tree) = reserve_tree::case(&mut rng, o.reserve, false);
        if let Err(e) = tree::write(Path::new(CONFDIR), &tree) {
            eprintln!("authbind-difftest: writing case {case}: {e}");
            exit(2);
        }
        let args = request::classic_args(&req);
        let theirs = run::helper_status(&o.theirs, &args, req.uid, &req.addr);
        let ours = run::helper_status(&o.ours, &args, req.uid, &req.addr);
        if with_reserve {
            // Ours against the model, which takes Debian's answer where
            // reservations do not decide; explain (run by root for --user
            // UID) too, and the export round trip. (explain run by the
            // user, who may not list reserve/, is not checked here.)
            let model = reserve_model::expected(&reserve_folder(), req.uid, req.addr, req.port, &mut |path| {
                run::executable_as(req.uid, None, path)
            });
            let want = theirs.as_ref().map(|t| model.status(*t));
            if let (Some(tool), Ok(want)) = (&o.tool, &want) {
                // explain says what a bind gets: from the first
                // unprivileged port, one no reservation refuses is the
                // kernel's to allow (as explain_agrees has it).
                let granted =
                    *want == 0 || (model != reserve_model::Expected::Refused && req.port >= tool::unprivileged_start());
                match tool::explain(tool, &req, false) {
                    Ok(s) if (s == 0) == granted && (s == 0 || s == 1) => reserved.explain_agreed += 1,
                    other => {
                        reserved.explain_disagreed += 1;
                        println!(
                            "EXPLAIN MISMATCH (reservations) case {case} (seed {}): explain --user: {other:?}, model {model:?} -> {want}: uid={} {}\n{}",
                            o.seed,
                            req.uid,
                            tool::target(&req),
                            tree::describe(&tree)
                        );
                    }
                }
            }
            if let Some(tool) = &o.tool {
                let report = round_trip(tool, &o.ours, &req, &tree, &mut rng, &mut tally);
                if !report.is_empty() {
                    println!("TOOL MISMATCH (reservations) case {case} (seed {}):\n{report}", o.seed);
                }
            }
            match (want, ours) {
                (Ok(want), Ok(u)) if want == u => reserved.agreed(model),
                (want, u) => {
                    reserved.disagreed += 1;
                    println!(
                        "RESERVE MISMATCH case {case} (seed {}): uid={} addr={} port={} args={args:?}\n  model: {model:?} -> {want:?} (debian: {theirs:?})\n  ours:  {u:?}\n{}",
                        o.seed,
                        req.uid,
                        req.addr,
                        req.port,
                        tree::describe(&tree)
                    );
                    if reserved.disagreed >= 20 {
                        println!("difftest: stopping after 20 reservation mismatches");
                        break;
                    }
                }
            }
            continue;
        }
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
    let plain = o.cases - reserved.cases();
    println!("difftest: exit codes seen (code: count): {histogram:?}; granted {granted}");
    println!("difftest: {} passed, {failed} failed", plain - failed);
    if o.reserve > 0 {
        reserved.print("difftest");
    }
    if o.tool.is_some() {
        tally.print();
    }
    let reserve_failures = reserved.disagreed + reserved.explain_disagreed;
    exit(if failed == 0 && tally.failures() == 0 && reserve_failures == 0 {
        0
    } else {
        1
    });
}

fn reserve_folder() -> std::path::PathBuf {
    Path::new(CONFDIR).join("reserve")
}

/// The cases with reservations: how the model decided them, and whether
/// the helper (or under `--kernel`, the helper and the bind) agreed.
#[derive(Default)]
struct ReserveTally {
    refused: u64,
    owner: u64,
    rules: u64,
    disagreed: u64,
    explain_agreed: u64,
    explain_disagreed: u64,
}

impl ReserveTally {
    fn agreed(&mut self, model: reserve_model::Expected) {
        match model {
            reserve_model::Expected::Refused => self.refused += 1,
            reserve_model::Expected::Owner => self.owner += 1,
            reserve_model::Expected::AuthbindRules => self.rules += 1,
        }
    }

    fn cases(&self) -> u64 {
        self.refused + self.owner + self.rules + self.disagreed
    }

    fn print(&self, who: &str) {
        println!(
            "{who}: with reservations: {} cases ({} refused by a reservation, {} granted to its owner, {} left to authbind's rules), checked against the written model: {} agreed, {} disagreed",
            self.cases(),
            self.refused,
            self.owner,
            self.rules,
            self.cases() - self.disagreed,
            self.disagreed
        );
        if self.explain_agreed + self.explain_disagreed > 0 {
            println!(
                "{who}: with reservations: explain --user UID (as root): {} agreed with the model, {} disagreed",
                self.explain_agreed, self.explain_disagreed
            );
        }
    }
}

/// explain against the helper's `decided` status, then the round trip.
fn check_tool(
    tool: &str,
    ours: &str,
    decided: i32,
    req: &request::Request,
    tree: &tree::Tree,
    rng: &mut Rng,
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
    // From the first unprivileged port, explain says what a bind gets:
    // the kernel lets anyone bind there (the helper is never asked, and
    // these trees have no reservations), whatever the helper would say.
    let granted = decided == 0 || req.port >= tool::unprivileged_start();
    let agrees = |status: i32| (status == 0) == granted && (status == 0 || status == 1);
    match tool::explain(tool, req, false) {
        Ok(s) if agrees(s) => tally.root_agreed += 1,
        other => {
            tally.root_disagreed += 1;
            report += &describe(&format!("explain --user (root): {other:?}, helper: {decided}"));
        }
    }
    match tool::explain(tool, req, true) {
        Ok(3) if tool::byuid_hidden_from_user(CONFDIR, req) => tally.user_cannot_tell += 1,
        Ok(s) if agrees(s) => tally.user_agreed += 1,
        other => {
            tally.user_disagreed += 1;
            report += &describe(&format!("explain (as the user): {other:?}, helper: {decided}"));
        }
    }
    report += &round_trip(tool, ours, req, tree, rng, tally);
    if report.is_empty() {
        Ok(())
    } else {
        Err(report)
    }
}

/// Export, apply to an empty folder, and the helper again: every request
/// near `req` decided as before (reservations included). What differed,
/// or nothing.
fn round_trip(
    tool: &str,
    ours: &str,
    req: &request::Request,
    tree: &tree::Tree,
    rng: &mut Rng,
    tally: &mut tool::Tally,
) -> String {
    let mut report = String::new();
    let describe = |what: &str| {
        format!(
            "  {what}\n  request: uid={} {}\n{}",
            req.uid,
            tool::target(req),
            tree::describe(tree)
        )
    };
    let mut requests = vec![*req];
    requests.extend(request::around(rng, req));
    let before: Vec<_> = requests.iter().map(|r| status_of(ours, r)).collect();
    let trip = (|| {
        let exported = tool::export(tool).map_err(|e| format!("export failed: {e}"))?;
        // In the sandbox's own /run: gone with the namespace.
        let file = Path::new("/run/authbind-difftest-export.toml");
        std::fs::write(file, &exported).map_err(|e| e.to_string())?;
        // Empty, but the configuration folder itself as it was: export and
        // apply leave that folder's own owner and mode alone (it is the
        // installation's; check reports it).
        let empty = tree::Tree {
            entries: Vec::new(),
            root_mode: tree.root_mode,
        };
        tree::write(Path::new(CONFDIR), &empty).map_err(|e| e.to_string())?;
        tool::apply(tool, file).map_err(|e| format!("apply failed: {e}\n{exported}"))?;
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
    report
}

fn status_of(helper: &str, r: &request::Request) -> Result<i32, String> {
    run::helper_status(helper, &request::classic_args(r), r.uid, &r.addr).map_err(|e| e.to_string())
}

/// `--kernel`: our helper's decision against a bind under kernel mode.
/// Returns the exit status.
fn kernel_mode(o: &Options, authbindd: &str) -> i32 {
    if let Err(e) = links::setup() {
        eprintln!("authbind-difftest: kernel mode: links: {e}");
        return 2;
    }
    let k = match kernel::Kernel::setup(authbindd) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("authbind-difftest: kernel mode: {e}");
            return 2;
        }
    };
    println!(
        "difftest --kernel: seed={} cases={} helper={} authbindd={} cgroup={} reserve={}%",
        o.seed,
        o.cases,
        o.ours,
        authbindd,
        k.cgroup().display(),
        o.reserve
    );
    let mut reserved = ReserveTally::default();
    let mut rng = Rng::new(o.seed);
    let (mut privileged, mut granted, mut failed, mut done) = (0u64, 0u64, 0u64, 0u64);
    let mut tree_no = 0u64;
    'trees: while done < o.cases {
        // One tree for both users: a reload costs more than a bind.
        let (with_reserve, first, tree) = reserve_tree::case(&mut rng, o.reserve, true);
        if let Err(e) = tree::write(Path::new(CONFDIR), &tree)
            .map_err(|e| format!("writing tree {tree_no}: {e}"))
            .and_then(|()| k.reload())
        {
            eprintln!("authbind-difftest: {e} (seed {})", o.seed);
            return 2;
        }
        tree_no += 1;
        for uid in request::USERS {
            if done >= o.cases {
                break 'trees;
            }
            let req = request::Request { uid, ..first };
            let case = done;
            done += 1;
            let args = request::classic_args(&req);
            let run = k
                .helper(&o.ours, &args, &req)
                .map_err(|e| format!("helper: {e}"))
                .and_then(|helper| Ok((helper, k.bind(&req)?)));
            let (helper, bound) = match run {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("authbind-difftest: case {case} (seed {}): {e}", o.seed);
                    return 2;
                }
            };
            // Below 1024 the kernel refuses with EACCES unless kernel mode grants.
            let mut want = if req.port >= 1024 || helper == 0 {
                "ok"
            } else {
                "errno=13"
            };
            if with_reserve {
                // The model, judging access with the bind's own groups; where
                // it leaves the answer to authbind's rules, the helper's is
                // taken (the run without --kernel holds those to Debian's).
                let model = reserve_model::expected(&reserve_folder(), req.uid, req.addr, req.port, &mut |path| {
                    run::executable_as(req.uid, Some(kernel_groups::set_for(&req)), path)
                });
                want = match model {
                    reserve_model::Expected::Refused => "errno=13",
                    reserve_model::Expected::Owner => "ok",
                    reserve_model::Expected::AuthbindRules => want,
                };
                if helper == model.status(helper) && bound == want {
                    reserved.agreed(model);
                } else {
                    reserved.disagreed += 1;
                    println!(
                        "RESERVE MISMATCH case {case} (seed {}): uid={} ({}) addr={} port={}: model {model:?}, helper exit {helper}, bind under kernel mode: {bound} (expected {want})\n{}",
                        o.seed,
                        req.uid,
                        kernel_groups::set_for(&req),
                        req.addr,
                        req.port,
                        tree::describe(&tree)
                    );
                    if reserved.disagreed >= 20 {
                        println!("difftest --kernel: stopping after 20 reservation mismatches");
                        break 'trees;
                    }
                }
                continue;
            }
            if req.port < 1024 {
                privileged += 1;
                granted += u64::from(helper == 0);
            }
            if bound != want {
                failed += 1;
                println!(
                    "MISMATCH case {case} (seed {}): uid={} ({}) addr={} port={}: helper exit {helper}, bind under kernel mode: {bound} (expected {want})\n{}",
                    o.seed,
                    req.uid,
                    kernel_groups::set_for(&req),
                    req.addr,
                    req.port,
                    tree::describe(&tree)
                );
                if failed >= 20 {
                    println!("difftest --kernel: stopping after 20 mismatches");
                    break 'trees;
                }
            }
        }
    }
    // The binds on trees without reservations; those with are counted apart.
    let plain = done - reserved.cases();
    println!(
        "difftest --kernel: {tree_no} trees, {plain} binds: {privileged} privileged ({granted} granted by the helper, {} refused), {} unprivileged",
        privileged - granted,
        plain - privileged
    );
    println!("difftest --kernel: {} agreed, {failed} disagreed", plain - failed);
    if o.reserve > 0 {
        reserved.print("difftest --kernel");
    }
    i32::from(failed != 0 || reserved.disagreed != 0)
}
