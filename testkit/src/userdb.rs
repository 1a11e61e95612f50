//! The user database a sandbox brings with it: a complete `/etc/passwd`,
//! `/etc/group` and an `/etc/nsswitch.conf` that says `files` (so that
//! LDAP, sssd or systemd-userdb never answer), bind-mounted over the
//! machine's inside the sandbox's private mount namespace.
//!
//! Every test then sees the same users and groups whatever the machine
//! has: a machine where uid 1500 already names someone, or where group
//! 1500 has members, must not change a single audit line or group set.
//! A test that needs a user or group beyond the [`UserDb::standard`] ones
//! says so with [`UserDb::user`], [`UserDb::group`] or [`UserDb::member`].
//!
//! (glibc asks nscd before the files when its socket exists: every
//! sandbox here mounts a tmpfs of its own over /run, which hides it.)

use crate::quote::sh_quote;

/// The unprivileged user the tests grant ports to.
pub const USER: u32 = 1500;
/// A second unprivileged user, with no grant unless a test gives one.
pub const OTHER: u32 = 1501;
/// [`USER`]'s name (and its own group's) in the standard database.
pub const USER_NAME: &str = "abuser";
/// [`OTHER`]'s name (and its own group's) in the standard database.
pub const OTHER_NAME: &str = "abother";

/// Name service: the files only, for every database a test touches.
pub const NSSWITCH: &str = "passwd: files\ngroup: files\nshadow: files\ninitgroups: files\n";

/// The files [`UserDb::script`] writes, each mounted over `/etc/<name>`.
pub const FILES: [&str; 3] = ["passwd", "group", "nsswitch.conf"];

#[derive(Debug, Clone, PartialEq, Eq)]
struct Account {
    name: String,
    uid: u32,
    gid: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    name: String,
    gid: u32,
    members: Vec<String>,
}

/// A whole user database, built up from [`UserDb::minimal`] or
/// [`UserDb::standard`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDb {
    users: Vec<Account>,
    groups: Vec<Group>,
}

impl Default for UserDb {
    fn default() -> UserDb {
        UserDb::standard()
    }
}

impl UserDb {
    /// What every database holds: root (0, group root) and nobody (65534,
    /// group nogroup), as on Debian.
    pub fn minimal() -> UserDb {
        UserDb {
            users: Vec::new(),
            groups: Vec::new(),
        }
        .group("root", 0, &[])
        .group("nogroup", 65534, &[])
        .user("root", 0, 0)
        .user("nobody", 65534, 65534)
    }

    /// [`UserDb::minimal`] and the test users [`USER`] and [`OTHER`], each
    /// with a group of its own (same name and id) and no other membership.
    pub fn standard() -> UserDb {
        UserDb::minimal()
            .group(USER_NAME, USER, &[])
            .group(OTHER_NAME, OTHER, &[])
            .user(USER_NAME, USER, USER)
            .user(OTHER_NAME, OTHER, OTHER)
    }

    /// Adds user `name` (`uid`, primary group `gid`). Panics when the name
    /// or the uid is taken, or the name cannot stand in the file.
    pub fn user(mut self, name: &str, uid: u32, gid: u32) -> UserDb {
        check_name(name);
        assert!(
            !self.users.iter().any(|u| u.name == name || u.uid == uid),
            "user {name} ({uid}): the name or the uid is already in the database"
        );
        self.users.push(Account {
            name: name.to_string(),
            uid,
            gid,
        });
        self
    }

    /// Adds group `name` (`gid`) with `members` (user names). Panics when
    /// the name or the gid is taken.
    pub fn group(mut self, name: &str, gid: u32, members: &[&str]) -> UserDb {
        check_name(name);
        members.iter().for_each(|m| check_name(m));
        assert!(
            !self.groups.iter().any(|g| g.name == name || g.gid == gid),
            "group {name} ({gid}): the name or the gid is already in the database"
        );
        self.groups.push(Group {
            name: name.to_string(),
            gid,
            members: members.iter().map(|m| m.to_string()).collect(),
        });
        self
    }

    /// Makes `user` a member of the existing group `group`. Panics when
    /// there is no such group.
    pub fn member(mut self, group: &str, user: &str) -> UserDb {
        check_name(user);
        let g = self
            .groups
            .iter_mut()
            .find(|g| g.name == group)
            .unwrap_or_else(|| panic!("no group {group} in the database"));
        g.members.push(user.to_string());
        self
    }

    /// The name of `uid`, if the database has it.
    pub fn name_of(&self, uid: u32) -> Option<&str> {
        self.users.iter().find(|u| u.uid == uid).map(|u| u.name.as_str())
    }

    /// `/etc/passwd`: one line a user, home `/root` for root and
    /// `/nonexistent` for the others.
    pub fn passwd(&self) -> String {
        self.users
            .iter()
            .map(|u| {
                let (home, shell) = if u.uid == 0 {
                    ("/root", "/bin/bash")
                } else {
                    ("/nonexistent", "/usr/sbin/nologin")
                };
                format!("{}:x:{}:{}:{}:{home}:{shell}\n", u.name, u.uid, u.gid, u.name)
            })
            .collect()
    }

    /// `/etc/group`: one line a group, members comma-separated.
    pub fn group_file(&self) -> String {
        self.groups
            .iter()
            .map(|g| format!("{}:x:{}:{}\n", g.name, g.gid, g.members.join(",")))
            .collect()
    }

