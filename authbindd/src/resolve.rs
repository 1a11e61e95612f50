//! Which folder entries decide what a path names: resolving
//! `/etc/authbind` looks up `etc` in `/` and `authbind` in `/etc`, and,
//! where one is a symlink (an atomic deployment's `ln -sfn`), every name
//! on the way to its end. A change of any of these entries (a rename over
//! it, a removal, a new symlink) may make the path name another folder:
//! the daemon watches each folder for that name, and resolves the path
//! again when one changes.

use host::fs::{FdTree, Node};
use model::Errno;
use std::ffi::OsString;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use tree::{Creds, Follow, Observer};

#[cfg(test)]
const MAX_LINKS: usize = tree::MAX_SYMLINKS as usize;

/// How `path` (absolute) resolves now.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resolution {
    /// Each (folder, name) looked up, in order; the last may be missing.
    pub lookups: Vec<(PathBuf, OsString)>,
    /// The folder it names, with every symlink followed (as far as it
    /// could be followed).
    pub end: PathBuf,
}

/// Where a folder node is: the kernel's own path of its open descriptor.
fn path_of(node: &Node) -> PathBuf {
    std::fs::read_link(format!("/proc/self/fd/{}", node.0.fd().as_raw_fd())).unwrap_or_default()
}

/// Every name the walk looks up, with the folder it is looked up in
/// (not `.` and `..`: they name no entry a rename could replace).
struct Names(Vec<(PathBuf, OsString)>);

impl Observer<Node> for Names {
    fn lookup(&mut self, dir: &Node, name: &[u8], _found: Result<&Node, Errno>) {
        if name != b"." && name != b".." {
            self.0
                .push((path_of(dir), std::ffi::OsStr::from_bytes(name).to_os_string()));
        }
    }
}

/// Resolves `path` as the kernel does for root — the one walk
/// (`tree::resolve`) over the real inodes (`host::fs::FdTree`): `..` after
/// a symlink leaves the symlink's end, at most 40 symlinks. Notes every
/// lookup; stops at the first name that is missing (its folder's watch
/// sees it come) or at the walk's error (a change of any of the names
/// seen so far may end it).
pub fn resolve(path: &Path) -> Resolution {
    let protected = host::fs::protected_symlinks().unwrap_or(true);
    let Ok(tree) = FdTree::new(protected) else {
        return Resolution::default();
    };
    let root = tree::Tree::root(&tree);
    let mut names = Names(Vec::new());
    let walked = tree::resolve(
        &tree,
        &root,
        path.as_os_str().as_bytes(),
        &Creds::root(),
        Follow::Last,
        &mut names,
    );
    let end = match walked {
        Ok(node) => path_of(&node),
        Err(_) => names.0.last().map(|(dir, name)| dir.join(name)).unwrap_or_default(),
    };
    Resolution { lookups: names.0, end }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn scratch() -> PathBuf {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "authbindd-resolve-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&p).unwrap();
        // The scratch folder itself, without symlinks on the way.
        std::fs::canonicalize(p).unwrap()
    }

    fn names(r: &Resolution, below: &Path) -> Vec<String> {
        r.lookups
            .iter()
            .filter(|(dir, _)| dir.starts_with(below))
            .map(|(dir, name)| {
                let dir = dir.strip_prefix(below).unwrap().to_string_lossy().into_owned();
                format!("{dir}:{}", name.to_string_lossy())
            })
            .collect()
    }

    #[test]
    fn a_plain_folder_is_looked_up_in_each_parent() {
        let t = scratch();
        std::fs::create_dir_all(t.join("etc/authbind")).unwrap();
        let r = resolve(&t.join("etc/authbind"));
        assert_eq!(names(&r, &t), [":etc", "etc:authbind"]);
        assert_eq!(r.end, t.join("etc/authbind"));
        // Every ancestor too, from the root.
        assert_eq!(r.lookups[0].0, PathBuf::from("/"));
        std::fs::remove_dir_all(t).unwrap();
    }

    #[test]
    fn symlinks_are_followed_and_each_name_on_the_way_noted() {
        let t = scratch();
        std::fs::create_dir_all(t.join("srv/releases/v2")).unwrap();
        std::fs::create_dir_all(t.join("etc")).unwrap();
        symlink("releases/v2", t.join("srv/current")).unwrap();
        symlink(t.join("srv/current"), t.join("etc/authbind")).unwrap();
        let r = resolve(&t.join("etc/authbind"));
        assert_eq!(
            names(&r, &t),
            [
                ":etc",
                "etc:authbind",
                ":srv",
                "srv:current",
                "srv:releases",
                "srv/releases:v2"
            ]
        );
        assert_eq!(r.end, t.join("srv/releases/v2"));
        // `..` after a symlink is taken from its end.
        symlink("../srv/releases/v2", t.join("etc/up")).unwrap();
        let r = resolve(&t.join("etc/up"));
        assert_eq!(r.end, t.join("srv/releases/v2"));
        std::fs::remove_dir_all(t).unwrap();
    }

    #[test]
    fn a_missing_name_or_a_loop_ends_the_lookups() {
        let t = scratch();
        let r = resolve(&t.join("etc/authbind"));
        assert_eq!(names(&r, &t), [":etc"]);
        assert_eq!(r.end, t.join("etc"));
        symlink("loop", t.join("loop")).unwrap();
        let r = resolve(&t.join("loop"));
        assert_eq!(names(&r, &t).len(), MAX_LINKS + 1);
        std::fs::remove_dir_all(t).unwrap();
    }
}
