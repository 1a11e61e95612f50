//! `reserve/`: names never consulted, reservations of different owners
//! that overlap, flag files granting a port reserved for someone else,
//! reserved ports the kernel may hand out (the ephemeral range), and
//! reservations nothing enforces (kernel mode not running). Byuid lines
//! a reservation refuses first are byuid.rs's (`decide` stops there).
//! Who may bind is `decide`'s answer over the snapshot (the judge); who
//! a reservation is for, in words, reserve.rs's.

use super::folders::dir_writers;
use super::judge::Judge;
use super::{finding, Finding, Level};
use crate::inventory::Inventory;
use crate::mode::{octal, Kind};
use crate::reserve::{folder, in_tree, whose};
use crate::system::System;
use crate::who::{UserDb, Who};
use model::{Address, PolicyName, Reason, Reservation, Rule};

pub(super) fn check(inv: &Inventory, db: &UserDb, judge: &mut Judge, system: &System, out: &mut Vec<Finding>) {
    let dir = folder();
    let Some(e) = inv.get(dir) else { return };
    match e.effective() {
        Ok(m) if m.kind == Kind::Dir => {
            dir_writers(dir, &m, db, out);
            if m.mode & 0o001 == 0 {
                out.push(finding(
                    Level::Error,
                    dir,
                    None,
                    format!(
                        "is not searchable by every user (mode {}): access() fails with EACCES for them, so every reservation in it refuses its own owners too",
                        octal(m.mode)
                    ),
                    format!("chmod 755 {dir}"),
                ));
            }
        }
        // Not a folder: nothing is reserved (the helper finds none).
        _ => return,
    }
    for e in inv.children(dir) {
        let name = e.folder_and_name().1;
        if let Err(why) = Reservation::parse(name) {
            let fix = match why.instead() {
                Some(i) => format!("rename it {i}"),
                None => "remove it".into(),
            };
            out.push(finding(
                Level::Error,
                &e.rel,
                None,
                format!("never consulted: {why}"),
                fix,
            ));
        }
    }
    let rs = in_tree(inv);
    overlaps(db, judge, &rs, out);
    shadowed_flags(inv, db, judge, &rs, out);
    if let Some((lo, hi)) = system.ephemeral {
        for (r, e) in rs.iter().filter(|(r, _)| (lo..=hi).contains(&r.port)) {
            out.push(finding(
                Level::Warning,
                &e.rel,
                None,
                format!(
                    "port {} is in the range the kernel picks ports from for bind(0) and connect() (net.ipv4.ip_local_port_range {lo}-{hi}): without kernel mode keeping it out of that range, a program may be handed it while its owner is down",
                    r.port
                ),
                format!("reserve a port outside {lo}-{hi}, or add it to net.ipv4.ip_local_reserved_ports"),
            ));
        }
    }
    enforcement(system, &rs, out);
}

/// Kernel mode enforces reservations for every bind; without it only the
/// helper does, and it is asked only below the first unprivileged port.
fn enforcement(system: &System, rs: &[(Reservation, &crate::inventory::Entry)], out: &mut Vec<Finding>) {
    if rs.is_empty() {
        return;
    }
    if let Some(why) = &system.cannot_enforce {
        out.push(finding(
            Level::Error,
            folder(),
            None,
            format!(
                "kernel mode cannot enforce reservations here ({why}): a bind through authbind's helper honours them below port {}, nothing else does",
                system.unprivileged_start
            ),
            "run kernel mode on Linux 5.14 or later (authbindd(8))",
        ));
        return;
    }
    if system.enforced_everywhere() {
        return;
    }
    let mut open: Vec<String> = rs
        .iter()
        .filter(|(r, _)| r.port >= system.unprivileged_start)
        .map(|(r, _)| r.to_string())
        .collect();
    if open.is_empty() {
        return;
    }
    let more = open.len().saturating_sub(5);
    open.truncate(5);
    let list = match more {
        0 => open.join(", "),
        n => format!("{} and {n} more", open.join(", ")),
    };
    let start = system.unprivileged_start;
    let message = match system.kernel_mode.as_slice() {
        [] => format!(
            "reservations are enforced by kernel mode, and authbindd is not running: a bind through authbind's helper honours them below port {start}, but any program may bind {list} (ports from {start} need no privilege)"
        ),
        attached => format!(
            "kernel mode serves only cgroup {}: processes outside it may bind {list} (ports from {start} need no privilege)",
            attached.join(", ")
        ),
    };
    out.push(finding(
        Level::Error,
        folder(),
        None,
        message,
        "run authbindd for the whole machine (authbindd(8))",
    ));
}

