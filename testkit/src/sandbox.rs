//! The start of every sandbox's script: the end-to-end tests', the
//! benchmark's and the differential test's. Each runs it as root in fresh
//! mount and network namespaces (`unshare --mount --net …`).

use crate::quote::sh_quote;
use crate::userdb::UserDb;

/// Where [`prelude`] writes the user database (in the sandbox's own /run).
pub const USERDB_DIR: &str = "/run/authbind-users";

/// Shell lines (sh or bash) that set a sandbox up:
/// - loopback up (ports below 1024 are privileged in the new namespace);
/// - every mount private to the namespace, so nothing below reaches the
///   machine;
/// - a /run of its own (a tmpfs): the helper's refusal counts
///   (`/run/authbind`, 0700) and kernel mode's public marks
///   (`/run/authbindd`, 0755) stay in the sandbox, no mount point is left
///   in the machine's /run, and nscd's socket is out of sight, so glibc
///   reads the files below;
/// - the user database `users` in [`USERDB_DIR`], mounted over
///   `/etc/passwd`, `/etc/group` and `/etc/nsswitch.conf` ([`UserDb::script`]);
/// - a tmpfs over the policy folder `confdir` (made if missing) with
///   empty `byport`, `byaddr` and `byuid` folders (0755);
/// - `/dev/log`, if there is one, is /dev/null: the helper's audit lines
///   stay out of the machine's log.
///
/// A line that fails prints `SANDBOX SETUP FAILED: WHAT` on standard
/// error and exits with status 97.
pub fn prelude(confdir: &str, users: &UserDb) -> String {
    let c = sh_quote(confdir);
    let by = |dir: &str| sh_quote(&format!("{confdir}/{dir}"));
    let steps = [
        ("ip link set lo up".to_string(), "loopback up"),
        ("mount --make-rprivate /".to_string(), "mount --make-rprivate /"),
        (
            "mount -t tmpfs -o mode=0755 authbind-sandbox-run /run".to_string(),
            "tmpfs on /run",
        ),
        (
            "mkdir -m 0700 /run/authbind && mkdir -m 0755 /run/authbindd".to_string(),
            "mkdir /run/authbind*",
        ),
        (users.script(USERDB_DIR), "user database over /etc"),
        (
            format!("mkdir -p {c} && mount -t tmpfs -o mode=0755 authbind-sandbox-policy {c}"),
            "tmpfs on the policy folder",
        ),
        (
            format!("mkdir -m 0755 {} {} {}", by("byport"), by("byaddr"), by("byuid")),
            "mkdir by*",
        ),
        (
            "if [ -e /dev/log ]; then mount --bind /dev/null /dev/log; fi".to_string(),
            "hide /dev/log",
        ),
    ];
    steps
        .iter()
        .map(|(command, what)| format!("{{ {command}; }} || {{ echo 'SANDBOX SETUP FAILED: {what}' >&2; exit 97; }}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_fails_the_script_saying_what() {
        let prelude = prelude("/etc/authbind", &UserDb::standard());
        // One step a line (the database's files are multi-line words).
        let lines: Vec<&str> = prelude.split_inclusive(" >&2; exit 97; }\n").collect();
        assert_eq!(lines.len(), 8);
        for line in &lines {
            assert!(
                line.starts_with("{ ") && line.contains("; } || { echo 'SANDBOX SETUP FAILED: "),
                "{line}"
            );
            assert!(line.ends_with(" >&2; exit 97; }\n"), "{line}");
        }
        // /run is the sandbox's before the database is written in it.
        let run = lines.iter().position(|l| l.contains("tmpfs on /run")).unwrap();
        let db = lines
            .iter()
            .position(|l| l.contains("mkdir -m 0755 '/run/authbind-users'"))
            .unwrap();
        assert!(run < db);
        assert!(prelude.contains("mkdir -m 0755 '/etc/authbind/byport' '/etc/authbind/byaddr' '/etc/authbind/byuid'"));
    }

    #[test]
    fn a_failing_step_stops_the_script_with_97() {
        // The prelude's first line, with a command that fails in its place.
        let line = prelude("/x", &UserDb::minimal())
            .lines()
            .next()
            .unwrap()
            .replace("ip link set lo up", "false");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{line}\necho not reached"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(97));
        assert!(out.stdout.is_empty());
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "SANDBOX SETUP FAILED: loopback up\n"
        );
    }
}
