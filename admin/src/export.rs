//! `export`: the tree as a TOML policy that decides every request as the
//! tree does. Files in the forms the tool writes become `[[grant]]`s:
//! byuid files whose lines the policy crate reads (each `fgets` chunk's
//! meaning, cut to the ports the file is read for), and flag files that
//! are exactly a group grant (root, the group, 0010) and are the first
//! file consulted for their address and port. Everything else, including
//! the odd corners (a flag file that refuses everyone and so shadows byuid,
//! owner bits that exclude the owner, links, folders and FIFOs where files
//! belong, lines authbind ignores), is mirrored exactly as `[[file]]`.
//! Before printing, the export is applied to an empty folder in simulation
//! and every grant checked; a grant that would not work there is turned
//! back into mirrored files.

use crate::declared::{desired, resolve};
use crate::doc::{hex, FileDoc, FileKind, GrantDoc, ModeItem, PolicyDoc, PortItem, ReserveDoc};
use crate::error::{AdminError, Result};
use crate::inventory::{Content, Entry, Inventory, FOLDERS, MANIFEST};
use crate::lines::grants_of_chunk;
use crate::mode::{octal, Kind};
use crate::reserve::Holder;
use crate::sim::Plan;
use crate::spec::{AddrSpec, PortRange, Ports};
use crate::view::{verify, Over, Points, TreeView};
use crate::who::UserDb;
use model::{Address, ByuidName, PolicyName};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::ops::ControlFlow;

fn mirror(inv: &Inventory, e: &Entry) -> Result<FileDoc> {
    let mut f = FileDoc {
        path: e.rel.clone(),
        kind: FileKind::File,
        owner: Some(e.meta.uid),
        group: Some(e.meta.gid),
        mode: Some(ModeItem::Text(octal(e.meta.mode))),
        content: None,
        content_hex: None,
        target: None,
    };
    if let Some(l) = &e.link {
        return Ok(FileDoc {
            kind: FileKind::Symlink,
            owner: None,
            group: None,
            mode: None,
            target: Some(l.target.clone()),
            ..f
        });
    }
    match e.meta.kind {
        Kind::File => {
            let data = match &e.content {
                Content::Bytes { data, truncated: false } => Some(data.clone()),
                _ => crate::apply::read_regular(&inv.root.join(&e.rel)),
            };
            let data = data.ok_or_else(|| {
                AdminError::Refused(format!(
                    "{}: cannot be mirrored (unreadable to you, or larger than {} bytes)",
                    e.rel,
                    crate::inventory::CONTENT_CAP
                ))
            })?;
            if !data.is_empty() {
                match String::from_utf8(data) {
                    Ok(t) => f.content = Some(t),
                    Err(e) => f.content_hex = Some(hex(e.as_bytes())),
                }
            }
        }
        Kind::Dir => f.kind = FileKind::Dir,
        // A FIFO decides as a device or a socket would: access() reads its
        // mode, and the helper never opens any of them.
        _ => f.kind = FileKind::Fifo,
    }
    Ok(f)
}

/// A folder as `make install` creates it.
fn plain_folder(e: &Entry) -> bool {
    e.link.is_none() && e.meta.kind == Kind::Dir && (e.meta.uid, e.meta.gid, e.meta.mode) == (0, 0, 0o755)
}

fn user_key(db: &UserDb, uid: u32) -> (Option<String>, Option<u32>) {
    match db.user_by_uid(uid) {
        Some(u) if db.user_by_name(&u.name).is_some_and(|v| v.uid == uid) => (Some(u.name.clone()), None),
        _ => (None, Some(uid)),
    }
}

fn group_key(db: &UserDb, gid: u32) -> (Option<String>, Option<u32>) {
    match db.group_by_gid(gid) {
        Some(g) if db.group_by_name(&g.name).is_some_and(|h| h.gid == gid) => (Some(g.name.clone()), None),
        _ => (None, Some(gid)),
    }
}

