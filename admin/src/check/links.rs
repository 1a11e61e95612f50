//! A policy file that is a symlink is only as safe as the folders on the
//! way to where it leads: a user who can change one of them can put any
//! file there (or create the missing one), and the helper reads it as
//! root. The configuration folder, the folders above it and the three
//! policy folders are judged by `folders`; this judges the others, for
//! the names the helper reads.

use super::{finding, Finding, Level};
use crate::inventory::{Inventory, FOLDERS};
use crate::mode::{octal, Meta};
use crate::who::UserDb;
use model::PolicyName;
use std::path::Path;

/// Who, other than root, can change what `m` (a folder) holds, in words.
/// `missing`: the walk found a name missing in it.
fn changer(m: &Meta, db: &UserDb, missing: bool) -> Option<String> {
    // In a sticky folder (/tmp) no one renames or removes what others
    // own, but anyone who may write there can create a missing name.
    let sticky = m.mode & 0o1000 != 0;
    if m.uid != 0 {
        return Some(format!("its owner {}", db.user_label(m.uid)));
    }
    if m.mode & 0o002 != 0 && (!sticky || missing) {
        return Some(format!("every user (mode {})", octal(m.mode)));
    }
    if m.mode & 0o020 != 0 && m.gid != 0 && (!sticky || missing) {
        return Some(format!(
            "members of group {} (mode {})",
            db.group_label(m.gid),
            octal(m.mode)
        ));
    }
    None
}

/// A name the helper opens: directly in one of the three folders, and
/// consulted there (the others have findings of their own).
fn read_by_helper(rel: &str) -> bool {
    PolicyName::parse_path(rel).is_ok()
}

pub(super) fn check(inv: &Inventory, db: &UserDb, out: &mut Vec<Finding>) {
    let judged_elsewhere = |p: &Path| {
        p == inv.root || inv.ancestors.iter().any(|(a, _)| a == p) || FOLDERS.iter().any(|f| inv.root.join(f) == p)
    };
    for (rel, e) in &inv.entries {
        let Some(l) = &e.link else { continue };
        if !read_by_helper(rel) {
            continue;
        }
        let unsafe_folder = l
            .route
            .folders
            .iter()
            .filter(|(p, _)| !judged_elsewhere(p))
            .find_map(|(p, m)| {
                let missing = l.route.missing_in.as_deref() == Some(p.as_path());
                changer(m, db, missing).map(|who| (p, who))
            });
        if let Some((folder, who)) = unsafe_folder {
            out.push(finding(
                Level::Error,
                rel,
                None,
                format!(
                    "is a symlink to {}, and {} can change what {} holds: they can put there whatever the helper should read",
                    l.target,
                    who,
                    folder.display()
                ),
                "replace the link with the file itself, owned by root",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::mode::{Kind, Meta};
    use crate::who::fixtures::db;

    fn dir(uid: u32, gid: u32, mode: u32) -> Meta {
        Meta::new(Kind::Dir, uid, gid, mode)
    }

    #[test]
    fn a_link_through_a_folder_others_can_change_is_an_error() {
        let db = db();
        let mut inv = clean();
        let root = ("/", dir(0, 0, 0o755));
        let srv = ("/srv", dir(0, 0, 0o755));
        let tmp = ("/tmp", dir(0, 0, 0o1777));
        let nobodys = ("/srv/grants", dir(65534, 65534, 0o755));
        link(&mut inv, "byport/80", "/srv/grants/80", Ok(file(0, 0, 0o500)));
        route(&mut inv, "byport/80", &[nobodys, srv, root], None);
        link(&mut inv, "byuid/1000", "/srv/shared/1000", Ok(file(0, 0, 0o644)));
        route(
            &mut inv,
            "byuid/1000",
            &[("/srv/shared", dir(0, 2000, 0o775)), srv, root],
            None,
        );
        // Missing, in /tmp: anyone can create it.
        link(&mut inv, "byuid/1001", "/tmp/1001", Err(model::Errno::ENOENT));
        route(&mut inv, "byuid/1001", &[tmp, root], Some("/tmp"));
        // Present and root's, in /tmp: the sticky bit keeps it root's.
        link(&mut inv, "byuid/1002", "/tmp/1002", Ok(file(0, 0, 0o644)));
        route(&mut inv, "byuid/1002", &[tmp, root], None);
        // Through root's folders only: fine here.
        link(
            &mut inv,
            "byuid/1003",
            "/etc/authbind-extra/1003",
            Ok(file(0, 0, 0o644)),
        );
        route(
            &mut inv,
            "byuid/1003",
            &[
                ("/etc/authbind-extra", dir(0, 0, 0o755)),
                ("/etc", dir(0, 0, 0o755)),
                root,
            ],
            None,
        );
        // Missing in root's folder below /tmp: /tmp's sticky bit keeps
        // that folder root's, and no one else may create in it.
        link(
            &mut inv,
            "byuid/1004",
            "/tmp/rootdir/missing",
            Err(model::Errno::ENOENT),
        );
        route(
            &mut inv,
            "byuid/1004",
            &[("/tmp/rootdir", dir(0, 0, 0o755)), tmp, root],
            Some("/tmp/rootdir"),
        );
        // Never read by the helper (their own findings say so): not this one.
        link(&mut inv, "byport/README", "/srv/grants/README", Ok(file(0, 0, 0o644)));
        route(&mut inv, "byport/README", &[nobodys, srv, root], None);
        link(&mut inv, "notes.txt", "/srv/grants/notes", Ok(file(0, 0, 0o644)));
        route(&mut inv, "notes.txt", &[nobodys, srv, root], None);
        let mut found = Vec::new();
        super::check(&inv, &db, &mut found);
        assert_eq!(
            lines(&found),
            [
                "error byport/80: is a symlink to /srv/grants/80, and its owner 65534 can change what /srv/grants holds: they can put there whatever the helper should read",
                "error byuid/1000: is a symlink to /srv/shared/1000, and members of group www (2000) (mode 0775) can change what /srv/shared holds: they can put there whatever the helper should read",
                "error byuid/1001: is a symlink to /tmp/1001, and every user (mode 1777) can change what /tmp holds: they can put there whatever the helper should read",
            ]
        );
        assert!(found
            .iter()
            .all(|f| f.fix == "replace the link with the file itself, owned by root"));
    }
}
