//! `grant` and `revoke`: one change to the tree, in the forms of
//! authbind-policy(8) (GRANT FILES): byuid lines for a user, root-owned
//! flag files with the group's execute bit for a group. Before writing,
//! the changed tree is decided by the policy crate: a grant must then work
//! at every point where it could fail, a revoke must leave the user
//! refused, and no one else may lose what they have; otherwise nothing is
//! written and the reason is given.

use crate::cli::Principal;
use crate::declared::{group_files, Grant, Grantee};
use crate::edit::ByuidFile;
use crate::error::{AdminError, Result};
use crate::inventory::{Entry, Inventory};
use crate::lines::{grants_of_line, line_for, raw_lines};
use crate::mode::{octal, Kind, Meta};
use crate::oracle::Kernel;
use crate::sim::{Plan, Planned};
use crate::spec::{AddrSpec, Ports};
use crate::view::{any_other, grantees, probes, verify, Over, Points, TreeView};
use crate::who::{UserDb, Who};
use crate::write::Change;
use model::{Address, ByuidName, FileName, PolicyName, Rule, Target};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

pub(crate) fn grantee(db: &UserDb, p: &Principal) -> Result<Grantee> {
    match p {
        Principal::User(u) => Who::lookup(db, u)
            .map(Grantee::User)
            .ok_or_else(|| AdminError::usage(format!("no user named `{u}`"))),
        Principal::Group(g) => {
            let gid = db
                .lookup_gid(g)
                .ok_or_else(|| AdminError::usage(format!("no group named `{g}`")))?;
            Ok(Grantee::Group {
                gid,
                name: db.group_by_gid(gid).map(|g| g.name.clone()),
            })
        }
    }
}

/// Everyone whose decisions a change could touch: the database's users,
/// every uid that has a byuid file, and the owners of flag files and
/// reservations (granted by their owner bits).
fn population(db: &UserDb, inv: &Inventory) -> Vec<Who> {
    let mut uids: BTreeSet<u32> = db.users().map(|u| u.uid).collect();
    for e in inv.children(Rule::ByUid.folder()) {
        if let Ok(name) = ByuidName::parse(e.folder_and_name().1) {
            uids.insert(name.uid);
        }
    }
    for rule in [Rule::ByPort, Rule::ByAddr, Rule::Reserve] {
        uids.extend(inv.children(rule.folder()).map(|e| e.meta.uid));
    }
    uids.into_iter().filter(|&u| u != 0).map(|u| Who::of(db, u)).collect()
}

/// The (address, port) points where `who` could be granted one of `ports`
/// today: the wildcards and byaddr addresses where flag files exist, and
/// the ends of each of the user's byuid lines.
fn their_points(inv: &Inventory, who: &Who, ports: &BTreeSet<u16>, points: &Points) -> Vec<(Address, u16)> {
    let mut out = BTreeSet::new();
    for &port in ports {
        if let Some(addrs) = points.ports.get(&port) {
            out.insert((Address::UNSPECIFIED_V4, port));
            out.insert((Address::UNSPECIFIED_V6, port));
            out.extend(addrs.iter().map(|a| (*a, port)));
        }
        let rel = ByuidName::for_request(who.creds.uid, port).to_string();
        if let Some(crate::inventory::Content::Bytes { data, .. }) = inv.get(&rel).map(|e| &e.content) {
            for l in raw_lines(data) {
                for (a, r) in grants_of_line(l.bytes).unwrap_or_default() {
                    if r.contains(port) {
                        out.insert((a.first(), port));
                        out.insert((a.last(), port));
                    }
                }
            }
        }
    }
    out.into_iter().collect()
}

