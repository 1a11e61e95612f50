//! THE path walk: what `faccessat(dirfd, path, X_OK)` does with a path,
//! over any [`Tree`]. One name at a time: search permission on the folder
//! first (`..` and `.` too), then the name; a symlink met on the way (or
//! at the end, when followed) is replaced by its target, from `/` when
//! absolute, at most [`MAX_SYMLINKS`] times per walk; a name that is not
//! a folder cannot have names below it. A symlink is never followed on a
//! `nosymfollow` mount (`ELOOP`), nor, at the end of the path, against
//! `fs.protected_symlinks` ([`crate::perm::may_follow_link`], `EACCES`).
//! Errors are the kernel's: `EACCES` (a folder not searchable, a
//! protected symlink, or the end not executable), `ENOENT`, `ENOTDIR`,
//! `ELOOP`, and whatever the tree answers.
//!
//! `..` is asked of the tree (the real parent of the folder reached, not
//! the path's text with a name struck out: after a symlink they differ).

use crate::meta::{Creds, Kind, Meta};
use crate::perm::{follow_restricted, may_search_or_execute};
use model::Errno;
use std::collections::VecDeque;

/// Linux's limit on the symlinks one lookup follows (MAXSYMLINKS).
pub const MAX_SYMLINKS: u32 = 40;

/// A tree of nodes: folders, files, symlinks…
pub trait Tree {
    /// A handle on one node. Equal handles are the same node.
    type Node: Clone + Eq;

    /// `/`, where absolute paths and symlinks start.
    fn root(&self) -> Self::Node;

    /// The entry `name` of the folder `dir`, not followed if it is a
    /// symlink. `..` is the folder's parent (`/`'s is `/` itself). Called
    /// only on folders, with one name (no `/`, never `.`).
    fn lookup(&self, dir: &Self::Node, name: &[u8]) -> Result<Self::Node, Errno>;

    fn meta(&self, node: &Self::Node) -> Meta;

    /// A symlink's target.
    fn readlink(&self, node: &Self::Node) -> Result<Vec<u8>, Errno>;

    /// The value of `fs.protected_symlinks` on the system this tree is
    /// (on: trailing symlinks in sticky world-writable folders are
    /// followed by their owners only, see [`crate::perm::may_follow_link`]).
    fn protected_symlinks(&self) -> bool;
}

/// Is a symlink at the end of the path followed? (A trailing slash
/// follows it whatever this says, as it does for the kernel.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    /// `stat`, `faccessat`, `open`.
    Last,
    /// `lstat`, `AT_SYMLINK_NOFOLLOW`, `O_NOFOLLOW`.
    NotLast,
}

/// Sees every step of a walk. Each method does nothing unless overridden.
pub trait Observer<N> {
    /// Search permission on `dir` was judged (`allowed` or not), before a
    /// name is looked up in it.
    fn search(&mut self, _dir: &N, _meta: &Meta, _allowed: bool) {}
    /// `name` was looked up in `dir` (after a search allowed).
    fn lookup(&mut self, _dir: &N, _name: &[u8], _found: Result<&N, Errno>) {}
    /// The trailing symlink `link`, in the folder `dir`, may be followed
    /// by its owner only (`fs.protected_symlinks`); `allowed`: the walk's
    /// user may.
    fn guard(&mut self, _link: &N, _link_meta: &Meta, _dir_meta: &Meta, _allowed: bool) {}
    /// A symlink is followed.
    fn follow(&mut self, _link: &N, _target: &[u8]) {}
    /// [`access_x`]'s check on the node the path ends at.
    fn last(&mut self, _node: &N, _meta: &Meta, _allowed: bool) {}
}

impl<N> Observer<N> for () {}

/// One step of a walk, as [`Steps`] records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event<N> {
    Search {
        dir: N,
        meta: Meta,
        allowed: bool,
    },
    Lookup {
        dir: N,
        name: Vec<u8>,
        found: Result<N, Errno>,
    },
    Guard {
        link: N,
        allowed: bool,
    },
    Follow {
        link: N,
        target: Vec<u8>,
    },
    Last {
        node: N,
        meta: Meta,
        allowed: bool,
    },
}

