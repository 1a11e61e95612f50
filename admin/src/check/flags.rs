//! Flag files (`byport/`, `byaddr/`): never consulted, in the wrong form,
//! owned or changeable by others, granting nobody or everybody, granting
//! sensitive ports to a whole group.

use super::judge::Judge;
use super::sensitive::{within, words};
use super::{finding, Finding, Level};
use crate::inventory::{Entry, Inventory};
use crate::mode::{octal, Class, Kind, Meta};
use crate::spec::PortRange;
use crate::who::{UserDb, Who};
use model::{flag_files, Address, Errno, FileName, PolicyFile, PolicyName, Rule};

/// `port 80` or `port 80 on 127.0.0.1`.
fn what(port: u16, addr: Option<Address>) -> String {
    match addr {
        Some(a) => format!("port {port} on {a}"),
        None => format!("port {port}"),
    }
}

/// The flag files `decide` stops at before reaching `form`'s file, when
/// it stops before it for every user (root aside): then that file is
/// never consulted.
fn decided_before(judge: &mut Judge, addr: Address, port: u16, form: FileName) -> Option<String> {
    let order = flag_files(addr.family());
    let pos = |n: FileName| order.iter().position(|&f| f == n).unwrap_or(order.len());
    let mut first: Vec<FileName> = Vec::new();
    for who in judge.everyone() {
        let d = judge.flags(&who, addr, port);
        if pos(d.file) >= pos(form) {
            return None;
        }
        if !first.contains(&d.file) {
            first.push(d.file);
        }
    }
    first.sort_by_key(|n| pos(*n));
    let files: Vec<String> = first
        .iter()
        .filter_map(|n| PolicyFile::new(*n, addr, port, 0))
        .map(|f| f.to_string())
        .collect();
    Some(match first.as_slice() {
        [FileName::ByPort] => format!("{} decides every bind of port {port} first", files.join("")),
        [_] => format!("{} decides binds of {} first", files.join(""), what(port, Some(addr))),
        _ => format!(
            "{} decide binds of {} first",
            files.join(" or "),
            what(port, Some(addr))
        ),
    })
}

pub(super) fn check(inv: &Inventory, db: &UserDb, judge: &mut Judge, out: &mut Vec<Finding>) {
    for rule in [Rule::ByPort, Rule::ByAddr] {
        for e in inv.children(rule.folder()) {
            one(db, judge, rule, e, out);
        }
    }
}