/// Who loses (or gains) something when `plan` is made, other than `skip`.
pub(crate) fn collateral(
    view: &mut TreeView,
    inv: &Inventory,
    db: &UserDb,
    plan: &Plan,
    ports: &BTreeSet<u16>,
    skip: &dyn Fn(&Who) -> bool,
) -> (Vec<String>, Vec<String>) {
    let before_points = Points::after(inv, &Plan::default());
    let after_points = Points::after(inv, plan);
    let (mut lost, mut gained) = (Vec::new(), Vec::new());
    for who in population(db, inv) {
        if skip(&who) {
            continue;
        }
        let mut pts = their_points(inv, &who, ports, &before_points);
        pts.extend(their_points(inv, &who, ports, &after_points));
        pts.sort();
        pts.dedup();
        for (addr, port) in pts {
            view.plan = Plan::default();
            let before = view.walk(&who, addr, port);
            view.plan = plan.clone();
            let after = view.walk(&who, addr, port);
            let t = Target::new(addr, port);
            let file = |w: &crate::walk::Walk| {
                let f = match w.decision.reservation {
                    Some(_) => w.decision.file_for(addr, port, who.creds.uid).to_string(),
                    None => model::PolicyFile::new(w.decision.file, addr, port, who.creds.uid)
                        .map(|f| f.to_string())
                        .unwrap_or_default(),
                };
                match w.decision.line {
                    0 => f,
                    n => format!("{f}:{n}"),
                }
            };
            // One line per user is enough to explain the refusal.
            let said = |v: &Vec<String>| v.iter().any(|l| l.starts_with(&format!("{} ", who.label())));
            if said(&lost) || said(&gained) {
                continue;
            }
            match (before.decision.granted(), after.decision.granted()) {
                (true, false) => lost.push(format!(
                    "{} would lose {t} (granted today by {}; afterwards {} refuses it)",
                    who.label(),
                    file(&before),
                    file(&after)
                )),
                (false, true) => gained.push(format!("{} would then be granted {t} by {}", who.label(), file(&after))),
                _ => {}
            }
        }
    }
    (lost, gained)
}

fn flag_meta(gid: u32) -> Meta {
    Meta::new(Kind::File, 0, gid, 0o010)
}

pub(crate) fn describe_entry(db: &UserDb, e: &Entry) -> String {
    match &e.link {
        Some(l) => format!("a symlink to {}", l.target),
        None => format!(
            "{}, owner {}, group {}, mode {}",
            e.meta.kind.noun(),
            db.user_label(e.meta.uid),
            db.group_label(e.meta.gid),
            octal(e.meta.mode)
        ),
    }
}

/// Exactly the flag file a group grant writes.
fn is_group_grant(e: &Entry, gid: u32) -> bool {
    e.link.is_none()
        && e.meta.kind == Kind::File
        && e.meta.uid == 0
        && e.meta.gid == gid
        && e.meta.mode & 0o7777 == 0o010
}

/// Where `decide` asks about the flag file `rel` (any address, for a
/// byport file), and under which of its names.
fn asked_at(rel: &str) -> Option<(FileName, Address, u16)> {
    match PolicyName::parse_path(rel) {
        Ok(PolicyName::ByPort(port)) => Some((FileName::ByPort, Address::UNSPECIFIED_V4, port)),
        Ok(PolicyName::ByAddr { addr, port, form }) => Some((form, addr, port)),
        _ => None,
    }
}

/// The users, other than those `mine` names, whom the flag file `e` grants
/// (by `decide`, over the tree as the view has it): the database's users,
/// the uids with a byuid file, the file's owner and any other user.
fn others_granted(
    view: &mut TreeView,
    inv: &Inventory,
    db: &UserDb,
    e: &Entry,
    mine: &dyn Fn(&Who) -> bool,
) -> Vec<String> {
    let Some((name, addr, port)) = asked_at(&e.rel) else {
        return vec![];
    };
    let mut whos = population(db, inv);
    if e.meta.uid != 0 {
        whos.push(Who::of(db, e.meta.uid));
    }
    whos.push(any_other());
    let mut out: Vec<String> = Vec::new();
    for who in whos.iter().filter(|w| !mine(w)) {
        let d = view.decide(who, addr, port);
        if d.file == name && d.granted() && !out.contains(&who.short()) {
            out.push(who.short());
        }
    }
    out
}

