//! `reserve` and `release`: one change to `reserve/`, in the forms of
//! authbind-policy(8) (RESERVATIONS), locked, planned and written as
//! `grant` and `revoke` are (grant_cmd.rs). Before writing, the changed
//! tree is decided by the policy crate, asking the kernel as each user:
//! a reservation must let its owner (every member of its group) bind
//! every address it covers, and no one else may lose a grant they have;
//! otherwise nothing is written and the reason is given. A release
//! removes only a reservation of that owner's.

use crate::cli::Principal;
use crate::declared::Grantee;
use crate::error::{AdminError, Result};
use crate::explain::conclusion;
use crate::grant_cmd::{collateral, describe_entry, grantee, report, Planning};
use crate::inventory::Inventory;
use crate::mode::Kind;
use crate::oracle::Kernel;
use crate::reserve::{folder, folder_meta, holder, whose, Holder};
use crate::sim::{Plan, Planned};
use crate::spec::{AddrSpec, Ports};
use crate::view::{Over, TreeView};
use crate::who::{UserDb, Who};
use model::{Address, Reservation, Target};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

/// The reservations asked for: each port, on each address (none: every
/// address), named as the model names them.
pub fn asked(ports: &Ports, addrs: &[AddrSpec]) -> Result<Vec<Reservation>> {
    let mut out = Vec::new();
    for port in ports.iter() {
        if addrs.is_empty() {
            out.push(Reservation::port(port));
        }
        for a in addrs {
            let AddrSpec::Host(addr) = a else {
                return Err(AdminError::usage(format!("--addr {a}: one address at a time")));
            };
            let text = format!("{addr},{port}");
            match Reservation::parse(&text) {
                Ok(r) => out.push(r),
                Err(why) => return Err(AdminError::usage(format!("--addr {addr}: {why}"))),
            }
        }
    }
    Ok(out)
}

/// The binds a reservation must let its owner make: its address, or the
/// wildcards (which every reservation of the port covers).
pub fn points(r: &Reservation) -> Vec<(Address, u16)> {
    match r.addr {
        Some(a) => vec![(a, r.port)],
        None => vec![(Address::UNSPECIFIED_V4, r.port), (Address::UNSPECIFIED_V6, r.port)],
    }
}

/// The users a reservation is for: the user, or the group's members.
fn owners(db: &UserDb, h: Holder) -> Vec<Who> {
    match h {
        Holder::User(uid) => vec![Who::of(db, uid)],
        Holder::Group(gid) => db.members(gid).into_iter().map(|u| Who::of(db, u.uid)).collect(),
    }
}

