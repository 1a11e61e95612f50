//! The path walk `faccessat(confdir, "byport/80", X_OK)` makes, for every
//! user at once: `tree::resolve_for_everyone`, the one walk, over the real
//! tree held by `O_PATH | O_NOFOLLOW` descriptors (so that no attacker's
//! path is ever followed by the kernel for us), while every check that
//! depends on the user (a folder's search permission, a protected
//! symlink's owner) is recorded as a [`Check`]: the maps hold the checks,
//! the program judges each user by them. What fails for everyone (a
//! `nosymfollow` mount's link, a loop) ends the walk.

use super::check::Check;
use super::inode;
use super::{Notes, Watches};
use host::fs::{FdTree, Inode, Node};
use model::Errno;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use tree::{Follow, Meta};

pub enum Terminal {
    /// ENOENT somewhere: authbind goes on to its next name.
    Absent,
    Found(Rc<Inode>),
    /// ENOTDIR, ELOOP…: authbind refuses.
    Failed,
}

pub struct Walk {
    pub checks: BTreeSet<Check>,
    pub terminal: Terminal,
}

type Id = (u64, u64);

/// The check `faccessat` makes on `inode` (see [`inode::check`]),
/// remembered per inode; its inode is watched.
fn check_of(known: &mut HashMap<Id, Check>, notes: &mut Notes, watches: &mut Watches, inode: &Inode) -> Check {
    if let Some(c) = known.get(&inode.id()) {
        return *c;
    }
    let c = inode::check(inode, notes);
    known.insert(inode.id(), c);
    watches.add(inode);
    c
}

/// What one walk searched.
struct Searched<'w> {
    known: &'w mut HashMap<Id, Check>,
    notes: &'w mut Notes,
    watches: &'w mut Watches,
    made: BTreeSet<Check>,
}

impl tree::Observer<Node> for Searched<'_> {
    fn search(&mut self, dir: &Node, _meta: &Meta, _allowed: bool) {
        self.made.insert(check_of(self.known, self.notes, self.watches, &dir.0));
    }

    fn guard(&mut self, link: &Node, _link_meta: &Meta, _dir_meta: &Meta, _allowed: bool) {
        // Its owner decides who follows it: a chown must recompile.
        self.watches.add(&link.0);
        self.made.insert(inode::owner_only(&link.0));
    }
}

/// What a walk starts from and where it records what it saw. One walker
/// serves one compile, which reads one snapshot of the tree.
pub struct Walker<'a> {
    pub notes: &'a mut Notes,
    pub watches: &'a mut Watches,
    /// The real tree, one snapshot of it (its lookups remembered).
    tree: FdTree,
    checks: HashMap<Id, Check>,
}

impl<'a> Walker<'a> {
    pub fn new(root: Rc<Inode>, notes: &'a mut Notes, watches: &'a mut Watches) -> Walker<'a> {
        let protected_symlinks = inode::protected_symlinks(notes);
        Walker {
            notes,
            watches,
            tree: FdTree::from_root(root, protected_symlinks),
            checks: HashMap::new(),
        }
    }

    /// The check `faccessat` makes on `inode` (see [`inode::check`]).
    pub fn check(&mut self, inode: &Inode) -> Check {
        check_of(&mut self.checks, self.notes, self.watches, inode)
    }

    /// Walks `path` (relative, or absolute from `/`) from `start`.
    pub fn walk(&mut self, start: &Rc<Inode>, path: &[u8]) -> Walk {
        let mut searched = Searched {
            known: &mut self.checks,
            notes: self.notes,
            watches: self.watches,
            made: BTreeSet::new(),
        };
        // For everyone: every search (and protected link) is a check.
        let end = tree::resolve_for_everyone(&self.tree, &Node(start.clone()), path, Follow::Last, &mut searched);
        let checks = searched.made;
        let terminal = match end {
            Ok(Node(inode)) => {
                self.watches.add(&inode);
                Terminal::Found(inode)
            }
            Err(Errno::ENOENT) => Terminal::Absent,
            Err(_) => Terminal::Failed,
        };
        Walk { checks, terminal }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::Notes;
    use std::os::unix::fs::{lchown, symlink, PermissionsExt};

    /// A scratch folder, removed when dropped.
    struct Scratch(std::path::PathBuf);

    impl Scratch {
        fn path(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A scratch folder holding `target` (0755) and `sticky/` (1777, uid
    /// 1501's) with uid 1500's link `sticky/link` to `../target`.
    fn sticky_tree() -> Scratch {
        let scratch = Scratch(std::env::temp_dir().join(format!("authbindd-walk-sticky-{}", std::process::id())));
        std::fs::create_dir(scratch.path()).unwrap();
        let base = scratch.path();
        std::fs::write(base.join("target"), "").unwrap();
        std::fs::set_permissions(base.join("target"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let sticky = base.join("sticky");
        std::fs::create_dir(&sticky).unwrap();
        lchown(&sticky, Some(1501), Some(1501)).unwrap();
        std::fs::set_permissions(&sticky, std::fs::Permissions::from_mode(0o1777)).unwrap();
        symlink("../target", sticky.join("link")).unwrap();
        lchown(sticky.join("link"), Some(1500), Some(1500)).unwrap();
        scratch
    }

    fn walk(base: &std::path::Path, protected: bool) -> (BTreeSet<Check>, bool) {
        let (mut notes, mut watches) = (Notes::default(), Watches::default());
        let root = Rc::new(Inode::open_dir("/").unwrap());
        let start = Rc::new(Inode::open_dir(base.to_str().unwrap()).unwrap());
        let mut walker = Walker::new(root, &mut notes, &mut watches);
        walker.tree.set_protected_symlinks(protected);
        let w = walker.walk(&start, b"sticky/link");
        (w.checks, matches!(w.terminal, Terminal::Found(_)))
    }

    #[test]
    #[ignore = "needs root: chown"]
    fn a_protected_link_is_a_check_only_its_owner_passes() {
        let scratch = sticky_tree();
        let owner_only = |c: &Check| c.owner == 1500 && c.mode == 0o100;
        let (checks, found) = walk(scratch.path(), true);
        assert!(found);
        let guard = checks.iter().find(|c| owner_only(c)).expect("the link's owner check");
        assert!(guard.allows(1500, 1500, |_| false));
        assert!(!guard.allows(1501, 1501, |_| false));
        assert!(!guard.allows(1501, 1500, |_| false));
        // The sysctl off: anyone follows it, no such check.
        let (checks, found) = walk(scratch.path(), false);
        assert!(found && !checks.iter().any(owner_only));
    }
}