/// One command's changes, planned before anything is written.
pub(crate) struct Planning<'a> {
    pub(crate) root: &'a Path,
    pub(crate) inv: &'a Inventory,
    pub(crate) db: &'a UserDb,
    pub(crate) changes: Vec<Change>,
    pub(crate) notes: Vec<String>,
    pub(crate) manifest: BTreeSet<String>,
}

impl Planning<'_> {
    pub(crate) fn plan(&self) -> Plan {
        let mut p = Plan::default();
        for c in &self.changes {
            p.set(&c.rel, c.to.clone());
        }
        p
    }

    pub(crate) fn push(&mut self, rel: &str, to: Planned, verb: &'static str, note: String) {
        if self.manifest.contains(rel) {
            self.notes.push(format!(
                "note: {rel} is managed by `authbind-policy apply`: the next apply will undo this"
            ));
        }
        // A second change to the same path replaces the first; its notes add up.
        let (verb, note) = match self.changes.iter().position(|c| c.rel == rel) {
            Some(i) => {
                let old = self.changes.remove(i);
                let verb = if old.verb == "create" && verb != "remove" {
                    "create"
                } else {
                    verb
                };
                (verb, format!("{}; {note}", old.note))
            }
            None => (verb, note),
        };
        self.changes.push(Change {
            rel: rel.into(),
            to,
            verb,
            note,
        });
    }

    /// The byuid file as the changes so far leave it.
    fn byuid(&self, rel: &str) -> Result<ByuidFile> {
        let mut f = ByuidFile::open(rel, self.inv.get(rel))?;
        if let Some(Change {
            to: Planned::Node { content, .. },
            ..
        }) = self.changes.iter().find(|c| c.rel == rel)
        {
            f.data = content.clone();
        }
        Ok(f)
    }

    fn write_byuid(&mut self, f: ByuidFile, note: String) {
        if f.data.is_empty() && f.exists {
            self.push(&f.rel, Planned::Absent, "remove", format!("{note}; no line left"));
            return;
        }
        let verb = if f.exists { "update" } else { "create" };
        // A file others may write is one they may grant themselves from:
        // the edit does not keep that (`check` calls it an error).
        let mode = f.meta.mode & !0o022;
        // Said once, with the first change to the file.
        let first = !self.changes.iter().any(|c| c.rel == f.rel);
        let note = if mode != f.meta.mode && first {
            format!(
                "{note}; no longer writable by group or others ({} was {})",
                crate::mode::octal(mode),
                crate::mode::octal(f.meta.mode)
            )
        } else {
            note
        };
        let meta = Meta::new(Kind::File, f.meta.uid, f.meta.gid, mode);
        self.push(&f.rel.clone(), Planned::Node { meta, content: f.data }, verb, note);
    }
}

/// What a grant's addresses are, for messages.
fn addr_words(addrs: &[AddrSpec]) -> String {
    if addrs == AddrSpec::everywhere().as_slice() {
        "every address".into()
    } else {
        addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
    }
}

#[allow(clippy::too_many_arguments)]
pub fn run(
    confdir: &str,
    db: &UserDb,
    revoke: bool,
    who: &Principal,
    ports: &Ports,
    addrs: &[AddrSpec],
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let root = Path::new(confdir);
    let g = Grant {
        n: 1,
        grantee: grantee(db, who)?,
        ports: ports.clone(),
        addrs: if addrs.is_empty() {
            AddrSpec::everywhere()
        } else {
            addrs.to_vec()
        },
    };
    // Held from the read to the write (dry runs too: their plan is then
    // what a real run would do).
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
    let verb = if revoke { "revoke" } else { "grant" };
    let what = format!(
        "{verb} {} ports {} on {}",
        g.grantee.label(),
        g.ports,
        addr_words(&g.addrs)
    );
    let mut view = TreeView {
        root: root.to_path_buf(),
        over: Over::Real {
            oracle: &mut kernel,
            conf: &mut conf,
        },
        plan: Plan::default(),
    };
    let result = match (&g.grantee, revoke) {
        (Grantee::User(w), false) => grant_user(&mut p, &mut view, &g, w),
        (Grantee::User(w), true) => revoke_user(&mut p, &mut view, &g, w),
        (Grantee::Group { gid, .. }, false) => grant_group(&mut p, &mut view, &g, *gid),
        (Grantee::Group { gid, .. }, true) => revoke_group(&mut p, &mut view, &g, *gid),
    };
    if let Some(e) = view.take_broken() {
        return Err(e);
    }
    result.map_err(|e| match e {
        AdminError::Refused(m) => AdminError::Refused(format!("{what}: refused, nothing was written:\n  {m}")),
        other => other,
    })?;
    let already = if revoke { "nothing to revoke" } else { "already granted" };
    report(&p, &what, confdir, already, dry_run, out)
}

