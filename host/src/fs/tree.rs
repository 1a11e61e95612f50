//! The real file system as a `tree::Tree`, over `O_PATH | O_NOFOLLOW`
//! descriptors: each name opened relative to its folder's descriptor (no
//! path is ever resolved again by the kernel for us, so no one can swap a
//! folder for a symlink between two steps), `..` the kernel's own parent.
//! One snapshot of the tree: lookups are remembered (a walk over the
//! 1023 byport names looks each folder up once).

use super::inode::Inode;
use model::Errno;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use tree::{Meta, Tree};

/// An inode as a node of the walk: the same inode, the same node.
#[derive(Clone)]
pub struct Node(pub Rc<Inode>);

impl PartialEq for Node {
    fn eq(&self, other: &Node) -> bool {
        self.0.id() == other.0.id()
    }
}

impl Eq for Node {}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Node{:?}", self.0.id())
    }
}

type Id = (u64, u64);

/// (folder, name) → the entry, `None` when absent.
type Lookups = HashMap<(Id, Vec<u8>), Option<Rc<Inode>>>;

pub struct FdTree {
    root: Rc<Inode>,
    lookups: RefCell<Lookups>,
    protected_symlinks: bool,
}

impl FdTree {
    /// The tree from this process's `/`, with `fs.protected_symlinks` as
    /// given (the caller reads it and says what it does when it cannot).
    pub fn new(protected_symlinks: bool) -> Result<FdTree, Errno> {
        Ok(FdTree::from_root(Rc::new(Inode::open_dir("/")?), protected_symlinks))
    }

    pub fn from_root(root: Rc<Inode>, protected_symlinks: bool) -> FdTree {
        FdTree {
            root,
            lookups: RefCell::new(HashMap::new()),
            protected_symlinks,
        }
    }

    /// The folder at `path` (followed: root's own paths), as a node.
    pub fn open_dir(&self, path: impl AsRef<Path>) -> Result<Node, Errno> {
        Ok(Node(Rc::new(Inode::open_dir(path)?)))
    }

    /// The node at `path`, not followed if it is a symlink (see
    /// [`Inode::open`]).
    pub fn open(&self, path: impl AsRef<Path>) -> Result<Node, Errno> {
        Ok(Node(Rc::new(Inode::open(path)?)))
    }

    pub fn set_protected_symlinks(&mut self, on: bool) {
        self.protected_symlinks = on;
    }
}

impl Tree for FdTree {
    type Node = Node;

    fn root(&self) -> Node {
        Node(self.root.clone())
    }

    fn lookup(&self, dir: &Node, name: &[u8]) -> Result<Node, Errno> {
        let key = (dir.0.id(), name.to_vec());
        if let Some(found) = self.lookups.borrow().get(&key) {
            return found.clone().map(Node).ok_or(Errno::ENOENT);
        }
        let found = match dir.0.lookup(name) {
            Ok(i) => Some(Rc::new(i)),
            Err(Errno::ENOENT) => None,
            Err(e) => return Err(e),
        };
        self.lookups.borrow_mut().insert(key, found.clone());
        found.map(Node).ok_or(Errno::ENOENT)
    }

    fn meta(&self, node: &Node) -> Meta {
        node.0.meta()
    }

    fn readlink(&self, node: &Node) -> Result<Vec<u8>, Errno> {
        node.0.link_target()
    }

    fn protected_symlinks(&self) -> bool {
        self.protected_symlinks
    }
}
