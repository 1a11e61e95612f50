//! The check `faccessat` would make on an inode met on a path walk (the
//! inode read by the one real tree, `host::fs`), with what cannot be
//! expressed in the maps noted.

use super::check::{Check, ACL, DIR, NOEXEC};
use super::Notes;
use host::fs::Inode;

pub use tree::Kind;

/// The check `faccessat(X_OK)` makes on `inode`: search on a folder
/// (when looking a name up in it, or when it is the file asked about),
/// execute on anything else.
pub fn check(inode: &Inode, notes: &mut Notes) -> Check {
    let ino = inode.id().1;
    let mut flags = 0;
    match inode.kind() {
        Kind::Dir => flags |= DIR,
        // Linux refuses X_OK on a regular file of a noexec mount
        // before it looks at the mode (not for other kinds).
        Kind::File => match inode.noexec() {
            Ok(true) => flags |= NOEXEC,
            Ok(false) => {}
            Err(e) => {
                notes.unexpressible(format!(
                    "inode {ino}: cannot tell whether its mount is noexec ({e}): judged as noexec"
                ));
                flags |= NOEXEC;
            }
        },
        _ => {}
    }
    match inode.has_acl() {
        Ok(false) => {}
        Ok(true) => {
            notes.unexpressible(format!(
                "inode {ino} (uid {}, mode {:o}) has POSIX ACL entries: kernel mode lets only its owner through it",
                inode.uid(),
                inode.mode() & 0o7777
            ));
            flags |= ACL;
        }
        Err(e) => {
            notes.unexpressible(format!(
                "inode {ino}: cannot read its ACL ({e}): only its owner is let through"
            ));
            flags |= ACL;
        }
    }
    Check {
        owner: inode.uid(),
        group: inode.gid(),
        mode: (inode.mode() & 0o777) as u16,
        flags,
    }
}

/// The check that stands for `fs.protected_symlinks` on this symlink
/// when the walk follows it at the end of a path in a sticky
/// world-writable folder owned by someone else: only its owner passes
/// (owner bits `x`, nothing else). Root passes it too, where the kernel
/// would refuse root unless it owns the link: root's binds are the
/// kernel's own to allow, whatever the program says.
pub fn owner_only(link: &Inode) -> Check {
    Check {
        owner: link.uid(),
        group: link.gid(),
        mode: 0o100,
        flags: 0,
    }
}

/// `fs.protected_symlinks`, as the kernel's walk will apply it; on when it
/// cannot be read (the safe direction: fewer links followed).
pub fn protected_symlinks(notes: &mut Notes) -> bool {
    host::fs::protected_symlinks().unwrap_or_else(|e| {
        notes.unexpressible(format!(
            "{}: cannot be read ({e}): judged on",
            syscalls::mountflags::PROTECTED_SYMLINKS
        ));
        true
    })
}
