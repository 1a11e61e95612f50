//! A folder's owner, group and mode changed where it stands (apply setting
//! `byport`, `byaddr` or `byuid` as the policy says): its entries stay, so
//! the folder is not replaced, and a change of owners and mode takes more
//! than one system call. Two rules make that safe:
//!
//! - every call goes through one descriptor of the folder itself, opened
//!   without following a link: if the name is swapped for a link after
//!   the plan was checked, the open fails, and root never changes
//!   whatever a link leads to;
//! - no moment between the calls lets anyone search, list or write in the
//!   folder who could do so neither before nor after. From 0750 root:www
//!   to 0705 root:nogroup, `chown` first gives nogroup's members r-x for a
//!   moment (as the group), and `chmod` first gives it them too (as
//!   others), which neither end does. So the mode is first cut to the
//!   bits the old and the new mode share (at most the old state: same
//!   owners, fewer bits), then the owners change (at most the new state:
//!   same owners, fewer bits), then the new mode is set. Someone whom
//!   both ends let in may be kept out for that moment; never the reverse.

use crate::error::{AdminError, Result};
use crate::mode::Meta;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// One system call on the folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Mode(u32),
    Owners { uid: u32, gid: u32 },
}

/// The calls that take a folder from `old` to `new` (their owners and
/// modes), in order.
pub fn steps(old: &Meta, new: &Meta) -> Vec<Step> {
    let mut out = Vec::new();
    if (old.uid, old.gid) != (new.uid, new.gid) {
        let shared = old.mode & new.mode & 0o7777;
        if shared != old.mode & 0o7777 {
            out.push(Step::Mode(shared));
        }
        out.push(Step::Owners {
            uid: new.uid,
            gid: new.gid,
        });
    }
    // Always last, even when the bits look right already: a chown may
    // clear set-id bits.
    out.push(Step::Mode(new.mode & 0o7777));
    out
}

/// Gives the real folder at `path` the owners and mode of `meta`.
pub fn set(path: &Path, meta: &Meta) -> Result<()> {
    let io = |e: std::io::Error| AdminError::io(path.to_string_lossy(), &e);
    // Reading is enough to fchown and fchmod it; O_NOFOLLOW refuses a
    // link (ELOOP), O_DIRECTORY anything else that is not a folder.
    let flags = nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_NOFOLLOW;
    let dir = OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits())
        .open(path)
        .map_err(io)?;
    let md = dir.metadata().map_err(io)?;
    let old = Meta::new(crate::mode::Kind::Dir, md.uid(), md.gid(), md.mode());
    for step in steps(&old, meta) {
        match step {
            Step::Mode(mode) => dir.set_permissions(fs::Permissions::from_mode(mode)),
            Step::Owners { uid, gid } => std::os::unix::fs::fchown(&dir, Some(uid), Some(gid)),
        }
        .map_err(io)?;
    }
    dir.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mode::{Class, Kind};
    use proptest::prelude::*;
    use tree::Creds;

    fn dir(uid: u32, gid: u32, mode: u32) -> Meta {
        Meta::new(Kind::Dir, uid, gid, mode)
    }

    /// The `rwx` bits that apply to `who` (root: all of them).
    fn bits(m: &Meta, who: &Creds) -> u32 {
        match Class::of(m, who) {
            Class::Root => 7,
            c => c.bits(m.mode),
        }
    }

    /// Every state the steps pass through, the first and last included.
    fn states(old: &Meta, new: &Meta) -> Vec<Meta> {
        let mut cur = *old;
        let mut out = vec![cur];
        for s in steps(old, new) {
            match s {
                Step::Mode(m) => cur.mode = m,
                Step::Owners { uid, gid } => (cur.uid, cur.gid) = (uid, gid),
            }
            out.push(cur);
        }
        out
    }

    #[test]
    fn the_steps_for_a_fresh_install_folder() {
        // 0755 root:root to 0750 root:100: the others lose x before group
        // 100 gets the folder.
        assert_eq!(
            steps(&dir(0, 0, 0o755), &dir(0, 100, 0o750)),
            vec![Step::Mode(0o750), Step::Owners { uid: 0, gid: 100 }, Step::Mode(0o750)]
        );
        // Owners unchanged: one chmod.
        assert_eq!(steps(&dir(0, 0, 0o755), &dir(0, 0, 0o711)), vec![Step::Mode(0o711)]);
        // Only the owners change, the mode already a subset: no first cut.
        assert_eq!(
            steps(&dir(0, 0, 0o750), &dir(0, 7, 0o750)),
            vec![Step::Owners { uid: 0, gid: 7 }, Step::Mode(0o750)]
        );
        assert_eq!(
            *states(&dir(0, 0, 0o755), &dir(0, 100, 0o750)).last().unwrap(),
            dir(0, 100, 0o750)
        );
    }

    proptest! {
        /// Whoever the user is (owner, in a group, neither, before or
        /// after), each state the folder passes through gives everyone at
        /// most what the old state gave them, or everyone at most what the
        /// new one gives: no one is let in by the change itself.
        #[test]
        fn no_state_between_lets_anyone_in_that_neither_end_does(
            (ou, og, om) in (1u32..4, 1u32..4, 0u32..0o1000),
            (nu, ng, nm) in (1u32..4, 1u32..4, 0u32..0o1000),
        ) {
            let (old, new) = (dir(ou, og, om), dir(nu, ng, nm));
            let mut everyone = vec![Creds::root()];
            for uid in 1..5 {
                for groups in [vec![], vec![1], vec![2], vec![3], vec![1, 2], vec![2, 3], vec![1, 3]] {
                    everyone.push(Creds::new(uid, 9, groups));
                }
            }
            let within = |s: &Meta, end: &Meta| everyone.iter().all(|c| bits(s, c) & !bits(end, c) == 0);
            let all = states(&old, &new);
            prop_assert_eq!((all[all.len() - 1].uid, all[all.len() - 1].gid, all[all.len() - 1].mode), (nu, ng, nm));
            for s in &all {
                prop_assert!(within(s, &old) || within(s, &new), "{:?} between {:?} and {:?}", s, old, new);
            }
        }
    }

    #[test]
    fn a_link_or_a_file_is_never_changed() {
        let tmp = tempfile::tempdir().unwrap();
        let (target, link, file) = (tmp.path().join("t"), tmp.path().join("l"), tmp.path().join("f"));
        fs::create_dir(&target).unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        fs::write(&file, "").unwrap();
        let (uid, gid) = (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw());
        for p in [&link, &file] {
            assert!(set(p, &dir(uid, gid, 0o700)).is_err(), "{}", p.display());
        }
        assert_eq!(fs::metadata(&target).unwrap().mode() & 0o7777, 0o755);
        set(&target, &dir(uid, gid, 0o2711)).unwrap();
        assert_eq!(fs::metadata(&target).unwrap().mode() & 0o7777, 0o2711);
    }
}