fn port_items(p: &Ports) -> Vec<PortItem> {
    p.ranges()
        .iter()
        .map(|r| {
            if r.min == r.max {
                PortItem::Number(i64::from(r.min))
            } else {
                PortItem::Text(r.to_string())
            }
        })
        .collect()
}

/// What a byuid file grants, or `None` if it must be mirrored.
fn byuid_grants(e: &Entry, name: ByuidName) -> Option<Vec<(AddrSpec, PortRange)>> {
    let Content::Bytes { data, truncated: false } = &e.content else {
        return None;
    };
    if e.link.is_some() || e.meta.kind != Kind::File {
        return None;
    }
    let mut out = Vec::new();
    let _ = policy::for_each_chunk(std::io::Cursor::new(data), |_, chunk| {
        out.extend(
            grants_of_chunk(chunk)
                .into_iter()
                .filter_map(|(a, r)| r.within(name.ports()).map(|r| (a, r))),
        );
        ControlFlow::Continue(())
    });
    (!out.is_empty()).then_some(out)
}

/// The flag file's group, if it is exactly a group grant.
fn group_grant(e: &Entry) -> Option<u32> {
    let exact =
        e.link.is_none() && e.meta.kind == Kind::File && e.meta.uid == 0 && e.meta.mode == 0o010 && e.meta.size == 0;
    exact.then_some(e.meta.gid)
}

/// Grants (and the files each came from) and mirrored paths.
struct Draft {
    grants: Vec<(GrantDoc, Vec<String>)>,
    /// With the files each stands for, as grants.
    reservations: Vec<(ReserveDoc, Vec<String>)>,
    mirrored: BTreeSet<String>,
}

/// Per uid: the ports of each address specification, and the source files.
type UserGrants = BTreeMap<u32, (BTreeMap<AddrSpec, Vec<PortRange>>, Vec<String>)>;
/// Per (holder, one address or every one): the ports, and the source files.
type Reserved = BTreeMap<(Holder, Option<Address>), (Vec<PortRange>, Vec<String>)>;
/// Per (gid, one address or every one): the ports, and the source files.
type GroupGrants = BTreeMap<(u32, Option<Address>), (Vec<PortRange>, Vec<String>)>;

