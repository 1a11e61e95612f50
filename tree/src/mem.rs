//! A tree held in memory, built by hand: for tests, and for trees that
//! exist only in a model.

use crate::meta::{Kind, Meta};
use crate::walk::Tree;
use model::Errno;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
struct MemNode {
    meta: Meta,
    parent: usize,
    children: BTreeMap<Vec<u8>, usize>,
    target: Vec<u8>,
}

/// Nodes by index; `/` is node 0, a folder owned by root, mode 0755.
#[derive(Clone, Debug)]
pub struct MemTree {
    nodes: Vec<MemNode>,
    /// `fs.protected_symlinks`, off unless set.
    protected_symlinks: bool,
}

impl Default for MemTree {
    fn default() -> Self {
        MemTree::new()
    }
}

impl MemTree {
    pub fn new() -> MemTree {
        let mut root = MemTree {
            nodes: Vec::new(),
            protected_symlinks: false,
        };
        root.push(Meta::new(Kind::Dir, 0, 0, 0o755), 0, Vec::new());
        root
    }

    fn push(&mut self, mut meta: Meta, parent: usize, target: Vec<u8>) -> usize {
        let index = self.nodes.len();
        // One identity per node, as (device, inode) would be.
        meta.id = (0, index as u64 + 1);
        self.nodes.push(MemNode {
            meta,
            parent,
            children: BTreeMap::new(),
            target,
        });
        index
    }

    /// The node at the absolute `path`, by its names (symlinks on the way
    /// not followed: they have no names below them).
    pub fn node(&self, path: &str) -> Option<usize> {
        let mut cur = 0;
        for name in path.split('/').filter(|n| !n.is_empty()) {
            cur = *self.nodes[cur].children.get(name.as_bytes())?;
        }
        Some(cur)
    }

    fn add(&mut self, path: &str, meta: Meta, target: &str) -> Result<usize, Errno> {
        let (dir, name) = path.trim_end_matches('/').rsplit_once('/').ok_or(Errno::EINVAL)?;
        if name.is_empty() || name == "." || name == ".." {
            return Err(Errno::EINVAL);
        }
        let parent = self.node(dir).ok_or(Errno::ENOENT)?;
        if self.nodes[parent].meta.kind != Kind::Dir {
            return Err(Errno::ENOTDIR);
        }
        let index = self.push(meta, parent, target.as_bytes().to_vec());
        self.nodes[parent].children.insert(name.as_bytes().to_vec(), index);
        Ok(index)
    }

    /// Adds (or replaces) the node at `path`, whose folder must exist.
    pub fn put(&mut self, path: &str, meta: Meta) -> Result<usize, Errno> {
        self.add(path, meta, "")
    }

    pub fn dir(&mut self, path: &str, uid: u32, gid: u32, mode: u32) -> Result<usize, Errno> {
        self.put(path, Meta::new(Kind::Dir, uid, gid, mode))
    }

    pub fn file(&mut self, path: &str, uid: u32, gid: u32, mode: u32) -> Result<usize, Errno> {
        self.put(path, Meta::new(Kind::File, uid, gid, mode))
    }

    pub fn symlink(&mut self, path: &str, target: &str) -> Result<usize, Errno> {
        self.add(path, Meta::new(Kind::Symlink, 0, 0, 0o777), target)
    }

    /// The `fs.protected_symlinks` the walk applies.
    pub fn set_protected_symlinks(&mut self, on: bool) {
        self.protected_symlinks = on;
    }

    /// Changes a node's metadata (its kind stays).
    pub fn set_meta(&mut self, node: usize, meta: Meta) {
        let n = &mut self.nodes[node];
        n.meta = Meta {
            kind: n.meta.kind,
            id: n.meta.id,
            ..meta
        };
    }
}

impl Tree for MemTree {
    type Node = usize;

    fn root(&self) -> usize {
        0
    }

    fn lookup(&self, dir: &usize, name: &[u8]) -> Result<usize, Errno> {
        let d = &self.nodes[*dir];
        if d.meta.kind != Kind::Dir {
            return Err(Errno::ENOTDIR);
        }
        if name == b".." {
            return Ok(d.parent);
        }
        d.children.get(name).copied().ok_or(Errno::ENOENT)
    }

    fn meta(&self, node: &usize) -> Meta {
        self.nodes[*node].meta
    }

    fn readlink(&self, node: &usize) -> Result<Vec<u8>, Errno> {
        let n = &self.nodes[*node];
        if n.meta.kind != Kind::Symlink {
            return Err(Errno::EINVAL);
        }
        Ok(n.target.clone())
    }

    fn protected_symlinks(&self) -> bool {
        self.protected_symlinks
    }
}
