//! The real file system's side of the policy tree: inodes held by `O_PATH`
//! descriptors ([`Inode`]) and the tree they make ([`FdTree`]), read
//! exactly as the kernel's walk will see them.

mod inode;
#[cfg(test)]
mod tests;
mod tree;

pub use self::tree::{FdTree, Node};
pub use inode::{nosymfollow_at, protected_symlinks, Inode};