fn draft(inv: &Inventory, db: &UserDb, demoted: &BTreeSet<String>) -> Draft {
    let mut mirrored = BTreeSet::new();
    let mut users = UserGrants::new();
    let mut groups = GroupGrants::new();
    // Which (address, port) pairs have more than one flag file, and which
    // ports have a byport file: only the first file consulted may become
    // a grant.
    let mut names_per_point: BTreeMap<(Option<Address>, u16), usize> = BTreeMap::new();
    for e in inv.entries.values() {
        match PolicyName::parse_path(&e.rel) {
            Ok(PolicyName::ByPort(p)) => *names_per_point.entry((None, p)).or_default() += 1,
            Ok(PolicyName::ByAddr { addr, port, .. }) => *names_per_point.entry((Some(addr), port)).or_default() += 1,
            _ => {}
        }
    }
    // Under a configuration folder that is not as `make install` makes it
    // (root's, 0755), grants cannot be checked to decide as the files do:
    // every file is mirrored then.
    let root_plain = inv
        .root_meta
        .as_ref()
        .is_some_and(|m| m.kind == Kind::Dir && (m.uid, m.gid, m.mode) == (0, 0, 0o755));
    let reserve = crate::reserve::folder();
    let folders_plain: BTreeSet<&str> = FOLDERS
        .iter()
        .copied()
        .chain([reserve])
        .filter(|f| root_plain && inv.get(f).is_some_and(plain_folder))
        .collect();
    // Per (holder, one address or every one): the ports, and the files.
    let mut reserved = Reserved::new();
    for e in inv.entries.values() {
        if e.rel == MANIFEST {
            continue;
        }
        let (folder, name) = e.folder_and_name();
        let Some(folder) = folder else {
            // The three folders, when not plain; other top-level entries
            // only when a symlink leads there (below).
            if (FOLDERS.contains(&name) || name == reserve) && !plain_folder(e) {
                mirrored.insert(e.rel.clone());
            }
            continue;
        };
        if inv.get(folder).is_some_and(|f| f.link.is_some()) {
            // Below a symlinked folder: the link is mirrored, not what it
            // leads to (authbind-policy(8), LIMITS).
            continue;
        }
        let plain = folders_plain.contains(folder) && !demoted.contains(&e.rel);
        let converted = plain
            && match PolicyName::parse_path(&e.rel) {
                Ok(PolicyName::ByUid(name)) => match byuid_grants(e, name) {
                    Some(gs) => {
                        let u = users.entry(name.uid).or_default();
                        for (a, r) in gs {
                            u.0.entry(a).or_default().push(r);
                        }
                        u.1.push(e.rel.clone());
                        true
                    }
                    None => false,
                },
                Ok(PolicyName::ByPort(port)) => match group_grant(e) {
                    Some(gid) => {
                        let g = groups.entry((gid, None)).or_default();
                        g.0.push(PortRange::one(port));
                        g.1.push(e.rel.clone());
                        true
                    }
                    None => false,
                },
                Ok(PolicyName::ByAddr { addr, port, .. }) => {
                    let first = !names_per_point.contains_key(&(None, port))
                        && names_per_point.get(&(Some(addr), port)) == Some(&1);
                    match group_grant(e).filter(|_| first) {
                        Some(gid) => {
                            let g = groups.entry((gid, Some(addr))).or_default();
                            g.0.push(PortRange::one(port));
                            g.1.push(e.rel.clone());
                            true
                        }
                        None => false,
                    }
                }
                // Exactly as reserve writes it: decided alike wherever
                // it is written so.
                Ok(PolicyName::Reserve(r)) => match crate::reserve::holder(e) {
                    Some(h) => {
                        let entry = reserved.entry((h, r.addr)).or_default();
                        entry.0.push(PortRange::one(r.port));
                        entry.1.push(e.rel.clone());
                        true
                    }
                    None => false,
                },
                _ => false,
            };
        if !converted {
            mirrored.insert(e.rel.clone());
        }
    }
    // Where mirrored symlinks lead inside the folder, that is mirrored too.
    let mut todo: Vec<String> = mirrored.iter().cloned().collect();
    while let Some(rel) = todo.pop() {
        let Some(inside) = inv
            .get(&rel)
            .and_then(|e| e.link.as_ref())
            .and_then(|l| l.inside.clone())
        else {
            continue;
        };
        if inv.get(&inside).is_some() && !FOLDERS.contains(&inside.as_str()) && mirrored.insert(inside.clone()) {
            todo.push(inside);
        }
    }
    let mut grants = Vec::new();
    for (uid, (specs, sources)) in users {
        // Addresses with the same ports share one grant.
        let mut by_ports: BTreeMap<Ports, Vec<AddrSpec>> = BTreeMap::new();
        for (a, ranges) in specs {
            by_ports.entry(Ports::of(ranges)).or_default().push(a);
        }
        for (ports, addrs) in by_ports {
            let (user, uid) = user_key(db, uid);
            let everywhere = addrs == AddrSpec::everywhere();
            grants.push((
                GrantDoc {
                    user,
                    uid,
                    ports: port_items(&ports),
                    addresses: if everywhere {
                        vec![]
                    } else {
                        addrs.iter().map(|a| a.to_string()).collect()
                    },
                    ..GrantDoc::default()
                },
                sources.clone(),
            ));
        }
    }
    for ((gid, addr), (ranges, sources)) in groups {
        let (group, gid) = group_key(db, gid);
        grants.push((
            GrantDoc {
                group,
                gid,
                ports: port_items(&Ports::of(ranges)),
                addresses: addr.map(|a| vec![a.to_string()]).unwrap_or_default(),
                ..GrantDoc::default()
            },
            sources,
        ));
    }
    let reservations = reserved
        .into_iter()
        .map(|((h, addr), (ranges, sources))| {
            let ((user, uid), (group, gid)) = match h {
                Holder::User(u) => (user_key(db, u), (None, None)),
                Holder::Group(g) => ((None, None), group_key(db, g)),
            };
            let doc = ReserveDoc {
                user,
                uid,
                group,
                gid,
                ports: port_items(&Ports::of(ranges)),
                addresses: addr.map(|a| vec![a.to_string()]).unwrap_or_default(),
            };
            (doc, sources)
        })
        .collect();
    Draft {
        grants,
        reservations,
        mirrored,
    }
}

