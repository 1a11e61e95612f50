//! What a node of a tree is, and who asks about it.

/// A node's type, as `lstat` gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Fifo,
    Socket,
    CharDev,
    BlockDev,
}

impl Kind {
    /// From `st_mode`'s file type bits.
    pub fn of_mode(st_mode: u32) -> Kind {
        match st_mode & 0o170000 {
            0o040000 => Kind::Dir,
            0o120000 => Kind::Symlink,
            0o010000 => Kind::Fifo,
            0o140000 => Kind::Socket,
            0o020000 => Kind::CharDev,
            0o060000 => Kind::BlockDev,
            _ => Kind::File,
        }
    }

    /// "regular file", "folder"…, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::File => "regular file",
            Kind::Dir => "folder",
            Kind::Symlink => "symlink",
            Kind::Fifo => "FIFO",
            Kind::Socket => "socket",
            Kind::CharDev => "character device",
            Kind::BlockDev => "block device",
        }
    }
}

/// What `lstat` says of a node, and what the rules need besides: whether
/// its mount is `noexec` or `nosymfollow` and whether it carries POSIX ACL
/// entries (see [`crate::perm`] and [`crate::walk`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    pub uid: u32,
    pub gid: u32,
    /// Permission bits with set-id and sticky bits (`0o7777`).
    pub mode: u32,
    pub size: u64,
    /// On a `noexec` mount: no regular file there may be executed.
    pub noexec: bool,
    /// On a `nosymfollow` mount: no symlink there may be followed (the
    /// walk gets `ELOOP`). Read for symlinks at least.
    pub nosymfollow: bool,
    /// Has POSIX ACL entries beyond the mode bits.
    pub acl: bool,
    /// (device, inode number); (0, 0) for nodes that exist only in a
    /// model or a plan.
    pub id: (u64, u64),
}

impl Meta {
    /// A node with these owners and mode, on an ordinary mount, no ACL.
    pub fn new(kind: Kind, uid: u32, gid: u32, mode: u32) -> Meta {
        Meta {
            kind,
            uid,
            gid,
            mode: mode & 0o7777,
            size: 0,
            noexec: false,
            nosymfollow: false,
            acl: false,
            id: (0, 0),
        }
    }

    /// What a `std::fs::Metadata` already read says (its mount's
    /// `noexec` and `nosymfollow` and its ACL are not in it: the caller sets them if it
    /// knows them).
    pub fn of(md: &std::fs::Metadata) -> Meta {
        use std::os::unix::fs::MetadataExt;
        Meta {
            size: md.size(),
            id: (md.dev(), md.ino()),
            ..Meta::new(Kind::of_mode(md.mode()), md.uid(), md.gid(), md.mode())
        }
    }
}

/// What `access()` judges a user by: the real uid, the real gid and the
/// supplementary groups.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Creds {
    pub uid: u32,
    pub gid: u32,
    /// Sorted, without duplicates.
    pub groups: Vec<u32>,
}

impl Creds {
    pub fn new(uid: u32, gid: u32, mut groups: Vec<u32>) -> Creds {
        groups.sort_unstable();
        groups.dedup();
        Creds { uid, gid, groups }
    }

    /// Real root, with no supplementary groups.
    pub fn root() -> Creds {
        Creds::new(0, 0, Vec::new())
    }

    /// In group `gid` as `access()` counts it: the gid or a supplementary one.
    pub fn in_group(&self, gid: u32) -> bool {
        self.gid == gid || self.groups.binary_search(&gid).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_groups() {
        assert_eq!(Kind::of_mode(0o100644), Kind::File);
        assert_eq!(Kind::of_mode(0o010644), Kind::Fifo);
        assert_eq!(Kind::of_mode(0o040755), Kind::Dir);
        assert_eq!(Kind::of_mode(0o120777), Kind::Symlink);
        assert_eq!(Meta::new(Kind::File, 1, 2, 0o104755).mode, 0o4755);
        let c = Creds::new(5, 6, vec![9, 7, 9]);
        assert_eq!(c.groups, vec![7, 9]);
        assert!(c.in_group(6) && c.in_group(7) && c.in_group(9) && !c.in_group(8));
    }
}
