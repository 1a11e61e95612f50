//! The report: the table of rows, then ratios and absolute costs.

use crate::figures::Figures;
use crate::goals;
use crate::row::Row;

/// Prints the report of `rows` (measured `reps` times; `kept`: the big
/// rows' processes were kept side by side; `gib` names their memory).
/// Returns whether a row failed.
pub fn print(rows: &[Row], reps: usize, kept: bool, gib: &str, helpers: &[Figures]) -> bool {
    let native = rows[0].median_us();
    println!(
        "{:<3} {:<50} {:>12} {:>10} {:>21} {:>10}",
        "", "", "binds/run", "us/bind", "range over runs", "x native"
    );
    let mut failed = false;
    for r in rows {
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
        let rss = match (r.rss_mib, r.minflt) {
            (Some(m), _) if r.mem_mib > 0 => format!("   (RSS {m} MiB)"),
            (_, Some(f)) => format!("   ({f} minor faults/exec)"),
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
        (
            format!("high port, {} reservations / native", crate::reserve::COUNT),
            "u",
            "a",
        ),
        ("  the same, in the same sandbox".to_string(), "u", "o"),
        ("  the same / no reservations".to_string(), "u", "n"),
        ("reserved port 80: refused / owner's grant".to_string(), "w", "v"),
        ("  refused / granted by byport/80".to_string(), "w", "m"),
        ("  owner's grant / granted by byport/80".to_string(), "v", "m"),
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

    goals::print_vs_debian(&m, &best);
    for h in helpers {
        let size = h.bytes.map_or("?".into(), |b| format!("{b} bytes"));
        let calls = match &h.syscalls {
            Ok(n) => format!("{n} system calls per grant"),
            Err(e) => format!("system calls per grant: {e}"),
        };
        println!("  {:<10} helper: {size:>14}, {calls}", h.who);
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
        ("the reservations' cost, high-port bind", "u", "n"),
        ("a refused reserved bind, over the owner's", "w", "v"),
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
    goals::print_reserved(&m, &best);
    failed
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

pub fn fmt_ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}x")
    } else if r >= 10.0 {
        format!("{r:.1}x")
    } else {
        format!("{r:.2}x")
    }
}