fn document(inv: &Inventory, d: &Draft) -> Result<PolicyDoc> {
    let files = d
        .mirrored
        .iter()
        .filter_map(|rel| inv.get(rel))
        .map(|e| mirror(inv, e))
        .collect::<Result<Vec<_>>>()?;
    Ok(PolicyDoc {
        version: crate::doc::VERSION,
        grants: d.grants.iter().map(|(g, _)| g.clone()).collect(),
        reservations: d.reservations.iter().map(|(r, _)| r.clone()).collect(),
        files,
    })
}

/// The tree as a policy, checked to decide as the tree does.
pub fn export(inv: &Inventory, db: &UserDb) -> Result<PolicyDoc> {
    let mut demoted = BTreeSet::new();
    loop {
        let d = draft(inv, db, &demoted);
        let doc = document(inv, &d)?;
        let declared = resolve(&doc, db)?;
        let want = desired(&declared)?;
        let empty = Inventory::default();
        let plan = Plan {
            entries: want.entries,
            empty_base: true,
        };
        let points = Points::after(&empty, &plan);
        let mut view = TreeView {
            root: inv.root.clone(),
            over: Over::Snapshot(&empty),
            plan,
        };
        let failures = verify(&mut view, &declared.grants, db, &points);
        let before = demoted.len();
        for f in &failures {
            if let Some((_, sources)) = d.grants.get(f.n - 1) {
                demoted.extend(sources.iter().cloned());
            }
        }
        // A reservation apply would refuse to write as a [[reserve]] (an
        // owner refused by another's reservation, which check reports) is
        // mirrored as its files instead: the tree is exported as it is.
        // Judged file by file: a table's other ports stay a table.
        let mut refused = 0;
        for (r, (_, sources)) in declared.reservations.iter().zip(&d.reservations) {
            for rel in sources {
                let Ok(PolicyName::Reserve(one)) = PolicyName::parse_path(rel) else {
                    continue;
                };
                if crate::reserve_cmd::refused_owner(&mut view, db, r.holder, &[one]).is_some() {
                    demoted.insert(rel.clone());
                    refused += 1;
                }
            }
        }
        if (failures.is_empty() && refused == 0) || demoted.len() == before {
            return Ok(doc);
        }
    }
}

