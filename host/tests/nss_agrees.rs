//! The system's database (NSS) and one given by hand answer alike when both
//! are built from the same `/etc/passwd` and `/etc/group`. The test runs
//! itself again in a private mount namespace where its own files and an
//! `nsswitch.conf` with `files` only are mounted over the machine's, so it
//! depends on none of the machine's users.

use host::{Group, User, UserDb};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const TEST: &str = "live_and_hand_built_databases_agree";
/// Set in the child: the folder of the files mounted over /etc's.
const CHILD: &str = "AUTHBIND_HOST_NSS_CHILD";

fn passwd() -> String {
    let mut s = String::from(
        "root:x:0:0:root:/root:/bin/sh\n\
         alice:x:1000:1000::/home/alice:/bin/sh\n\
         bob:x:1001:1001::/home/bob:/bin/sh\n\
         alias:x:1000:3000:a second entry of uid 1000:/:/bin/sh\n\
         carol:x:1002:1002::/:/bin/sh\n\
         dave:x:1003:1003::/:/bin/sh\n\
         erin:x:1004:5000:no group entry for 5000:/:/bin/sh\n\
         twin:x:1500:1500::/:/bin/sh\n\
         twin:x:1501:1501:a second entry of the name:/:/bin/sh\n\
         many:x:1600:1600:in more groups than getgrouplist's first buffer:/:/bin/sh\n",
    );
    s.push_str("nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n");
    s
}

fn group() -> String {
    let mut s = String::from(
        "root:x:0:\n\
         wheel:x:10:root,carol\n\
         alice:x:1000:\n\
         bob:x:1001:\n\
         carol:x:1002:carol\n\
         www:x:2000:bob,carol\n\
         www2:x:2000:dave\n\
         aliasgrp:x:3000:\n\
         extra:x:3001:alias,ghost\n\
         twins:x:3002:twin\n\
         nogroup:x:65534:\n",
    );
    for i in 0..40 {
        s.push_str(&format!("g{i}:x:{}:many\n", 4000 + i));
    }
    s
}

fn parse_passwd(text: &str) -> Vec<User> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            User {
                name: f[0].into(),
                uid: f[2].parse().unwrap(),
                gid: f[3].parse().unwrap(),
            }
        })
        .collect()
}

fn parse_group(text: &str) -> Vec<Group> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Group {
                name: f[0].into(),
                gid: f[2].parse().unwrap(),
                members: f[3].split(',').filter(|m| !m.is_empty()).map(String::from).collect(),
            }
        })
        .collect()
}

/// What the child checks, and says it checked: `(users, gids)`.
fn counts(users: &[User], groups: &[Group]) -> (usize, usize) {
    let uids: BTreeSet<u32> = users.iter().map(|u| u.uid).collect();
    (uids.len(), gids(users, groups).len())
}

/// Every gid the files give, and one they do not.
fn gids(users: &[User], groups: &[Group]) -> BTreeSet<u32> {
    let mut out: BTreeSet<u32> = groups
        .iter()
        .map(|g| g.gid)
        .chain(users.iter().map(|u| u.gid))
        .collect();
    out.insert(4242);
    out
}

#[test]
#[ignore = "needs root: make e2e (mounts over /etc/passwd and /etc/group in a private mount namespace)"]
fn live_and_hand_built_databases_agree() {
    match std::env::var_os(CHILD) {
        Some(dir) => child(Path::new(&dir)),
        None => parent(),
    }
}

fn parent() {
    let dir = std::env::temp_dir().join(format!("authbind-host-nss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("passwd"), passwd()).unwrap();
    std::fs::write(dir.join("group"), group()).unwrap();
    std::fs::write(dir.join("nsswitch.conf"), "passwd: files\ngroup: files\n").unwrap();
    // nscd would answer from the machine's files: hide its socket too.
    let script = r#"set -e
mount --make-rprivate /
mount --bind "$1/passwd" /etc/passwd
mount --bind "$1/group" /etc/group
mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf
for d in /run/nscd /var/run/nscd; do if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d"; fi; done
shift
exec "$@"
"#;
    let out = Command::new("unshare")
        .args(["--mount", "--", "sh", "-c", script, "sh"])
        .arg(&dir)
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", TEST, "--include-ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD, &dir)
        .output()
        .expect("run unshare");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the child failed: {}\n{stdout}\n{stderr}",
        out.status
    );
    let (users, gids) = counts(&parse_passwd(&passwd()), &parse_group(&group()));
    let said = format!("AGREED users={users} gids={gids}");
    assert!(
        stdout.contains(&said),
        "the child did not check (no `{said}`):\n{stdout}\n{stderr}"
    );
}

fn child(dir: &Path) {
    let text = |p: &str| std::fs::read_to_string(p).unwrap();
    // The files NSS reads are ours, or this compares nothing.
    assert_eq!(text("/etc/passwd"), text(dir.join("passwd").to_str().unwrap()));
    assert_eq!(text("/etc/group"), text(dir.join("group").to_str().unwrap()));
    let users = parse_passwd(&text("/etc/passwd"));
    let groups = parse_group(&text("/etc/group"));
    let by_hand = UserDb::of(users.clone(), groups.clone());
    let live = UserDb::system();

    let listed = |db: &UserDb| db.users().cloned().collect::<Vec<User>>();
    assert_eq!(listed(&live), listed(&by_hand));
    let mut checked_uids = 0;
    for u in by_hand.users() {
        assert_eq!(
            live.groups_of(u.uid),
            by_hand.groups_of(u.uid),
            "groups of uid {}",
            u.uid
        );
        assert_eq!(live.user_by_uid(u.uid), by_hand.user_by_uid(u.uid));
        assert_eq!(live.user_label(u.uid), by_hand.user_label(u.uid));
        checked_uids += 1;
    }
    for u in &users {
        assert_eq!(
            live.user_by_name(&u.name),
            by_hand.user_by_name(&u.name),
            "user {}",
            u.name
        );
        assert_eq!(live.lookup_uid(&u.name), by_hand.lookup_uid(&u.name));
    }
    for g in &groups {
        assert_eq!(
            live.group_by_name(&g.name),
            by_hand.group_by_name(&g.name),
            "group {}",
            g.name
        );
        assert_eq!(live.lookup_gid(&g.name), by_hand.lookup_gid(&g.name));
    }
    let mut checked_gids = 0;
    for gid in gids(&users, &groups) {
        let members = |db: &UserDb| db.members(gid).into_iter().cloned().collect::<Vec<User>>();
        assert_eq!(members(&live), members(&by_hand), "members of gid {gid}");
        assert_eq!(live.group_by_gid(gid), by_hand.group_by_gid(gid));
        assert_eq!(live.group_label(gid), by_hand.group_label(gid));
        checked_gids += 1;
    }
    assert_eq!(live.groups_of(4242), None);
    // The cases the files hold are there to be settled, not skipped.
    assert_eq!(live.groups_of(1600).map(<[u32]>::len), Some(41));
    assert_eq!(live.groups_of(1000), Some(&[1000][..]));
    assert_eq!(
        live.members(2000).iter().map(|u| u.uid).collect::<Vec<_>>(),
        vec![1001, 1002, 1003]
    );
    println!("AGREED users={checked_uids} gids={checked_gids}");
}
