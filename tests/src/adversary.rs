//! The adversarial test programs (tests/c/adv_*.c), built like
//! [`crate::programs`] by [`authbind_testkit::cc`] (gcc, once, into a root-owned
//! folder under /tmp named after a hash of their sources), and what the tests need around them: the
//! bash lines that name them, a parser for their `key=value` reports,
//! Debian's helper to compare with, and a reproducible seed.
//!
//! - `adv_run`: runs a program (the helper) with an odd fd 0, resource
//!   limits and environment, and reports how it ended ([`Report`]);
//! - `adv_native`: abuses the native protocol, one case per run;
//! - `adv_shim`: odd `bind()` calls, to run with and without the shim;
//! - `adv_fuzz`: random classic-protocol arguments, seeded;
//! - `libadvmark.so`: a library whose constructor leaves a marker file
//!   (`mark.EUID.PID`) when an `LD_*` variable gets it loaded.

use authbind_testkit::cc::{self, CSource};
use authbind_testkit::sh_quote;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const SOURCES: &[CSource] = &[
    ("adv_run", include_str!("../c/adv_run.c"), &[]),
    ("adv_native", include_str!("../c/adv_native.c"), &[]),
    ("adv_shim", include_str!("../c/adv_shim.c"), &[]),
    ("adv_fuzz", include_str!("../c/adv_fuzz.c"), &[]),
    ("libadvmark.so", include_str!("../c/adv_mark.c"), &["-shared", "-fPIC"]),
    ("adv_cancel", include_str!("../c/adv_cancel.c"), &["-pthread"]),
];

/// Where Debian's authbind keeps its helper.
pub const DEBIAN_HELPER: &str = "/usr/lib/authbind/helper";

pub struct Adversaries {
    dir: PathBuf,
}

impl Adversaries {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Bash lines for the start of a sandbox body: `$ADV_DIR`, `$ADV_RUN`,
    /// `$ADV_NATIVE`, `$ADV_SHIM`, `$ADV_FUZZ`, `$ADV_MARK` (the marker
    /// library), `$ADV_CANCEL`, `$DEB` (Debian's helper, empty when absent), and
    /// `as_user_nores UID CMD…`: `as_user` with `CAP_SYS_RESOURCE` dropped
    /// from the bounding set, so that the setuid helper cannot raise a
    /// hard resource limit whatever machine the test runs on.
    pub fn prelude(&self) -> String {
        let q = |name: &str| sh_quote(&self.dir.join(name).to_string_lossy());
        let deb = debian_helper()
            .map(|p| sh_quote(&p.to_string_lossy()))
            .unwrap_or_else(|| "''".to_string());
        format!(
            "ADV_DIR={dir}; ADV_RUN={run}; ADV_NATIVE={native}; ADV_SHIM={shim}; ADV_FUZZ={fuzz}; ADV_MARK={mark}; ADV_CANCEL={cancel}; DEB={deb}\n\
             as_user_nores() {{ local uid=$1; shift; setpriv --reuid=\"$uid\" --regid=\"$uid\" --clear-groups \
             --bounding-set=-sys_resource env -i PATH=/usr/bin:/bin \"$@\"; }}\n",
            dir = sh_quote(&self.dir.to_string_lossy()),
            run = q("adv_run"),
            native = q("adv_native"),
            shim = q("adv_shim"),
            fuzz = q("adv_fuzz"),
            mark = q("libadvmark.so"),
            cancel = q("adv_cancel"),
        )
    }
}

/// The compiled adversaries (built on first use; panics when gcc fails).
pub fn adversaries() -> &'static Adversaries {
    static ADVERSARIES: OnceLock<Adversaries> = OnceLock::new();
    ADVERSARIES.get_or_init(build)
}

/// Debian's helper, when installed setuid root (else the test fails at
/// [`note_no_debian`]: a comparison left out must not count as passed).
pub fn debian_helper() -> Option<PathBuf> {
    let path = PathBuf::from(DEBIAN_HELPER);
    let meta = std::fs::metadata(&path).ok()?;
    (meta.is_file() && meta.uid() == 0 && meta.mode() & 0o4000 != 0).then_some(path)
}

/// Fails the test: Debian's helper, the reference, is missing.
pub fn note_no_debian(test: &str) {
    panic!(
        "{test}: {DEBIAN_HELPER} (Debian's authbind) is not installed setuid root: \
         the comparisons with it cannot run (apt-get install authbind; `make test` installs it)"
    );
}

