//! Users, groups and the credentials a decision is made with.
//!
//! The database is authbind-host's [`UserDb`] (NSS, or built by hand in
//! tests), whose one rule gives a uid its groups. Credentials are what
//! `access()` sees: the real uid, the real gid and the supplementary groups.

pub use host::UserDb;

/// Where the credentials of a [`Who`] come from (explain says so).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// This process's own real credentials.
    Own,
    /// The user database's (what `initgroups` would set).
    Database,
    /// A uid with no entry in the database: its gid is taken equal to the
    /// uid and it has no supplementary groups.
    NotInDatabase,
}

/// What `access()` judges a user by: the `tree` crate's credentials.
pub use tree::Creds;

/// A user to decide for: credentials, a name if the database has one, and
/// where the credentials came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Who {
    pub name: Option<String>,
    pub creds: Creds,
    pub source: Source,
}

impl Who {
    /// `alice (uid 1000)` or `uid 1500`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("{n} (uid {})", self.creds.uid),
            None => format!("uid {}", self.creds.uid),
        }
    }

    /// `alice` or `uid 1500`, inside sentences.
    pub fn short(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => format!("uid {}", self.creds.uid),
        }
    }

    /// `uid` as the database has it (its first entry's name and gid, its
    /// groups by the database's rule), or as a uid it does not know (see
    /// [`Source::NotInDatabase`]).
    pub fn of(db: &UserDb, uid: u32) -> Who {
        match (db.user_by_uid(uid), db.groups_of(uid)) {
            (Some(u), Some(groups)) => Who {
                name: Some(u.name.clone()),
                creds: Creds::new(uid, u.gid, groups.to_vec()),
                source: Source::Database,
            },
            _ => Who {
                name: None,
                creds: Creds::new(uid, uid, Vec::new()),
                source: Source::NotInDatabase,
            },
        }
    }

    /// A user named on the command line or in a policy: a name, or a
    /// number (a uid, known to the database or not). A name's uid is
    /// judged as the uid's first entry, as every uid is.
    pub fn lookup(db: &UserDb, text: &str) -> Option<Who> {
        db.lookup_uid(text).map(|uid| Who::of(db, uid))
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use host::{Group, User};

    pub fn user(name: &str, uid: u32, gid: u32) -> User {
        User {
            name: name.into(),
            uid,
            gid,
        }
    }

    pub fn group(name: &str, gid: u32, members: &[&str]) -> Group {
        Group {
            name: name.into(),
            gid,
            members: members.iter().map(|m| m.to_string()).collect(),
        }
    }

    /// root, alice (1000), bob (1001, in www), carol (1002, in www and
    /// staff), www-data (33), and their groups.
    pub fn db() -> UserDb {
        UserDb::of(
            vec![
                user("root", 0, 0),
                user("www-data", 33, 33),
                user("alice", 1000, 1000),
                user("bob", 1001, 1001),
                user("carol", 1002, 1002),
            ],
            vec![
                group("root", 0, &[]),
                group("www-data", 33, &[]),
                group("alice", 1000, &[]),
                group("bob", 1001, &[]),
                group("carol", 1002, &[]),
                group("www", 2000, &["bob", "carol"]),
                group("staff", 2001, &["carol"]),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{db, group, user};
    use super::*;

    #[test]
    fn names_numbers_and_members() {
        let db = db();
        let carol = Who::lookup(&db, "carol").unwrap();
        assert_eq!(carol.creds, Creds::new(1002, 1002, vec![1002, 2000, 2001]));
        assert_eq!(carol.source, Source::Database);
        assert_eq!(Who::lookup(&db, "1000").unwrap().name.as_deref(), Some("alice"));
        let stranger = Who::lookup(&db, "1500").unwrap();
        assert_eq!(stranger.creds, Creds::new(1500, 1500, vec![]));
        assert_eq!(stranger.source, Source::NotInDatabase);
        assert_eq!(stranger.label(), "uid 1500");
        assert!(Who::lookup(&db, "nobody-here").is_none());
        assert!(Who::lookup(&db, "4294967295").is_none());
        assert_eq!(db.lookup_gid("www"), Some(2000));
        assert_eq!(db.lookup_gid("4242"), Some(4242));
        let www: Vec<u32> = db.members(2000).iter().map(|u| u.uid).collect();
        assert_eq!(www, vec![1001, 1002]);
        assert_eq!(db.members(1000).len(), 1);
        assert_eq!(db.group_label(2000), "www (2000)");
        assert_eq!(db.group_label(5), "5");
        assert!(carol.creds.in_group(2001) && !carol.creds.in_group(33));
    }

    #[test]
    fn a_second_entry_of_a_uid_is_judged_as_its_first() {
        let db = UserDb::of(
            vec![user("alice", 1000, 1000), user("alias", 1000, 3000)],
            vec![group("alice", 1000, &[]), group("extra", 3001, &["alias"])],
        );
        let alias = Who::lookup(&db, "alias").unwrap();
        assert_eq!(alias, Who::of(&db, 1000));
        assert_eq!(alias.name.as_deref(), Some("alice"));
        assert_eq!(alias.creds, Creds::new(1000, 1000, vec![1000]));
        assert!(db.members(3000).is_empty() && db.members(3001).is_empty());
    }
}
