//! The daemon's count of the audit lines (grants, refusals by a
//! reservation) the log did not get, per cgroup
//! served: those the per-user rate limit left out (each said by a
//! `SUPPRESSED=` line) and those syslog did not take (a full queue, no
//! /dev/log: gone without a trace but this count). A small file in the
//! helper's root-only RUNDIR (`authbindd.cgroup-ID`, beside the helper's
//! per-uid counts), replaced whole by a rename so that `--status` never
//! reads half of one; /run is emptied at boot, so the counts are since
//! boot, across daemon restarts.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub suppressed: u64,
    pub undelivered: u64,
}

/// The tally file of the cgroup whose pins are `pins`.
fn path(pins: &Path) -> PathBuf {
    let name = pins
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Path::new(buildcfg::RUNDIR).join(format!("authbindd.{name}"))
}

fn parse(text: &str) -> Option<Tally> {
    let mut t = Tally::default();
    for line in text.lines() {
        match line.split_once(' ')? {
            ("suppressed", n) => t.suppressed = n.parse().ok()?,
            ("undelivered", n) => t.undelivered = n.parse().ok()?,
            _ => return None,
        }
    }
    Some(t)
}

/// The counts so far: `None` when no daemon has counted any since boot.
pub fn read(pins: &Path) -> Option<Tally> {
    parse(&std::fs::read_to_string(path(pins)).ok()?)
}

/// Adds `more` to the counts.
pub fn add(pins: &Path, more: &Tally) -> std::io::Result<()> {
    let file = path(pins);
    let old = read(pins).unwrap_or_default();
    let new = Tally {
        suppressed: old.suppressed.saturating_add(more.suppressed),
        undelivered: old.undelivered.saturating_add(more.undelivered),
    };
    std::fs::DirBuilder::new()
        .mode(0o700)
        .recursive(true)
        .create(buildcfg::RUNDIR)?;
    let tmp = file.with_extension("new");
    std::fs::write(
        &tmp,
        format!("suppressed {}\nundelivered {}\n", new.suppressed, new.undelivered),
    )?;
    std::fs::rename(&tmp, &file)
}

/// `--status`'s lines for the cgroup whose pins are `pins`.
pub fn status(pins: &Path) -> String {
    let t = read(pins).unwrap_or_default();
    format!(
        "  audit lines left out by the per-user rate limit: {}\n  audit lines syslog did not take (lost): {}\n",
        t.suppressed, t.undelivered
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_back_and_nothing_odd_taken() {
        assert_eq!(
            parse("suppressed 3\nundelivered 4\n"),
            Some(Tally {
                suppressed: 3,
                undelivered: 4
            })
        );
        assert_eq!(parse(""), Some(Tally::default()));
        assert_eq!(parse("suppressed x\n"), None);
        assert_eq!(parse("other 1\n"), None);
        let p = path(Path::new("/sys/fs/bpf/authbind/cgroup-42"));
        assert_eq!(p, Path::new(buildcfg::RUNDIR).join("authbindd.cgroup-42"));
    }
}
