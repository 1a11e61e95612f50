//! byuid files, read as the helper reads them (opened as root by
//! `grant::ConfDir`, which refuses FIFOs and devices; `fgets` chunks up to
//! the size cap; each chunk judged by `policy::analyze`), compiled into
//! the two LPM tries: (uid, address prefix) → ports.
//!
//! What a file costs the daemon (time and memory to compile, kernel
//! memory to hold) is its prefixes, not its lines: one IPv6 range line
//! can split into 255 of them. So kernel mode takes a file's lines in
//! order while their prefixes fit a budget ([`MAX_PREFIXES_PER_FILE`],
//! and a share of [`MAX_PREFIXES`] for all files, the largest files cut
//! first); the lines from the first that does not fit on are left out.
//! Leaving a line out only refuses what it would grant (a trie entry's
//! ports are the union of the lines covering it), and only for that
//! file's uid and ports; the helper, which reads the file per request,
//! still grants through them.

use super::cidr::{block_bytes, blocks, entries, Block};
use super::ports::PortSet;
use super::Notes;
use model::{ByuidName, Family};
use policy::{analyze, for_each_chunk, LineRule, OpenError, PolicyFs, ReadEnd};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// The most rules kernel mode takes from one byuid file; a file with more
/// is compiled as refusing all (the helper, which reads it per request,
/// still grants through it), and is read no further. (What its rules cost
/// is bounded by the prefix budget below.)
const MAX_RULES_PER_FILE: usize = 65_536;

/// The most trie prefixes taken from one byuid file.
pub const MAX_PREFIXES_PER_FILE: usize = 65_536;

/// The most trie prefixes taken from all byuid files together (both
/// families): a bound on a reload's time and memory and on the maps'
/// size whatever the number of files.
pub const MAX_PREFIXES: usize = 1 << 17;

/// The most byuid folder entries looked at (those past it are refused).
const MAX_ENTRIES: usize = 1 << 20;

/// What became of one byuid file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileState {
    /// Read: this many chunks (lines), and why reading stopped early if it did.
    Read { chunks: u32, stopped: Option<String> },
    /// The helper refuses every request of this file's ports.
    Refused(String),
    /// Kernel mode cannot express it and refuses its ports (the helper
    /// may grant them).
    Unexpressible(String),
}

pub struct ByuidFile {
    pub name: ByuidName,
    pub state: FileState,
    pub v4: Vec<LineRule>,
    pub v6: Vec<LineRule>,
    /// The line from which the prefix budget left the lines out, if it did.
    pub cut: Option<Cut>,
    /// Each kept rule in file order: its line, whether it is an IPv6
    /// rule, and the trie prefixes it makes.
    costs: Vec<Cost>,
}

/// Where and why kernel mode stopped taking a file's lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    /// The first line left out (1-based); it and every later line are refused.
    pub line: u32,
    /// The prefixes the file was allowed.
    pub allowed: usize,
}

#[derive(Clone, Copy, Debug)]
struct Cost {
    line: u32,
    v6: bool,
    prefixes: usize,
}

impl ByuidFile {
    /// The trie prefixes of the lines kept (before merging equal ones).
    pub fn prefixes(&self) -> usize {
        self.costs.iter().map(|c| c.prefixes).sum()
    }

    /// Keeps the lines before the first one whose prefixes would take
    /// the total past `allowed`.
    fn limit(&mut self, allowed: usize) {
        let mut total = 0;
        let Some(at) = self.costs.iter().position(|c| {
            total += c.prefixes;
            total > allowed
        }) else {
            return;
        };
        let line = self.costs[at].line;
        self.keep_before(line);
        self.cut = Some(Cut { line, allowed });
    }

    /// Keeps the rules of the lines before `line` only.
    fn keep_before(&mut self, line: u32) {
        let keep = self.costs.iter().take_while(|c| c.line < line).count();
        let v6 = self.costs[..keep].iter().filter(|c| c.v6).count();
        self.v4.truncate(keep - v6);
        self.v6.truncate(v6);
        self.costs.truncate(keep);
    }
}