/// The seed of a randomised test: `AUTHBIND_E2E_SEED` if set, else the
/// clock. Tests print it so that a failure can be replayed.
pub fn seed() -> u64 {
    if let Some(s) = std::env::var("AUTHBIND_E2E_SEED").ok().and_then(|s| s.parse().ok()) {
        return s;
    }
    authbind_testkit::clock_seed()
}

/// How a program watched by `adv_run` / `adv_native` ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    Exit(i32),
    Signal(i32),
    Timeout,
}

/// One report line of `adv_run` (`exit=N ms=N lines=N panic=0 bound=P`) or
/// `adv_native` (`CASE: exit=N ms=N reply=R fds=N bound=P`).
#[derive(Clone, Debug)]
pub struct Report {
    pub line: String,
    pub ended: Ended,
    fields: BTreeMap<String, String>,
}

impl Report {
    /// `None` when the line is not a report (the program failed to run).
    pub fn parse(line: &str) -> Option<Report> {
        let mut fields = BTreeMap::new();
        let mut ended = None;
        for word in line.split_whitespace() {
            if word == "timeout" {
                ended = Some(Ended::Timeout);
            } else if let Some((k, v)) = word.split_once('=') {
                match k {
                    "exit" => ended = Some(Ended::Exit(v.parse().ok()?)),
                    "signal" => ended = Some(Ended::Signal(v.parse().ok()?)),
                    _ => {}
                }
                fields.insert(k.to_string(), v.to_string());
            }
        }
        Some(Report {
            line: line.to_string(),
            ended: ended?,
            fields,
        })
    }

    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    fn number(&self, key: &str) -> Option<i64> {
        self.field(key).and_then(|v| v.parse().ok())
    }

    /// Milliseconds from start to end.
    pub fn ms(&self) -> i64 {
        self.number("ms").unwrap_or(i64::MAX)
    }

    /// Lines written on stderr.
    pub fn lines(&self) -> i64 {
        self.number("lines").unwrap_or(0)
    }

    /// Panic or backtrace text on stderr.
    pub fn panicked(&self) -> bool {
        self.field("panic") == Some("1")
    }

    /// The local port of the socket handed over, afterwards (0: unbound;
    /// `None`: no socket was handed over).
    pub fn bound(&self) -> Option<i64> {
        self.number("bound")
    }

    /// The exit status, `None` for a signal or a timeout.
    pub fn exit(&self) -> Option<i32> {
        match self.ended {
            Ended::Exit(n) => Some(n),
            _ => None,
        }
    }

    /// Everything an adversary may never get from the helper, whatever it
    /// asked: a signal death, a hang, a panic or backtrace, more than one
    /// line of complaint. `None` when all is well, else why not.
    pub fn misbehaviour(&self, time_limit_ms: i64) -> Option<String> {
        match self.ended {
            Ended::Signal(s) => return Some(format!("killed by signal {s}")),
            Ended::Timeout => return Some("did not finish (killed after the timeout)".into()),
            Ended::Exit(_) => {}
        }
        if self.panicked() {
            return Some("panic or backtrace text on stderr".into());
        }
        if self.lines() > 1 {
            return Some(format!("{} lines on stderr (at most one expected)", self.lines()));
        }
        if self.ms() > time_limit_ms {
            return Some(format!("took {} ms (limit {time_limit_ms} ms)", self.ms()));
        }
        None
    }
}

fn build() -> Adversaries {
    Adversaries {
        dir: cc::build_cached("authbind-e2e-advprogs-", SOURCES),
    }
}

#[cfg(test)]
mod tests {
    use super::{Ended, Report};

    #[test]
    fn parses_reports() {
        let r = Report::parse("exit=38 ms=3 lines=1 panic=0 bound=0").unwrap();
        assert_eq!(r.ended, Ended::Exit(38));
        assert_eq!((r.ms(), r.lines(), r.panicked(), r.bound()), (3, 1, false, Some(0)));
        assert_eq!(r.misbehaviour(1000), None);
        let r = Report::parse("valid: signal=11 ms=3 reply=none fds=0 bound=na").unwrap();
        assert_eq!(r.ended, Ended::Signal(11));
        assert_eq!(r.bound(), None);
        assert!(r.misbehaviour(1000).is_some());
        let r = Report::parse("timeout ms=5000 lines=0 panic=0 bound=na").unwrap();
        assert_eq!(r.ended, Ended::Timeout);
        assert!(Report::parse("adv_run-error=fork errno=11").is_none());
    }
}
