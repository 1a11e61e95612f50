//! THE permission rule: may these credentials search this folder, or
//! execute this file? Linux's generic rule (`generic_permission` as
//! `faccessat(X_OK)` reaches it with the real credentials):
//!
//! - a regular file on a `noexec` mount: refused to everyone, root too;
//! - a real root may always search a folder, and needs one `x` bit (any
//!   class) on anything else;
//! - otherwise one class of bits applies, the first that matches: the
//!   owner's, then the group's (the real gid or a supplementary group),
//!   then the others'; its `x` bit decides, even when another class has
//!   one;
//! - a node with POSIX ACL entries: its owner is judged by the owner bits
//!   (as the ACL's owner entry is), everyone else is refused. The ACL's
//!   other entries are not modelled; this is the safe direction (it never
//!   lets through someone the kernel would refuse).

use crate::meta::{Creds, Kind, Meta};

/// Which permission bits apply to a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Owner,
    Group,
    Other,
    /// uid 0: any `x` bit on a file, nothing on a folder.
    Root,
}

impl Class {
    pub fn of(meta: &Meta, who: &Creds) -> Class {
        if who.uid == 0 {
            Class::Root
        } else if who.uid == meta.uid {
            Class::Owner
        } else if who.in_group(meta.gid) {
            Class::Group
        } else {
            Class::Other
        }
    }

    /// The three bits of this class (`Root`: all of them or'ed).
    pub fn bits(self, mode: u32) -> u32 {
        match self {
            Class::Owner => (mode >> 6) & 7,
            Class::Group => (mode >> 3) & 7,
            Class::Other => mode & 7,
            Class::Root => ((mode >> 6) | (mode >> 3) | mode) & 7,
        }
    }

    /// This class's `x` bit (`Root`: any), by the bits alone.
    pub fn has_x(self, mode: u32) -> bool {
        self.bits(mode) & 1 != 0
    }
}

/// May `who` search `meta` (a folder) or execute it (anything else)?
/// What `faccessat(X_OK)` asks of the node it ends at, and what a path
/// walk asks of each folder it looks a name up in.
pub fn may_search_or_execute(meta: &Meta, who: &Creds) -> bool {
    if meta.noexec && meta.kind == Kind::File {
        return false;
    }
    let class = Class::of(meta, who);
    match class {
        Class::Root => meta.kind == Kind::Dir || class.has_x(meta.mode),
        Class::Owner => class.has_x(meta.mode),
        _ if meta.acl => false,
        Class::Group | Class::Other => class.has_x(meta.mode),
    }
}

/// May `who` read `meta` (`open(O_RDONLY)`'s check)? Never a grant: it
/// decides what authbind-policy may show a user of a file. Root reads
/// anything (CAP_DAC_OVERRIDE); otherwise the applying class's `r` bit;
/// with ACL entries, the owner by the owner bits and everyone else
/// refused (the safe direction: shows less).
pub fn may_read(meta: &Meta, who: &Creds) -> bool {
    let class = Class::of(meta, who);
    match class {
        Class::Root => true,
        Class::Owner => class.bits(meta.mode) & 4 != 0,
        _ if meta.acl => false,
        Class::Group | Class::Other => class.bits(meta.mode) & 4 != 0,
    }
}

/// `fs.protected_symlinks` (Linux's `may_follow_link`): with the sysctl
/// on, a symlink met at the end of a path (a trailing one, followed) in a
/// sticky world-writable folder is followed only by its owner, unless the
/// folder's owner owns it too. Is following `link`, in `dir`, restricted
/// to the link's owner? (Root is no exception: it must own the link.)
pub fn follow_restricted(link: &Meta, dir: &Meta, protected_symlinks: bool) -> bool {
    const STICKY_AND_OTHERS_WRITE: u32 = 0o1002;
    protected_symlinks && dir.mode & STICKY_AND_OTHERS_WRITE == STICKY_AND_OTHERS_WRITE && dir.uid != link.uid
}

