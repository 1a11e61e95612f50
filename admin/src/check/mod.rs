//! `check`: every problem of the tree, with file, line, level and what to
//! do. Pure over a snapshot ([`Inventory`]) and the user database, so each
//! check is tested with its exact message. Lines are read as the helper
//! reads them (`policy::for_each_chunk`, `policy::LineMeaning`).
//!
//! Levels (authbind-policy(8), CHECK): lines authbind ignores, files it
//! never consults, anything a non-root user could change, and grants that
//! every user gets are errors; what works but is likely not meant is a
//! warning; the rest is a note.

mod byuid;
mod flags;
mod folders;
mod judge;
mod links;
mod reserve;
mod sensitive;

use crate::inventory::Inventory;
use crate::printable::printable;
use crate::system::System;
use crate::who::UserDb;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Note,
    Warning,
    Error,
}

impl Level {
    pub fn word(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub level: Level,
    /// Relative to the configuration folder (`byuid/1000`), `.` for the
    /// folder itself, or an absolute path above it.
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub message: String,
    pub fix: String,
}

pub(crate) fn finding(level: Level, file: &str, line: Option<u32>, message: String, fix: impl Into<String>) -> Finding {
    Finding {
        level,
        file: file.to_string(),
        line,
        message,
        fix: fix.into(),
    }
}

/// [`check_on`] on a system with the kernel's defaults and kernel mode
/// serving every process.
#[cfg(test)]
pub(crate) fn check(inv: &Inventory, db: &UserDb) -> Vec<Finding> {
    check_on(inv, db, &System::default())
}

/// Every finding, errors first, then by file and line.
pub fn check_on(inv: &Inventory, db: &UserDb, system: &System) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut judge = judge::Judge::new(inv, db);
    folders::check(inv, db, &mut out);
    flags::check(inv, db, &mut judge, &mut out);
    byuid::check(inv, db, &mut judge, &mut out);
    reserve::check(inv, db, &mut judge, system, &mut out);
    links::check(inv, db, &mut out);
    out.sort_by(|a, b| (b.level, &a.file, a.line).cmp(&(a.level, &b.file, b.line)));
    out
}

/// 0 clean (notes at most), 1 warnings, 2 errors.
pub fn status(findings: &[Finding]) -> i32 {
    match findings.iter().map(|f| f.level).max() {
        Some(Level::Error) => 2,
        Some(Level::Warning) => 1,
        _ => 0,
    }
}

fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let n = |l| findings.iter().filter(|f| f.level == l).count();
    (n(Level::Error), n(Level::Warning), n(Level::Note))
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

pub fn text(findings: &[Finding]) -> String {
    let mut s = String::new();
    // One finding, one line (and its fix): nothing of the tree's may
    // break one.
    for f in findings {
        let file = printable(&f.file);
        let at = match f.line {
            Some(l) => format!("{file}:{l}"),
            None => file.into_owned(),
        };
        let _ = writeln!(s, "{}: {at}: {}", f.level.word(), printable(&f.message));
        if !f.fix.is_empty() {
            let _ = writeln!(s, "  fix: {}", printable(&f.fix));
        }
    }
    let (e, w, n) = counts(findings);
    let _ = writeln!(
        s,
        "{}, {}, {}",
        plural(e, "error"),
        plural(w, "warning"),
        plural(n, "note")
    );
    s
}