/// The trie prefixes `rule` makes in file `name` (none when none of its
/// ports is one the file is read for).
fn prefixes(rule: &LineRule, name: &ByuidName, family: Family) -> usize {
    if PortSet::range(rule.ports.0, rule.ports.1, name.ports()).is_empty() {
        return 0;
    }
    blocks(&rule.addr, family.bits() as u8).len()
}

/// Reads `byuid/[!]uid` through `conf`.
pub fn read(conf: &mut grant::ConfDir, name: ByuidName) -> ByuidFile {
    let path = name.to_string();
    let mut file = ByuidFile {
        name,
        state: FileState::Refused(String::new()),
        v4: Vec::new(),
        v6: Vec::new(),
        cut: None,
        costs: Vec::new(),
    };
    let reader = match conf.open(&path) {
        Ok(r) => r,
        Err(e) => {
            file.state = FileState::Refused(match e {
                OpenError::Failed(errno) => format!("cannot be opened: {errno}"),
                OpenError::Directory => "is a folder".into(),
                OpenError::NotRegular => "is not a regular file".into(),
            });
            return file;
        }
    };
    let (mut chunks, mut rules, mut prefixes) = (0, 0, 0);
    let read = for_each_chunk(reader, |line, chunk| {
        chunks += 1;
        for family in [Family::V4, Family::V6] {
            let Ok(rule) = analyze(chunk, family) else { continue };
            rules += 1;
            if rules > MAX_RULES_PER_FILE {
                // The whole file is refused (below): read no further.
                return ControlFlow::Break(());
            }
            if file.cut.is_some() {
                continue;
            }
            let cost = self::prefixes(&rule, &file.name, family);
            if prefixes + cost > MAX_PREFIXES_PER_FILE {
                // Neither kept nor split from here on: that work and
                // memory is what the budget bounds.
                file.keep_before(line);
                file.cut = Some(Cut {
                    line,
                    allowed: MAX_PREFIXES_PER_FILE,
                });
                continue;
            }
            prefixes += cost;
            file.costs.push(Cost {
                line,
                v6: family == Family::V6,
                prefixes: cost,
            });
            if family == Family::V4 {
                file.v4.push(rule);
            } else {
                file.v6.push(rule);
            }
        }
        ControlFlow::Continue(())
    });
    // The helper judges every chunk it reads before a failure or the cap,
    // so those lines grant for it too.
    let stopped = match read {
        Ok(_) => None,
        Err(ReadEnd::Failed(e)) => Some(format!("reading failed after {chunks} lines ({e})")),
        Err(ReadEnd::TooLarge) => Some(format!(
            "larger than {} bytes: lines after that are ignored",
            model::MAX_BYUID_BYTES
        )),
    };
    if rules > MAX_RULES_PER_FILE {
        file.v4.clear();
        file.v6.clear();
        file.costs.clear();
        file.cut = None;
        file.state = FileState::Unexpressible(format!(
            "has more than {MAX_RULES_PER_FILE} rules: kernel mode refuses what it would grant"
        ));
        return file;
    }
    file.state = FileState::Read { chunks, stopped };
    file
}

/// Every byuid file authbind could open: the canonical uid names of the
/// byuid folder (as root sees it, symlinks followed).
pub fn read_all(conf: &mut grant::ConfDir, confdir: &str, notes: &mut Notes) -> Vec<ByuidFile> {
    let dir = format!("{confdir}/byuid");
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        // No folder: no file, every byuid lookup is refused; nothing to compile.
        Err(_) => return Vec::new(),
    };
    let mut names = Vec::new();
    for entry in entries.flatten().take(MAX_ENTRIES) {
        if let Some(Ok(name)) = entry.file_name().to_str().map(ByuidName::parse) {
            names.push(name);
        }
    }
    names.sort_unstable();
    let mut files: Vec<ByuidFile> = names.into_iter().map(|name| read(conf, name)).collect();
    let needs: Vec<usize> = files.iter().map(ByuidFile::prefixes).collect();
    let share = fair_share(&needs, MAX_PREFIXES);
    for f in &mut files {
        f.limit(share);
    }
    for f in &files {
        if let FileState::Unexpressible(why) = &f.state {
            notes.unexpressible(format!("{} {why}", f.name));
        }
        if let FileState::Read { stopped: Some(why), .. } = &f.state {
            notes.unexpressible(format!("{}: {why}; compiled from the lines read", f.name));
        }
        if let Some(cut) = f.cut {
            notes.unexpressible(format!(
                "{}: its lines make more trie prefixes than kernel mode takes from it ({}): \
                 line {} and the lines after it are refused for uid {}",
                f.name, cut.allowed, cut.line, f.name.uid
            ));
        }
    }
    files
}

