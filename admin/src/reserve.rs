//! Reservations as authbind-policy writes them (authbind-policy(8),
//! RESERVATIONS): `reserve/PORT` or `reserve/ADDR,PORT`, an empty file
//! that only its owner may execute (the user's, root's group, mode 0500)
//! or only a group may (root's, the group's, mode 0010), in a folder
//! root:root 0755. Which reservations the tree has and whose they are in
//! words; what a reservation decides is `policy::decide`'s alone.

use crate::inventory::{Entry, Inventory};
use crate::mode::{octal, Kind, Meta};
use crate::who::UserDb;
use model::{Reservation, Rule};

/// Whom a reservation is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Holder {
    User(u32),
    Group(u32),
}

impl Holder {
    /// Whom a reservation for `g` is for.
    pub fn of(g: &crate::declared::Grantee) -> Holder {
        match g {
            crate::declared::Grantee::User(w) => Holder::User(w.creds.uid),
            crate::declared::Grantee::Group { gid, .. } => Holder::Group(*gid),
        }
    }

    /// The file a reservation for this holder is.
    pub fn file_meta(self) -> Meta {
        match self {
            Holder::User(uid) => Meta::new(Kind::File, uid, 0, 0o500),
            Holder::Group(gid) => Meta::new(Kind::File, 0, gid, 0o010),
        }
    }

    /// `postgres` or `@www`.
    pub fn words(self, db: &UserDb) -> String {
        match self {
            Holder::User(uid) => db
                .user_by_uid(uid)
                .map(|u| u.name.clone())
                .unwrap_or(format!("uid {uid}")),
            Holder::Group(gid) => match db.group_by_gid(gid) {
                Some(g) => format!("@{}", g.name),
                None => format!("@{gid}"),
            },
        }
    }
}

/// The folder, as reserve creates it when missing.
pub fn folder_meta() -> Meta {
    Meta::new(Kind::Dir, 0, 0, 0o755)
}

/// `reserve`.
pub fn folder() -> &'static str {
    Rule::Reserve.folder()
}

/// The holder of a file exactly in one of the forms reserve writes.
pub fn holder_of(meta: &Meta) -> Option<Holder> {
    if meta.kind != Kind::File || meta.size != 0 {
        return None;
    }
    match (meta.uid, meta.gid, meta.mode & 0o7777) {
        (uid, 0, 0o500) => Some(Holder::User(uid)),
        (0, gid, 0o010) => Some(Holder::Group(gid)),
        _ => None,
    }
}

/// The holder of a reservation's entry (never a link).
pub fn holder(e: &Entry) -> Option<Holder> {
    e.link.is_none().then(|| holder_of(&e.meta)).flatten()
}

/// Whom `e` reserves for, in words: `postgres`, `@www`, or, for a file in
/// no form reserve writes, who may execute it by its mode bits (an
/// explanation: whether a user passes is the kernel's `access()`).
pub fn whose(db: &UserDb, e: &Entry) -> String {
    whose_file(db, e.link.as_ref().map(|l| l.target.as_str()), e.effective())
}

/// [`whose`], for a file seen by `lstat` (a link's target) and `stat`.
pub fn whose_file(db: &UserDb, link: Option<&str>, stat: Result<Meta, model::Errno>) -> String {
    let m = match (link, stat) {
        (Some(target), Ok(m)) => return format!("whoever may execute {target} ({})", describe(db, &m)),
        (None, Ok(m)) => m,
        (_, Err(err)) => return format!("no one ({err})"),
    };
    if let Some(h) = holder_of(&m) {
        return h.words(db);
    }
    let mut who = Vec::new();
    if m.mode & 0o100 != 0 && m.uid != 0 {
        who.push(db.user_label(m.uid));
    }
    if m.mode & 0o010 != 0 {
        who.push(format!("group {}", db.group_label(m.gid)));
    }
    if m.mode & 0o001 != 0 {
        who.push("every user".into());
    }
    match who.is_empty() {
        true => format!("no one but root ({})", describe(db, &m)),
        false => format!("{} ({})", who.join(" and "), describe(db, &m)),
    }
}

fn describe(db: &UserDb, m: &Meta) -> String {
    format!(
        "owner {}, group {}, mode {}",
        db.user_label(m.uid),
        db.group_label(m.gid),
        octal(m.mode)
    )
}

/// The tree's reservations (names the model reads), in report order.
pub fn in_tree(inv: &Inventory) -> Vec<(Reservation, &Entry)> {
    let mut out: Vec<(Reservation, &Entry)> = inv
        .children(folder())
        .filter_map(|e| Reservation::parse(e.folder_and_name().1).ok().map(|r| (r, e)))
        .collect();
    out.sort_by(|a, b| a.0.rank(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{clean, file, put};
    use crate::who::fixtures::db;

    #[test]
    fn forms_and_words() {
        let db = db();
        assert_eq!(holder_of(&Holder::User(1000).file_meta()), Some(Holder::User(1000)));
        assert_eq!(holder_of(&Holder::Group(2000).file_meta()), Some(Holder::Group(2000)));
        assert_eq!(holder_of(&file(1000, 0, 0o700)), None);
        let mut inv = clean();
        put(&mut inv, "reserve", folder_meta());
        put(&mut inv, "reserve/5432", file(1000, 0, 0o500));
        put(&mut inv, "reserve/10.0.0.1,80", file(0, 2000, 0o010));
        put(&mut inv, "reserve/81", file(1001, 2001, 0o510));
        put(&mut inv, "reserve/!82", file(0, 0, 0o500));
        let found: Vec<(String, String)> = in_tree(&inv)
            .into_iter()
            .map(|(r, e)| (r.to_string(), whose(&db, e)))
            .collect();
        assert_eq!(
            found,
            [
                ("reserve/10.0.0.1,80".to_string(), "@www".to_string()),
                (
                    "reserve/81".into(),
                    "bob (1001) and group staff (2001) (owner bob (1001), group staff (2001), mode 0510)".into()
                ),
                ("reserve/5432".into(), "alice".into()),
            ]
        );
    }
}