/// Records every step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Steps<N>(pub Vec<Event<N>>);

impl<N: Clone> Observer<N> for Steps<N> {
    fn search(&mut self, dir: &N, meta: &Meta, allowed: bool) {
        self.0.push(Event::Search {
            dir: dir.clone(),
            meta: *meta,
            allowed,
        });
    }
    fn lookup(&mut self, dir: &N, name: &[u8], found: Result<&N, Errno>) {
        self.0.push(Event::Lookup {
            dir: dir.clone(),
            name: name.to_vec(),
            found: found.cloned(),
        });
    }
    fn guard(&mut self, link: &N, _link_meta: &Meta, _dir_meta: &Meta, allowed: bool) {
        self.0.push(Event::Guard {
            link: link.clone(),
            allowed,
        });
    }
    fn follow(&mut self, link: &N, target: &[u8]) {
        self.0.push(Event::Follow {
            link: link.clone(),
            target: target.to_vec(),
        });
    }
    fn last(&mut self, node: &N, meta: &Meta, allowed: bool) {
        self.0.push(Event::Last {
            node: node.clone(),
            meta: *meta,
            allowed,
        });
    }
}

/// A path's names, in order (empty names from repeated slashes dropped).
fn names(path: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> {
    path.split(|&b| b == b'/').filter(|c| !c.is_empty())
}

/// Whom a walk is for.
#[derive(Clone, Copy)]
enum Who<'a> {
    /// One user, judged by Linux's rules.
    User(&'a Creds),
    /// Every user at once: each check that depends on who asks passes
    /// (and is seen by the observer, with `allowed` true); what fails for
    /// everyone (a missing name, a loop, a `nosymfollow` mount…) fails.
    Everyone,
}

impl Who<'_> {
    fn may_search(self, dir: &Meta) -> bool {
        match self {
            Who::User(who) => may_search_or_execute(dir, who),
            Who::Everyone => true,
        }
    }

    /// Only asked of a link whose following is restricted to its owner.
    fn owns(self, link: &Meta) -> bool {
        match self {
            Who::User(who) => who.uid == link.uid,
            Who::Everyone => true,
        }
    }
}

/// The node `path` leads to from the folder `start` (absolute paths from
/// the tree's root), for `who`: search permission checked on every
/// folder a name is looked up in.
pub fn resolve<T: Tree + ?Sized>(
    tree: &T,
    start: &T::Node,
    path: &[u8],
    who: &Creds,
    follow: Follow,
    obs: &mut impl Observer<T::Node>,
) -> Result<T::Node, Errno> {
    walk(tree, start, path, Who::User(who), follow, obs)
}

/// [`resolve`] for every user at once: every check that depends on who
/// asks (search permission on a folder, a protected symlink's owner)
/// passes, and the observer sees each one; the walk fails only where it
/// fails for everyone. Where `path` leads for the users who pass all the
/// checks the observer saw.
pub fn resolve_for_everyone<T: Tree + ?Sized>(
    tree: &T,
    start: &T::Node,
    path: &[u8],
    follow: Follow,
    obs: &mut impl Observer<T::Node>,
) -> Result<T::Node, Errno> {
    walk(tree, start, path, Who::Everyone, follow, obs)
}

