//! What a sandboxed script did, and assertions on it that print everything
//! (script, stdout, stderr, status) when they fail.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::Output;
use std::time::Duration;

pub struct Outcome {
    name: String,
    script: String,
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    elapsed: Duration,
    timed_out: bool,
    values: BTreeMap<String, String>,
}

impl Outcome {
    pub(crate) fn new(name: &str, script: String, output: Output, elapsed: Duration, limit: Duration) -> Outcome {
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let values = stdout
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let status = output.status.code();
        if std::env::var_os("AUTHBIND_E2E_SHOW").is_some_and(|v| !v.is_empty()) {
            eprintln!("======== sandbox `{name}`: stdout ========\n{stdout}");
            eprintln!("======== sandbox `{name}`: stderr ========\n{stderr}");
        }
        Outcome {
            name: name.to_string(),
            script,
            timed_out: matches!(status, Some(124) | Some(137) | None) && elapsed >= limit,
            status,
            stdout,
            stderr,
            elapsed,
            values,
        }
    }

    /// The last `KEY=value` line printed for `key`.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// Like [`Outcome::value`], failing the test when the key is missing.
    pub fn get(&self, key: &str) -> &str {
        self.check_setup();
        match self.value(key) {
            Some(v) => v,
            None => self.fail(&format!("no `{key}=` line in the output")),
        }
    }

    /// Every `(key, expected value)` pair; all mismatches are reported at once.
    pub fn expect(&self, pairs: &[(&str, &str)]) {
        self.check_setup();
        let mut wrong = String::new();
        for (key, want) in pairs {
            match self.value(key) {
                Some(got) if got == *want => {}
                Some(got) => {
                    let _ = writeln!(wrong, "  {key}: expected `{want}`, got `{got}`");
                }
                None => {
                    let _ = writeln!(wrong, "  {key}: expected `{want}`, but no `{key}=` line");
                }
            }
        }
        if !wrong.is_empty() {
            self.fail(&format!("unexpected results:\n{wrong}"));
        }
    }

    /// Fails the test unless `cond`, with `what` and the full dump.
    pub fn ensure(&self, cond: bool, what: &str) {
        if !cond {
            self.fail(what);
        }
    }

    /// Fails the test with `msg` and everything about the run.
    pub fn fail(&self, msg: &str) -> ! {
        panic!("[{}] {msg}\n{}", self.name, self.dump())
    }

    fn check_setup(&self) {
        if self.timed_out {
            self.fail(&format!("TIMED OUT after {:?}", self.elapsed));
        }
        if self.value("__setup") != Some("done") {
            self.fail("the sandbox setup did not complete");
        }
    }

    pub fn dump(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "======== sandbox `{}`: exit status {:?}, {:.2?}{} ========",
            self.name,
            self.status,
            self.elapsed,
            if self.timed_out { " (TIMED OUT)" } else { "" }
        );
        let _ = writeln!(s, "-------- script --------");
        for (n, line) in self.script.lines().enumerate() {
            let _ = writeln!(s, "{:4} | {line}", n + 1);
        }
        let _ = writeln!(s, "-------- stdout --------\n{}", self.stdout);
        let _ = writeln!(s, "-------- stderr --------\n{}", self.stderr);
        s
    }
}
