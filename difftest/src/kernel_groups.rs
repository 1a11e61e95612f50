//! The groups a test user binds with under `--kernel`: not always the
//! database's. Kernel mode must judge a file's group by the binding
//! process's own groups, as access(2) does for the helper, so the helper
//! and the bind run with the same set, which is sometimes the database's
//! (`--init-groups`), sometimes none, sometimes groups the database does
//! not give (as `SupplementaryGroups=` or `docker --group-add` would).

use crate::request::Request;

/// The sets, as `setpriv` arguments. The groups are those the trees'
/// files have (0, 1500, 1501; see tree.rs's owners).
const SETS: [&str; 5] = [
    "--init-groups",
    "--clear-groups",
    "--groups=0",
    "--groups=1500,1501",
    "--groups=0,1500,1501",
];

/// The set for `req`: fixed by the request, so that the helper and the
/// bind of one case get the same, and varied across cases.
pub fn set_for(req: &Request) -> &'static str {
    let addr: u64 = match req.addr {
        std::net::IpAddr::V4(a) => a.octets().iter().map(|&b| u64::from(b)).sum(),
        std::net::IpAddr::V6(a) => a.octets().iter().map(|&b| u64::from(b)).sum(),
    };
    let mix = u64::from(req.port) * 31 + u64::from(req.uid) * 7 + addr;
    SETS[(mix % SETS.len() as u64) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_set_is_used_and_both_users_get_several() {
        let mut seen = std::collections::BTreeSet::new();
        for uid in crate::request::USERS {
            let mut mine = std::collections::BTreeSet::new();
            for port in 1..64 {
                let req = Request {
                    uid,
                    addr: "127.0.0.1".parse().unwrap(),
                    port,
                };
                assert_eq!(set_for(&req), set_for(&req));
                mine.insert(set_for(&req));
                seen.insert(set_for(&req));
            }
            assert!(mine.len() > 2);
        }
        assert_eq!(seen.len(), SETS.len());
    }
}
