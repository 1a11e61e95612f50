//! `getgrouplist` as NSS's `files` backend answers it, for a database given
//! by hand: every group whose member list names the user, by name exactly
//! (a member list may name users that do not exist, and a group may share
//! its gid with another). The primary gid is the caller's to add.

use super::Group;

/// The gids of the groups in `groups` that list `name` as a member,
/// without `gid` (the primary group, which `getgrouplist` puts first).
pub(super) fn group_list(groups: &[Group], name: &str, gid: u32) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::new();
    for g in groups {
        if g.gid != gid && !out.contains(&g.gid) && g.members.iter().any(|m| m == name) {
            out.push(g.gid);
        }
    }
    out
}
