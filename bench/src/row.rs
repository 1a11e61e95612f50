//! The rows of the table: who binds which port from how big a process,
//! and what each run of it measured.

use crate::{kernel, HIGH_PORT, PRIV_PORT};

#[derive(Clone, Copy, PartialEq)]
pub enum Who {
    Native,
    /// Our launcher on the dynamic bindloop: the LD_PRELOAD shim.
    Ours,
    /// Our launcher on the static bindloop: the seccomp supervisor.
    OursSeccomp,
    Debian,
    /// Our setuid helper alone, exec to exit (helperloop.c).
    OursHelper,
    /// Debian's helper alone, the same request.
    DebianHelper,
    /// No launcher, in a cgroup where authbindd is attached (kernel.rs).
    Kernel(kernel::Mode),
}

pub struct Row {
    pub tag: &'static str,
    pub label: String,
    pub who: Who,
    /// A syslog receiver listens on /dev/log (the helper's audit lines).
    pub devlog: bool,
    pub port: u16,
    pub mem_mib: u64,
    pub iterations: u32,
    pub max_ms: u32,
    pub warmup: u32,
    /// What every bind must fail with (0: succeed): a refused bind is the
    /// measured iteration (bindloop's ERRNO).
    pub errno: i32,
    /// Why the row is not measured, if it is not.
    pub skip: Option<String>,
    /// Per-repetition median ns/bind, and the binds each run did.
    pub runs: Vec<(f64, u32)>,
    pub rss_mib: Option<i64>,
    /// Minor page faults per helper exec (helperloop's rows), last run.
    pub minflt: Option<i64>,
    pub error: Option<String>,
}

impl Row {
    pub fn median_us(&self) -> Option<f64> {
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
    pub fn record(&mut self, line: &str) {
        match parse_field(line, "median_ns") {
            Some(med) if line.starts_with("ok ") => {
                let binds = parse_field(line, "binds").unwrap_or(0) as u32;
                self.runs.push((med as f64, binds));
                self.rss_mib = parse_field(line, "rss_mib");
                self.minflt = parse_field(line, "minflt_per_exec");
            }
            _ => self.error = Some(format!("unexpected output: {line}")),
        }
    }
    /// The fastest run's median: on a shared machine, where a run is
    /// slowed as a whole by the host (every run here is either fast or
    /// about 30% slower, at random), the least disturbed estimate.
    pub fn best_us(&self) -> Option<f64> {
        self.range_us().filter(|_| self.error.is_none()).map(|(lo, _)| lo)
    }

    pub fn range_us(&self) -> Option<(f64, f64)> {
        let it = self.runs.iter().map(|r| r.0 / 1000.0);
        let lo = it.clone().fold(f64::INFINITY, f64::min);
        let hi = it.fold(f64::NEG_INFINITY, f64::max);
        (!self.runs.is_empty()).then_some((lo, hi))
    }
}

/// What went wrong with a bindloop run, in one line.
pub fn failure(line: Option<&str>, status: &str, stderr: &[u8]) -> String {
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

pub fn parse_field(line: &str, key: &str) -> Option<i64> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
}

/// Every row, in the order they are printed, with no skip reason yet but
/// (l)'s when socat is missing; `gib` names `big_mib` in the labels.
pub fn table(big_mib: u64, gib: &str) -> Vec<Row> {
    use crate::kernel::Binder::{Other, Owner};
    use crate::kernel::Mode::{
        Attached as KBare, Logging as KLog, Nothing as KNone, Reserved as KReserved, Trivial as KTrivial,
    };
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
        // The helpers alone, the same grant: exec to exit.
        ("s", Who::OursHelper,   PRIV_PORT, false,  600, 1000, 2),
        ("t", Who::DebianHelper, PRIV_PORT, false,  600, 1000, 2),
        // Kernel mode with the bench's reservations loaded: a bind of an
        // unreserved high port (against (a)), and of reserved port 80 by
        // its owner (granted) and by another user (refused, EACCES).
        ("u", Who::Kernel(KReserved(Owner)), HIGH_PORT, false, 20000, 1000, 100),
        ("v", Who::Kernel(KReserved(Owner)), PRIV_PORT, false, 20000, 1000, 100),
        ("w", Who::Kernel(KReserved(Other)), PRIV_PORT, false, 20000, 1000, 100),
    ];
    let mut rows: Vec<Row> = spec
        .into_iter()
        .map(|(tag, who, port, big, iterations, max_ms, warmup)| {
            let who_s = match who {
                Who::Native => "native",
                Who::Ours => "ours",
                Who::OursSeccomp => "seccomp",
                Who::Debian => "Debian's",
                Who::OursHelper => "our helper alone",
                Who::DebianHelper => "Debian's helper alone",
                Who::Kernel(crate::kernel::Mode::Nothing) => "kernel-mode sandbox",
                Who::Kernel(crate::kernel::Mode::Trivial(_)) => "trivial program",
                Who::Kernel(_) => "kernel mode",
            };
            let row = Row {
                tag,
                label: String::new(),
                who,
                devlog: false,
                port,
                mem_mib: if big { big_mib } else { 0 },
                iterations,
                max_ms,
                warmup,
                errno: if who == Who::Kernel(KReserved(Other)) {
                    libc::EACCES
                } else {
                    0
                },
                skip: None,
                runs: Vec::new(),
                rss_mib: None,
                minflt: None,
                error: None,
            };
            if port == 0 {
                return Row {
                    label: format!("{who_s}, getppid() instead of bind"),
                    ..row
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
                (false, _) if who == Who::Kernel(KReserved(Owner)) => {
                    format!(" ({} reservations loaded)", crate::reserve::COUNT)
                }
                (true, _) if who == Who::Kernel(KReserved(Owner)) => " (reserved: owner, granted)".to_string(),
                (true, _) if who == Who::Kernel(KReserved(Other)) => " (reserved: other, EACCES)".to_string(),
                (false, _) => " (shim only)".to_string(),
                (true, _) if matches!(who, Who::OursHelper | Who::DebianHelper) => " (exec to exit)".to_string(),
                (true, false) => ", small process".to_string(),
                (true, true) => format!(", {gib} touched"),
            };
            Row {
                label: format!("{who_s}, port {port}{size}"),
                ..row
            }
        })
        .collect();
    // (c) again, with a syslog receiver on /dev/log: what the audit log costs.
    let c = rows.iter().find(|r| r.tag == "c").expect("row (c)");
    let logged = Row {
        tag: "l",
        label: format!("ours, port {PRIV_PORT}, small, /dev/log listening"),
        devlog: true,
        skip: (!crate::machine::have("socat")).then(|| "socat not installed".to_string()),
        runs: Vec::new(),
        error: None,
        ..*c
    };
    rows.push(logged);
    rows
}