fn walk<T: Tree + ?Sized>(
    tree: &T,
    start: &T::Node,
    path: &[u8],
    who: Who<'_>,
    follow: Follow,
    obs: &mut impl Observer<T::Node>,
) -> Result<T::Node, Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let mut cur = if path.starts_with(b"/") {
        tree.root()
    } else {
        start.clone()
    };
    let mut must_be_dir = path.ends_with(b"/");
    let mut pending: VecDeque<Vec<u8>> = names(path).map(<[u8]>::to_vec).collect();
    let mut followed = 0;
    while let Some(name) = pending.pop_front() {
        // may_lookup: search permission on the folder, before the name is
        // even looked at.
        let meta = tree.meta(&cur);
        let allowed = who.may_search(&meta);
        obs.search(&cur, &meta, allowed);
        if !allowed {
            return Err(Errno::EACCES);
        }
        let next = if name == b"." {
            cur.clone()
        } else {
            let found = tree.lookup(&cur, &name);
            obs.lookup(&cur, &name, found.as_ref().map_err(|e| *e));
            found?
        };
        let last = pending.is_empty();
        let next_meta = tree.meta(&next);
        let kind = next_meta.kind;
        if kind == Kind::Symlink && (!last || must_be_dir || follow == Follow::Last) {
            // pick_link: the count first, then (a trailing link only)
            // protected_symlinks, then the mount's nosymfollow.
            followed += 1;
            if followed > MAX_SYMLINKS {
                return Err(Errno::ELOOP);
            }
            if last && follow_restricted(&next_meta, &meta, tree.protected_symlinks()) {
                let allowed = who.owns(&next_meta);
                obs.guard(&next, &next_meta, &meta, allowed);
                if !allowed {
                    return Err(Errno::EACCES);
                }
            }
            if next_meta.nosymfollow {
                return Err(Errno::ELOOP);
            }
            let target = tree.readlink(&next)?;
            obs.follow(&next, &target);
            if target.is_empty() {
                return Err(Errno::ENOENT);
            }
            if target.starts_with(b"/") {
                cur = tree.root();
            }
            if last && target.ends_with(b"/") {
                must_be_dir = true;
            }
            for part in names(&target).rev() {
                pending.push_front(part.to_vec());
            }
            continue;
        }
        if last {
            if must_be_dir && kind != Kind::Dir {
                return Err(Errno::ENOTDIR);
            }
            return Ok(next);
        }
        if kind != Kind::Dir {
            return Err(Errno::ENOTDIR);
        }
        cur = next;
    }
    // Only slashes (`/`), or a symlink to `/`: where we stand.
    Ok(cur)
}

