//! byuid files, read as the helper reads them (opened as root by
//! `grant::ConfDir`, which refuses FIFOs and devices; `fgets` chunks up to
//! the size cap; each chunk judged by `policy::analyze`), compiled into
//! the two LPM tries: (uid, address prefix) → ports.

use super::cidr::{block_bytes, blocks, entries, Block};
use super::ports::PortSet;
use super::Notes;
use model::{ByuidName, Family};
use policy::{analyze, for_each_chunk, LineRule, OpenError, PolicyFs, ReadEnd};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// The most rules kernel mode takes from one byuid file (each may become
/// up to 256 trie entries); a file with more is compiled as refusing all
/// (the helper, which reads it per request, still grants through it).
const MAX_RULES_PER_FILE: usize = 65_536;

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
}

/// Reads `byuid/[!]uid` through `conf`.
pub fn read(conf: &mut grant::ConfDir, name: ByuidName) -> ByuidFile {
    let path = name.to_string();
    let mut file = ByuidFile {
        name,
        state: FileState::Refused(String::new()),
        v4: Vec::new(),
        v6: Vec::new(),
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
    let mut chunks = 0;
    let read = for_each_chunk(reader, |_, chunk| {
        chunks += 1;
        if let Ok(rule) = analyze(chunk, Family::V4) {
            file.v4.push(rule);
        }
        if let Ok(rule) = analyze(chunk, Family::V6) {
            file.v6.push(rule);
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
    if file.v4.len() + file.v6.len() > MAX_RULES_PER_FILE {
        file.v4.clear();
        file.v6.clear();
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
    let files: Vec<ByuidFile> = names.into_iter().map(|name| read(conf, name)).collect();
    for f in &files {
        if let FileState::Refused(why) = &f.state {
            if why.contains("more than") {
                notes.unexpressible(format!("{} {why}", f.name));
            }
        }
        if let FileState::Read { stopped: Some(why), .. } = &f.state {
            notes.unexpressible(format!("{}: {why}; compiled from the lines read", f.name));
        }
    }
    files
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