/// Prints the plan and, unless a dry run, makes it.
pub(crate) fn report(
    p: &Planning,
    what: &str,
    confdir: &str,
    nothing: &str,
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    writeln!(out, "{what} in {confdir}:")?;
    if p.changes.is_empty() {
        writeln!(out, "  nothing to do: {nothing}")?;
    }
    for c in &p.changes {
        writeln!(out, "  {}", c.describe())?;
    }
    for n in &p.notes {
        writeln!(out, "  {n}")?;
    }
    if dry_run {
        writeln!(out, "dry run: nothing written")?;
    } else if !p.changes.is_empty() {
        crate::write::execute(p.root, &p.changes)?;
        writeln!(out, "done")?;
    }
    Ok(0)
}

fn refusal_lines(failures: &[crate::view::Failure]) -> String {
    failures
        .iter()
        .map(|f| {
            let flag_file = PolicyName::parse_path(&f.file).is_ok_and(|n| n.rule() != Rule::ByUid);
            let hint = if flag_file {
                format!(
                    "; {} is read before any byuid file, so a byuid line cannot grant what it refuses: change or remove {} (see `authbind-policy explain`)",
                    f.file, f.file
                )
            } else {
                String::new()
            };
            format!("{} would not be granted {}: {}{hint}", f.who, f.target, f.why)
        })
        .collect::<Vec<_>>()
        .join("\n  ")
}

fn grant_user(p: &mut Planning, view: &mut TreeView, g: &Grant, w: &Who) -> Result<()> {
    for a in &g.addrs {
        for piece in g.ports.pieces() {
            let rel = ByuidName::for_request(w.creds.uid, piece.min).to_string();
            let mut f = p.byuid(&rel)?;
            if let Some(n) = f.covering_line(a, piece) {
                p.notes.push(format!("{a} ports {piece}: already granted by {rel}:{n}"));
                continue;
            }
            let line = line_for(a, piece);
            f.append(&line)?;
            p.write_byuid(f, format!("append `{}`", line.trim_end()));
        }
    }
    view.plan = p.plan();
    let points = Points::after(p.inv, &view.plan);
    let failures = verify(view, std::slice::from_ref(g), p.db, &points);
    if !failures.is_empty() {
        return Err(AdminError::Refused(refusal_lines(&failures)));
    }
    Ok(())
}

