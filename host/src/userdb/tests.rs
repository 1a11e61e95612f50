use super::*;

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

fn uids(users: Vec<&User>) -> Vec<u32> {
    users.iter().map(|u| u.uid).collect()
}

/// The cases the rule must settle, in file order.
fn db() -> UserDb {
    UserDb::of(
        vec![
            user("root", 0, 0),
            user("alice", 1000, 1000),
            user("bob", 1001, 1001),
            // A second entry of alice's uid: never what getpwuid answers.
            user("alias", 1000, 3000),
            user("carol", 1002, 1002),
            user("dave", 1003, 1003),
            // A primary group with no group entry.
            user("erin", 1004, 5000),
        ],
        vec![
            group("root", 0, &[]),
            group("wheel", 10, &["root", "carol"]),
            group("alice", 1000, &[]),
            group("bob", 1001, &[]),
            // carol listed in her own primary group: counted once.
            group("carol", 1002, &["carol"]),
            group("www", 2000, &["bob", "carol"]),
            // A second group entry with www's gid.
            group("www2", 2000, &["dave"]),
            group("aliasgrp", 3000, &[]),
            // Members by names: a second entry's and one nobody has.
            group("extra", 3001, &["alias", "ghost"]),
        ],
    )
}

#[test]
fn a_users_groups_are_its_primary_group_and_the_member_lists_naming_it() {
    let db = db();
    assert_eq!(db.groups_of(1001), Some(&[1001, 2000][..]));
    assert_eq!(db.groups_of(1002), Some(&[10, 1002, 2000][..]));
    assert_eq!(db.groups_of(1004), Some(&[5000][..]));
    assert_eq!(uids(db.members(5000)), vec![1004]);
    assert_eq!(uids(db.members(1002)), vec![1002]);
    assert_eq!(db.groups_of(4242), None);
    assert!(db.members(4242).is_empty());
}

#[test]
fn a_group_sharing_its_gid_with_another_has_both_member_lists() {
    // The old authbind-policy `members` read the first group entry's list
    // only, and left dave out where getgrouplist (and authbindd) had him.
    let db = db();
    assert_eq!(db.groups_of(1003), Some(&[1003, 2000][..]));
    assert_eq!(uids(db.members(2000)), vec![1001, 1002, 1003]);
}

#[test]
fn the_first_entry_of_a_uid_wins() {
    // The old authbind-policy `members` counted uid 1000 in 3000 (the
    // second entry's primary group) and in 3001 (a list naming the second
    // entry); authbindd, as getpwuid and this rule, did not.
    let db = db();
    assert_eq!(db.user_by_uid(1000).map(|u| u.name.as_str()), Some("alice"));
    assert_eq!(db.groups_of(1000), Some(&[1000][..]));
    assert!(db.members(3000).is_empty());
    assert!(db.members(3001).is_empty());
    // By name, the second entry is found, and its uid judged by the first.
    assert_eq!(db.lookup_uid("alias"), Some(1000));
    assert_eq!(
        uids(db.users().collect()),
        vec![0, 1000, 1001, 1002, 1003, 1004],
        "each uid once"
    );
}

#[test]
fn members_by_names_nobody_has_are_no_one() {
    let db = db();
    assert_eq!(db.lookup_uid("ghost"), None);
    assert!(db.members(3001).is_empty());
}

#[test]
fn root_is_judged_by_the_same_rule() {
    let db = db();
    assert_eq!(db.groups_of(0), Some(&[0, 10][..]));
    assert_eq!(uids(db.members(0)), vec![0]);
    assert_eq!(uids(db.members(10)), vec![0, 1002]);
}

#[test]
fn names_numbers_and_labels() {
    let db = db();
    assert_eq!(db.lookup_uid("carol"), Some(1002));
    assert_eq!(db.lookup_uid("1500"), Some(1500));
    assert_eq!(db.lookup_uid("nobody-here"), None);
    assert_eq!(db.lookup_uid("4294967295"), None);
    assert_eq!(db.lookup_uid("-1"), None);
    assert_eq!(db.lookup_uid(""), None);
    assert_eq!(db.lookup_gid("www"), Some(2000));
    assert_eq!(db.lookup_gid("4242"), Some(4242));
    assert_eq!(db.group_by_gid(2000).map(|g| g.name.as_str()), Some("www"));
    assert_eq!(db.group_label(2000), "www (2000)");
    assert_eq!(db.group_label(5000), "5000");
    assert_eq!(db.user_label(1000), "alice (1000)");
    assert_eq!(db.user_label(1500), "1500");
}

#[test]
fn the_system_database_has_root() {
    let db = UserDb::system();
    assert_eq!(db.user_by_uid(0).map(|u| u.name.as_str()), Some("root"));
    assert!(db.groups_of(0).is_some_and(|g| g.contains(&0)));
    assert!(db.members(0).iter().any(|u| u.uid == 0));
}