fn words(addrs: &[AddrSpec]) -> String {
    match addrs.is_empty() {
        true => "every address".into(),
        false => addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", "),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn run(
    confdir: &str,
    db: &UserDb,
    release: bool,
    who: &Principal,
    ports: &Ports,
    addrs: &[AddrSpec],
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let root = Path::new(confdir);
    let g = grantee(db, who)?;
    let h = Holder::of(&g);
    let rs = asked(ports, addrs)?;
    // Held from the read to the write, as grant's.
    let _lock = crate::lock::TreeLock::for_tree(root)?;
    let inv = Inventory::read(root).map_err(|e| AdminError::errno(confdir, e))?;
    let mut kernel = Kernel::open(confdir)?;
    let mut conf = grant::ConfDir::open_at(confdir).map_err(|e| AdminError::errno(confdir, e))?;
    let mut p = Planning {
        root,
        inv: &inv,
        db,
        changes: Vec::new(),
        notes: Vec::new(),
        manifest: crate::manifest::read(root)?,
    };
    let verb = if release { "release" } else { "reserve" };
    let what = format!("{verb} {} ports {} on {}", g.label(), ports, words(addrs));
    let mut view = TreeView {
        root: root.to_path_buf(),
        over: Over::Real {
            oracle: &mut kernel,
            conf: &mut conf,
        },
        plan: Plan::default(),
    };
    let result = match release {
        false => reserve(&mut p, &mut view, h, &rs),
        true => release_them(&mut p, &mut view, h, &g, &rs),
    };
    if let Some(e) = view.take_broken() {
        return Err(e);
    }
    result.map_err(|e| match e {
        AdminError::Refused(m) => AdminError::Refused(format!("{what}: refused, nothing was written:\n  {m}")),
        other => other,
    })?;
    let nothing = if release {
        "nothing to release"
    } else {
        "already reserved"
    };
    report(&p, &what, confdir, nothing, dry_run, out)
}

fn reserve(p: &mut Planning, view: &mut TreeView, h: Holder, rs: &[Reservation]) -> Result<()> {
    let dir = folder();
    match p.inv.get(dir) {
        None => p.push(
            dir,
            Planned::Node {
                meta: folder_meta(),
                content: Vec::new(),
            },
            "create",
            "the reservations' folder".into(),
        ),
        Some(e) if e.link.is_none() && e.meta.kind == Kind::Dir => {}
        Some(e) => {
            return Err(AdminError::Refused(format!(
                "{dir} is {} where the reservations' folder belongs; replace it with a folder (root:root 0755)",
                describe_entry(p.db, e)
            )))
        }
    }
    for r in rs {
        let rel = r.to_string();
        match p.inv.get(&rel) {
            Some(e) if holder(e) == Some(h) => p.notes.push(format!("{rel}: already there")),
            Some(e) => {
                return Err(AdminError::Refused(format!(
                    "{rel} exists: port {} is reserved for {} there; release it first",
                    r.port,
                    whose(p.db, e)
                )))
            }
            None => p.push(
                &rel,
                Planned::Node {
                    meta: h.file_meta(),
                    content: Vec::new(),
                },
                "create",
                format!("for {}", h.words(p.db)),
            ),
        }
    }
    let plan = p.plan();
    view.plan = plan.clone();
    if let Some(why) = refused_owner(view, p.db, h, rs) {
        return Err(AdminError::Refused(why));
    }
    let mine = owners(p.db, h);
    // No one else loses what they are granted today.
    let ports: BTreeSet<u16> = rs.iter().map(|r| r.port).collect();
    let uids: BTreeSet<u32> = mine.iter().map(|w| w.creds.uid).collect();
    let (lost, _) = collateral(view, p.inv, p.db, &plan, &ports, &|w: &Who| uids.contains(&w.creds.uid));
    if !lost.is_empty() {
        return Err(AdminError::Refused(format!(
            "the reservation would take from others what they are granted today (revoke it first, or reserve another port):\n  {}",
            lost.join("\n  ")
        )));
    }
    Ok(())
}

/// Why an owner of `rs` (the user, a member of the group) would be
/// refused a bind of what is reserved for them in the view's tree (a
/// reservation of someone else's covers it, or the folder cannot be
/// searched), if one would.
pub fn refused_owner(view: &mut TreeView, db: &UserDb, h: Holder, rs: &[Reservation]) -> Option<String> {
    for who in &owners(db, h) {
        for r in rs {
            for (addr, port) in points(r) {
                let d = view.decide(who, addr, port);
                if d.reservation.is_some() && !d.granted() {
                    let target = Target::new(addr, port);
                    let file = d.file_for(addr, port, who.creds.uid);
                    return Some(format!(
                        "{} would not be granted {target} by {r}: {}",
                        who.label(),
                        conclusion(&d, &file, &target, who)
                    ));
                }
            }
        }
    }
    None
}

fn release_them(p: &mut Planning, view: &mut TreeView, h: Holder, g: &Grantee, rs: &[Reservation]) -> Result<()> {
    for r in rs {
        let rel = r.to_string();
        match p.inv.get(&rel) {
            None => {}
            Some(e) if holder(e) == Some(h) => {
                let desc = describe_entry(p.db, e);
                p.push(&rel, Planned::Absent, "remove", format!("was {desc}"));
            }
            Some(e) => {
                return Err(AdminError::Refused(format!(
                    "{rel} is not {}'s reservation: it reserves port {} for {}; change it by hand",
                    g.label(),
                    r.port,
                    whose(p.db, e)
                )))
            }
        }
    }
    // The owners lose the port: that is the point. Anyone else can only
    // gain (a grant the reservation refused works again): said.
    let plan = p.plan();
    let ports: BTreeSet<u16> = rs.iter().map(|r| r.port).collect();
    let uids: BTreeSet<u32> = owners(p.db, h).iter().map(|w| w.creds.uid).collect();
    let (lost, gained) = collateral(view, p.inv, p.db, &plan, &ports, &|w: &Who| uids.contains(&w.creds.uid));
    p.notes.extend(lost.into_iter().map(|s| format!("note: {s}")));
    p.notes.extend(
        gained
            .into_iter()
            .map(|s| format!("note: {s} (the reservation refused it)")),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_asked_for() {
        let ports = Ports::parse("80,5432").unwrap();
        let names = |addrs: &[&str]| -> Result<Vec<String>> {
            let addrs: Vec<AddrSpec> = addrs.iter().map(|a| AddrSpec::parse(a).unwrap()).collect();
            asked(&ports, &addrs).map(|rs| rs.iter().map(|r| r.to_string()).collect())
        };
        assert_eq!(names(&[]).unwrap(), ["reserve/80", "reserve/5432"]);
        assert_eq!(
            names(&["10.0.0.1", "[::1]"]).unwrap(),
            [
                "reserve/10.0.0.1,80",
                "reserve/::1,80",
                "reserve/10.0.0.1,5432",
                "reserve/::1,5432"
            ]
        );
        let e = names(&["0.0.0.0"]).unwrap_err();
        assert_eq!(e.status(), 2);
        assert!(
            e.to_string()
                .starts_with("--addr 0.0.0.0: `0.0.0.0,80` is not how a reservation is named"),
            "{e}"
        );
        assert!(names(&["::ffff:10.0.0.1"])
            .unwrap_err()
            .to_string()
            .contains("reserve/10.0.0.1,80"));
        assert_eq!(points(&Reservation::port(80)).len(), 2);
    }
}
