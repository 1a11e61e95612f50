//! File metadata, and what its owner, group and mode bits say about who
//! may execute it: the class of permission bits that applies to a user
//! (owner, group or other, as the kernel picks them) and whether its `x`
//! bit is set. Used to say *why* `access()` answered as it did, by `check`
//! on the tree, and for files that do not exist yet (a planned change).
//! ACLs and security modules are not modelled here: `explain` always asks
//! the kernel itself.

use crate::who::Creds;

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

/// What `lstat`/`stat` says of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    pub uid: u32,
    pub gid: u32,
    /// Permission bits with set-id and sticky bits (`0o7777`).
    pub mode: u32,
    pub size: u64,
}

impl Meta {
    pub fn of(md: &std::fs::Metadata) -> Meta {
        use std::os::unix::fs::MetadataExt;
        Meta {
            kind: Kind::of_mode(md.mode()),
            uid: md.uid(),
            gid: md.gid(),
            mode: md.mode() & 0o7777,
            size: md.size(),
        }
    }

    pub fn new(kind: Kind, uid: u32, gid: u32, mode: u32) -> Meta {
        Meta {
            kind,
            uid,
            gid,
            mode: mode & 0o7777,
            size: 0,
        }
    }
}

/// Which permission bits apply to a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Owner,
    Group,
    Other,
    /// uid 0: `access(X_OK)` needs any `x` bit (folders: none).
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
}

/// `r-x`, for three bits.
pub fn rwx(bits: u32) -> String {
    let b = |bit: u32, c: char| if bits & bit != 0 { c } else { '-' };
    [b(4, 'r'), b(2, 'w'), b(1, 'x')].iter().collect()
}

/// `access(X_OK)` by the bits alone (also "may search" for a folder).
pub fn may_execute(meta: &Meta, who: &Creds) -> bool {
    let class = Class::of(meta, who);
    if class == Class::Root && meta.kind == Kind::Dir {
        return true;
    }
    class.bits(meta.mode) & 1 != 0
}

/// `0755`, the way people write modes.
pub fn octal(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(uid: u32, gid: u32, groups: &[u32]) -> Creds {
        Creds::new(uid, gid, groups.to_vec())
    }

    #[test]
    fn the_first_matching_class_decides() {
        let f = Meta::new(Kind::File, 1000, 2000, 0o051);
        // The owner's bits exclude the owner even though group and other
        // have x: the kernel stops at the first class that applies.
        assert_eq!(Class::of(&f, &creds(1000, 2000, &[])), Class::Owner);
        assert!(!may_execute(&f, &creds(1000, 2000, &[])));
        assert!(may_execute(&f, &creds(1001, 1001, &[2000])));
        assert_eq!(Class::of(&f, &creds(1001, 2000, &[])), Class::Group);
        assert!(may_execute(&f, &creds(1002, 1002, &[])));
        let root_only = Meta::new(Kind::File, 0, 0, 0o600);
        assert!(!may_execute(&root_only, &creds(0, 0, &[])));
        assert!(may_execute(&Meta::new(Kind::Dir, 5, 5, 0o000), &creds(0, 0, &[])));
        assert_eq!(rwx(5), "r-x");
        assert_eq!(octal(0o4755), "4755");
        assert_eq!(octal(0o10), "0010");
        assert_eq!(Kind::of_mode(0o100644), Kind::File);
        assert_eq!(Kind::of_mode(0o010644), Kind::Fifo);
    }
}