pub fn json(findings: &[Finding]) -> String {
    let (e, w, n) = counts(findings);
    let v = serde_json::json!({
        "findings": findings,
        "errors": e,
        "warnings": w,
        "notes": n,
        "status": status(findings),
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

pub fn run(confdir: &str, db: &UserDb, as_json: bool, out: &mut dyn std::io::Write) -> crate::error::Result<i32> {
    let findings = match Inventory::read(std::path::Path::new(confdir)) {
        Ok(inv) => check_on(&inv, db, &System::read()),
        Err(e) => vec![finding(
            Level::Error,
            ".",
            None,
            format!("{confdir} cannot be read: {e}"),
            "create it (make install creates it) or run check as root",
        )],
    };
    out.write_all(if as_json { json(&findings) } else { text(&findings) }.as_bytes())?;
    Ok(status(&findings))
}

#[cfg(test)]
pub(crate) mod testing {
    use crate::inventory::{Content, Entry, Inventory, Link};
    use crate::mode::{Kind, Meta};

    /// A tree with the three folders as `make install` makes them.
    pub fn clean() -> Inventory {
        let mut inv = Inventory {
            root: "/etc/authbind".into(),
            root_meta: Some(Meta::new(Kind::Dir, 0, 0, 0o755)),
            ancestors: vec![
                ("/etc".into(), Meta::new(Kind::Dir, 0, 0, 0o755)),
                ("/".into(), Meta::new(Kind::Dir, 0, 0, 0o755)),
            ],
            ..Inventory::default()
        };
        for f in ["byport", "byaddr", "byuid"] {
            put(&mut inv, f, Meta::new(Kind::Dir, 0, 0, 0o755));
        }
        inv
    }

    pub fn put(inv: &mut Inventory, rel: &str, meta: Meta) {
        inv.entries.insert(
            rel.into(),
            Entry {
                rel: rel.into(),
                meta,
                link: None,
                content: Content::NotRead,
            },
        );
    }

    pub fn bytes(inv: &mut Inventory, rel: &str, meta: Meta, data: &str) {
        put(inv, rel, meta);
        let e = inv.entries.get_mut(rel).unwrap();
        e.meta.size = data.len() as u64;
        e.content = Content::Bytes {
            data: data.as_bytes().to_vec(),
            truncated: false,
        };
    }

    pub fn link(inv: &mut Inventory, rel: &str, target: &str, resolved: Result<Meta, model::Errno>) {
        put(inv, rel, Meta::new(Kind::Symlink, 0, 0, 0o777));
        inv.entries.get_mut(rel).unwrap().link = Some(Link {
            target: target.into(),
            resolved,
            inside: None,
            route: Default::default(),
        });
    }

    /// `rel`'s link leads through these folders, and found a name missing
    /// in `missing_in`.
    pub fn route(inv: &mut Inventory, rel: &str, route: &[(&str, Meta)], missing_in: Option<&str>) {
        let link = inv.entries.get_mut(rel).unwrap().link.as_mut().unwrap();
        link.route = crate::inventory::Route {
            folders: route.iter().map(|(p, m)| (p.into(), *m)).collect(),
            missing_in: missing_in.map(Into::into),
        };
    }

    pub fn file(uid: u32, gid: u32, mode: u32) -> Meta {
        Meta::new(Kind::File, uid, gid, mode)
    }

    /// `level file[:line]: message` of each finding.
    pub fn lines(findings: &[super::Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| match f.line {
                Some(l) => format!("{} {}:{l}: {}", f.level.word(), f.file, f.message),
                None => format!("{} {}: {}", f.level.word(), f.file, f.message),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::who::fixtures::db;

    #[test]
    fn a_clean_tree_is_clean() {
        let mut inv = clean();
        bytes(
            &mut inv,
            "byuid/1000",
            file(0, 0, 0o644),
            "127.0.0.1,80\n0.0.0.0/0,443\n",
        );
        put(&mut inv, "byport/81", file(0, 2000, 0o010));
        let f = check(&inv, &db());
        assert_eq!(lines(&f), Vec::<String>::new());
        assert_eq!(status(&f), 0);
        assert_eq!(text(&f), "0 errors, 0 warnings, 0 notes\n");
    }

    /// On 78e057e a file named `80\nerror: …` printed a line of its own,
    /// and escape sequences in names reached the terminal.
    #[test]
    fn names_cannot_forge_lines_or_reach_the_terminal() {
        let mut inv = clean();
        put(&mut inv, "byport/80\nerror: byport/22: forged", file(0, 0, 0o500));
        put(&mut inv, "byport/\x1b[2J81", file(0, 0, 0o500));
        bytes(&mut inv, "byuid/1000", file(0, 0, 0o644), "127.0.0.1,80 \x1b]0;x\x07\n");
        let f = check(&inv, &db());
        assert!(f.len() >= 3, "{f:?}");
        let out = text(&f);
        let fixes = f.iter().filter(|f| !f.fix.is_empty()).count();
        assert_eq!(out.lines().count(), f.len() + fixes + 1, "{out}");
        assert!(!out.lines().any(|l| l.starts_with("error: byport/22")), "{out}");
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
        assert!(out.contains("byport/80\\x0aerror: byport/22: forged"), "{out}");
    }

    #[test]
    fn output_forms() {
        let f = vec![
            finding(Level::Warning, "byport/80", None, "w".into(), "do this"),
            finding(Level::Error, "byuid/1", Some(3), "e".into(), ""),
        ];
        assert_eq!(status(&f), 2);
        assert_eq!(status(&f[..1]), 1);
        assert_eq!(
            text(&f),
            "warning: byport/80: w\n  fix: do this\nerror: byuid/1:3: e\n1 error, 1 warning, 0 notes\n"
        );
        let j: serde_json::Value = serde_json::from_str(&json(&f)).unwrap();
        assert_eq!(j["errors"], 1);
        assert_eq!(j["status"], 2);
        assert_eq!(j["findings"][1]["line"], 3);
        assert_eq!(j["findings"][0]["level"], "warning");
    }
}