/// The users (the database's, the tree's owners, any other user; root
/// aside) who may execute `rel`.
fn executing(judge: &mut Judge, db: &UserDb, rel: &str) -> Vec<Who> {
    judge
        .users(db)
        .into_iter()
        .filter(|w| judge.may_execute(w, rel))
        .collect()
}

fn names(whos: &[Who]) -> String {
    whos.iter().map(|w| w.short()).collect::<Vec<_>>().join(", ")
}

/// A port's own reservation and one of an address of the port both cover
/// binds of that address (and every wildcard bind): for different owners,
/// neither may bind there.
fn overlaps(db: &UserDb, judge: &mut Judge, rs: &[(Reservation, &crate::inventory::Entry)], out: &mut Vec<Finding>) {
    for (whole, we) in rs.iter().filter(|(r, _)| r.addr.is_none()) {
        let whole_users = executing(judge, db, &whole.to_string());
        for (one, oe) in rs.iter().filter(|(r, _)| r.port == whole.port) {
            let Some(addr) = one.addr else { continue };
            let one_users = executing(judge, db, &one.to_string());
            let same = |a: &[Who], b: &[Who]| a.iter().all(|w| b.contains(w)) && b.iter().all(|w| a.contains(w));
            if same(&whole_users, &one_users) {
                continue;
            }
            // Whoever is refused there by `decide`, among those either lets.
            let mut shut: Vec<Who> = whole_users.clone();
            shut.extend(one_users.iter().filter(|w| !whole_users.contains(w)).cloned());
            shut.retain(|w| judge.flags(w, addr, one.port).reason == Reason::Reserved);
            let shut_words = match shut.is_empty() {
                true => String::new(),
                false => format!(": {} may not bind it", names(&shut)),
            };
            out.push(finding(
                Level::Error,
                &oe.rel,
                None,
                format!(
                    "reserves {addr}:{} for {}, and {} reserves every address of the port for {}: both cover binds of {addr}:{} and every wildcard bind of port {}{shut_words}",
                    one.port,
                    whose(db, oe),
                    whole,
                    whose(db, we),
                    one.port,
                    one.port
                ),
                "remove one of them, or give both the same owner",
            ));
        }
    }
}

