//! Group membership by the user database (what `initgroups` gives a login
//! of the uid: see [`host::userdb`]). The programs do not use it: they
//! judge a file's group by the binding process's own groups, as access(2)
//! does (bpf/authbind.bpf.c, `holds_group`). It is counted in `--check`'s
//! report, and it is the groups the tests' model of the maps
//! (`Compiled::decide`) gives a process: one started as a login would be.

use host::UserDb;
use std::collections::BTreeSet;

/// The (uid, gid) pairs with uid a database member of gid, for the groups
/// the checks name (no other group can change a decision).
pub fn members(db: &UserDb, groups_named: &BTreeSet<u32>) -> BTreeSet<(u32, u32)> {
    let mut out = BTreeSet::new();
    for &gid in groups_named {
        for user in db.members(gid) {
            // Root is judged by root's rule, never by its groups.
            if user.uid != 0 {
                out.insert((user.uid, gid));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use host::{Group, User};

    fn user(name: &str, uid: u32, gid: u32) -> User {
        User {
            name: name.into(),
            uid,
            gid,
        }
    }

    fn group(name: &str, gid: u32, members: &[&str]) -> Group {
        Group {
            name: name.into(),
            gid,
            members: members.iter().map(|m| m.to_string()).collect(),
        }
    }

    #[test]
    fn root_is_left_out_and_so_are_unnamed_groups() {
        let db = UserDb::of(
            vec![user("root", 0, 0), user("alice", 1000, 1000), user("bob", 1001, 0)],
            vec![group("root", 0, &[]), group("wheel", 10, &["root", "alice"])],
        );
        assert_eq!(members(&db, &[0].into()), [(1001, 0)].into());
        assert_eq!(members(&db, &[0, 10].into()), [(1000, 10), (1001, 0)].into());
        assert!(members(&db, &[1000].into()).contains(&(1000, 1000)));
        assert!(members(&db, &BTreeSet::new()).is_empty());
    }

    #[test]
    fn the_system_database_leaves_root_out() {
        let m = members(&UserDb::system(), &[0].into());
        assert!(!m.contains(&(0, 0)));
        assert!(m.iter().all(|&(_, g)| g == 0));
    }
}
