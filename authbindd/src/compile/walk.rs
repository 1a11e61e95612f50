//! The path walk `faccessat(confdir, "byport/80", X_OK)` makes, done by
//! hand one component at a time (`O_PATH | O_NOFOLLOW`, so that no
//! attacker's path is ever followed by the kernel for us): every folder a
//! name is looked up in must be searchable by the user, symlinks are
//! followed (absolute ones from `/`, at most 40), and the walk ends at
//! the file, at a missing name, or at an error.

use super::check::Check;
use super::inode::{Inode, Kind};
use super::{Notes, Watches};
use model::Errno;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::rc::Rc;

/// Linux's limit on the symlinks one lookup follows (MAXSYMLINKS).
const MAX_SYMLINKS: u32 = 40;

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

/// What a walk starts from and where it records what it saw. One walker
/// serves one compile, which reads one snapshot of the tree: lookups and
/// checks are remembered (the 1023 byport names share their folder's).
pub struct Walker<'a> {
    pub root: Rc<Inode>,
    pub notes: &'a mut Notes,
    pub watches: &'a mut Watches,
    checks: HashMap<Id, Check>,
    /// (folder, name) → the entry, `None` when absent.
    lookups: HashMap<(Id, Vec<u8>), Option<Rc<Inode>>>,
}

/// A path's components; a trailing slash becomes a trailing `.`, which
/// asks the same of the kernel (the last name must be a searchable
/// folder).
fn components(path: &[u8]) -> VecDeque<Vec<u8>> {
    let mut parts: VecDeque<Vec<u8>> = path
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    if path.ends_with(b"/") && !parts.is_empty() {
        parts.push_back(b".".to_vec());
    }
    parts
}

impl<'a> Walker<'a> {
    pub fn new(root: Rc<Inode>, notes: &'a mut Notes, watches: &'a mut Watches) -> Walker<'a> {
        Walker {
            root,
            notes,
            watches,
            checks: HashMap::new(),
            lookups: HashMap::new(),
        }
    }

    /// The check `faccessat` makes on `inode` (see [`Inode::check`]).
    pub fn check(&mut self, inode: &Inode) -> Check {
        if let Some(c) = self.checks.get(&inode.id()) {
            return *c;
        }
        let c = inode.check(self.notes);
        self.checks.insert(inode.id(), c);
        self.watches.add(inode);
        c
    }

    fn lookup(&mut self, dir: &Inode, name: &[u8]) -> Result<Option<Rc<Inode>>, Errno> {
        let key = (dir.id(), name.to_vec());
        if let Some(found) = self.lookups.get(&key) {
            return Ok(found.clone());
        }
        let found = match dir.lookup(name) {
            Ok(i) => Some(Rc::new(i)),
            Err(Errno::ENOENT) => None,
            Err(e) => return Err(e),
        };
        self.lookups.insert(key, found.clone());
        Ok(found)
    }

    /// Walks `path` (relative, or absolute from `/`) from `start`.
    pub fn walk(&mut self, start: &Rc<Inode>, path: &[u8]) -> Walk {
        let mut checks = BTreeSet::new();
        let terminal = self.walk_into(start, path, &mut checks);
        Walk { checks, terminal }
    }

    fn walk_into(&mut self, start: &Rc<Inode>, path: &[u8], checks: &mut BTreeSet<Check>) -> Terminal {
        let mut cur = if path.starts_with(b"/") {
            self.root.clone()
        } else {
            start.clone()
        };
        let mut pending = components(path);
        let mut followed = 0;
        while let Some(name) = pending.pop_front() {
            // may_lookup: search permission on the folder, before the name
            // is even looked at.
            let search = self.check(&cur);
            checks.insert(search);
            let next = match self.lookup(&cur, &name) {
                Ok(Some(i)) => i,
                Ok(None) => return Terminal::Absent,
                Err(_) => return Terminal::Failed,
            };
            if next.kind() == Kind::Symlink {
                followed += 1;
                if followed > MAX_SYMLINKS {
                    return Terminal::Failed;
                }
                let target = match next.link_target() {
                    Ok(t) => t,
                    Err(_) => return Terminal::Failed,
                };
                if target.is_empty() {
                    return Terminal::Absent;
                }
                if target.starts_with(b"/") {
                    cur = self.root.clone();
                }
                for part in components(&target).into_iter().rev() {
                    pending.push_front(part);
                }
                continue;
            }
            if pending.is_empty() {
                self.watches.add(&next);
                return Terminal::Found(next);
            }
            if next.kind() != Kind::Dir {
                return Terminal::Failed;
            }
            cur = next;
        }
        // Only an empty path (or one of slashes) gets here: the start itself.
        Terminal::Found(cur)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_like_the_kernel_reads_them() {
        let c = |p: &str| -> Vec<String> {
            components(p.as_bytes())
                .into_iter()
                .map(|c| String::from_utf8(c).unwrap())
                .collect()
        };
        assert_eq!(c("byport/80"), ["byport", "80"]);
        assert_eq!(c("//a//b/"), ["a", "b", "."]);
        assert_eq!(c("../target"), ["..", "target"]);
        assert!(c("").is_empty());
    }
}
