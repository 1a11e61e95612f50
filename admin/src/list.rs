//! `list`: who may bind what. For each database user (and uids that have a
//! byuid file, and any other user), every grant with the file that makes
//! it: flag files whose decision for that user (by the policy crate, with
//! the kernel's `access()` for that user) is a grant by that very file —
//! so group grants come out expanded to the group's members — and byuid
//! lines, with the ports and addresses a flag file decides first.

use crate::error::{AdminError, Result};
use crate::inventory::{Content, Inventory};
use crate::lines::grants_of_chunk;
use crate::mode::Class;
use crate::oracle::{am_root, Kernel};
use crate::printable::printable;
use crate::sim::Plan;
use crate::view::{any_other, decided_first, Over, Points, TreeView, ANY_OTHER_UID};
use crate::who::{Creds, UserDb, Who};
use model::{Address, ByuidName, FileName, PolicyFile, Rule};
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::Write;
use std::ops::ControlFlow;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Listed {
    pub ports: String,
    pub addresses: String,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// How the file grants it: `owner`, `group www (2000)`, `every user`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub how: String,
    /// Parts a file read earlier decides instead.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserList {
    pub user: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    pub grants: Vec<Listed>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Which of the file's classes of mode bits granted `who` (`decide` said
/// it did): the words for it. An explanation, as explain's: asking the
/// kernel about anyone else needs root, and `list` runs for any user.
fn how(inv: &Inventory, db: &UserDb, rel: &str, who: &Creds) -> String {
    let Some(m) = inv.get(rel).and_then(|e| e.effective().ok()) else {
        return String::new();
    };
    match Class::of(&m, who) {
        Class::Owner => "its owner".into(),
        Class::Group => format!("group {}", db.group_label(m.gid)),
        Class::Other => "every user".into(),
        Class::Root => "root".into(),
    }
}

/// What `who` may bind.
pub fn list_for(view: &mut TreeView, inv: &Inventory, db: &UserDb, who: &Who, byuid: bool) -> UserList {
    let mut grants = Vec::new();
    let mut notes = Vec::new();
    let points = Points::after(inv, &Plan::default());
    for (&port, addrs) in &points.ports {
        // byport/PORT decides every address for this user, or none.
        let wild = [Address::UNSPECIFIED_V4, Address::UNSPECIFIED_V6].map(|a| view.decide(who, a, port));
        if wild.iter().all(|d| d.file == FileName::ByPort) {
            if wild.iter().all(|d| d.granted()) {
                let file = PolicyFile::new(FileName::ByPort, Address::UNSPECIFIED_V4, port, 0)
                    .map(|f| f.to_string())
                    .unwrap_or_default();
                grants.push(Listed {
                    ports: port.to_string(),
                    addresses: "every address".into(),
                    how: how(inv, db, &file, &who.creds),
                    file,
                    line: None,
                    except: vec![],
                });
            }
            continue;
        }
        for a in addrs {
            let d = view.decide(who, *a, port);
            // Reservations are listed below, each once.
            if d.granted() && d.file != FileName::ByUid && d.reservation.is_none() {
                let file = PolicyFile::new(d.file, *a, port, 0)
                    .map(|f| f.to_string())
                    .unwrap_or_default();
                grants.push(Listed {
                    ports: port.to_string(),
                    addresses: a.to_string(),
                    how: how(inv, db, &file, &who.creds),
                    file,
                    line: None,
                    except: vec![],
                });
            }
        }
    }
    for (r, _) in crate::reserve::in_tree(inv) {
        let file = r.to_string();
        if view.may_execute(who, &file) {
            grants.push(Listed {
                ports: r.port.to_string(),
                addresses: r.addr.map_or("every address".into(), |a| a.to_string()),
                how: format!("reserved, {}", how(inv, db, &file, &who.creds)),
                file,
                line: None,
                except: vec![],
            });
        }
    }
    if byuid {
        for name in [false, true].map(|bang| ByuidName::new(who.creds.uid, bang)) {
            let rel = name.to_string();
            let Some(e) = inv.get(&rel) else { continue };
            let data = match &e.content {
                Content::Bytes { data, .. } => data,
                Content::Failed(err) => {
                    notes.push(format!("{rel} cannot be read ({err}); the helper reads it as root"));
                    continue;
                }
                Content::NotRead => continue,
            };
            let _ = policy::for_each_chunk(std::io::Cursor::new(data), |n, chunk| {
                for (a, r) in grants_of_chunk(chunk) {
                    let Some(r) = r.within(name.ports()) else { continue };
                    let (_, first) = decided_first(&a, r, &points, &mut |x, port| view.decide(who, x, port));
                    let mut except: Vec<String> = Vec::new();
                    for d in first {
                        let verdict = if d.decision.granted() { "grants" } else { "refuses" };
                        let e = format!("{} decides first and {verdict}", d.file());
                        if !except.contains(&e) {
                            except.push(e);
                        }
                    }
                    grants.push(Listed {
                        ports: r.to_string(),
                        addresses: a.to_string(),
                        file: rel.clone(),
                        line: Some(n),
                        how: String::new(),
                        except,
                    });
                }
                ControlFlow::Continue(())
            });
        }
    }
    UserList {
        user: who.short(),
        uid: (who.creds.uid != ANY_OTHER_UID).then_some(who.creds.uid),
        grants,
        notes,
    }
}

/// One reservation and whom it is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListedReservation {
    pub file: String,
    pub port: u16,
    pub addresses: String,
    #[serde(rename = "for")]
    pub holder: String,
}