fn one(db: &UserDb, judge: &mut Judge, rule: Rule, e: &Entry, out: &mut Vec<Finding>) {
    let rel = e.rel.as_str();
    let (port, addr, name) = match PolicyName::parse(rule, e.folder_and_name().1) {
        Err(why) => {
            let fix = match why.instead() {
                Some(i) => format!("rename it {i}"),
                None => "remove it".into(),
            };
            out.push(finding(Level::Error, rel, None, format!("never consulted: {why}"), fix));
            return;
        }
        Ok(PolicyName::ByAddr { addr, port, form }) => {
            if let Some(why) = decided_before(judge, addr, port, form) {
                out.push(finding(
                    Level::Error,
                    rel,
                    None,
                    format!("never consulted: {why}"),
                    "remove it",
                ));
                return;
            }
            (port, Some(addr), form)
        }
        Ok(PolicyName::ByPort(p)) => (p, None, FileName::ByPort),
        // Not flag files: judged by their own checks.
        Ok(PolicyName::ByUid(_) | PolicyName::Reserve(_)) => return,
    };
    let what = what(port, addr);
    if port >= 1024 {
        out.push(finding(
            Level::Note,
            rel,
            None,
            format!("port {port} is not privileged unless net.ipv4.ip_unprivileged_port_start is raised above it: the helper is not asked"),
            "",
        ));
    }
    let m = match &e.link {
        None => e.meta,
        Some(l) => match l.resolved {
            Ok(m) => {
                out.push(finding(
                    Level::Warning,
                    rel,
                    None,
                    format!("is a symlink to {}: the grant is whatever that leads to", l.target),
                    "replace it with the file itself",
                ));
                m
            }
            Err(Errno::ENOENT) => {
                out.push(finding(
                    Level::Warning,
                    rel,
                    None,
                    format!(
                        "is a symlink to {}, which does not exist: as if there were no file",
                        l.target
                    ),
                    "remove it",
                ));
                return;
            }
            Err(err) => {
                out.push(finding(
                    Level::Error,
                    rel,
                    None,
                    format!(
                        "is a symlink to {} that cannot be followed ({err}): every bind of {what} is refused",
                        l.target
                    ),
                    "remove it, or replace it with the file itself",
                ));
                return;
            }
        },
    };
    if m.kind != Kind::File {
        out.push(finding(
            Level::Warning,
            rel,
            None,
            format!(
                "is a {} where a file belongs: access() reads only its mode, so it decides as a file with mode {} would",
                m.kind.noun(),
                octal(m.mode)
            ),
            "replace it with an empty file",
        ));
    }
    // Where `decide` asks about this file: any address for a byport file.
    let at = Asked {
        name,
        addr: addr.unwrap_or(Address::UNSPECIFIED_V4),
        port,
    };
    let owner = Who::of(db, m.uid);
    let owner_granted = m.uid != 0 && at.grants(judge, &owner);
    ownership(db, rel, &m, owner_granted, &what, out);
    effect(db, judge, rel, &m, &at, owner_granted, &what, out);
}

/// A flag file, as `decide` asks about it.
struct Asked {
    name: FileName,
    addr: Address,
    port: u16,
}

impl Asked {
    fn grants(&self, judge: &mut Judge, who: &Who) -> bool {
        judge.granted_by(self.name, who, self.addr, self.port)
    }

    /// Does `decide` stop at this file for anyone?
    fn decides(&self, judge: &mut Judge, also: &Who) -> bool {
        judge
            .everyone()
            .iter()
            .chain([also])
            .any(|w| judge.flags(w, self.addr, self.port).file == self.name)
    }
}

fn ownership(db: &UserDb, rel: &str, m: &Meta, owner_granted: bool, what: &str, out: &mut Vec<Finding>) {
    if m.uid != 0 {
        if db.user_by_uid(m.uid).is_none() {
            out.push(finding(
                Level::Warning,
                rel,
                None,
                format!("its owner, uid {}, has no user in the database", m.uid),
                "chown root, and grant with `authbind-policy grant`",
            ));
        }
        if owner_granted {
            out.push(finding(
                Level::Warning,
                rel,
                None,
                format!(
                    "owned by {}, who may bind {what} through it and can chmod it to let every user do so",
                    db.user_label(m.uid)
                ),
                "grant with a byuid line instead (`authbind-policy grant USER PORT`), or chown root",
            ));
        } else {
            out.push(finding(
                Level::Error,
                rel,
                None,
                format!(
                    "owned by {} (not root), who can chmod it to let every user bind {what}",
                    db.user_label(m.uid)
                ),
                format!("chown root {rel}"),
            ));
        }
    }
    if m.mode & 0o022 != 0 {
        out.push(finding(
            Level::Note,
            rel,
            None,
            format!(
                "writable by others (mode {}): harmless for a flag file (only its owner, group and mode count), but surprising",
                octal(m.mode)
            ),
            format!("chmod go-w {rel}"),
        ));
    }
}