/// The most prefixes each file may keep so that all together fit
/// `total`: every file gets what it needs if that fits, else the files
/// needing less than an equal share of what is left keep everything and
/// the larger ones get that share (a huge file never takes a small
/// one's lines).
fn fair_share(needs: &[usize], total: usize) -> usize {
    let mut sorted = needs.to_vec();
    sorted.sort_unstable();
    let mut left = total;
    for (i, &need) in sorted.iter().enumerate() {
        let share = left / (sorted.len() - i);
        if need > share {
            return share;
        }
        left -= need;
    }
    usize::MAX
}

/// A trie entry: uid, address prefix (bytes, length in bits), ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrieEntry {
    pub uid: u32,
    pub addr: Vec<u8>,
    pub len: u8,
    pub ports: PortSet,
}

impl TrieEntry {
    /// The prefix's address (4 or 16 bytes) as text.
    pub fn prefix_text(&self) -> String {
        let family = if self.addr.len() == 4 { Family::V4 } else { Family::V6 };
        model::Address::from_bytes(family, &self.addr).map_or_else(|| format!("{:?}", self.addr), |a| a.to_string())
    }
}

/// The entries of one family's trie.
pub fn trie(files: &[ByuidFile], family: Family) -> Vec<TrieEntry> {
    let bits = family.bits() as u8;
    let mut per_uid: BTreeMap<u32, Vec<(Vec<Block>, PortSet)>> = BTreeMap::new();
    for f in files {
        let rules = if family == Family::V4 { &f.v4 } else { &f.v6 };
        for r in rules {
            // Cut to the ports the file is read for, and to PORTS.
            let ports = PortSet::range(r.ports.0, r.ports.1, f.name.ports());
            if !ports.is_empty() {
                per_uid
                    .entry(f.name.uid)
                    .or_default()
                    .push((blocks(&r.addr, bits), ports));
            }
        }
    }
    let mut out = Vec::new();
    for (uid, lines) in per_uid {
        for (block, ports) in entries(&lines, bits) {
            out.push(TrieEntry {
                uid,
                addr: block_bytes(&block, bits),
                len: block.len,
                ports,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::compile;
    use model::Address;
    use std::path::PathBuf;

    struct Scratch(PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn scratch(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("authbindd-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("byuid")).unwrap();
        Scratch(dir)
    }

    fn v6(text: &str) -> Address {
        Address::parse_any(text.as_bytes()).unwrap()
    }

    /// The review's file: 8,000 IPv6 range lines (some 400 KB, far
    /// below the rule limit), each splitting into 126 prefixes, about a
    /// million in all; before them one plain line. Another user's file
    /// beside it.
    fn hostile_tree(dir: &std::path::Path) -> usize {
        let mut text = String::from("2001:db8:ffff::1,443\n");
        let lines = 8000;
        for n in 0..lines {
            text.push_str(&format!("2001:db8:{n:x}::1-2001:db8:{n:x}:0:ffff:ffff:ffff:fffe,80\n"));
        }
        std::fs::write(dir.join("byuid/1500"), text).unwrap();
        std::fs::write(dir.join("byuid/1501"), "::1,80\n127.0.0.1,80\n").unwrap();
        lines
    }

    #[test]
    fn a_hostile_byuid_file_costs_at_most_its_prefix_budget() {
        let s = scratch("hostile-byuid");
        let lines = hostile_tree(&s.0);
        let c = compile(s.0.to_str().unwrap());
        // What the daemon builds and the maps hold: bounded by the budget,
        // not by the lines (the old compiler made 1,008,001 prefixes).
        let of = |uid| c.byuid6.iter().filter(|e| e.uid == uid).count();
        assert!(of(1500) <= 65_536, "{} prefixes for uid 1500", of(1500));
        assert!(of(1500) > 60_000, "the budget is used, not wasted: {}", of(1500));
        assert_eq!(of(1501), 1);
        assert_eq!(c.byuid4.len(), 1);
        // Lines before the budget ran out grant; the first line too.
        let granted = |uid, a: &str, port| c.decide(uid, uid, &v6(a), port).is_some();
        assert!(granted(1500, "2001:db8:ffff::1", 443));
        assert!(granted(1500, "2001:db8:0::1", 80));
        assert!(granted(1500, "2001:db8:1:0:8000::", 80));
        // Lines past it are refused for uid 1500 only (the helper grants
        // them: kernel mode refuses, it never grants more).
        let last = format!("2001:db8:{:x}::1", lines - 1);
        assert!(!granted(1500, &last, 80));
        assert!(!granted(1500, "2001:db8:1000::7", 80));
        // The other user is untouched, and gains nothing of 1500's.
        assert!(granted(1501, "::1", 80));
        assert!(granted(1501, "127.0.0.1", 80));
        assert!(!granted(1501, "2001:db8:0::1", 80));
        assert!(!granted(1501, "::1", 81));
        // Said in --check and the log's notes.
        let note = c
            .notes
            .unexpressible
            .iter()
            .find(|n| n.starts_with("byuid/1500:"))
            .unwrap_or_else(|| panic!("no note about byuid/1500: {:?}", c.notes.unexpressible));
        assert!(note.contains("refused for uid 1500"), "{note}");
        assert!(crate::report::report(&c).contains(note.as_str()));
    }

    #[test]
    fn the_cut_is_at_a_line_and_the_budget_is_shared_largest_first() {
        let s = scratch("byuid-cut");
        hostile_tree(&s.0);
        let c = compile(s.0.to_str().unwrap());
        let f = c.byuid_files.iter().find(|f| f.name.uid == 1500).unwrap();
        // 1 + 520·126 = 65,521 prefixes fit; line 522 (the 521st range) does not.
        assert_eq!(
            f.cut,
            Some(Cut {
                line: 522,
                allowed: MAX_PREFIXES_PER_FILE
            })
        );
        assert_eq!((f.v4.len(), f.v6.len(), f.prefixes()), (0, 521, 65_521));
        // Only what was kept was split: the memory is the budget's.
        assert_eq!(f.costs.len(), 521);
        assert!(
            crate::report::report(&c).contains("lines from 522 on are refused"),
            "{}",
            crate::report::report(&c)
        );

        // All files together: the small ones keep everything, the large
        // ones share what is left.
        assert_eq!(fair_share(&[10, 20], 100), usize::MAX);
        assert_eq!(fair_share(&[10, 500, 20, 400], 100), 35);
        assert_eq!(fair_share(&[60, 60], 100), 50);
        assert_eq!(fair_share(&[], 100), usize::MAX);
        let mut g = ByuidFile {
            name: ByuidName::parse("7").unwrap(),
            state: FileState::Read {
                chunks: 3,
                stopped: None,
            },
            v4: vec![analyze(b"10.0.0.1,80\n", Family::V4).unwrap()],
            v6: vec![
                analyze(b"::1-::6,80\n", Family::V6).unwrap(),
                analyze(b"::8,80\n", Family::V6).unwrap(),
            ],
            cut: None,
            costs: vec![
                Cost {
                    line: 1,
                    v6: true,
                    prefixes: 4,
                },
                Cost {
                    line: 2,
                    v6: false,
                    prefixes: 1,
                },
                Cost {
                    line: 3,
                    v6: true,
                    prefixes: 1,
                },
            ],
        };
        g.limit(6);
        assert_eq!((g.v4.len(), g.v6.len(), g.cut), (1, 2, None));
        g.limit(4);
        assert_eq!(
            (g.v4.len(), g.v6.len(), g.cut),
            (0, 1, Some(Cut { line: 2, allowed: 4 }))
        );
    }
}
