//! A planned change over any tree: the tree as `grant`, `apply` or
//! `revoke` would leave it. Paths below one folder (the configuration
//! folder) are created, replaced or removed: files, folders, symlinks,
//! with their owners and modes; everything else is the base tree's.

use crate::meta::{Kind, Meta};
use crate::walk::Tree;
use model::Errno;
use std::collections::BTreeMap;

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

/// Paths (relative to the folder, `byuid/1000`) and what they will be.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub entries: BTreeMap<String, Planned>,
    /// Start from an empty folder (root's, 0755) rather than the base's:
    /// nothing below it exists but what the plan creates.
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

/// `base` with `plan` carried out in its folder `folder`.
pub struct Overlay<'a, T: Tree + ?Sized> {
    pub base: &'a T,
    pub folder: T::Node,
    pub plan: &'a Plan,
}

/// A node of an [`Overlay`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverlayNode<N> {
    /// Its path relative to the folder (`""`: the folder itself), when it
    /// is inside it.
    pub rel: Option<String>,
    /// The base's node that stands here, when the base's is what stands
    /// here; for a planned folder replacing a base folder, the base's
    /// (whose entries stay, under the plan's).
    pub base: Option<N>,
}

/// What a planned folder the base has nothing for looks like, and what an
/// empty base's folder is.
fn empty_folder() -> Meta {
    Meta::new(Kind::Dir, 0, 0, 0o755)
}

impl<T: Tree + ?Sized> Overlay<'_, T> {
    /// The folder itself.
    pub fn top(&self) -> OverlayNode<T::Node> {
        OverlayNode {
            rel: Some(String::new()),
            base: (!self.plan.empty_base).then(|| self.folder.clone()),
        }
    }

    /// A base node reached from outside the folder.
    fn outside(&self, node: T::Node) -> OverlayNode<T::Node> {
        if node == self.folder {
            return self.top();
        }
        OverlayNode {
            rel: None,
            base: Some(node),
        }
    }

    /// The node at `rel`, by its names (no symlink followed).
    pub fn at(&self, rel: &str) -> Result<OverlayNode<T::Node>, Errno> {
        let mut cur = self.top();
        for name in rel.split('/').filter(|n| !n.is_empty()) {
            cur = self.lookup(&cur, name.as_bytes())?;
        }
        Ok(cur)
    }

    fn planned(&self, node: &OverlayNode<T::Node>) -> Option<&Planned> {
        self.plan.entries.get(node.rel.as_deref()?)
    }
}