#[allow(clippy::too_many_arguments)]
fn effect(
    db: &UserDb,
    judge: &mut Judge,
    rel: &str,
    m: &Meta,
    at: &Asked,
    owner_granted: bool,
    what: &str,
    out: &mut Vec<Finding>,
) {
    let port = at.port;
    let owner = Who::of(db, m.uid);
    if !at.decides(judge, &owner) {
        // Every walk goes past it (or stops before it): it grants and
        // refuses nothing.
        return;
    }
    let sensitive = within(PortRange::one(port));
    if at.grants(judge, &Judge::any_other()) {
        let but = if m.uid != 0 && !owner_granted {
            " but its owner"
        } else {
            ""
        };
        let also = if sensitive.is_empty() {
            String::new()
        } else {
            format!(", and {} is a sensitive port", words(&sensitive))
        };
        out.push(finding(
            Level::Error,
            rel,
            None,
            format!(
                "every user{but} may bind {what} (mode {}: the other bits have x){also}",
                octal(m.mode)
            ),
            format!("chmod o-x {rel}; to grant a group: authbind-policy grant @GROUP {port}"),
        ));
        return;
    }
    let granted = judge.granted_users(at.name, at.addr, port);
    // The owner is granted by its own bits, in the database or not.
    if granted.is_empty() && !owner_granted {
        let who = if at.grants(
            judge,
            &Who {
                name: Some("root".into()),
                creds: crate::who::Creds::root(),
                source: crate::who::Source::Database,
            },
        ) {
            "nobody but root, who needs no grant"
        } else {
            "nobody"
        };
        out.push(finding(
            Level::Warning,
            rel,
            None,
            format!(
                "grants {who} (mode {}, owner {}, group {}): every bind of {what} is refused, and the files after it are never read for it",
                octal(m.mode),
                db.user_label(m.uid),
                db.group_label(m.gid)
            ),
            "remove it, or make it executable for whom it is meant",
        ));
    }
    if Class::Group.has_x(m.mode) && db.group_by_gid(m.gid).is_none() {
        out.push(finding(
            Level::Warning,
            rel,
            None,
            format!("its group, gid {}, has no entry in the group database", m.gid),
            "give it a group that exists",
        ));
    }
    // Granted through the group: the members it grants, its owner aside.
    let members = granted
        .iter()
        .filter(|w| w.creds.uid != m.uid && w.creds.in_group(m.gid))
        .count();
    if !sensitive.is_empty() && members > 0 {
        out.push(finding(
            Level::Warning,
            rel,
            None,
            format!(
                "sensitive port {} granted to every member of group {} ({members} user{})",
                words(&sensitive),
                db.group_label(m.gid),
                if members == 1 { "" } else { "s" }
            ),
            "grant it to the one user that needs it",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::check::check;
    use crate::mode::{Kind, Meta};
    use crate::who::fixtures::db;

    fn findings(setup: impl FnOnce(&mut crate::inventory::Inventory)) -> Vec<String> {
        let mut inv = clean();
        setup(&mut inv);
        lines(&check(&inv, &db()))
    }

    #[test]
    fn names_never_consulted() {
        let got = findings(|inv| {
            put(inv, "byport/636", file(0, 2000, 0o010));
            put(inv, "byport/!80", file(0, 2000, 0o010));
            put(inv, "byport/80.bak", file(0, 2000, 0o010));
            put(inv, "byport/81", file(0, 2000, 0o010));
            put(inv, "byaddr/127.0.0.1,81", file(0, 2000, 0o010));
            put(inv, "byaddr/127.0.0.1:82", file(0, 2000, 0o010));
            put(inv, "byaddr/127.0.0.1,82", file(0, 2000, 0o010));
            put(inv, "byport/!8080", file(0, 2000, 0o010));
        });
        assert_eq!(
            got,
            vec![
                "error byaddr/127.0.0.1,81: never consulted: byport/81 decides every bind of port 81 first",
                "error byaddr/127.0.0.1,82: never consulted: byaddr/127.0.0.1:82 decides binds of port 82 on 127.0.0.1 first",
                "error byport/!80: never consulted: ports below 512 are looked up without the `!` (byport/80)",
                "error byport/636: never consulted: ports 512 and up are looked up with a `!` first (byport/!636)",
                "error byport/80.bak: never consulted: `80.bak` is not a port as the helper writes it (decimal, no leading zeros, 1 to 65535)",
                "note byport/!8080: port 8080 is not privileged unless net.ipv4.ip_unprivileged_port_start is raised above it: the helper is not asked",
            ]
        );
    }

    #[test]
    fn who_gets_it() {
        let got = findings(|inv| {
            // The puppet module's form: owner www-data, mode 0755.
            put(inv, "byport/80", file(33, 33, 0o755));
            put(inv, "byport/81", file(0, 0, 0o000));
            put(inv, "byport/82", file(0, 0, 0o500));
            put(inv, "byport/83", file(1000, 1000, 0o050));
            put(inv, "byport/22", file(0, 2000, 0o010));
            put(inv, "byport/84", file(0, 4242, 0o010));
            put(inv, "byport/85", file(1500, 0, 0o500));
            put(inv, "byport/86", file(0, 2000, 0o011));
            put(inv, "byport/87", file(0, 2000, 0o030));
        });
        assert_eq!(
            got,
            vec![
                "error byport/80: every user may bind port 80 (mode 0755: the other bits have x)",
                "error byport/83: owned by alice (1000) (not root), who can chmod it to let every user bind port 83",
                "error byport/86: every user may bind port 86 (mode 0011: the other bits have x)",
                "warning byport/22: sensitive port 22 (ssh) granted to every member of group www (2000) (2 users)",
                "warning byport/80: owned by www-data (33), who may bind port 80 through it and can chmod it to let every user do so",
                "warning byport/81: grants nobody (mode 0000, owner root (0), group root (0)): every bind of port 81 is refused, and the files after it are never read for it",
                "warning byport/82: grants nobody but root, who needs no grant (mode 0500, owner root (0), group root (0)): every bind of port 82 is refused, and the files after it are never read for it",
                // Root is judged by any x bit (decide over the tree says so;
                // the old mode-bit model said "nobody" unless root owned it).
                "warning byport/83: grants nobody but root, who needs no grant (mode 0050, owner alice (1000), group alice (1000)): every bind of port 83 is refused, and the files after it are never read for it",
                "warning byport/84: grants nobody but root, who needs no grant (mode 0010, owner root (0), group 4242): every bind of port 84 is refused, and the files after it are never read for it",
                "warning byport/84: its group, gid 4242, has no entry in the group database",
                "warning byport/85: its owner, uid 1500, has no user in the database",
                "warning byport/85: owned by 1500, who may bind port 85 through it and can chmod it to let every user do so",
                "note byport/87: writable by others (mode 0030): harmless for a flag file (only its owner, group and mode count), but surprising",
            ]
        );
    }

    #[test]
    fn links_and_folders_where_files_belong() {
        let got = findings(|inv| {
            link(inv, "byport/80", "/nowhere", Err(model::Errno::ENOENT));
            link(inv, "byport/81", "../81", Ok(file(0, 2000, 0o010)));
            link(inv, "byport/82", "loop", Err(model::Errno::ELOOP));
            put(inv, "byport/83", Meta::new(Kind::Dir, 0, 0, 0o755));
            put(inv, "byport/84", Meta::new(Kind::Fifo, 0, 2000, 0o010));
        });
        assert_eq!(
            got,
            vec![
                "error byport/82: is a symlink to loop that cannot be followed (Too many levels of symbolic links (ELOOP)): every bind of port 82 is refused",
                "error byport/83: every user may bind port 83 (mode 0755: the other bits have x)",
                "warning byport/80: is a symlink to /nowhere, which does not exist: as if there were no file",
                "warning byport/81: is a symlink to ../81: the grant is whatever that leads to",
                "warning byport/83: is a folder where a file belongs: access() reads only its mode, so it decides as a file with mode 0755 would",
                "warning byport/84: is a FIFO where a file belongs: access() reads only its mode, so it decides as a file with mode 0010 would",
            ]
        );
    }
}
