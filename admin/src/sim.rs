//! The configuration folder as the policy sees it, as it is or as it will
//! be after a planned change: a `policy::PolicyFs`, so that every decision
//! about a tree (today's or tomorrow's) is made by `policy::decide`.
//!
//! Paths a plan does not touch are answered by the real thing (the
//! kernel's `access()` through an [`Oracle`], the helper's own byuid open
//! through `grant::ConfDir`). Paths it touches, and every path of a
//! snapshot (an [`Inventory`] read earlier, or nothing at all: an empty
//! folder), are answered by the `tree` crate's walk and permission rule
//! over the real file system's metadata (the snapshot's inside the
//! folder) with the plan laid over it (`tree::Overlay`).

use crate::inventory::{Content, Inventory};
use crate::oracle::Oracle;
use crate::realtree::{RealNode, RealTree};
use crate::who::Creds;
use model::{Errno, Rule};
use policy::{OpenError, PolicyFs};
use std::collections::BTreeSet;
use std::io::{BufRead, Cursor, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use tree::{Follow, Kind, Overlay, OverlayNode, Tree};

pub use tree::{Plan, Planned};

/// What the tree is besides the plan.
pub enum Base<'a> {
    /// The real folder: the kernel's answers, the helper's open.
    Real {
        oracle: &'a mut dyn Oracle,
        conf: &'a mut grant::ConfDir,
    },
    /// A snapshot, judged from its mode bits.
    Snapshot(&'a Inventory),
    /// A snapshot, over the file system read once for many decisions (its
    /// folder's canonical path and the system's settings found once):
    /// the tree must have been made with `RealTree::with_snapshot` of it.
    SnapshotIn(&'a RealTree<'a>, &'a Inventory),
}

/// A byuid file's bytes, however they were reached.
pub enum Reader {
    Real(grant::ByuidFile),
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
            Reader::Real(r) => policy::ByuidRead::fill_buf(r).map_err(|e| std::io::Error::from_raw_os_error(e.0)),
            Reader::Mem(r) => r.fill_buf(),
        }
    }
    fn consume(&mut self, n: usize) {
        match self {
            Reader::Real(r) => policy::ByuidRead::consume(r, n),
            Reader::Mem(r) => r.consume(n),
        }
    }
}

/// The tree for one user's requests.
pub struct Sim<'a> {
    pub root: PathBuf,
    pub base: Base<'a>,
    pub plan: &'a Plan,
    pub who: Creds,
}

impl Sim<'_> {
    /// The file system under the plan, and where `path` leads in it as
    /// `who` walks it from the configuration folder (`last`: with
    /// `faccessat(X_OK)`'s check on the end, else only followed to it).
    fn reach(&self, path: &str, who: &Creds, last: bool) -> Result<(OverlayNode<RealNode>, tree::Meta), Errno> {
        let owned;
        let real = match &self.base {
            Base::Real { .. } => {
                owned = RealTree::new();
                &owned
            }
            Base::Snapshot(inv) => {
                owned = RealTree::with_snapshot(inv);
                &owned
            }
            Base::SnapshotIn(tree, _) => *tree,
        };
        let folder = real.folder(&self.root);
        let over = Overlay {
            base: real,
            folder,
            plan: self.plan,
        };
        let top = over.top();
        let node = if last {
            tree::access_x(&over, &top, path.as_bytes(), who, &mut ())?
        } else {
            tree::resolve(&over, &top, path.as_bytes(), who, Follow::Last, &mut ())?
        };
        let meta = over.meta(&node);
        Ok((node, meta))
    }
}

fn open_outside(path: &Path) -> Result<Reader, OpenError> {
    let mut top = grant::ConfDir::open_at("/").map_err(OpenError::Failed)?;
    top.open(&path.to_string_lossy()).map(Reader::Real)
}