/// Every reservation of the tree.
pub fn reservations(inv: &Inventory, db: &UserDb) -> Vec<ListedReservation> {
    crate::reserve::in_tree(inv)
        .into_iter()
        .map(|(r, e)| ListedReservation {
            file: r.to_string(),
            port: r.port,
            addresses: r.addr.map_or("every address".into(), |a| a.to_string()),
            holder: crate::reserve::whose(db, e),
        })
        .collect()
}

fn render_reservations(rs: &[ListedReservation]) -> String {
    let mut s = String::new();
    if !rs.is_empty() {
        s += "reservations:\n";
    }
    for r in rs {
        s += &format!(
            "  port {} on {}: {}, for {}\n",
            r.port,
            r.addresses,
            r.file,
            printable(&r.holder)
        );
    }
    s
}

fn render(lists: &[UserList]) -> String {
    let mut s = String::new();
    for l in lists {
        let head = match l.uid {
            Some(uid) if !l.user.starts_with("uid ") => format!("{} (uid {uid})", l.user),
            _ => l.user.clone(),
        };
        s += &format!("{}:\n", printable(&head));
        if l.grants.is_empty() {
            s += "  nothing\n";
        }
        for g in &l.grants {
            let ports = if g.ports.contains('-') { "ports" } else { "port" };
            let at = match g.line {
                Some(n) => format!("{}:{n}", g.file),
                None => g.file.clone(),
            };
            let how = if g.how.is_empty() {
                String::new()
            } else {
                format!(" ({})", g.how)
            };
            let addresses = match g.addresses.as_str() {
                "0.0.0.0/0" => "every IPv4 address",
                "::/0" => "every IPv6 address",
                a => a,
            };
            s += &format!("  {ports} {} on {addresses}: {at}{how}\n", g.ports);
            for e in &g.except {
                s += &format!("    except where {e}\n");
            }
        }
        for n in &l.notes {
            s += &format!("  note: {}\n", printable(n));
        }
    }
    s
}