/// `faccessat(start, path, X_OK)` for `who`: [`resolve`], then search (a
/// folder) or execute (anything else) permission on the end. The node
/// the path ends at, when allowed.
pub fn access_x<T: Tree + ?Sized>(
    tree: &T,
    start: &T::Node,
    path: &[u8],
    who: &Creds,
    obs: &mut impl Observer<T::Node>,
) -> Result<T::Node, Errno> {
    let node = resolve(tree, start, path, who, Follow::Last, obs)?;
    let meta = tree.meta(&node);
    let allowed = may_search_or_execute(&meta, who);
    obs.last(&node, &meta, allowed);
    if allowed {
        Ok(node)
    } else {
        Err(Errno::EACCES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::MemTree;

    const ALICE: u32 = 1000;

    fn alice() -> Creds {
        Creds::new(ALICE, ALICE, vec![])
    }

    /// /conf (0755) with byport/ (0755): 80 (alice's, 0500), 81 -> ../target
    /// (root:2000 0010), closed/ (0700 root), loop -> loop, up -> ..
    fn tree() -> (MemTree, usize) {
        let mut t = MemTree::new();
        let conf = t.dir("/conf", 0, 0, 0o755).unwrap();
        t.dir("/conf/byport", 0, 0, 0o755).unwrap();
        t.file("/conf/byport/80", ALICE, ALICE, 0o500).unwrap();
        t.symlink("/conf/byport/81", "../target").unwrap();
        t.file("/conf/target", 0, 2000, 0o010).unwrap();
        t.dir("/conf/closed", 0, 0, 0o700).unwrap();
        t.file("/conf/closed/x", 0, 0, 0o755).unwrap();
        t.symlink("/conf/loop", "loop").unwrap();
        t.symlink("/conf/up", "..").unwrap();
        (t, conf)
    }

    fn x(t: &MemTree, start: usize, path: &str, who: &Creds) -> Result<usize, Errno> {
        access_x(t, &start, path.as_bytes(), who, &mut ())
    }

    #[test]
    fn each_class_and_each_error() {
        let (t, conf) = tree();
        let bob = Creds::new(1001, 1001, vec![2000]);
        assert_eq!(
            x(&t, conf, "byport/80", &alice()),
            t.node("/conf/byport/80").ok_or(Errno::EIO)
        );
        assert_eq!(x(&t, conf, "byport/80", &bob), Err(Errno::EACCES));
        assert_eq!(x(&t, conf, "byport/81", &bob), t.node("/conf/target").ok_or(Errno::EIO));
        assert_eq!(x(&t, conf, "byport/81", &alice()), Err(Errno::EACCES));
        assert_eq!(x(&t, conf, "byport/82", &alice()), Err(Errno::ENOENT));
        assert_eq!(x(&t, conf, "byport/80/x", &alice()), Err(Errno::ENOTDIR));
        assert_eq!(x(&t, conf, "byport/80/", &alice()), Err(Errno::ENOTDIR));
        assert_eq!(x(&t, conf, "", &alice()), Err(Errno::ENOENT));
        // Repeated slashes are one; a trailing slash asks for a folder.
        assert_eq!(
            x(&t, conf, "byport//80", &alice()),
            t.node("/conf/byport/80").ok_or(Errno::EIO)
        );
        assert_eq!(
            x(&t, conf, "//conf///byport/80", &alice()),
            t.node("/conf/byport/80").ok_or(Errno::EIO)
        );
        assert_eq!(x(&t, conf, "/", &alice()), Ok(0));
        // A folder not searchable: EACCES before the name is looked at,
        // even a missing one; root searches anything.
        assert_eq!(x(&t, conf, "closed/missing", &alice()), Err(Errno::EACCES));
        assert_eq!(x(&t, conf, "closed/missing", &Creds::root()), Err(Errno::ENOENT));
        assert!(x(&t, conf, "closed/x", &Creds::root()).is_ok());
        assert_eq!(x(&t, conf, "loop", &alice()), Err(Errno::ELOOP));
        // The end of the path is a folder: X_OK asks search.
        assert_eq!(
            x(&t, conf, "byport/", &alice()),
            t.node("/conf/byport").ok_or(Errno::EIO)
        );
        assert_eq!(x(&t, conf, "closed", &alice()), Err(Errno::EACCES));
    }

    #[test]
    fn absolute_paths_dots_and_the_real_parent() {
        let (mut t, conf) = tree();
        let target = t.node("/conf/target");
        assert_eq!(x(&t, conf, "/conf/byport/../target", &Creds::root()).ok(), target);
        assert_eq!(x(&t, conf, "./byport/./81", &Creds::root()).ok(), target);
        assert_eq!(x(&t, conf, "up/conf/target", &Creds::root()).ok(), target);
        assert_eq!(x(&t, conf, "/../../conf/target", &Creds::root()).ok(), target);
        // `..` after a symlink is the parent of where the link led, not
        // the link's own folder.
        t.dir("/elsewhere", 0, 0, 0o755).unwrap();
        t.dir("/elsewhere/deep", 0, 0, 0o755).unwrap();
        t.file("/elsewhere/target", 0, 0, 0o755).unwrap();
        t.symlink("/conf/byport/deep", "/elsewhere/deep").unwrap();
        assert_eq!(
            x(&t, conf, "byport/deep/../target", &alice()).ok(),
            t.node("/elsewhere/target")
        );
        t.symlink("/conf/byport/82", "deep/../target").unwrap();
        assert_eq!(x(&t, conf, "byport/82", &alice()).ok(), t.node("/elsewhere/target"));
        // `..` needs search permission on the folder it is asked in.
        assert_eq!(x(&t, conf, "closed/../target", &alice()), Err(Errno::EACCES));
    }

    #[test]
    fn forty_symlinks_and_no_more() {
        let mut t = MemTree::new();
        t.file("/end", 0, 0, 0o755).unwrap();
        t.symlink("/l0", "end").unwrap();
        for i in 1..=40 {
            t.symlink(&format!("/l{i}"), &format!("l{}", i - 1)).unwrap();
        }
        assert_eq!(x(&t, 0, "l39", &alice()).ok(), t.node("/end"));
        assert_eq!(x(&t, 0, "l40", &alice()), Err(Errno::ELOOP));
        t.symlink("/empty", "").unwrap();
        assert_eq!(x(&t, 0, "empty", &alice()), Err(Errno::ENOENT));
        t.symlink("/dangling", "nowhere").unwrap();
        assert_eq!(x(&t, 0, "dangling", &alice()), Err(Errno::ENOENT));
    }

    /// /tmp (root's, 1777) holding alice's link to a file and root's, and
    /// /tmp/dir (sticky, world-writable, alice's) holding bob's link.
    fn sticky(protected: bool) -> MemTree {
        let mut t = MemTree::new();
        t.set_protected_symlinks(protected);
        t.dir("/tmp", 0, 0, 0o1777).unwrap();
        t.file("/end", 0, 0, 0o755).unwrap();
        let mine = t.symlink("/tmp/alices", "/end").unwrap();
        t.set_meta(mine, Meta::new(Kind::Symlink, ALICE, ALICE, 0o777));
        t.symlink("/tmp/roots", "/end").unwrap();
        t.symlink("/tmp/to-alices", "alices").unwrap();
        t.dir("/tmp/dir", ALICE, ALICE, 0o1777).unwrap();
        let bobs = t.symlink("/tmp/dir/bobs", "/end").unwrap();
        t.set_meta(bobs, Meta::new(Kind::Symlink, 1001, 1001, 0o777));
        let dirlink = t.symlink("/tmp/alices-dir", "/").unwrap();
        t.set_meta(dirlink, Meta::new(Kind::Symlink, ALICE, ALICE, 0o777));
        t
    }

    #[test]
    fn protected_symlinks_only_at_the_end_and_only_for_others() {
        let bob = Creds::new(1001, 1001, vec![]);
        let end = sticky(true).node("/end");
        let t = sticky(true);
        // The owner follows, root and others get EACCES.
        assert_eq!(x(&t, 0, "/tmp/alices", &alice()).ok(), end);
        assert_eq!(x(&t, 0, "/tmp/alices", &bob), Err(Errno::EACCES));
        assert_eq!(x(&t, 0, "/tmp/alices", &Creds::root()), Err(Errno::EACCES));
        assert_eq!(x(&t, 0, "/tmp/roots", &Creds::root()).ok(), end);
        // The folder's owner (root) owns it: anyone's to follow.
        assert_eq!(x(&t, 0, "/tmp/roots", &alice()).ok(), end);
        // The end of a trailing link's target is the end too: root's link
        // is followed by bob, alice's it leads to is not.
        assert_eq!(x(&t, 0, "/tmp/to-alices", &bob), Err(Errno::EACCES));
        assert_eq!(x(&t, 0, "/tmp/to-alices", &alice()).ok(), end);
        // The folder's owner's links are anyone's.
        let t2 = {
            let mut t = sticky(true);
            let l = t.symlink("/tmp/dir/alices", "/end").unwrap();
            t.set_meta(l, Meta::new(Kind::Symlink, ALICE, ALICE, 0o777));
            t
        };
        assert_eq!(x(&t2, 0, "/tmp/dir/alices", &bob).ok(), end);
        assert_eq!(x(&t2, 0, "/tmp/dir/bobs", &alice()), Err(Errno::EACCES));
        // A link in the middle of the path is not restricted; a trailing
        // slash makes it the end, followed.
        assert_eq!(x(&t, 0, "/tmp/alices-dir/end", &bob).ok(), end);
        assert_eq!(x(&t, 0, "/tmp/alices-dir/", &bob), Err(Errno::EACCES));
        // Not followed: nothing to protect.
        let not = resolve(&t, &0, b"/tmp/alices", &bob, Follow::NotLast, &mut ());
        assert_eq!(not.ok(), t.node("/tmp/alices"));
        // The sysctl off: everyone follows.
        assert_eq!(x(&sticky(false), 0, "/tmp/alices", &bob).ok(), end);
        // For everyone at once: passed, and seen.
        let mut steps = Steps::default();
        let all = resolve_for_everyone(&t, &0, b"/tmp/alices", Follow::Last, &mut steps);
        assert_eq!(all.ok(), end);
        assert!(steps.0.contains(&Event::Guard {
            link: t.node("/tmp/alices").unwrap(),
            allowed: true
        }));
    }

    #[test]
    fn nosymfollow_mounts_follow_no_link() {
        let mut t = MemTree::new();
        t.dir("/mnt", 0, 0, 0o755).unwrap();
        t.file("/end", 0, 0, 0o755).unwrap();
        for (path, target) in [("/mnt/f", "/end"), ("/mnt/d", "/"), ("/l", "mnt/f")] {
            let l = t.symlink(path, target).unwrap();
            let nosymfollow = path.starts_with("/mnt/");
            t.set_meta(
                l,
                Meta {
                    nosymfollow,
                    ..Meta::new(Kind::Symlink, 0, 0, 0o777)
                },
            );
        }
        for who in [alice(), Creds::root()] {
            assert_eq!(x(&t, 0, "/mnt/f", &who), Err(Errno::ELOOP));
            assert_eq!(x(&t, 0, "/mnt/d/end", &who), Err(Errno::ELOOP));
            // A link elsewhere leading to one there: that one is refused.
            assert_eq!(x(&t, 0, "/l", &who), Err(Errno::ELOOP));
        }
        assert_eq!(
            resolve_for_everyone(&t, &0, b"/mnt/f", Follow::Last, &mut ()),
            Err(Errno::ELOOP)
        );
        // lstat-like walks do not follow: the link itself is found.
        assert_eq!(
            resolve(&t, &0, b"/mnt/f", &alice(), Follow::NotLast, &mut ()).ok(),
            t.node("/mnt/f")
        );
    }

    #[test]
    fn for_everyone_every_search_passes() {
        let (t, conf) = tree();
        let mut steps = Steps::default();
        let end = resolve_for_everyone(&t, &conf, b"closed/x", Follow::Last, &mut steps);
        assert_eq!(end.ok(), t.node("/conf/closed/x"));
        assert!(steps
            .0
            .iter()
            .all(|e| !matches!(e, Event::Search { allowed: false, .. })));
        assert_eq!(
            resolve_for_everyone(&t, &conf, b"loop", Follow::Last, &mut ()),
            Err(Errno::ELOOP)
        );
    }

    #[test]
    fn the_last_symlink_followed_or_not() {
        let (t, conf) = tree();
        let link = t.node("/conf/byport/81");
        let not = |p: &str| resolve(&t, &conf, p.as_bytes(), &alice(), Follow::NotLast, &mut ()).ok();
        assert_eq!(not("byport/81"), link);
        assert_eq!(not("byport/81/"), None);
        assert_eq!(not("loop"), t.node("/conf/loop"));
        assert_eq!(not("up/conf"), Some(conf));
    }

    #[test]
    fn every_check_and_lookup_is_seen() {
        let (t, conf) = tree();
        let mut steps = Steps::default();
        let end = access_x(&t, &conf, b"byport/81", &alice(), &mut steps);
        assert_eq!(end, Err(Errno::EACCES));
        let searched: Vec<usize> = steps
            .0
            .iter()
            .filter_map(|e| match e {
                Event::Search { dir, allowed: true, .. } => Some(*dir),
                _ => None,
            })
            .collect();
        let byport = t.node("/conf/byport").unwrap();
        assert_eq!(searched, vec![conf, byport, byport, conf]);
        assert!(steps.0.contains(&Event::Follow {
            link: t.node("/conf/byport/81").unwrap(),
            target: b"../target".to_vec()
        }));
        assert!(matches!(steps.0.last(), Some(Event::Last { allowed: false, .. })));
    }
}
