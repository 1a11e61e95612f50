//! The real file system as a `tree::Tree` (the one real tree,
//! `host::fs::FdTree`, over `O_PATH` descriptors), optionally with the
//! configuration folder as a snapshot ([`Inventory`]) had it: the walk and
//! the permission rule are the `tree` crate's, the reading `host`'s; this
//! only lays the snapshot over it and keeps each node's path.

use crate::inventory::Inventory;
use host::fs::{FdTree, Node};
use model::Errno;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use tree::{Kind, Meta, Tree};

/// A node, by its path from `/` (reached by real names only, so that no
/// symlink is in it and its parent is the path's), and the real node
/// there when it is read from the file system (not the snapshot's, not
/// missing).
#[derive(Clone, Debug)]
pub struct RealNode {
    pub path: PathBuf,
    meta: Meta,
    real: Option<Node>,
}

impl PartialEq for RealNode {
    fn eq(&self, other: &RealNode) -> bool {
        self.path == other.path
    }
}

impl Eq for RealNode {}

/// The file system; below `snapshot`'s folder, the snapshot instead.
pub struct RealTree<'a> {
    snapshot: Option<(&'a Inventory, PathBuf)>,
    /// `None` when `/` cannot be opened: nothing is there.
    fs: Option<FdTree>,
}

impl Default for RealTree<'_> {
    fn default() -> Self {
        // `fs.protected_symlinks` on when it cannot be read: fewer links
        // followed, fewer grants foreseen.
        let protected_symlinks = host::fs::protected_symlinks().unwrap_or(true);
        RealTree {
            snapshot: None,
            fs: FdTree::new(protected_symlinks).ok(),
        }
    }
}

/// Is the node at `path`, as the snapshot has it, on a `nosymfollow`
/// mount? Asked of symlinks (the walk follows none there: their folder's
/// mount) and of folders (the links a plan makes in one are on its mount:
/// see `tree::Overlay`). Yes when it cannot be told.
fn mount_nosymfollow(path: &Path, kind: Kind) -> bool {
    match kind {
        Kind::Symlink => host::fs::nosymfollow_at(path.parent().unwrap_or(Path::new("/"))),
        Kind::Dir => host::fs::nosymfollow_at(path),
        _ => false,
    }
}

/// A folder that is not there (a configuration folder still to be made).
fn missing_folder(path: PathBuf) -> RealNode {
    RealNode {
        path,
        meta: Meta::new(Kind::Dir, 0, 0, 0o755),
        real: None,
    }
}

impl<'a> RealTree<'a> {
    pub fn new() -> RealTree<'static> {
        RealTree::default()
    }

    /// The file system with `inv`'s folder as `inv` read it.
    pub fn with_snapshot(inv: &'a Inventory) -> RealTree<'a> {
        let root = std::fs::canonicalize(&inv.root).unwrap_or_else(|_| inv.root.clone());
        RealTree {
            snapshot: Some((inv, root)),
            ..RealTree::default()
        }
    }

    /// The folder at `path` (symlinks to it followed); a folder owned by
    /// root, mode 0755, if there is none.
    pub fn folder(&self, path: &Path) -> RealNode {
        let canonical = match &self.snapshot {
            Some((inv, root)) if path == inv.root => root.clone(),
            _ => std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        };
        // The file system is not asked about the snapshot's folder.
        let real = match (&self.fs, self.in_snapshot(&canonical)) {
            (Some(fs), None) => fs.open(&canonical),
            _ => Err(Errno::ENOENT),
        };
        self.node(canonical.clone(), real)
            .unwrap_or_else(|_| missing_folder(canonical))
    }

    /// Where `path` is in the snapshot's folder, if it is (`""`: the
    /// folder itself).
    fn in_snapshot(&self, path: &Path) -> Option<(&'a Inventory, String)> {
        let (inv, root) = self.snapshot.as_ref()?;
        let rel = path.strip_prefix(root).ok()?;
        Some((inv, rel.to_string_lossy().into_owned()))
    }

    /// The node at `path`: the snapshot's if it is in its folder, else
    /// `real` (what the file system has there).
    fn node(&self, path: PathBuf, real: Result<Node, Errno>) -> Result<RealNode, Errno> {
        if let Some((inv, rel)) = self.in_snapshot(&path) {
            let mut meta = if rel.is_empty() {
                inv.root_meta.unwrap_or(Meta::new(Kind::Dir, 0, 0, 0o755))
            } else {
                inv.get(&rel).ok_or(Errno::ENOENT)?.meta
            };
            meta.nosymfollow = mount_nosymfollow(&path, meta.kind);
            return Ok(RealNode { path, meta, real: None });
        }
        let (fs, real) = (self.fs.as_ref().ok_or(Errno::ENOENT)?, real?);
        Ok(RealNode {
            path,
            meta: fs.meta(&real),
            real: Some(real),
        })
    }
}

impl Tree for RealTree<'_> {
    type Node = RealNode;

    fn root(&self) -> RealNode {
        let real = self.fs.as_ref().map(|fs| fs.root()).ok_or(Errno::ENOENT);
        self.node("/".into(), real)
            .unwrap_or_else(|_| missing_folder("/".into()))
    }

    fn lookup(&self, dir: &RealNode, name: &[u8]) -> Result<RealNode, Errno> {
        let path = if name == b".." {
            dir.path.parent().unwrap_or(Path::new("/")).to_path_buf()
        } else {
            dir.path.join(OsStr::from_bytes(name))
        };
        // Lazily: inside the snapshot the file system is not asked.
        let real = || -> Result<Node, Errno> {
            let fs = self.fs.as_ref().ok_or(Errno::ENOENT)?;
            match &dir.real {
                Some(d) => fs.lookup(d, name),
                // Out of the snapshot's folder (its `..`): by the path,
                // which has no symlink in it.
                None => fs.open(&path),
            }
        };
        if self.in_snapshot(&path).is_some() {
            return self.node(path, Err(Errno::ENOENT));
        }
        let real = real();
        self.node(path, real)
    }

    fn meta(&self, node: &RealNode) -> Meta {
        node.meta
    }

    fn readlink(&self, node: &RealNode) -> Result<Vec<u8>, Errno> {
        if let Some((inv, rel)) = self.in_snapshot(&node.path) {
            let link = inv.get(&rel).and_then(|e| e.link.as_ref()).ok_or(Errno::EINVAL)?;
            return Ok(link.target.as_bytes().to_vec());
        }
        match (&self.fs, &node.real) {
            (Some(fs), Some(real)) => fs.readlink(real),
            _ => Err(Errno::EINVAL),
        }
    }

    fn protected_symlinks(&self) -> bool {
        self.fs.as_ref().is_none_or(|fs| fs.protected_symlinks())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_symlink_rules_inputs_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        std::os::unix::fs::symlink("elsewhere", base.join("link")).unwrap();
        let real = RealTree::new();
        let folder = real.folder(&base);
        let link = real.lookup(&folder, b"link").unwrap();
        assert_eq!(real.meta(&link).kind, Kind::Symlink);
        // An ordinary temporary folder: links are followed there.
        assert!(!real.meta(&link).nosymfollow && !real.meta(&folder).nosymfollow);
        assert_eq!(
            real.protected_symlinks(),
            syscalls::mountflags::protected_symlinks().unwrap()
        );
    }
}
