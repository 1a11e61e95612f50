//! The configuration folder as the policy sees it, as it is or as it will
//! be after a planned change: a `policy::PolicyFs`, so that every decision
//! about a tree (today's or tomorrow's) is made by `policy::decide`.
//!
//! Paths a plan does not touch are answered by the real thing (the
//! kernel's `access()` through an [`Oracle`], the helper's own byuid open
//! through `grant::ConfDir`). Paths it touches, and every path of a
//! snapshot (an [`Inventory`] read earlier, or nothing at all: an empty
//! folder), are answered by walking the path as the kernel does, from
//! owners and mode bits: search permission on each folder, symlinks
//! followed (at most 40), the class of bits that applies at the end.

use crate::inventory::{Content, Inventory};
use crate::mode::{may_execute, Kind, Meta};
use crate::oracle::Oracle;
use crate::who::Creds;
use model::Errno;
use policy::{OpenError, PolicyFs};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

/// What a path will be once a plan has run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Planned {
    Absent,
    /// A regular file, folder or FIFO with these owners and mode; a file's
    /// bytes.
    Node {
        meta: Meta,
        content: Vec<u8>,
    },
    Symlink {
        target: String,
    },
}

/// Paths (relative to the configuration folder) and what they will be.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub entries: BTreeMap<String, Planned>,
    /// Start from an empty configuration folder (root's, 0755) rather than
    /// the real one: nothing outside the plan exists.
    pub empty_base: bool,
}

impl Plan {
    pub fn set(&mut self, rel: &str, p: Planned) {
        self.entries.insert(rel.to_string(), p);
    }

    /// Is `rel`, or a folder above it, planned?
    pub fn touches(&self, rel: &str) -> bool {
        self.empty_base
            || self.entries.keys().any(|k| {
                rel == k || (rel.len() > k.len() && rel.starts_with(k.as_str()) && rel.as_bytes()[k.len()] == b'/')
            })
    }
}

/// What the tree is besides the plan.
pub enum Base<'a> {
    /// The real folder: the kernel's answers, the helper's open.
    Real {
        oracle: &'a mut dyn Oracle,
        conf: &'a mut grant::ConfDir,
    },
    /// A snapshot, judged from its mode bits.
    Snapshot(&'a Inventory),
}

/// A byuid file's bytes, however they were reached.
pub enum Reader {
    Real(BufReader<File>),
    Mem(Cursor<Vec<u8>>),
}

impl Read for Reader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Reader::Real(r) => r.read(buf),
            Reader::Mem(r) => r.read(buf),
        }
    }
}

impl BufRead for Reader {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        match self {
            Reader::Real(r) => r.fill_buf(),
            Reader::Mem(r) => r.fill_buf(),
        }
    }
    fn consume(&mut self, n: usize) {
        match self {
            Reader::Real(r) => r.consume(n),
            Reader::Mem(r) => r.consume(n),
        }
    }
}

/// One step of a walk: what stands at a path.
enum View {
    Node { meta: Meta, planned: Option<Vec<u8>> },
    Link(String),
}

/// Where a walk ended.
enum End {
    Inside {
        rel: String,
        meta: Meta,
        planned: Option<Vec<u8>>,
    },
    /// A symlink led out of the folder: the real world decides.
    Outside(PathBuf),
}

const MAX_LINKS: u32 = 40;

/// The tree for one user's requests.
pub struct Sim<'a> {
    pub root: PathBuf,
    pub base: Base<'a>,
    pub plan: &'a Plan,
    pub who: Creds,
}