fn revoke_user(p: &mut Planning, view: &mut TreeView, g: &Grant, w: &Who) -> Result<()> {
    for a in &g.addrs {
        for piece in g.ports.pieces() {
            let rel = ByuidName::for_request(w.creds.uid, piece.min).to_string();
            if p.inv.get(&rel).is_none() {
                continue;
            }
            let mut f = p.byuid(&rel)?;
            let done = f.revoke(a, piece)?;
            if !done.is_empty() {
                p.write_byuid(f, done.join("; "));
            }
        }
    }
    // What still grants it: flag files of this user's own may go, if no
    // one else then gains or loses anything.
    for _ in 0..64 {
        view.plan = p.plan();
        let points = Points::after(p.inv, &view.plan);
        let mut still = None;
        'probe: for (addr, port) in probes(g, &points) {
            let d = view.decide(w, addr, port);
            if d.granted() {
                still = Some((addr, port, d));
                break 'probe;
            }
        }
        let Some((addr, port, d)) = still else {
            return Ok(());
        };
        let file = model::PolicyFile::new(d.file, addr, port, w.creds.uid)
            .map(|f| f.to_string())
            .unwrap_or_default();
        let entry = p.inv.get(&file);
        match entry {
            Some(e)
                if e.link.is_none()
                    && others_granted(view, p.inv, p.db, e, &|o: &Who| o.creds.uid == w.creds.uid).is_empty() =>
            {
                let desc = describe_entry(p.db, e);
                p.push(&file, Planned::Absent, "remove", format!("it grants {} only ({desc})", w.short()));
                let plan = p.plan();
                let ports: BTreeSet<u16> = [port].into();
                let uid = w.creds.uid;
                let (lost, gained) = collateral(view, p.inv, p.db, &plan, &ports, &|o: &Who| o.creds.uid == uid);
                if !lost.is_empty() || !gained.is_empty() {
                    return Err(AdminError::Refused(format!(
                        "{} grants {} {}, and removing it would change other users' binds:\n  {}",
                        file,
                        w.short(),
                        Target::new(addr, port),
                        lost.iter().chain(&gained).cloned().collect::<Vec<_>>().join("\n  ")
                    )));
                }
            }
            Some(e) => {
                return Err(AdminError::Refused(format!(
                    "{} would still be granted {} by {file} ({}), which grants others too; change it by hand, or revoke the group's grant",
                    w.label(),
                    Target::new(addr, port),
                    describe_entry(p.db, e)
                )))
            }
            None => {
                return Err(AdminError::Refused(format!(
                    "{} would still be granted {} by {file}",
                    w.label(),
                    Target::new(addr, port)
                )))
            }
        }
    }
    Err(AdminError::Refused("too many files grant it; revoke by hand".into()))
}

fn grant_group(p: &mut Planning, view: &mut TreeView, g: &Grant, gid: u32) -> Result<()> {
    let paths = group_files(g)?;
    let mut touched = BTreeSet::new();
    for rel in &paths {
        match p.inv.get(rel) {
            Some(e) if is_group_grant(e, gid) => {
                p.notes.push(format!("{rel}: already there"));
            }
            Some(e) => {
                return Err(AdminError::Refused(format!(
                    "{rel} exists ({}): it decides its port for every user, so authbind-policy will not change it; revoke what it grants, or remove it, first",
                    describe_entry(p.db, e)
                )))
            }
            None => {
                touched.insert(port_of(rel));
                p.push(
                    rel,
                    Planned::Node {
                        meta: flag_meta(gid),
                        content: Vec::new(),
                    },
                    "create",
                    format!("group {}, execute for the group only", p.db.group_label(gid)),
                );
            }
        }
    }
    let plan = p.plan();
    view.plan = plan.clone();
    let points = Points::after(p.inv, &plan);
    let failures = verify(view, std::slice::from_ref(g), p.db, &points);
    if !failures.is_empty() {
        return Err(AdminError::Refused(refusal_lines(&failures)));
    }
    let members: BTreeSet<u32> = grantees(g, p.db).iter().map(|w| w.creds.uid).collect();
    let (lost, gained) = collateral(view, p.inv, p.db, &plan, &touched, &|w: &Who| {
        members.contains(&w.creds.uid)
    });
    if !lost.is_empty() {
        return Err(AdminError::Refused(format!(
            "the new files would be read first for everyone, and refuse users who are not in the group:\n  {}",
            lost.join("\n  ")
        )));
    }
    p.notes.extend(gained.into_iter().map(|s| format!("note: {s}")));
    Ok(())
}

fn port_of(rel: &str) -> u16 {
    match PolicyName::parse_path(rel) {
        Ok(PolicyName::ByPort(p) | PolicyName::ByAddr { port: p, .. }) => p,
        _ => 0,
    }
}