impl<T: Tree + ?Sized> Tree for Overlay<'_, T> {
    type Node = OverlayNode<T::Node>;

    fn root(&self) -> Self::Node {
        self.outside(self.base.root())
    }

    fn lookup(&self, dir: &Self::Node, name: &[u8]) -> Result<Self::Node, Errno> {
        let Some(here) = &dir.rel else {
            let base = dir.base.as_ref().ok_or(Errno::ENOENT)?;
            return self.base.lookup(base, name).map(|n| self.outside(n));
        };
        if name == b".." {
            return match here.rsplit_once('/') {
                Some((parent, _)) => self.at(parent),
                None if here.is_empty() => self.base.lookup(&self.folder, b"..").map(|n| self.outside(n)),
                None => Ok(self.top()),
            };
        }
        let name_text = String::from_utf8_lossy(name);
        let rel = if here.is_empty() {
            name_text.into_owned()
        } else {
            format!("{here}/{name_text}")
        };
        let base_entry = || match &dir.base {
            Some(b) => self.base.lookup(b, name),
            None => Err(Errno::ENOENT),
        };
        let base = match self.plan.entries.get(&rel) {
            Some(Planned::Absent) => return Err(Errno::ENOENT),
            Some(Planned::Symlink { .. }) => None,
            // A planned folder over a base folder keeps the base's
            // entries; over anything else, nothing of the base survives.
            Some(Planned::Node { meta, .. }) if meta.kind == Kind::Dir => {
                base_entry().ok().filter(|b| self.base.meta(b).kind == Kind::Dir)
            }
            Some(Planned::Node { .. }) => None,
            None => Some(base_entry()?),
        };
        Ok(OverlayNode { rel: Some(rel), base })
    }

    fn meta(&self, node: &Self::Node) -> Meta {
        match self.planned(node) {
            Some(Planned::Node { meta, .. }) => *meta,
            // Made by root, in the folder: on the folder's mount (what is
            // planned below a mount point inside it is not told apart).
            Some(Planned::Symlink { .. }) => Meta {
                nosymfollow: self.base.meta(&self.folder).nosymfollow,
                ..Meta::new(Kind::Symlink, 0, 0, 0o777)
            },
            Some(Planned::Absent) | None => match &node.base {
                Some(b) => self.base.meta(b),
                None => empty_folder(),
            },
        }
    }

    fn readlink(&self, node: &Self::Node) -> Result<Vec<u8>, Errno> {
        match (self.planned(node), &node.base) {
            (Some(Planned::Symlink { target }), _) => Ok(target.as_bytes().to_vec()),
            (Some(_), _) | (None, None) => Err(Errno::EINVAL),
            (None, Some(b)) => self.base.readlink(b),
        }
    }

    fn protected_symlinks(&self) -> bool {
        self.base.protected_symlinks()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::MemTree;
    use crate::meta::Creds;
    use crate::walk::access_x;

    fn node(kind: Kind, uid: u32, mode: u32) -> Planned {
        Planned::Node {
            meta: Meta::new(kind, uid, uid, mode),
            content: Vec::new(),
        }
    }

    fn base() -> (MemTree, usize) {
        let mut t = MemTree::new();
        let conf = t.dir("/conf", 0, 0, 0o755).unwrap();
        t.dir("/conf/byport", 0, 0, 0o755).unwrap();
        t.file("/conf/byport/80", 7, 7, 0o100).unwrap();
        t.dir("/conf/byaddr", 0, 0, 0o700).unwrap();
        t.file("/conf/byaddr/x", 7, 7, 0o100).unwrap();
        t.file("/outside", 7, 7, 0o100).unwrap();
        (t, conf)
    }

    #[test]
    fn the_plan_is_seen_before_the_base() {
        let (t, conf) = base();
        let mut plan = Plan::default();
        plan.set("byport/80", Planned::Absent);
        plan.set("byport/81", node(Kind::File, 7, 0o100));
        plan.set(
            "byport/82",
            Planned::Symlink {
                target: "../../outside".into(),
            },
        );
        // A folder replaced by a folder keeps its entries, with the new mode.
        plan.set("byaddr", node(Kind::Dir, 0, 0o755));
        plan.set("byuid", node(Kind::Dir, 0, 0o755));
        plan.set("byuid/7", node(Kind::File, 0, 0o644));
        let o = Overlay {
            base: &t,
            folder: conf,
            plan: &plan,
        };
        let seven = Creds::new(7, 7, vec![]);
        let x = |p: &str| access_x(&o, &o.top(), p.as_bytes(), &seven, &mut ()).map(|n| n.rel);
        assert_eq!(x("byport/80"), Err(Errno::ENOENT));
        assert_eq!(x("byport/81"), Ok(Some("byport/81".into())));
        assert_eq!(x("byport/82"), Ok(None));
        assert_eq!(x("byaddr/x"), Ok(Some("byaddr/x".into())));
        assert_eq!(x("byuid/7"), Err(Errno::EACCES));
        assert_eq!(x("byuid/8"), Err(Errno::ENOENT));
        // Back in through an absolute path: the plan still applies.
        assert_eq!(x("/conf/byport/81"), Ok(Some("byport/81".into())));
        assert_eq!(x("/conf/byport/80"), Err(Errno::ENOENT));
        assert_eq!(x("byuid/../byport/81"), Ok(Some("byport/81".into())));
        assert!(plan.touches("byport/80") && plan.touches("byuid/7") && !plan.touches("byport/8"));
    }

    #[test]
    fn below_a_replaced_node_nothing_of_the_base_survives() {
        let (t, conf) = base();
        let mut plan = Plan::default();
        plan.set("byport", node(Kind::File, 7, 0o100));
        let o = Overlay {
            base: &t,
            folder: conf,
            plan: &plan,
        };
        let seven = Creds::new(7, 7, vec![]);
        assert_eq!(
            access_x(&o, &o.top(), b"byport/80", &seven, &mut ()),
            Err(Errno::ENOTDIR)
        );
        let empty = Plan {
            empty_base: true,
            ..Plan::default()
        };
        let o = Overlay {
            base: &t,
            folder: conf,
            plan: &empty,
        };
        assert_eq!(
            access_x(&o, &o.top(), b"byport/80", &seven, &mut ()),
            Err(Errno::ENOENT)
        );
        assert_eq!(o.meta(&o.top()), Meta::new(Kind::Dir, 0, 0, 0o755));
        assert!(access_x(&o, &o.top(), b"../outside", &seven, &mut ()).is_ok());
        assert!(empty.touches("anything") && !plan.touches("byaddr"));
    }

    #[test]
    fn planned_links_are_on_the_folders_mount_and_the_base_says_the_sysctl() {
        let (mut t, conf) = base();
        t.set_meta(
            conf,
            Meta {
                nosymfollow: true,
                ..Meta::new(Kind::Dir, 0, 0, 0o755)
            },
        );
        t.set_protected_symlinks(true);
        let mut plan = Plan::default();
        plan.set("byport/81", Planned::Symlink { target: "80".into() });
        let o = Overlay {
            base: &t,
            folder: conf,
            plan: &plan,
        };
        let seven = Creds::new(7, 7, vec![]);
        assert_eq!(access_x(&o, &o.top(), b"byport/81", &seven, &mut ()), Err(Errno::ELOOP));
        assert!(o.protected_symlinks());
    }
}
