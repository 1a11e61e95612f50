//! The configuration folder, the folders above it, and `byport/`,
//! `byaddr/`, `byuid/`: who can change them, and whether they are folders
//! every user can search.

use super::{finding, Finding, Level};
use crate::inventory::{Inventory, FOLDERS};
use crate::mode::{octal, Kind, Meta};
use crate::who::UserDb;
use model::Errno;

/// Non-root users who can change what a folder holds.
pub(super) fn dir_writers(file: &str, m: &Meta, db: &UserDb, out: &mut Vec<Finding>) {
    if m.uid != 0 {
        out.push(finding(
            Level::Error,
            file,
            None,
            format!(
                "owned by {} (not root), who can create, replace and remove the files in it",
                db.user_label(m.uid)
            ),
            format!("chown root:root {file}"),
        ));
    }
    if m.mode & 0o002 != 0 {
        out.push(finding(
            Level::Error,
            file,
            None,
            format!(
                "every user can write in it (mode {}), and so create a grant for themselves",
                octal(m.mode)
            ),
            format!("chmod o-w {file}"),
        ));
    }
    if m.mode & 0o020 != 0 && m.mode & 0o002 == 0 {
        let level = if m.gid == 0 { Level::Warning } else { Level::Error };
        out.push(finding(
            level,
            file,
            None,
            format!(
                "members of group {} can write in it (mode {})",
                db.group_label(m.gid),
                octal(m.mode)
            ),
            format!("chmod g-w {file}"),
        ));
    }
}

pub(super) fn check(inv: &Inventory, db: &UserDb, out: &mut Vec<Finding>) {
    for (path, m) in &inv.ancestors {
        // A sticky folder above (/tmp) lets no one rename or remove what
        // root owns in it; the next folder down is checked in turn.
        if m.mode & 0o1000 == 0 {
            dir_writers(&path.to_string_lossy(), m, db, out);
        }
    }
    if let Some(m) = &inv.root_meta {
        dir_writers(".", m, db, out);
    }
    for (rel, e) in &inv.unlisted {
        out.push(finding(
            Level::Warning,
            rel,
            None,
            format!("cannot be read: {e}; what is in it was not checked"),
            "run check as root",
        ));
    }
    for f in FOLDERS {
        let Some(e) = inv.get(f) else {
            out.push(finding(
                Level::Note,
                f,
                None,
                "does not exist: nothing is granted through it".into(),
                format!("mkdir -m 755 {f} if you need it"),
            ));
            continue;
        };
        let m = match &e.link {
            None => e.meta,
            Some(l) => {
                out.push(finding(
                    Level::Warning,
                    f,
                    None,
                    format!("is a symlink to {}: the policy lives wherever that leads", l.target),
                    "replace the link with the folder itself",
                ));
                match l.resolved {
                    Ok(m) => m,
                    Err(Errno::ENOENT) => continue,
                    Err(e) => {
                        out.push(finding(
                            Level::Error,
                            f,
                            None,
                            format!("cannot be followed ({e}): every bind that reaches it is refused"),
                            "replace the link with the folder itself",
                        ));
                        continue;
                    }
                }
            }
        };
        if m.kind != Kind::Dir {
            let effect = if f == "byuid" {
                "every bind that reaches the byuid step is refused (ENOTDIR)"
            } else {
                "every bind is refused (ENOTDIR) before byuid is read"
            };
            out.push(finding(
                Level::Error,
                f,
                None,
                format!("is a {} where a folder belongs: {effect}", m.kind.noun()),
                format!("remove it, then mkdir -m 755 {f}"),
            ));
            continue;
        }
        dir_writers(f, &m, db, out);
        if f != "byuid" && m.mode & 0o001 == 0 {
            out.push(finding(
                Level::Error,
                f,
                None,
                format!(
                    "is not searchable by every user (mode {}): access() fails with EACCES for them, so every bind they ask for is refused",
                    octal(m.mode)
                ),
                format!("chmod 755 {f}"),
            ));
        }
        if f == "byuid" && m.mode & 0o005 != 0o005 {
            out.push(finding(
                Level::Note,
                f,
                None,
                format!(
                    "is not readable by every user (mode {}): users cannot `explain` their own lines",
                    octal(m.mode)
                ),
                format!("chmod 755 {f} (the lines are not secret)"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::check::check;
    use crate::mode::{Kind, Meta};
    use crate::who::fixtures::db;

    #[test]
    fn folders_others_can_change() {
        let mut inv = clean();
        inv.ancestors[0].1 = Meta::new(Kind::Dir, 0, 0, 0o777);
        inv.ancestors[1].1 = Meta::new(Kind::Dir, 0, 0, 0o1777);
        inv.root_meta = Some(Meta::new(Kind::Dir, 1000, 0, 0o755));
        put(&mut inv, "byport", Meta::new(Kind::Dir, 0, 2000, 0o775));
        put(&mut inv, "byaddr", Meta::new(Kind::Dir, 0, 0, 0o770));
        put(&mut inv, "byuid", Meta::new(Kind::Dir, 0, 0, 0o700));
        assert_eq!(
            lines(&check(&inv, &db())),
            vec![
                "error .: owned by alice (1000) (not root), who can create, replace and remove the files in it",
                "error /etc: every user can write in it (mode 0777), and so create a grant for themselves",
                "error byaddr: is not searchable by every user (mode 0770): access() fails with EACCES for them, so every bind they ask for is refused",
                "error byport: members of group www (2000) can write in it (mode 0775)",
                "warning byaddr: members of group root (0) can write in it (mode 0770)",
                "note byuid: is not readable by every user (mode 0700): users cannot `explain` their own lines",
            ]
        );
    }

    #[test]
    fn files_links_and_nothing_where_folders_belong() {
        let mut inv = clean();
        put(&mut inv, "byport", file(0, 0, 0o644));
        link(
            &mut inv,
            "byaddr",
            "/srv/authbind/byaddr",
            Ok(Meta::new(Kind::Dir, 0, 0, 0o755)),
        );
        inv.entries.remove("byuid");
        assert_eq!(
            lines(&check(&inv, &db())),
            vec![
                "error byport: is a regular file where a folder belongs: every bind is refused (ENOTDIR) before byuid is read",
                "warning byaddr: is a symlink to /srv/authbind/byaddr: the policy lives wherever that leads",
                "note byuid: does not exist: nothing is granted through it",
            ]
        );
    }
}
