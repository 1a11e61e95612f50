//! A policy file that is a symlink is only as safe as the folders that
//! hold where it leads: a user who can change one of them can put any
//! file there (or create the missing one), and the helper reads it as
//! root. The configuration folder, the folders above it and the three
//! policy folders are judged by `folders`; this judges the others.

use super::{finding, Finding, Level};
use crate::inventory::{Inventory, FOLDERS};
use crate::mode::{octal, Meta};
use crate::who::UserDb;
use std::path::Path;

/// Who, other than root, can change what `m` (a folder) holds, in words.
fn changer(m: &Meta, db: &UserDb, end_missing: bool) -> Option<String> {
    // In a sticky folder (/tmp) no one renames or removes what others
    // own, but anyone who may write there can create a missing end.
    let sticky = m.mode & 0o1000 != 0;
    if m.uid != 0 {
        return Some(format!("its owner {}", db.user_label(m.uid)));
    }
    if m.mode & 0o002 != 0 && (!sticky || end_missing) {
        return Some(format!("every user (mode {})", octal(m.mode)));
    }
    if m.mode & 0o020 != 0 && m.gid != 0 && (!sticky || end_missing) {
        return Some(format!(
            "members of group {} (mode {})",
            db.group_label(m.gid),
            octal(m.mode)
        ));
    }
    None
}

pub(super) fn check(inv: &Inventory, db: &UserDb, out: &mut Vec<Finding>) {
    let judged_elsewhere = |p: &Path| {
        p == inv.root || inv.ancestors.iter().any(|(a, _)| a == p) || FOLDERS.iter().any(|f| inv.root.join(f) == p)
    };
    for (rel, e) in &inv.entries {
        let Some(l) = &e.link else { continue };
        let end_missing = l.resolved.is_err();
        let unsafe_folder = l
            .route
            .iter()
            .filter(|(p, _)| !judged_elsewhere(p))
            .find_map(|(p, m)| changer(m, db, end_missing).map(|who| (p, who)));
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
        link(&mut inv, "byport/80", "/srv/grants/80", Ok(file(0, 0, 0o500)));
        route(
            &mut inv,
            "byport/80",
            &[
                ("/srv/grants", dir(65534, 65534, 0o755)),
                ("/srv", dir(0, 0, 0o755)),
                ("/", dir(0, 0, 0o755)),
            ],
        );
        link(&mut inv, "byuid/1000", "/srv/shared/1000", Ok(file(0, 0, 0o644)));
        route(
            &mut inv,
            "byuid/1000",
            &[
                ("/srv/shared", dir(0, 2000, 0o775)),
                ("/srv", dir(0, 0, 0o755)),
                ("/", dir(0, 0, 0o755)),
            ],
        );
        // Missing, in /tmp: anyone can create it.
        link(&mut inv, "byuid/1001", "/tmp/1001", Err(model::Errno::ENOENT));
        route(
            &mut inv,
            "byuid/1001",
            &[("/tmp", dir(0, 0, 0o1777)), ("/", dir(0, 0, 0o755))],
        );
        // Present and root's, in /tmp: the sticky bit keeps it root's.
        link(&mut inv, "byuid/1002", "/tmp/1002", Ok(file(0, 0, 0o644)));
        route(
            &mut inv,
            "byuid/1002",
            &[("/tmp", dir(0, 0, 0o1777)), ("/", dir(0, 0, 0o755))],
        );
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
                ("/", dir(0, 0, 0o755)),
            ],
        );
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