/// May `who` follow the trailing symlink `link` found in `dir`? The
/// kernel asks with the caller's fsuid, which `faccessat` sets to the
/// real uid ([`Creds::uid`]).
pub fn may_follow_link(link: &Meta, dir: &Meta, who: &Creds, protected_symlinks: bool) -> bool {
    !follow_restricted(link, dir, protected_symlinks) || who.uid == link.uid
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(uid: u32, gid: u32, groups: &[u32]) -> Creds {
        Creds::new(uid, gid, groups.to_vec())
    }

    fn file(uid: u32, gid: u32, mode: u32) -> Meta {
        Meta::new(Kind::File, uid, gid, mode)
    }

    #[test]
    fn the_first_matching_class_decides() {
        let f = file(1000, 2000, 0o051);
        // The owner's bits exclude the owner even though group and other
        // have x: the kernel stops at the first class that applies.
        assert_eq!(Class::of(&f, &creds(1000, 2000, &[])), Class::Owner);
        assert!(!may_search_or_execute(&f, &creds(1000, 2000, &[])));
        // Group by a supplementary group, or by the real gid.
        assert!(may_search_or_execute(&f, &creds(1001, 1001, &[2000])));
        assert_eq!(Class::of(&f, &creds(1001, 2000, &[])), Class::Group);
        assert!(may_search_or_execute(&f, &creds(1002, 1002, &[])));
        // A group member by the group bits, not the others'.
        assert!(!may_search_or_execute(&file(0, 50, 0o701), &creds(1000, 50, &[])));
        assert!(!may_search_or_execute(&file(0, 50, 0o770), &creds(1000, 7, &[])));
        assert_eq!(Class::Group.bits(0o750), 5);
    }

    #[test]
    fn reading_by_the_first_matching_class() {
        let f = file(1000, 2000, 0o046);
        assert!(!may_read(&f, &creds(1000, 2000, &[])), "the owner's bits decide");
        assert!(may_read(&f, &creds(1001, 1001, &[2000])));
        assert!(may_read(&f, &creds(1002, 1002, &[])));
        assert!(!may_read(&file(0, 0, 0o600), &creds(1000, 1000, &[])));
        assert!(may_read(&file(0, 0, 0o000), &Creds::root()));
        let mut acl = file(1000, 2000, 0o644);
        acl.acl = true;
        assert!(may_read(&acl, &creds(1000, 1, &[])));
        assert!(
            !may_read(&acl, &creds(1001, 2000, &[])),
            "an ACL: only its owner is judged"
        );
    }

    #[test]
    fn root_needs_an_x_bit_on_files_only() {
        let root = Creds::root();
        assert_eq!(Class::of(&file(0, 0, 0o100), &root), Class::Root);
        assert!(!may_search_or_execute(&file(0, 0, 0o600), &root));
        assert!(may_search_or_execute(&file(5, 5, 0o001), &root));
        assert!(may_search_or_execute(&Meta::new(Kind::Dir, 5, 5, 0o000), &root));
        assert!(!may_search_or_execute(&Meta::new(Kind::Fifo, 5, 5, 0o600), &root));
    }

    #[test]
    fn noexec_refuses_every_file_not_folders() {
        let noexec = |kind| Meta {
            noexec: true,
            ..Meta::new(kind, 5, 5, 0o777)
        };
        assert!(!may_search_or_execute(&noexec(Kind::File), &Creds::root()));
        assert!(!may_search_or_execute(&noexec(Kind::File), &creds(5, 5, &[])));
        assert!(may_search_or_execute(&noexec(Kind::Dir), &creds(6, 6, &[])));
    }

    #[test]
    fn protected_symlinks_in_sticky_world_writable_folders() {
        let link = Meta::new(Kind::Symlink, 1000, 1000, 0o777);
        let tmp = Meta::new(Kind::Dir, 0, 0, 0o1777);
        let (owner, other) = (creds(1000, 1000, &[]), creds(1001, 1000, &[]));
        // The sysctl off: anyone follows anything.
        assert!(may_follow_link(&link, &tmp, &other, false));
        // On: the link's owner only, root included in the refused.
        assert!(follow_restricted(&link, &tmp, true));
        assert!(may_follow_link(&link, &tmp, &owner, true));
        assert!(!may_follow_link(&link, &tmp, &other, true));
        assert!(!may_follow_link(&link, &tmp, &Creds::root(), true));
        // Unless the folder's owner owns the link.
        let own_tmp = Meta::new(Kind::Dir, 1000, 0, 0o1777);
        assert!(may_follow_link(&link, &own_tmp, &other, true));
        // Sticky and world-writable both, or no restriction.
        for mode in [0o0777, 0o1775, 0o1755, 0o0757] {
            let dir = Meta::new(Kind::Dir, 0, 0, mode);
            assert!(may_follow_link(&link, &dir, &other, true), "{mode:o}");
        }
        assert!(!may_follow_link(
            &link,
            &Meta::new(Kind::Dir, 0, 0, 0o1003),
            &other,
            true
        ));
    }

    #[test]
    fn acls_let_only_the_owner_and_root_through() {
        let acl = |mode| Meta {
            acl: true,
            ..Meta::new(Kind::File, 5, 5, mode)
        };
        assert!(may_search_or_execute(&acl(0o700), &creds(5, 5, &[])));
        assert!(!may_search_or_execute(&acl(0o077), &creds(5, 5, &[])));
        assert!(!may_search_or_execute(&acl(0o777), &creds(6, 5, &[])));
        assert!(!may_search_or_execute(&acl(0o777), &creds(6, 6, &[])));
        assert!(may_search_or_execute(&acl(0o001), &Creds::root()));
    }
}
