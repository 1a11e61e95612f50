//! The issues' goals, each a ratio of two rows of the same run, printed
//! with its verdict. The fastest runs decide: on a shared machine noise
//! only slows a run, so the least disturbed runs are the fairest
//! comparison; the medians' ratio is printed beside it.

use crate::report::fmt_ratio;

/// Our privileged bind, and our helper alone, against Debian's in the same
/// run: at most this (issue 18; 0.77x at 26722fe, 1.01x when it regressed).
const GOAL_VS_DEBIAN: f64 = 0.75;
/// A bind of an unreserved high port under kernel mode with the bench's
/// reservations loaded, against a native one: at most this (issue 19).
const GOAL_RESERVED_HIGH: f64 = 1.02;
/// Another user's refused bind of a reserved port against its owner's
/// granted one: a refusal costs no more (issue 19).
const GOAL_REFUSED: f64 = 1.00;

/// One goal: what it measures, the rows of its ratio (numerator,
/// denominator), and the most that ratio may be.
type Goal = (&'static str, &'static str, &'static str, f64);

/// Issue 18's block: ours against Debian's. `median` and `best` give a
/// row's median and fastest run by tag.
pub fn print_vs_debian(median: &dyn Fn(&str) -> Option<f64>, best: &dyn Fn(&str) -> Option<f64>) {
    println!("ours / Debian's, same run (goal: at most {GOAL_VS_DEBIAN:.2}x; fastest runs decide, noise only slows):");
    print_goals(
        &[
            ("privileged bind, small process", "c", "e", GOAL_VS_DEBIAN),
            ("the helper alone, exec to exit", "s", "t", GOAL_VS_DEBIAN),
        ],
        median,
        best,
    );
}

/// Issue 19's block: kernel mode with reservations loaded.
pub fn print_reserved(median: &dyn Fn(&str) -> Option<f64>, best: &dyn Fn(&str) -> Option<f64>) {
    println!(
        "kernel mode with {} reservations, same run (goals: (u)/(a) at most {GOAL_RESERVED_HIGH:.2}x, \
         (w)/(v) at most {GOAL_REFUSED:.2}x; fastest runs decide):",
        crate::reserve::COUNT
    );
    print_goals(
        &[
            ("high port, reservations loaded / native", "u", "a", GOAL_RESERVED_HIGH),
            ("reserved port: refused / owner's grant", "w", "v", GOAL_REFUSED),
        ],
        median,
        best,
    );
}

/// One line per goal whose rows were both measured.
fn print_goals(goals: &[Goal], median: &dyn Fn(&str) -> Option<f64>, best: &dyn Fn(&str) -> Option<f64>) {
    for &(what, num, den, goal) in goals {
        let (Some(med), Some(fast)) = (
            median(num).zip(median(den)).map(|(n, d)| n / d),
            best(num).zip(best(den)).map(|(n, d)| n / d),
        ) else {
            continue;
        };
        let verdict = if fast <= goal { "ok" } else { "OVER THE GOAL" };
        println!(
            "  {what:<44} ({num})/({den})  {:>8}  {:>8}  {verdict}",
            fmt_ratio(med),
            fmt_ratio(fast)
        );
    }
}
