//! Which folder entries decide what a path names: resolving
//! `/etc/authbind` looks up `etc` in `/` and `authbind` in `/etc`, and,
//! where one is a symlink (an atomic deployment's `ln -sfn`), every name
//! on the way to its end. A change of any of these entries (a rename over
//! it, a removal, a new symlink) may make the path name another folder:
//! the daemon watches each folder for that name, and resolves the path
//! again when one changes.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// The kernel's limit on symlinks followed in one resolution.
const MAX_LINKS: usize = 40;

enum Step {
    Root,
    Up,
    Name(OsString),
}

fn steps(path: &Path) -> impl Iterator<Item = Step> + '_ {
    path.components().filter_map(|c| match c {
        Component::RootDir => Some(Step::Root),
        Component::ParentDir => Some(Step::Up),
        Component::Normal(n) => Some(Step::Name(n.to_owned())),
        Component::CurDir | Component::Prefix(_) => None,
    })
}

/// How `path` (absolute) resolves now.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resolution {
    /// Each (folder, name) looked up, in order; the last may be missing.
    pub lookups: Vec<(PathBuf, OsString)>,
    /// The folder it names, with every symlink followed (as far as it
    /// could be followed).
    pub end: PathBuf,
}

/// Resolves `path` as the kernel would (physically: `..` after a symlink
/// leaves the symlink's end), noting every lookup. Stops at the first
/// name that is missing (its folder's watch sees it come) or after 40
/// symlinks (ELOOP: the folder cannot be opened, and a change of any of
/// the names seen so far may end the loop).
pub fn resolve(path: &Path) -> Resolution {
    let mut todo: VecDeque<Step> = steps(path).collect();
    let mut at = PathBuf::from("/");
    let mut lookups = Vec::new();
    let mut links = 0;
    while let Some(step) = todo.pop_front() {
        let name = match step {
            Step::Root => {
                at = PathBuf::from("/");
                continue;
            }
            Step::Up => {
                at.pop();
                continue;
            }
            Step::Name(name) => name,
        };
        lookups.push((at.clone(), name.clone()));
        let next = at.join(&name);
        match std::fs::symlink_metadata(&next) {
            Ok(md) if md.file_type().is_symlink() => {
                links += 1;
                let Ok(target) = std::fs::read_link(&next) else { break };
                if links > MAX_LINKS {
                    break;
                }
                for s in steps(&target).collect::<Vec<_>>().into_iter().rev() {
                    todo.push_front(s);
                }
            }
            Ok(_) => at = next,
            Err(_) => {
                at = next;
                break;
            }
        }
    }
    Resolution { lookups, end: at }
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