/// Flag files granting binds a reservation refuses first: the grant is
/// never used there by those users.
fn shadowed_flags(
    inv: &Inventory,
    db: &UserDb,
    judge: &mut Judge,
    rs: &[(Reservation, &crate::inventory::Entry)],
    out: &mut Vec<Finding>,
) {
    for rule in [Rule::ByPort, Rule::ByAddr] {
        for e in inv.children(rule.folder()) {
            let (addr, port) = match PolicyName::parse(rule, e.folder_and_name().1) {
                Ok(PolicyName::ByPort(port)) => (Address::UNSPECIFIED_V4, port),
                Ok(PolicyName::ByAddr { addr, port, .. }) => (addr, port),
                _ => continue,
            };
            if !rs.iter().any(|(r, _)| r.covers(&addr, port)) {
                continue;
            }
            let mut by = None;
            let refused: Vec<Who> = executing(judge, db, &e.rel)
                .into_iter()
                .filter(|w| {
                    let d = judge.flags(w, addr, port);
                    let refused = d.reason == Reason::Reserved;
                    if refused && by.is_none() {
                        by = d.reservation;
                    }
                    refused
                })
                .collect();
            let Some((r, re)) = by.and_then(|b| rs.iter().find(|(r, _)| *r == b)) else {
                continue;
            };
            out.push(finding(
                Level::Error,
                &e.rel,
                None,
                format!(
                    "grants {} binds of {addr}:{port}, but port {port} is reserved for {} by {r}, which refuses them first: the grant is never used there",
                    names(&refused),
                    whose(db, re)
                ),
                format!("remove {}, or release the reservation", e.rel),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{check, check_on};
    use crate::reserve::folder_meta;
    use crate::system::System;
    use crate::who::fixtures::db;

    #[test]
    fn reservations_in_conflict_with_the_rest() {
        let mut inv = clean();
        put(&mut inv, "reserve", folder_meta());
        put(&mut inv, "reserve/5432", file(1000, 0, 0o500));
        put(&mut inv, "reserve/10.0.0.1,5432", file(1001, 0, 0o500));
        put(&mut inv, "reserve/!80", file(1000, 0, 0o500));
        put(&mut inv, "reserve/0.0.0.0,443", file(1000, 0, 0o500));
        put(&mut inv, "reserve/81", file(0, 2000, 0o010));
        put(&mut inv, "byport/81", file(1000, 0, 0o500));
        bytes(&mut inv, "byuid/!1001", file(0, 0, 0o644), "0.0.0.0/0,5432\n");
        let f = lines(&check(&inv, &db()));
        for want in [
            "error reserve/!80: never consulted: `!80` is not how a reservation is named (no `!`, a wildcard address is the port's own reservation, IPv4-mapped addresses are IPv4, addresses as inet_ntop writes them): it is looked for as reserve/80",
            "error reserve/0.0.0.0,443: never consulted: `0.0.0.0,443` is not how a reservation is named (no `!`, a wildcard address is the port's own reservation, IPv4-mapped addresses are IPv4, addresses as inet_ntop writes them): it is looked for as reserve/443",
            "error reserve/10.0.0.1,5432: reserves 10.0.0.1:5432 for bob, and reserve/5432 reserves every address of the port for alice: both cover binds of 10.0.0.1:5432 and every wildcard bind of port 5432: alice, bob may not bind it",
            "error byport/81: grants alice binds of 0.0.0.0:81, but port 81 is reserved for @www by reserve/81, which refuses them first: the grant is never used there",
            "error byuid/!1001:1: `0.0.0.0/0,5432` never grants anything to bob: reserve/5432 decides first and refuses bob",
        ] {
            assert!(f.contains(&want.to_string()), "missing `{want}` in {f:#?}");
        }
        assert!(!f.iter().any(|l| l.contains("ip_local_port_range")), "{f:#?}");
        assert!(!f.iter().any(|l| l.contains("authbindd")), "{f:#?}");
    }

    #[test]
    fn what_the_system_does_not_enforce() {
        let mut inv = clean();
        put(&mut inv, "reserve", folder_meta());
        put(&mut inv, "reserve/80", file(1000, 0, 0o500));
        put(&mut inv, "reserve/40000", file(1000, 0, 0o500));
        let db = db();
        let f = lines(&check(&inv, &db));
        assert_eq!(
            f,
            ["warning reserve/40000: port 40000 is in the range the kernel picks ports from for bind(0) and connect() (net.ipv4.ip_local_port_range 32768-60999): without kernel mode keeping it out of that range, a program may be handed it while its owner is down"]
        );
        let none = System {
            kernel_mode: vec![],
            ephemeral: None,
            ..System::default()
        };
        assert_eq!(
            lines(&check_on(&inv, &db, &none)),
            ["error reserve: reservations are enforced by kernel mode, and authbindd is not running: a bind through authbind's helper honours them below port 1024, but any program may bind reserve/40000 (ports from 1024 need no privilege)"]
        );
        let old_kernel = System {
            cannot_enforce: Some("ENOPROTOOPT".into()),
            ephemeral: None,
            ..System::default()
        };
        assert_eq!(
            lines(&check_on(&inv, &db, &old_kernel)),
            ["error reserve: kernel mode cannot enforce reservations here (ENOPROTOOPT): a bind through authbind's helper honours them below port 1024, nothing else does"]
        );
        let narrow = System {
            kernel_mode: vec!["/system.slice".into()],
            ephemeral: None,
            ..System::default()
        };
        assert_eq!(
            lines(&check_on(&inv, &db, &narrow)),
            ["error reserve: kernel mode serves only cgroup /system.slice: processes outside it may bind reserve/40000 (ports from 1024 need no privilege)"]
        );
        put(
            &mut inv,
            "reserve",
            crate::mode::Meta::new(crate::mode::Kind::Dir, 0, 0, 0o700),
        );
        let f = lines(&check_on(&inv, &db, &narrow));
        assert!(
            f[0].starts_with("error reserve: is not searchable by every user (mode 0700)"),
            "{f:#?}"
        );
    }
}
