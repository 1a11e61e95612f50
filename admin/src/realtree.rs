//! The real file system as a `tree::Tree` (what `lstat` and `readlink`
//! say, read as the path walk needs it), optionally with the
//! configuration folder as a snapshot ([`Inventory`]) had it: the walk and
//! the permission rule are the `tree` crate's, this only reads.

use crate::inventory::Inventory;
use model::Errno;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use tree::{Kind, Meta, Tree};

/// A node, by its path from `/` (reached by real names only, so that no
/// symlink is in it and its parent is the path's).
#[derive(Clone, Debug)]
pub struct RealNode {
    pub path: PathBuf,
    meta: Meta,
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
    /// `fs.protected_symlinks` (on when it cannot be read: fewer links
    /// followed, fewer grants foreseen).
    protected_symlinks: bool,
}

impl Default for RealTree<'_> {
    fn default() -> Self {
        RealTree {
            snapshot: None,
            protected_symlinks: syscalls::mountflags::protected_symlinks().unwrap_or(true),
        }
    }
}

fn is_noexec(path: &Path) -> bool {
    nix::sys::statvfs::statvfs(path).is_ok_and(|v| v.flags().contains(nix::sys::statvfs::FsFlags::ST_NOEXEC))
}

/// Is the folder at `dir` on a `nosymfollow` mount (for the folder
/// holding a symlink: the link's mount)? Yes when it cannot be told (the kernel would
/// follow nothing we could not vouch for).
fn is_nosymfollow(dir: &Path) -> bool {
    use nix::fcntl::OFlag;
    let flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
    nix::fcntl::open(dir, flags, nix::sys::stat::Mode::empty()).map_or(true, |fd| {
        syscalls::mountflags::mount_flags(syscalls::fd::borrow(&fd))
            .map_or(true, |f| f & syscalls::mountflags::ST_NOSYMFOLLOW != 0)
    })
}

/// Is the node at `path` on a `nosymfollow` mount? Asked of symlinks
/// (the walk follows none there) and of folders (the links a plan makes
/// in one are on its mount: see `tree::Overlay`).
fn mount_nosymfollow(path: &Path, kind: Kind) -> bool {
    match kind {
        Kind::Symlink => is_nosymfollow(path.parent().unwrap_or(Path::new("/"))),
        Kind::Dir => is_nosymfollow(path),
        _ => false,
    }
}

/// A folder that is not there (a configuration folder still to be made).
fn missing_folder(path: PathBuf) -> RealNode {
    RealNode {
        path,
        meta: Meta::new(Kind::Dir, 0, 0, 0o755),
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
        self.node(canonical.clone())
            .unwrap_or_else(|_| missing_folder(canonical))
    }

    /// Where `path` is in the snapshot's folder, if it is (`""`: the
    /// folder itself).
    fn in_snapshot(&self, path: &Path) -> Option<(&'a Inventory, String)> {
        let (inv, root) = self.snapshot.as_ref()?;
        let rel = path.strip_prefix(root).ok()?;
        Some((inv, rel.to_string_lossy().into_owned()))
    }

    fn node(&self, path: PathBuf) -> Result<RealNode, Errno> {
        if let Some((inv, rel)) = self.in_snapshot(&path) {
            let mut meta = if rel.is_empty() {
                inv.root_meta.unwrap_or(Meta::new(Kind::Dir, 0, 0, 0o755))
            } else {
                inv.get(&rel).ok_or(Errno::ENOENT)?.meta
            };
            meta.nosymfollow = mount_nosymfollow(&path, meta.kind);
            return Ok(RealNode { path, meta });
        }
        let md = std::fs::symlink_metadata(&path).map_err(|e| Errno::of(&e))?;
        let mut meta = Meta::of(&md);
        meta.noexec = meta.kind == Kind::File && is_noexec(&path);
        meta.nosymfollow = mount_nosymfollow(&path, meta.kind);
        Ok(RealNode { path, meta })
    }
}

impl Tree for RealTree<'_> {
    type Node = RealNode;

    fn root(&self) -> RealNode {
        self.node("/".into()).unwrap_or_else(|_| missing_folder("/".into()))
    }

    fn lookup(&self, dir: &RealNode, name: &[u8]) -> Result<RealNode, Errno> {
        let path = if name == b".." {
            dir.path.parent().unwrap_or(Path::new("/")).to_path_buf()
        } else {
            dir.path.join(std::ffi::OsStr::from_bytes(name))
        };
        self.node(path)
    }

    fn meta(&self, node: &RealNode) -> Meta {
        node.meta
    }

    fn readlink(&self, node: &RealNode) -> Result<Vec<u8>, Errno> {
        if let Some((inv, rel)) = self.in_snapshot(&node.path) {
            let link = inv.get(&rel).and_then(|e| e.link.as_ref()).ok_or(Errno::EINVAL)?;
            return Ok(link.target.as_bytes().to_vec());
        }
        std::fs::read_link(&node.path)
            .map(|t| t.as_os_str().as_bytes().to_vec())
            .map_err(|e| Errno::of(&e))
    }

    fn protected_symlinks(&self) -> bool {
        self.protected_symlinks
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