impl PolicyFs for Sim<'_> {
    type File = Reader;

    fn access_x(&mut self, path: &str) -> Result<(), Errno> {
        let who = self.who.clone();
        if let Base::Real { oracle, .. } = &mut self.base {
            if !self.plan.touches(path) {
                return oracle.access_x(&who, path);
            }
        }
        self.reach(path, &who, true).map(|_| ())
    }

    fn open(&mut self, path: &str) -> Result<Reader, OpenError> {
        if !self.plan.touches(path) {
            if let Base::Real { conf, .. } = &mut self.base {
                return conf.open(path).map(Reader::Real);
            }
        }
        // The helper opens as root: no search is refused on the way.
        let (node, meta) = self.reach(path, &Creds::root(), false).map_err(OpenError::Failed)?;
        match meta.kind {
            Kind::File => {}
            Kind::Dir => return Err(OpenError::Directory),
            _ => return Err(OpenError::NotRegular),
        }
        let Some(rel) = node.rel else {
            // A symlink led out of the folder: the real world answers.
            return match node.base {
                Some(b) => open_outside(&b.path),
                None => Err(OpenError::Failed(Errno::EIO)),
            };
        };
        if let Some(Planned::Node { content, .. }) = self.plan.entries.get(&rel) {
            return Ok(Reader::Mem(Cursor::new(content.clone())));
        }
        match &mut self.base {
            Base::Real { conf, .. } => conf.open(&rel).map(Reader::Real),
            Base::Snapshot(inv) | Base::SnapshotIn(_, inv) => match inv.get(&rel).map(|e| &e.content) {
                Some(Content::Bytes { data, .. }) => Ok(Reader::Mem(Cursor::new(data.clone()))),
                Some(Content::Failed(e)) => Err(OpenError::Failed(*e)),
                _ => Err(OpenError::Failed(Errno::EIO)),
            },
        }
    }

    /// The base's names in the reserve folder, with the plan's changes:
    /// what it removes gone, what it creates there. A plan that replaces
    /// the folder itself starts it afresh.
    fn reservations(&mut self, each: &mut dyn FnMut(&str) -> ControlFlow<()>) -> Result<(), Errno> {
        let folder = Rule::Reserve.folder();
        let mut names = BTreeSet::new();
        let replaced = self.plan.empty_base || self.plan.entries.contains_key(folder);
        let mut listed = Ok(());
        if !replaced {
            listed = match &mut self.base {
                Base::Real { conf, .. } => conf.reservations(&mut |n| {
                    names.insert(n.to_string());
                    // Past the limit, decide() stops: so does the copy.
                    match names.len() > model::MAX_RESERVATIONS {
                        true => ControlFlow::Break(()),
                        false => ControlFlow::Continue(()),
                    }
                }),
                Base::Snapshot(inv) | Base::SnapshotIn(_, inv) => {
                    names.extend(inv.children(folder).map(|e| e.folder_and_name().1.to_string()));
                    Ok(())
                }
            };
        }
        let prefix = format!("{folder}/");
        for (rel, planned) in &self.plan.entries {
            let Some(name) = rel.strip_prefix(&prefix).filter(|n| !n.contains('/')) else {
                continue;
            };
            match planned {
                Planned::Absent => names.remove(name),
                _ => names.insert(name.to_string()),
            };
        }
        // The folder is there if the base has it or the plan makes it (or
        // something in it); a base that could not be listed otherwise
        // is that error, as for the helper.
        let planned_folder = matches!(
            self.plan.entries.get(folder),
            Some(Planned::Node { .. } | Planned::Symlink { .. })
        );
        let created = planned_folder || !names.is_empty();
        match listed {
            Err(Errno::ENOENT | Errno::ENOTDIR) if !created => return listed,
            Err(Errno::ENOENT | Errno::ENOTDIR) => {}
            Err(e) => return Err(e),
            Ok(()) if replaced && !created => return Err(Errno::ENOENT),
            Ok(()) => {}
        }
        for name in &names {
            if each(name).is_break() {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Entry, Link};
    use model::{Address, FileName, Reason};
    use tree::Meta;

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

    fn link(inv: &mut Inventory, rel: &str, target: &str) {
        let (k, mut e) = entry(rel, Meta::new(Kind::Symlink, 0, 0, 0o777));
        e.link = Some(Link {
            target: target.into(),
            resolved: Err(Errno::ENOENT),
            inside: None,
            route: Default::default(),
        });
        inv.entries.insert(k, e);
    }

    /// `..` is looked up in a folder like any name: it needs search
    /// permission there (byaddr/ is root's, 0700).
    #[test]
    fn dot_dot_needs_search_permission_on_its_folder() {
        let mut inv = inventory();
        link(&mut inv, "byport/83", "../byaddr/../target");
        let plan = Plan::default();
        let bob = Creds::new(1001, 1001, vec![2000]);
        let mut s = sim(&inv, &plan, bob);
        assert_eq!(s.access_x("byport/81"), Ok(()));
        assert_eq!(s.access_x("byport/83"), Err(Errno::EACCES));
        assert_eq!(s.access_x("byuid/../byport/81"), Ok(()));
        assert_eq!(s.access_x("byaddr/../byport/81"), Err(Errno::EACCES));
    }

    /// A symlink out of the folder is walked out there too, search
    /// permission on each folder included. (The old walk asked only
    /// whether the end was executable, so it let the stranger through
    /// byport/81; and it added a slash to an absolute symlink's target,
    /// so byport/80 was "Not a directory" for everyone.)
    #[test]
    fn outside_the_folder_every_folder_is_searched() {
        use std::os::unix::fs::{symlink, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        let (conf, closed) = (base.join("conf"), base.join("closed"));
        std::fs::create_dir_all(conf.join("byport")).unwrap();
        std::fs::create_dir(&closed).unwrap();
        std::fs::write(closed.join("flag"), "").unwrap();
        std::fs::set_permissions(closed.join("flag"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).unwrap();
        symlink(closed.join("flag"), conf.join("byport/80")).unwrap();
        symlink("../../closed/flag", conf.join("byport/81")).unwrap();
        let inv = Inventory::read(&conf).unwrap();
        let plan = Plan::default();
        let me = crate::oracle::own_creds();
        let mut s = sim(&inv, &plan, me.clone());
        assert_eq!(s.access_x("byport/80"), Ok(()));
        assert_eq!(s.access_x("byport/81"), Ok(()));
        // Someone else: neither the owner of closed/ nor root.
        let stranger = Creds::new(me.uid.wrapping_add(4242), 4242, vec![]);
        let mut s = sim(&inv, &plan, stranger);
        assert_eq!(s.access_x("byport/80"), Err(Errno::EACCES));
        assert_eq!(s.access_x("byport/81"), Err(Errno::EACCES));
    }
}