impl Sim<'_> {
    fn root_meta(&self) -> Meta {
        let real = match &self.base {
            _ if self.plan.empty_base => None,
            Base::Snapshot(inv) => inv.root_meta,
            Base::Real { .. } => std::fs::metadata(&self.root).ok().map(|m| Meta::of(&m)),
        };
        real.unwrap_or(Meta::new(Kind::Dir, 0, 0, 0o755))
    }

    fn base_view(&self, rel: &str) -> Option<View> {
        if self.plan.empty_base {
            return None;
        }
        match &self.base {
            Base::Snapshot(inv) => inv.get(rel).map(|e| match &e.link {
                Some(l) => View::Link(l.target.clone()),
                None => View::Node {
                    meta: e.meta,
                    planned: None,
                },
            }),
            Base::Real { .. } => {
                let path = self.root.join(rel);
                let md = std::fs::symlink_metadata(&path).ok()?;
                let meta = Meta::of(&md);
                if meta.kind == Kind::Symlink {
                    let t = std::fs::read_link(&path).ok()?;
                    return Some(View::Link(t.to_string_lossy().into_owned()));
                }
                Some(View::Node { meta, planned: None })
            }
        }
    }

    /// What stands at `rel` after the plan (folders above already walked).
    fn view(&self, rel: &str) -> Option<View> {
        if let Some(p) = self.plan.entries.get(rel) {
            return match p {
                Planned::Absent => None,
                Planned::Node { meta, content } => Some(View::Node {
                    meta: *meta,
                    planned: Some(content.clone()),
                }),
                Planned::Symlink { target } => Some(View::Link(target.clone())),
            };
        }
        // Below a planned entry that is not a folder, or that replaces a
        // non-folder, nothing of the base survives.
        let mut above = rel;
        while let Some((parent, _)) = above.rsplit_once('/') {
            if let Some(p) = self.plan.entries.get(parent) {
                let keeps_children = matches!(p, Planned::Node { meta, .. } if meta.kind == Kind::Dir)
                    && matches!(self.base_view(parent), Some(View::Node { meta, .. }) if meta.kind == Kind::Dir);
                if !keeps_children {
                    return None;
                }
            }
            above = parent;
        }
        self.base_view(rel)
    }

    /// Walks `rel` as the kernel would for `who` (`None`: root, who is
    /// never refused a search), following symlinks.
    fn walk(&self, rel: &str, who: Option<&Creds>, links: u32) -> Result<End, Errno> {
        let searchable = |meta: &Meta| who.is_none_or(|w| may_execute(meta, w));
        if !searchable(&self.root_meta()) {
            return Err(Errno::EACCES);
        }
        let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
        let mut cur: Vec<String> = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            if *part == ".." {
                if cur.pop().is_none() {
                    let rest = parts[i + 1..].join("/");
                    let up = self.root.parent().unwrap_or(Path::new("/")).join(rest);
                    return Ok(End::Outside(up));
                }
                continue;
            }
            cur.push(part.to_string());
            let here = cur.join("/");
            match self.view(&here).ok_or(Errno::ENOENT)? {
                View::Link(target) => {
                    if links >= MAX_LINKS {
                        return Err(Errno::ELOOP);
                    }
                    let rest = parts[i + 1..].join("/");
                    let t = Path::new(&target);
                    if t.is_absolute() {
                        let Ok(inner) = t.strip_prefix(&self.root) else {
                            return Ok(End::Outside(t.join(rest)));
                        };
                        let next = join(&inner.to_string_lossy(), &rest);
                        return self.walk(&next, who, links + 1);
                    }
                    cur.pop();
                    let next = join(&join(&cur.join("/"), &target), &rest);
                    return self.walk(&next, who, links + 1);
                }
                View::Node { meta, planned } => {
                    if last {
                        return Ok(End::Inside {
                            rel: here,
                            meta,
                            planned,
                        });
                    }
                    if meta.kind != Kind::Dir {
                        return Err(Errno::ENOTDIR);
                    }
                    if !searchable(&meta) {
                        return Err(Errno::EACCES);
                    }
                }
            }
        }
        // The folder itself.
        Ok(End::Inside {
            rel: String::new(),
            meta: self.root_meta(),
            planned: None,
        })
    }

    fn real_conf(&mut self) -> Option<&mut grant::ConfDir> {
        match &mut self.base {
            Base::Real { conf, .. } => Some(conf),
            Base::Snapshot(_) => None,
        }
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}/{b}"),
    }
}

fn open_outside(path: &Path) -> Result<Reader, OpenError> {
    let mut top = grant::ConfDir::open_at("/").map_err(OpenError::Failed)?;
    top.open(&path.to_string_lossy()).map(Reader::Real)
}