pub fn run(confdir: &str, db: &UserDb, user: Option<&str>, as_json: bool, out: &mut dyn Write) -> Result<i32> {
    let root = std::path::Path::new(confdir);
    let inv = Inventory::read(root).map_err(|e| AdminError::errno(confdir, e))?;
    let mut kernel = Kernel::open(confdir)?;
    let own = kernel.own().clone();
    let mut conf = grant::ConfDir::open_at(confdir).map_err(|e| AdminError::errno(confdir, e))?;
    let mut whos: Vec<(Who, bool)> = Vec::new();
    let mut header_note = None;
    if let Some(u) = user {
        whos.push((crate::explain_cmd::whom(db, &own, Some(u), am_root())?, true));
    } else if !am_root() {
        whos.push((crate::explain_cmd::whom(db, &own, None, false)?, true));
        header_note = Some("only root can list other users: this is you".to_string());
    } else {
        let mut uids: BTreeSet<u32> = db.users().map(|u| u.uid).filter(|&u| u != 0).collect();
        for e in inv.children(Rule::ByUid.folder()) {
            if let Ok(name) = ByuidName::parse(e.folder_and_name().1) {
                uids.insert(name.uid);
            }
        }
        // Whoever a reservation is for, in the database or not.
        uids.extend(
            crate::reserve::in_tree(&inv)
                .into_iter()
                .map(|(_, e)| e.meta.uid)
                .filter(|&u| u != 0),
        );
        whos.extend(uids.into_iter().map(|u| (Who::of(db, u), true)));
        whos.push((any_other(), false));
    }
    let mut view = TreeView {
        root: root.to_path_buf(),
        over: Over::Real {
            oracle: &mut kernel,
            conf: &mut conf,
        },
        plan: Plan::default(),
    };
    let mut lists = Vec::new();
    let one = whos.len() == 1;
    for (who, byuid) in &whos {
        let l = list_for(&mut view, &inv, db, who, *byuid);
        if let Some(e) = view.take_broken() {
            return Err(e);
        }
        if one || !l.grants.is_empty() || !l.notes.is_empty() || !byuid {
            lists.push(l);
        }
    }
    let reserved = reservations(&inv, db);
    if as_json {
        let v = serde_json::json!({ "reservations": reserved, "users": lists, "note": header_note });
        out.write_all((serde_json::to_string_pretty(&v).unwrap_or_default() + "\n").as_bytes())?;
    } else {
        if let Some(n) = header_note {
            writeln!(out, "({n})")?;
        }
        out.write_all(render_reservations(&reserved).as_bytes())?;
        out.write_all(render(&lists).as_bytes())?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{bytes, clean, file, put};
    use crate::who::fixtures::db;

    #[test]
    fn group_grants_expand_and_lines_show_what_comes_first() {
        let mut inv = clean();
        put(&mut inv, "byport/80", file(0, 2000, 0o010));
        put(&mut inv, "byaddr/127.0.0.1,81", file(1000, 1000, 0o500));
        bytes(
            &mut inv,
            "byuid/1000",
            file(0, 0, 0o644),
            "127.0.0.1-127.0.0.9,80-88\nlocalhost,80\n",
        );
        let db = db();
        let plan = Plan::default();
        let mut view = TreeView {
            root: inv.root.clone(),
            over: Over::Snapshot(&inv),
            plan,
        };
        let bob = list_for(&mut view, &inv, &db, &Who::of(&db, 1001), true);
        assert_eq!(
            render(&[bob]),
            "bob (uid 1001):\n  port 80 on every address: byport/80 (group www (2000))\n"
        );
        let alice = list_for(&mut view, &inv, &db, &Who::of(&db, 1000), true);
        assert_eq!(
            render(&[alice]),
            "alice (uid 1000):\n  port 81 on 127.0.0.1: byaddr/127.0.0.1,81 (its owner)\n  ports 80-88 on 127.0.0.1-127.0.0.9: byuid/1000:1\n    except where byport/80 decides first and refuses\n    except where byaddr/127.0.0.1,81 decides first and grants\n"
        );
        let carol = list_for(&mut view, &inv, &db, &Who::of(&db, 1002), true);
        assert_eq!(carol.grants.len(), 1);
    }

    /// Reservations are listed with their owners, and for each user the
    /// ones they may execute; a grant a reservation refuses is not.
    #[test]
    fn reservations_are_listed_with_their_owners() {
        let mut inv = clean();
        put(&mut inv, "byport/80", file(0, 2000, 0o010));
        put(&mut inv, "reserve", crate::reserve::folder_meta());
        put(&mut inv, "reserve/80", file(1002, 0, 0o500));
        put(&mut inv, "reserve/10.0.0.1,5432", file(0, 2000, 0o010));
        let db = db();
        assert_eq!(
            render_reservations(&reservations(&inv, &db)),
            "reservations:\n  port 80 on every address: reserve/80, for carol\n  port 5432 on 10.0.0.1: reserve/10.0.0.1,5432, for @www\n"
        );
        let mut view = TreeView {
            root: inv.root.clone(),
            over: Over::Snapshot(&inv),
            plan: Plan::default(),
        };
        let bob = list_for(&mut view, &inv, &db, &Who::of(&db, 1001), true);
        assert_eq!(
            render(&[bob]),
            "bob (uid 1001):\n  port 5432 on 10.0.0.1: reserve/10.0.0.1,5432 (reserved, group www (2000))\n"
        );
        let carol = list_for(&mut view, &inv, &db, &Who::of(&db, 1002), true);
        assert_eq!(
            render(&[carol]),
            "carol (uid 1002):\n  port 80 on every address: reserve/80 (reserved, its owner)\n  port 5432 on 10.0.0.1: reserve/10.0.0.1,5432 (reserved, group www (2000))\n"
        );
    }

    /// byport/81 is a symlink to nothing: `access()` says ENOENT, and
    /// byaddr/127.0.0.1,81 decides. The old listing skipped every byaddr
    /// file of a port whose byport name existed, so bob's grant was not
    /// listed.
    #[test]
    fn a_dangling_byport_link_lets_byaddr_files_decide() {
        let mut inv = clean();
        crate::check::testing::link(
            &mut inv,
            "byport/81",
            "/nonexistent/authbind-81",
            Err(model::Errno::ENOENT),
        );
        put(&mut inv, "byaddr/127.0.0.1,81", file(0, 2000, 0o010));
        let db = db();
        let mut view = TreeView {
            root: inv.root.clone(),
            over: Over::Snapshot(&inv),
            plan: Plan::default(),
        };
        let bob = list_for(&mut view, &inv, &db, &Who::of(&db, 1001), true);
        assert_eq!(
            render(&[bob]),
            "bob (uid 1001):\n  port 81 on 127.0.0.1: byaddr/127.0.0.1,81 (group www (2000))\n"
        );
    }

    /// byaddr/ is root's, 0700: for every IPv4 bind a user asks, `decide`
    /// stops at byaddr/ADDR:PORT (EACCES) before any byuid line. The old
    /// listing asked only at ports with a flag file of their own, so it
    /// showed the line as if it granted.
    #[test]
    fn what_an_unsearchable_folder_decides_first_is_listed() {
        let mut inv = clean();
        put(
            &mut inv,
            "byaddr",
            crate::mode::Meta::new(crate::mode::Kind::Dir, 0, 0, 0o700),
        );
        bytes(
            &mut inv,
            "byuid/1000",
            file(0, 0, 0o644),
            "127.0.0.1,80
",
        );
        let db = db();
        let mut view = TreeView {
            root: inv.root.clone(),
            over: Over::Snapshot(&inv),
            plan: Plan::default(),
        };
        let alice = list_for(&mut view, &inv, &db, &Who::of(&db, 1000), true);
        assert_eq!(
            render(&[alice]),
            "alice (uid 1000):\n  port 80 on 127.0.0.1: byuid/1000:1\n    except where byaddr/127.0.0.1:80 decides first and refuses\n"
        );
    }
}