fn revoke_group(p: &mut Planning, view: &mut TreeView, g: &Grant, gid: u32) -> Result<()> {
    let paths = group_files(g)?;
    let mut touched = BTreeSet::new();
    for rel in &paths {
        match p.inv.get(rel) {
            None => {}
            Some(e)
                if e.link.is_none()
                    && others_granted(view, p.inv, p.db, e, &|o: &Who| o.creds.in_group(gid)).is_empty() =>
            {
                touched.insert(port_of(rel));
                let desc = describe_entry(p.db, e);
                p.push(rel, Planned::Absent, "remove", format!("was {desc}"));
            }
            Some(e) => {
                return Err(AdminError::Refused(format!(
                    "{rel} is not a grant to {} alone ({}); change it by hand",
                    g.grantee.label(),
                    describe_entry(p.db, e)
                )))
            }
        }
    }
    // Members lose the grant: that is the point. Anyone else can only
    // gain (a removed flag file no longer hides their byuid lines): said.
    let plan = p.plan();
    let members: BTreeSet<u32> = grantees(g, p.db).iter().map(|w| w.creds.uid).collect();
    let (lost, gained) = collateral(view, p.inv, p.db, &plan, &touched, &|w: &Who| {
        members.contains(&w.creds.uid)
    });
    p.notes.extend(lost.into_iter().map(|s| format!("note: {s}")));
    p.notes.extend(
        gained
            .into_iter()
            .map(|s| format!("note: {s} (the removed file hid it)")),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Content;

    fn entry(uid: u32, gid: u32, mode: u32) -> Entry {
        Entry {
            rel: "byport/80".into(),
            meta: Meta::new(Kind::File, uid, gid, mode),
            link: None,
            content: Content::NotRead,
        }
    }

    /// Whom else a flag file grants is `decide`'s answer over the tree.
    /// The old mode-bit rule ("owner bits only", "group bits, not the
    /// others'") let revoke remove byport/80 (alice's, 0500) and
    /// byport/81 (root:www, 0010) alone; it also refused to remove
    /// byport/82 (root:alice, 0010), which grants alice alone.
    #[test]
    fn whom_else_a_flag_file_grants() {
        use crate::check::testing::{clean, file, put};
        let db = crate::who::fixtures::db();
        let mut inv = clean();
        put(&mut inv, "byport/80", file(1000, 1000, 0o500));
        put(&mut inv, "byport/81", file(0, 2000, 0o010));
        put(&mut inv, "byport/82", file(0, 1000, 0o010));
        put(&mut inv, "byport/83", file(1000, 2000, 0o510));
        let mut view = TreeView {
            root: inv.root.clone(),
            over: Over::Snapshot(&inv),
            plan: Plan::default(),
        };
        let mut others = |rel: &str, mine: &dyn Fn(&Who) -> bool| {
            let e = inv.get(rel).unwrap().clone();
            others_granted(&mut view, &inv, &db, &e, mine)
        };
        let alice = |w: &Who| w.creds.uid == 1000;
        let www = |w: &Who| w.creds.in_group(2000);
        assert!(others("byport/80", &alice).is_empty());
        assert!(others("byport/81", &www).is_empty());
        assert!(others("byport/82", &alice).is_empty());
        // The owner, alice, is granted by her own bits besides the group.
        assert_eq!(others("byport/83", &www), ["alice"]);
        assert_eq!(others("byport/81", &alice), ["bob", "carol"]);
    }

    #[test]
    fn which_flag_files_revoke_may_remove() {
        assert!(is_group_grant(&entry(0, 2000, 0o010), 2000));
        assert!(!is_group_grant(&entry(0, 2000, 0o011), 2000));
        assert_eq!(port_of("byport/!636"), 636);
        assert_eq!(port_of("byaddr/::1,80"), 80);
        assert_eq!(addr_words(&AddrSpec::everywhere()), "every address");
    }
}
