//! Users, groups and the credentials a decision is made with.
//!
//! The database is read once (through NSS, `syscalls::userdb`) or built by
//! hand in tests. Credentials are what `access()` sees: the real uid, the
//! real gid and the supplementary groups.

use syscalls::userdb::{Group, User};

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
}

/// The user and group database.
#[derive(Clone, Debug, Default)]
pub struct UserDb {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    /// Ask NSS for a user's group list (`getgrouplist`), as `initgroups`
    /// does; otherwise it is computed from `groups` (tests).
    live: bool,
}

impl UserDb {
    /// The system's database, through NSS.
    pub fn system() -> UserDb {
        UserDb {
            users: syscalls::userdb::users(),
            groups: syscalls::userdb::groups(),
            live: true,
        }
    }

    /// A database given by hand.
    pub fn of(users: Vec<User>, groups: Vec<Group>) -> UserDb {
        UserDb {
            users,
            groups,
            live: false,
        }
    }

    pub fn user_by_uid(&self, uid: u32) -> Option<&User> {
        self.users.iter().find(|u| u.uid == uid)
    }

    pub fn user_by_name(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    pub fn group_by_gid(&self, gid: u32) -> Option<&Group> {
        self.groups.iter().find(|g| g.gid == gid)
    }

    pub fn group_by_name(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// `www (33)` or `33`.
    pub fn group_label(&self, gid: u32) -> String {
        match self.group_by_gid(gid) {
            Some(g) => format!("{} ({gid})", g.name),
            None => gid.to_string(),
        }
    }

    /// `alice (1000)` or `1000`.
    pub fn user_label(&self, uid: u32) -> String {
        match self.user_by_uid(uid) {
            Some(u) => format!("{} ({uid})", u.name),
            None => uid.to_string(),
        }
    }

    /// The groups the database gives `user`, its primary group among them.
    pub fn groups_of(&self, user: &User) -> Vec<u32> {
        if self.live {
            return syscalls::userdb::group_list(&user.name, user.gid);
        }
        let mut g: Vec<u32> = self
            .groups
            .iter()
            .filter(|g| g.members.contains(&user.name))
            .map(|g| g.gid)
            .collect();
        g.push(user.gid);
        g
    }

    /// The database's idea of `user`.
    pub fn who(&self, user: &User) -> Who {
        Who {
            name: Some(user.name.clone()),
            creds: Creds::new(user.uid, user.gid, self.groups_of(user)),
            source: Source::Database,
        }
    }

    /// `uid` as the database has it, or as a uid it does not know
    /// (see [`Source::NotInDatabase`]).
    pub fn who_uid(&self, uid: u32) -> Who {
        match self.user_by_uid(uid) {
            Some(u) => self.who(u),
            None => Who {
                name: None,
                creds: Creds::new(uid, uid, Vec::new()),
                source: Source::NotInDatabase,
            },
        }
    }

    /// A user named on the command line or in a policy: a name, or a
    /// number (a uid, known to the database or not).
    pub fn lookup_user(&self, text: &str) -> Option<Who> {
        if let Some(u) = self.user_by_name(text) {
            return Some(self.who(u));
        }
        uid_number(text).map(|uid| self.who_uid(uid))
    }

    /// A group named on the command line or in a policy: a name or a gid.
    pub fn lookup_group(&self, text: &str) -> Option<u32> {
        if let Some(g) = self.group_by_name(text) {
            return Some(g.gid);
        }
        uid_number(text)
    }

    /// The database users in group `gid` (by primary group or membership),
    /// sorted by uid, each uid once.
    pub fn members(&self, gid: u32) -> Vec<&User> {
        let named = self.group_by_gid(gid).map(|g| g.members.as_slice()).unwrap_or(&[]);
        let mut out: Vec<&User> = self
            .users
            .iter()
            .filter(|u| u.gid == gid || named.contains(&u.name))
            .collect();
        out.sort_by_key(|u| u.uid);
        out.dedup_by_key(|u| u.uid);
        out
    }

    /// Every database user, each uid once (the first entry), by uid.
    pub fn distinct_users(&self) -> Vec<&User> {
        let mut out: Vec<&User> = Vec::new();
        for u in &self.users {
            if !out.iter().any(|o| o.uid == u.uid) {
                out.push(u);
            }
        }
        out.sort_by_key(|u| u.uid);
        out
    }
}

/// A decimal uid or gid as written by people: digits only, and not the
/// value -1 stands for.
fn uid_number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u32>().ok().filter(|&n| n != u32::MAX)
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

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
    use super::fixtures::db;
    use super::*;

    #[test]
    fn names_numbers_and_members() {
        let db = db();
        let carol = db.lookup_user("carol").unwrap();
        assert_eq!(carol.creds, Creds::new(1002, 1002, vec![1002, 2000, 2001]));
        assert_eq!(carol.source, Source::Database);
        assert_eq!(db.lookup_user("1000").unwrap().name.as_deref(), Some("alice"));
        let stranger = db.lookup_user("1500").unwrap();
        assert_eq!(stranger.creds, Creds::new(1500, 1500, vec![]));
        assert_eq!(stranger.source, Source::NotInDatabase);
        assert_eq!(stranger.label(), "uid 1500");
        assert!(db.lookup_user("nobody-here").is_none());
        assert!(db.lookup_user("4294967295").is_none());
        assert_eq!(db.lookup_group("www"), Some(2000));
        assert_eq!(db.lookup_group("4242"), Some(4242));
        let www: Vec<u32> = db.members(2000).iter().map(|u| u.uid).collect();
        assert_eq!(www, vec![1001, 1002]);
        assert_eq!(db.members(1000).len(), 1);
        assert_eq!(db.group_label(2000), "www (2000)");
        assert_eq!(db.group_label(5), "5");
        assert!(carol.creds.in_group(2001) && !carol.creds.in_group(33));
    }
}