impl PolicyFs for Sim<'_> {
    type File = Reader;

    fn access_x(&mut self, path: &str) -> Result<(), Errno> {
        let untouched = !self.plan.touches(path);
        let who = self.who.clone();
        if let Base::Real { oracle, .. } = &mut self.base {
            if untouched {
                return oracle.access_x(&who, path);
            }
        }
        match self.walk(path, Some(&who), 0)? {
            End::Inside { meta, .. } => {
                if may_execute(&meta, &who) {
                    Ok(())
                } else {
                    Err(Errno::EACCES)
                }
            }
            End::Outside(abs) => match &mut self.base {
                Base::Real { oracle, .. } => oracle.access_x(&who, &abs.to_string_lossy()),
                Base::Snapshot(_) => {
                    let md = std::fs::metadata(&abs).map_err(|e| Errno::of(&e))?;
                    if may_execute(&Meta::of(&md), &who) {
                        Ok(())
                    } else {
                        Err(Errno::EACCES)
                    }
                }
            },
        }
    }

    fn open(&mut self, path: &str) -> Result<Reader, OpenError> {
        if !self.plan.touches(path) {
            if let Some(conf) = self.real_conf() {
                return conf.open(path).map(Reader::Real);
            }
        }
        let (rel, meta, planned) = match self.walk(path, None, 0).map_err(OpenError::Failed)? {
            End::Outside(abs) => return open_outside(&abs),
            End::Inside { rel, meta, planned } => (rel, meta, planned),
        };
        match meta.kind {
            Kind::File => {}
            Kind::Dir => return Err(OpenError::Directory),
            _ => return Err(OpenError::NotRegular),
        }
        if let Some(bytes) = planned {
            return Ok(Reader::Mem(Cursor::new(bytes)));
        }
        match &mut self.base {
            Base::Real { conf, .. } => conf.open(&rel).map(Reader::Real),
            Base::Snapshot(inv) => match inv.get(&rel).map(|e| &e.content) {
                Some(Content::Bytes { data, .. }) => Ok(Reader::Mem(Cursor::new(data.clone()))),
                Some(Content::Failed(e)) => Err(OpenError::Failed(*e)),
                _ => Err(OpenError::Failed(Errno::EIO)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Entry, Link};
    use model::{Address, FileName, Reason};

    fn entry(rel: &str, meta: Meta) -> (String, Entry) {
        (
            rel.to_string(),
            Entry {
                rel: rel.to_string(),
                meta,
                link: None,
                content: Content::NotRead,
            },
        )
    }

    fn file(uid: u32, gid: u32, mode: u32) -> Meta {
        Meta::new(Kind::File, uid, gid, mode)
    }

    fn dir(mode: u32) -> Meta {
        Meta::new(Kind::Dir, 0, 0, mode)
    }

    fn inventory() -> Inventory {
        let mut inv = Inventory {
            root: "/etc/authbind".into(),
            root_meta: Some(dir(0o755)),
            ..Inventory::default()
        };
        inv.entries.extend([
            entry("byport", dir(0o755)),
            entry("byaddr", dir(0o700)),
            entry("byuid", dir(0o755)),
            entry("byport/80", file(1000, 1000, 0o500)),
            entry("target", file(0, 2000, 0o010)),
        ]);
        let (k, mut e) = entry("byport/81", Meta::new(Kind::Symlink, 0, 0, 0o777));
        e.link = Some(Link {
            target: "../target".into(),
            resolved: Ok(file(0, 2000, 0o010)),
            inside: Some("target".into()),
            route: Default::default(),
        });
        inv.entries.insert(k, e);
        let (k, mut e) = entry("byuid/1001", file(0, 0, 0o600));
        e.content = Content::Bytes {
            data: b"0.0.0.0/0,82\n".to_vec(),
            truncated: false,
        };
        inv.entries.insert(k, e);
        inv
    }

    fn sim<'a>(inv: &'a Inventory, plan: &'a Plan, who: Creds) -> Sim<'a> {
        Sim {
            root: inv.root.clone(),
            base: Base::Snapshot(inv),
            plan,
            who,
        }
    }

    const LO: Address = Address::V4([127, 0, 0, 1]);

    #[test]
    fn snapshot_walks_like_the_kernel() {
        let inv = inventory();
        let plan = Plan::default();
        let alice = Creds::new(1000, 1000, vec![]);
        let bob = Creds::new(1001, 1001, vec![2000]);
        let mut s = sim(&inv, &plan, alice.clone());
        assert_eq!(s.access_x("byport/80"), Ok(()));
        assert_eq!(s.access_x("byport/81"), Err(Errno::EACCES));
        // byaddr/ is 0700 root: a missing file in it is EACCES, not ENOENT.
        assert_eq!(s.access_x("byaddr/127.0.0.1:80"), Err(Errno::EACCES));
        assert_eq!(s.access_x("byport/82"), Err(Errno::ENOENT));
        assert_eq!(s.access_x("byport/80/x"), Err(Errno::ENOTDIR));
        let mut s = sim(&inv, &plan, bob.clone());
        assert_eq!(s.access_x("byport/81"), Ok(()));
        assert_eq!(s.access_x("byport/80"), Err(Errno::EACCES));
        let d = policy::decide(&mut s, 1001, &LO, 82);
        // Port 82: byport/82 absent, byaddr/ not searchable: refused there.
        assert_eq!((d.file, d.reason), (FileName::ByAddrColon, Reason::NotExecutable));
    }

    #[test]
    fn plans_are_seen_before_the_base() {
        let inv = inventory();
        let mut plan = Plan::default();
        plan.set(
            "byaddr",
            Planned::Node {
                meta: dir(0o755),
                content: vec![],
            },
        );
        plan.set("byport/80", Planned::Absent);
        plan.set(
            "byuid/1000",
            Planned::Node {
                meta: file(0, 0, 0o644),
                content: b"127.0.0.1,80\n".to_vec(),
            },
        );
        let mut s = sim(&inv, &plan, Creds::new(1000, 1000, vec![]));
        let d = policy::decide(&mut s, 1000, &LO, 80);
        assert_eq!((d.file, d.reason, d.line), (FileName::ByUid, Reason::LineMatched, 1));
        let mut s = sim(&inv, &plan, Creds::new(1001, 1001, vec![]));
        let d = policy::decide(&mut s, 1001, &LO, 82);
        assert_eq!((d.file, d.reason, d.line), (FileName::ByUid, Reason::LineMatched, 1));
        let empty = Plan {
            empty_base: true,
            ..Plan::default()
        };
        let mut s = sim(&inv, &empty, Creds::new(1001, 1001, vec![]));
        assert_eq!(policy::decide(&mut s, 1001, &LO, 82).reason, Reason::NoByuidFile);
    }
}