    /// Shell commands, joined with `&&`, that write the database's
    /// [`FILES`] into the new folder `dir` (mode 0755, each file 0644:
    /// every user reads them) and bind-mount each over `/etc/<name>`. Run
    /// them only in a private mount namespace, with `dir` in a file system
    /// of that namespace's own (the sandbox prelude uses its /run): there
    /// the machine's files are hidden, never changed.
    pub fn script(&self, dir: &str) -> String {
        let texts = [self.passwd(), self.group_file(), NSSWITCH.to_string()];
        let mut commands = vec![format!("mkdir -m 0755 {}", sh_quote(dir))];
        for (name, text) in FILES.iter().zip(texts) {
            let path = sh_quote(&format!("{dir}/{name}"));
            commands.push(format!("printf '%s' {} > {path}", sh_quote(&text)));
            commands.push(format!("chmod 0644 {path}"));
            commands.push(format!("mount --bind {path} /etc/{name}"));
        }
        commands.join(" && ")
    }
}

fn check_name(name: &str) {
    assert!(
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
        "`{name}` cannot name a user or group in the database"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_database_has_root_nobody_and_the_test_users() {
        let db = UserDb::standard();
        assert_eq!(
            db.passwd(),
            "root:x:0:0:root:/root:/bin/bash\n\
             nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n\
             abuser:x:1500:1500:abuser:/nonexistent:/usr/sbin/nologin\n\
             abother:x:1501:1501:abother:/nonexistent:/usr/sbin/nologin\n"
        );
        assert_eq!(
            db.group_file(),
            "root:x:0:\nnogroup:x:65534:\nabuser:x:1500:\nabother:x:1501:\n"
        );
        assert_eq!(db.name_of(USER), Some(USER_NAME));
        assert_eq!(db.name_of(OTHER), Some(OTHER_NAME));
        assert_eq!(UserDb::minimal().name_of(USER), None);
        assert_eq!(UserDb::default(), db);
    }

    #[test]
    fn extra_users_groups_and_members_are_added_in_order() {
        let db = UserDb::standard()
            .group("web", 1600, &["abuser"])
            .user("alice", 1700, 1600)
            .member("web", "alice")
            .member("root", "abother");
        assert!(db
            .passwd()
            .ends_with("alice:x:1700:1600:alice:/nonexistent:/usr/sbin/nologin\n"));
        let group = db.group_file();
        assert!(group.starts_with("root:x:0:abother\n"), "{group}");
        assert!(group.ends_with("web:x:1600:abuser,alice\n"), "{group}");
    }

    #[test]
    #[should_panic(expected = "already in the database")]
    fn a_uid_cannot_have_two_names() {
        let _ = UserDb::standard().user("someone", USER, USER);
    }

    #[test]
    #[should_panic(expected = "already in the database")]
    fn a_gid_cannot_have_two_names() {
        let _ = UserDb::standard().group("other", OTHER, &[]);
    }

    #[test]
    #[should_panic(expected = "no group")]
    fn a_member_needs_its_group() {
        let _ = UserDb::standard().member("web", USER_NAME);
    }

    #[test]
    #[should_panic(expected = "cannot name")]
    fn a_name_cannot_break_the_file() {
        let _ = UserDb::standard().user("a:b", 1600, 1600);
    }

    #[test]
    fn the_script_writes_each_file_and_binds_it_over_etc() {
        let db = UserDb::minimal();
        let script = db.script("/run/x y");
        let commands: Vec<&str> = script.split(" && ").collect();
        assert_eq!(commands[0], "mkdir -m 0755 '/run/x y'");
        assert_eq!(
            commands[1],
            "printf '%s' 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > '/run/x y/passwd'"
        );
        assert_eq!(commands[2], "chmod 0644 '/run/x y/passwd'");
        assert_eq!(commands[3], "mount --bind '/run/x y/passwd' /etc/passwd");
        assert_eq!(commands[6], "mount --bind '/run/x y/group' /etc/group");
        assert_eq!(commands[9], "mount --bind '/run/x y/nsswitch.conf' /etc/nsswitch.conf");
        assert_eq!(commands.len(), 10);
    }

    #[test]
    fn the_files_the_script_writes_say_the_database() {
        // The script without its mounts, run by sh into a scratch folder.
        let scratch = crate::Scratch::new("testkit-userdb");
        let dir = scratch.join("db").to_string_lossy().into_owned();
        let db = UserDb::standard().group("web", 1600, &[USER_NAME]);
        let writes: Vec<String> = db
            .script(&dir)
            .split(" && ")
            .filter(|c| !c.starts_with("mount "))
            .map(str::to_string)
            .collect();
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(writes.join(" && "))
            .status()
            .unwrap();
        assert!(status.success());
        let read = |name: &str| std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
        assert_eq!(read("passwd"), db.passwd());
        assert_eq!(read("group"), db.group_file());
        assert_eq!(read("nsswitch.conf"), NSSWITCH);
        use std::os::unix::fs::PermissionsExt;
        for name in FILES {
            let mode = std::fs::metadata(format!("{dir}/{name}")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644, "{name}");
        }
    }

    #[test]
    fn nsswitch_says_files_for_every_database_a_test_touches() {
        for db in ["passwd", "group", "shadow", "initgroups"] {
            assert!(NSSWITCH.contains(&format!("{db}: files\n")), "{db}");
        }
    }
}
