//! Users and groups by name or number, as people write them, and labels.

use super::{Group, User, UserDb};

impl UserDb {
    /// The first entry named `name` (its uid's groups are still its uid's
    /// first entry's: see [`UserDb::groups_of`]).
    pub fn user_by_name(&self, name: &str) -> Option<&User> {
        self.entries.iter().find(|u| u.name == name)
    }

    /// The first group entry with gid `gid`, as `getgrgid` answers.
    pub fn group_by_gid(&self, gid: u32) -> Option<&Group> {
        self.groups.iter().find(|g| g.gid == gid)
    }

    /// The first group entry named `name`, as `getgrnam` answers.
    pub fn group_by_name(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// A user named on the command line or in a policy: a name's uid, or a
    /// number (a uid, known to the database or not).
    pub fn lookup_uid(&self, text: &str) -> Option<u32> {
        match self.user_by_name(text) {
            Some(u) => Some(u.uid),
            None => id_number(text),
        }
    }

    /// A group named on the command line or in a policy: a name's gid, or
    /// a number (a gid, known to the database or not).
    pub fn lookup_gid(&self, text: &str) -> Option<u32> {
        match self.group_by_name(text) {
            Some(g) => Some(g.gid),
            None => id_number(text),
        }
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
}

/// A decimal uid or gid as written by people: digits only, and not the
/// value -1 stands for.
fn id_number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u32>().ok().filter(|&n| n != u32::MAX)
}