pub fn run(confdir: &str, db: &UserDb, out: &mut dyn Write) -> Result<i32> {
    let inv = Inventory::read(std::path::Path::new(confdir)).map_err(|e| AdminError::errno(confdir, e))?;
    if let Some((rel, e)) = inv.unlisted.first() {
        return Err(AdminError::errno(format!("{confdir}/{rel}"), *e));
    }
    let doc = export(&inv, db)?;
    writeln!(out, "# authbind-policy export of {confdir}")?;
    writeln!(
        out,
        "# Apply it with: authbind-policy apply FILE (see authbind-policy(8))."
    )?;
    out.write_all(doc.to_text().as_bytes())?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{bytes, clean, file, put};
    use crate::who::fixtures::db;

    #[test]
    fn grants_where_the_forms_allow_mirrors_elsewhere() {
        let mut inv = clean();
        bytes(
            &mut inv,
            "byuid/1000",
            file(1000, 0, 0o600),
            "127.0.0.1-127.0.0.9,80-88\nlocalhost,80\n::1,80\n0.0.0.0/0,600\n",
        );
        put(&mut inv, "byport/90", file(0, 2000, 0o010));
        // Owner bits that exclude the owner: mirrored as they are.
        bytes(&mut inv, "byport/81", file(1001, 0, 0o051), "");
        // bob's line for 81 is shadowed by byport/81 (it refuses him): a
        // grant would not work after apply, so the file stays a mirror.
        bytes(&mut inv, "byuid/1001", file(0, 0, 0o644), "0.0.0.0/0,81\n");
        let doc = export(&inv, &db()).unwrap();
        let text = doc.to_text();
        assert_eq!(
            text,
            "version = 1\n\n\
             [[grant]]\nuser = \"alice\"\nports = [80]\naddresses = [\"::1\"]\n\n\
             [[grant]]\nuser = \"alice\"\nports = [\"80-88\"]\naddresses = [\"127.0.0.1-127.0.0.9\"]\n\n\
             [[grant]]\ngroup = \"www\"\nports = [90]\n\n\
             [[file]]\npath = \"byport/81\"\nkind = \"file\"\nowner = 1001\ngroup = 0\nmode = \"0051\"\n\n\
             [[file]]\npath = \"byuid/1001\"\nkind = \"file\"\nowner = 0\ngroup = 0\nmode = \"0644\"\ncontent = \"\"\"\n0.0.0.0/0,81\n\"\"\"\n"
        );
        // Reservations as reserve writes them become [[reserve]]; others
        // are mirrored, and apply makes the folder for them.
        put(&mut inv, "reserve", crate::reserve::folder_meta());
        put(&mut inv, "reserve/5432", file(1000, 0, 0o500));
        put(&mut inv, "reserve/5433", file(1000, 0, 0o500));
        put(&mut inv, "reserve/::1,80", file(0, 2000, 0o010));
        put(&mut inv, "reserve/81", file(1500, 0, 0o500));
        bytes(&mut inv, "reserve/82", file(1000, 0, 0o700), "");
        let with = export(&inv, &db()).unwrap().to_text();
        assert!(
            with.contains("[[reserve]]\nuser = \"alice\"\nports = [\"5432-5433\"]\n\n[[reserve]]\nuid = 1500\nports = [81]\n\n[[reserve]]\ngroup = \"www\"\nports = [80]\naddresses = [\"::1\"]\n"),
            "{with}"
        );
        assert!(
            with.contains(
                "[[file]]\npath = \"reserve/82\"\nkind = \"file\"\nowner = 1000\ngroup = 0\nmode = \"0700\"\n"
            ),
            "{with}"
        );
        assert!(!with.contains("path = \"reserve\""), "{with}");
        // alice's line for 600 is in byuid/1000, never read for port 600:
        // dropped. The exported policy reads back as the same document.
        assert_eq!(PolicyDoc::parse(&text).unwrap(), doc);
    }

    /// Two owners' reservations covering one bind (check's error) refuse
    /// each other's owner: apply would refuse them as [[reserve]] tables,
    /// so they are exported as their files, and the tree round-trips.
    #[test]
    fn reservations_apply_would_refuse_are_mirrored() {
        let mut inv = clean();
        put(&mut inv, "reserve", crate::reserve::folder_meta());
        bytes(&mut inv, "reserve/512", file(1000, 0, 0o500), "");
        bytes(&mut inv, "reserve/127.0.0.1,512", file(1500, 0, 0o500), "");
        bytes(&mut inv, "reserve/5432", file(1000, 0, 0o500), "");
        let text = export(&inv, &db()).unwrap().to_text();
        assert!(
            text.contains("[[reserve]]\nuser = \"alice\"\nports = [5432]\n"),
            "{text}"
        );
        for rel in ["reserve/512", "reserve/127.0.0.1,512"] {
            assert!(text.contains(&format!("[[file]]\npath = \"{rel}\"\n")), "{rel}: {text}");
        }
        assert!(!text.contains("ports = [512]"), "{text}");
    }
}
