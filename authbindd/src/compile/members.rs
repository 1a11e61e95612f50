//! Group membership as the programs judge it. A BPF program sees the real
//! uid and gid but not the supplementary groups, so kernel mode takes a
//! user's groups from the user database (NSS: what `initgroups` gives a
//! login): the real gid plus every group `getgrouplist` lists for the
//! uid's first database entry. A process whose groups differ from the
//! database's (newgrp, `setpriv --clear-groups`) is judged by the
//! database.

use std::collections::{BTreeMap, BTreeSet};

/// The (uid, gid) pairs with uid a database member of gid, for the groups
/// the checks name (no other group can change a decision).
pub fn members(groups_named: &BTreeSet<u32>) -> BTreeSet<(u32, u32)> {
    let mut out = BTreeSet::new();
    if groups_named.is_empty() {
        return out;
    }
    // getpwuid would answer with the first entry of a uid: so do we.
    let mut first: BTreeMap<u32, syscalls::userdb::User> = BTreeMap::new();
    for user in syscalls::userdb::users() {
        first.entry(user.uid).or_insert(user);
    }
    for (uid, user) in first {
        // Root is judged by root's rule, never by its groups.
        if uid == 0 {
            continue;
        }
        for gid in syscalls::userdb::group_list(&user.name, user.gid) {
            if groups_named.contains(&gid) {
                out.insert((uid, gid));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_left_out_and_so_are_unnamed_groups() {
        let m = members(&[0].into());
        assert!(!m.contains(&(0, 0)));
        assert!(m.iter().all(|&(_, g)| g == 0));
        assert!(members(&BTreeSet::new()).is_empty());
    }
}
