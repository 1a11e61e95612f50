//! The user and group database, and the one rule of group membership.
//!
//! A user's groups are what `initgroups` gives a login of the uid: the
//! primary gid and `getgrouplist(name, gid)` of the uid's first database
//! entry (the one `getpwuid` answers with). Everything else is derived
//! from that: the members of a group are the users whose groups include
//! it. The system's database asks NSS for the group lists; a database
//! given by hand (tests) computes them from its member lists exactly as
//! NSS's `files` backend does ([`files`]), so the two never answer by
//! different rules.

mod files;
mod names;
#[cfg(test)]
mod tests;

use std::cell::OnceCell;

pub use syscalls::userdb::{Group, User};

/// Where the group lists come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lists {
    /// NSS's `getgrouplist`: the system's database (LDAP, sssd… included).
    Nss,
    /// The database's own member lists, as NSS's `files` backend reads them.
    Files,
}

/// One uid: its first database entry and, once asked for, its groups.
#[derive(Clone, Debug)]
struct Login {
    user: User,
    /// Sorted, without duplicates, the primary gid among them.
    groups: OnceCell<Vec<u32>>,
}

/// The user and group database.
#[derive(Clone, Debug)]
pub struct UserDb {
    /// Every entry, in the database's order (a uid or a name may repeat).
    entries: Vec<User>,
    groups: Vec<Group>,
    /// Each uid once, by its first entry, sorted by uid.
    logins: Vec<Login>,
    lists: Lists,
}

impl UserDb {
    /// The system's database, through NSS.
    pub fn system() -> UserDb {
        UserDb::new(syscalls::userdb::users(), syscalls::userdb::groups(), Lists::Nss)
    }

    /// A database given by hand, in the order of `/etc/passwd` and
    /// `/etc/group`: it answers as the system's would with these files and
    /// NSS's `files` backend only.
    pub fn of(users: Vec<User>, groups: Vec<Group>) -> UserDb {
        UserDb::new(users, groups, Lists::Files)
    }

    fn new(entries: Vec<User>, groups: Vec<Group>, lists: Lists) -> UserDb {
        let mut logins: Vec<Login> = Vec::new();
        for user in &entries {
            if !logins.iter().any(|l| l.user.uid == user.uid) {
                logins.push(Login {
                    user: user.clone(),
                    groups: OnceCell::new(),
                });
            }
        }
        logins.sort_by_key(|l| l.user.uid);
        UserDb {
            entries,
            groups,
            logins,
            lists,
        }
    }

    fn login(&self, uid: u32) -> Option<&Login> {
        self.logins
            .binary_search_by_key(&uid, |l| l.user.uid)
            .ok()
            .map(|i| &self.logins[i])
    }

    /// The rule: the groups `initgroups` gives a login of `login`'s uid.
    fn groups_of_login<'a>(&self, login: &'a Login) -> &'a [u32] {
        login.groups.get_or_init(|| {
            let User { name, gid, .. } = &login.user;
            let mut list = match self.lists {
                Lists::Nss => syscalls::userdb::group_list(name, *gid),
                Lists::Files => files::group_list(&self.groups, name, *gid),
            };
            list.push(*gid);
            list.sort_unstable();
            list.dedup();
            list
        })
    }

    /// The user `uid` is: its first database entry, as `getpwuid` answers.
    pub fn user_by_uid(&self, uid: u32) -> Option<&User> {
        self.login(uid).map(|l| &l.user)
    }

    /// Every user, each uid once (its first entry), by uid.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.logins.iter().map(|l| &l.user)
    }

    /// The groups of `uid` by the rule (sorted, without duplicates, its
    /// primary gid among them); `None` for a uid not in the database.
    pub fn groups_of(&self, uid: u32) -> Option<&[u32]> {
        self.login(uid).map(|l| self.groups_of_login(l))
    }

    /// The users whose groups include `gid`, by uid (root among them if it
    /// is: leaving root out is the caller's rule).
    pub fn members(&self, gid: u32) -> Vec<&User> {
        self.logins
            .iter()
            .filter(|l| self.groups_of_login(l).binary_search(&gid).is_ok())
            .map(|l| &l.user)
            .collect()
    }
}
