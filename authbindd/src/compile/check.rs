//! One permission check of a path walk, as `faccessat(X_OK)` makes it for
//! the real user: search permission on each folder it looks a name up
//! in, execute permission on the file it ends at. [`Check::allows`] is
//! Linux's generic permission rule; the BPF program evaluates the very
//! same rule (bpf/authbind.bpf.c, `allowed`), and the tests compare the
//! two through real binds.

/// The flags of a check, as the programs read them (the ABI's `CK_*`):
/// a folder, a file on a noexec mount, an inode with ACL entries, a group
/// with database members.
pub use authbind_bpf_abi::{CK_ACL as ACL, CK_DIR as DIR, CK_MEMBERS as MEMBERS, CK_NOEXEC as NOEXEC};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Check {
    pub owner: u32,
    pub group: u32,
    /// The permission bits (`mode & 0o777`).
    pub mode: u16,
    pub flags: u16,
}

impl Check {
    /// Everyone passes it, root or not, whatever their groups.
    pub fn always_passes(&self) -> bool {
        self.flags & (NOEXEC | ACL) == 0 && self.mode & 0o111 == 0o111
    }

    /// May real user `uid`, real group `gid`, member (by the database) of
    /// the groups `member` says yes to, pass this check? The one rule,
    /// `tree::may_search_or_execute` (the program's `allowed` is its C
    /// twin; the tests compare them through real binds).
    #[cfg(test)]
    pub fn allows(&self, uid: u32, gid: u32, member: impl Fn(u32) -> bool) -> bool {
        use tree::{Creds, Kind, Meta};
        // The only group this check asks about is its own.
        let groups = if self.flags & MEMBERS != 0 && member(self.group) {
            vec![self.group]
        } else {
            Vec::new()
        };
        let kind = if self.flags & DIR != 0 { Kind::Dir } else { Kind::File };
        let meta = Meta {
            noexec: self.flags & NOEXEC != 0,
            acl: self.flags & ACL != 0,
            ..Meta::new(kind, self.owner, self.group, u32::from(self.mode))
        };
        tree::may_search_or_execute(&meta, &Creds::new(uid, gid, groups))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(owner: u32, group: u32, mode: u16, flags: u16) -> Check {
        Check {
            owner,
            group,
            mode,
            flags,
        }
    }

    #[test]
    fn one_class_only_as_linux_does() {
        let none = |_| false;
        // The owner is judged by the owner bits alone, even when others may.
        assert!(!check(1000, 1000, 0o077, 0).allows(1000, 1000, none));
        assert!(check(1000, 1000, 0o100, 0).allows(1000, 5, none));
        // A group member by the owner's group bits, not the others'.
        assert!(!check(0, 50, 0o701, 0).allows(1000, 50, none));
        assert!(!check(0, 50, 0o701, MEMBERS).allows(1000, 7, |g| g == 50));
        assert!(check(0, 50, 0o010, MEMBERS).allows(1000, 7, |g| g == 50));
        // Everyone else by the other bits.
        assert!(check(0, 50, 0o001, 0).allows(1000, 7, none));
        assert!(!check(0, 50, 0o770, 0).allows(1000, 7, none));
    }

    #[test]
    fn root_noexec_and_acls() {
        let none = |_| false;
        assert!(check(5, 5, 0o000, DIR).allows(0, 0, none));
        assert!(!check(5, 5, 0o000, 0).allows(0, 0, none));
        assert!(check(5, 5, 0o001, 0).allows(0, 0, none));
        assert!(!check(5, 5, 0o777, NOEXEC).allows(0, 0, none));
        assert!(!check(5, 5, 0o777, NOEXEC).allows(5, 5, none));
        assert!(check(5, 5, 0o700, ACL).allows(5, 5, none));
        assert!(!check(5, 5, 0o777, ACL).allows(6, 5, none));
    }
}
