//! Whether a user could read a file themselves: what authbind-policy,
//! run as root, may quote of a file when it judges that user. The helper
//! reads byuid files as root, through any symlink; root's `check` and
//! `explain --user` must not turn that into a way for a user to see a
//! root-only file in a report (a byuid link whose end the user can
//! change), so the lines of a file the user could not read are not shown.

use crate::realtree::RealTree;
use std::path::Path;
use tree::{Creds, Follow};

/// Could `who` open `rel` (relative to the configuration folder `root`)
/// for reading: every folder on the way searchable, links followed, the
/// end readable? By the tree model's rules over `real`.
pub fn may_read(real: &RealTree<'_>, root: &Path, rel: &str, who: &Creds) -> bool {
    let start = real.folder(root);
    match tree::resolve(real, &start, rel.as_bytes(), who, Follow::Last, &mut ()) {
        Ok(end) => tree::may_read(&tree::Tree::meta(real, &end), who),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    #[test]
    fn through_a_link_the_end_and_the_way_decide() {
        let dir = tempfile::tempdir().unwrap();
        let (root, secret, open) = (
            dir.path().join("conf"),
            dir.path().join("secret"),
            dir.path().join("open"),
        );
        std::fs::create_dir_all(root.join("byuid")).unwrap();
        std::fs::write(&secret, "root:x:0:0\n").unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(&open, "127.0.0.1,80\n").unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        symlink(&secret, root.join("byuid/1000")).unwrap();
        symlink(&open, root.join("byuid/1001")).unwrap();
        let (uid, gid) = (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw());
        let stranger = Creds::new(uid.wrapping_add(4242), 4242, vec![]);
        let real = RealTree::new();
        assert!(!may_read(&real, &root, "byuid/1000", &stranger));
        assert!(may_read(&real, &root, "byuid/1001", &stranger));
        assert!(may_read(&real, &root, "byuid/1000", &Creds::new(uid, gid, vec![])));
        assert!(!may_read(&real, &root, "byuid/1002", &stranger), "nothing there");
    }
}
