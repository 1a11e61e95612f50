//! A TOML policy, resolved (names looked up, ports and addresses read),
//! and the tree that says exactly it: which files, with which owners,
//! modes and lines. A policy the tree cannot express is refused here,
//! with the reason.
//!
//! The forms written (authbind-policy(8), GRANT FILES):
//! - a user: lines in `byuid/UID` (ports below 512) and `byuid/!UID` (512
//!   and up), root's, mode 0644: only that user is concerned, nothing else
//!   is shadowed, and users can read their own lines for `explain`;
//! - a group: `byport/[!]PORT` (every address) or `byaddr/[!]ADDR,PORT`
//!   (one address), owner root, group GROUP, mode 0010: the group's
//!   execute bit is the only one set, so exactly its members pass
//!   `access(X_OK)` (root needs no grant).

use crate::doc::{unhex, FileDoc, FileKind, GrantDoc, ModeItem, PolicyDoc, PortItem, ReserveDoc};
use crate::error::{AdminError, Result};
use crate::inventory::{FOLDERS, MANIFEST};
use crate::lines::line_for;
use crate::mode::{Kind, Meta};
use crate::reserve::Holder;
use crate::sim::Planned;
use crate::spec::{port_range, AddrSpec, PortRange, Ports};
use crate::who::{UserDb, Who};
use crate::write::{MAX_NAME, MAX_PATH, MAX_TARGET};
use model::{Address, FileName, PolicyFile, Reservation};
use std::collections::BTreeMap;

/// Who a grant is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grantee {
    User(Who),
    Group { gid: u32, name: Option<String> },
}

impl Grantee {
    pub fn label(&self) -> String {
        match self {
            Grantee::User(w) => w.short(),
            Grantee::Group { gid, name } => match name {
                Some(n) => format!("@{n}"),
                None => format!("@{gid}"),
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// Its place in the policy, from 1.
    pub n: usize,
    pub grantee: Grantee,
    pub ports: Ports,
    pub addrs: Vec<AddrSpec>,
}

impl Grant {
    pub fn label(&self) -> String {
        format!("grant {} ({} {})", self.n, self.grantee.label(), self.ports)
    }
}

/// A `[[reserve]]` table, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reserved {
    /// Its place among the reservations, from 1.
    pub n: usize,
    pub holder: Holder,
    pub reservations: Vec<Reservation>,
}

impl Reserved {
    pub fn label(&self) -> String {
        format!("reserve {}", self.n)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Declared {
    pub grants: Vec<Grant>,
    pub reservations: Vec<Reserved>,
    pub files: Vec<(String, Planned)>,
}

fn reserved(n: usize, r: &ReserveDoc, db: &UserDb) -> Result<Reserved> {
    let at = format!("reserve {n}");
    // Who, as a grant says it.
    let as_grant = GrantDoc {
        user: r.user.clone(),
        uid: r.uid,
        group: r.group.clone(),
        gid: r.gid,
        ports: r.ports.clone(),
        addresses: Vec::new(),
    };
    let g = grant(n, &as_grant, db).map_err(|e| match e {
        AdminError::Usage(m) => AdminError::Usage(m.replacen(&format!("grant {n}"), &at, 1)),
        other => other,
    })?;
    let holder = Holder::of(&g.grantee);
    let addrs = r
        .addresses
        .iter()
        .map(|a| AddrSpec::parse(a.trim()).map_err(|e| AdminError::usage(format!("{at}: {e}"))))
        .collect::<Result<Vec<_>>>()?;
    let reservations = crate::reserve_cmd::asked(&g.ports, &addrs).map_err(|e| match e {
        AdminError::Usage(m) => AdminError::Usage(format!("{at}: {m}")),
        other => other,
    })?;
    Ok(Reserved {
        n,
        holder,
        reservations,
    })
}

fn ports_of(items: &[PortItem], at: &str) -> Result<Ports> {
    let mut ranges = Vec::new();
    for item in items {
        ranges.push(match item {
            PortItem::Number(n) if (1..=65535).contains(n) => PortRange::one(*n as u16),
            PortItem::Number(n) => return Err(AdminError::usage(format!("{at}: port {n} is not 1 to 65535"))),
            PortItem::Text(t) => port_range(t.trim()).map_err(|e| AdminError::usage(format!("{at}: {e}")))?,
        });
    }
    if ranges.is_empty() {
        return Err(AdminError::usage(format!("{at}: no ports")));
    }
    Ok(Ports::of(ranges))
}

fn grant(n: usize, g: &GrantDoc, db: &UserDb) -> Result<Grant> {
    let at = format!("grant {n}");
    let given = [g.user.is_some(), g.uid.is_some(), g.group.is_some(), g.gid.is_some()];
    if given.iter().filter(|x| **x).count() != 1 {
        return Err(AdminError::usage(format!(
            "{at}: say exactly one of user, uid, group, gid"
        )));
    }
    let grantee = if let Some(name) = &g.user {
        let u = db
            .user_by_name(name)
            .ok_or_else(|| AdminError::usage(format!("{at}: no user named `{name}`")))?;
        Grantee::User(Who::of(db, u.uid))
    } else if let Some(uid) = g.uid {
        if uid == u32::MAX {
            return Err(AdminError::usage(format!("{at}: uid {uid} is not a uid")));
        }
        Grantee::User(Who::of(db, uid))
    } else if let Some(name) = &g.group {
        let gr = db
            .group_by_name(name)
            .ok_or_else(|| AdminError::usage(format!("{at}: no group named `{name}`")))?;
        Grantee::Group {
            gid: gr.gid,
            name: Some(gr.name.clone()),
        }
    } else {
        let gid = g.gid.unwrap_or(0);
        Grantee::Group {
            gid,
            name: db.group_by_gid(gid).map(|g| g.name.clone()),
        }
    };
    let addrs = if g.addresses.is_empty() {
        AddrSpec::everywhere()
    } else {
        g.addresses
            .iter()
            .map(|a| AddrSpec::parse(a.trim()).map_err(|e| AdminError::usage(format!("{at}: {e}"))))
            .collect::<Result<Vec<_>>>()?
    };
    Ok(Grant {
        n,
        grantee,
        ports: ports_of(&g.ports, &at)?,
        addrs,
    })
}

fn mode_of(m: &Option<ModeItem>, default: u32, at: &str) -> Result<u32> {
    let v = match m {
        None => return Ok(default),
        Some(ModeItem::Number(n)) => u32::try_from(*n).ok(),
        Some(ModeItem::Text(t)) => u32::from_str_radix(t.trim(), 8).ok(),
    };
    v.filter(|&v| v <= 0o7777)
        .ok_or_else(|| AdminError::usage(format!("{at}: mode must be octal, 0000 to 7777")))
}

/// A path inside the configuration folder, written plainly.
pub fn check_path(path: &str) -> std::result::Result<(), String> {
    let ok = !path.is_empty()
        && !path.starts_with('/')
        && path.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
        && !path.contains('\0');
    if !ok {
        return Err(format!(
            "`{path}` is not a plain path inside the folder (no /, ., .. or empty parts)"
        ));
    }
    if path == MANIFEST {
        return Err(format!("`{path}` is apply's own record"));
    }
    // Checked here, before anything is written, rather than found by the
    // kernel half-way through a plan.
    if let Some(long) = path.split('/').find(|c| c.len() > MAX_NAME) {
        return Err(format!(
            "`{}…` is a name of {} bytes: at most {MAX_NAME} (the kernel's limit, less apply's temporary suffix)",
            long.chars().take(16).collect::<String>(),
            long.len()
        ));
    }
    if path.len() > MAX_PATH {
        return Err(format!("a path of {} bytes: at most {MAX_PATH}", path.len()));
    }
    Ok(())
}

fn file(f: &FileDoc) -> Result<(String, Planned)> {
    let at = format!("file `{}`", f.path);
    check_path(&f.path).map_err(|e| AdminError::usage(format!("file: {e}")))?;
    let (uid, gid) = (f.owner.unwrap_or(0), f.group.unwrap_or(0));
    let has_content = f.content.is_some() || f.content_hex.is_some();
    let planned = match f.kind {
        FileKind::Symlink => {
            let target = f
                .target
                .clone()
                .filter(|t| !t.is_empty())
                .ok_or_else(|| AdminError::usage(format!("{at}: a symlink needs a target")))?;
            if has_content || f.mode.is_some() || f.owner.is_some() || f.group.is_some() {
                return Err(AdminError::usage(format!("{at}: a symlink has only a target")));
            }
            if target.len() > MAX_TARGET || target.contains('\0') {
                return Err(AdminError::usage(format!(
                    "{at}: a symlink target is at most {MAX_TARGET} bytes, without NUL (the kernel's limit)"
                )));
            }
            Planned::Symlink { target }
        }
        kind => {
            if f.target.is_some() {
                return Err(AdminError::usage(format!("{at}: only a symlink has a target")));
            }
            if has_content && kind != FileKind::File {
                return Err(AdminError::usage(format!("{at}: only a file has content")));
            }
            let content = match (&f.content, &f.content_hex) {
                (Some(_), Some(_)) => return Err(AdminError::usage(format!("{at}: content or content_hex, not both"))),
                (Some(t), None) => t.as_bytes().to_vec(),
                (None, Some(h)) => {
                    unhex(h).ok_or_else(|| AdminError::usage(format!("{at}: content_hex is not hexadecimal")))?
                }
                (None, None) => Vec::new(),
            };
            let (kind, default_mode) = match kind {
                FileKind::Dir => (Kind::Dir, 0o755),
                FileKind::Fifo => (Kind::Fifo, 0o644),
                _ => (Kind::File, 0o644),
            };
            Planned::Node {
                meta: Meta::new(kind, uid, gid, mode_of(&f.mode, default_mode, &at)?),
                content,
            }
        }
    };
    Ok((f.path.clone(), planned))
}

/// Reads names, ports and addresses; every mistake is a usage error.
pub fn resolve(doc: &PolicyDoc, db: &UserDb) -> Result<Declared> {
    let grants = doc
        .grants
        .iter()
        .enumerate()
        .map(|(i, g)| grant(i + 1, g, db))
        .collect::<Result<Vec<_>>>()?;
    let reservations = doc
        .reservations
        .iter()
        .enumerate()
        .map(|(i, r)| reserved(i + 1, r, db))
        .collect::<Result<Vec<_>>>()?;
    let mut files: Vec<(String, Planned)> = Vec::new();
    for f in &doc.files {
        let (path, p) = file(f)?;
        if files.iter().any(|(q, _)| *q == path) {
            return Err(AdminError::usage(format!("file `{path}` is described twice")));
        }
        files.push((path, p));
    }
    Ok(Declared {
        grants,
        reservations,
        files,
    })
}

/// The tree a policy asks for: every path it makes, and what made it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Desired {
    pub entries: BTreeMap<String, Planned>,
    pub origin: BTreeMap<String, String>,
}

fn flag_file(gid: u32) -> Planned {
    Planned::Node {
        meta: Meta::new(Kind::File, 0, gid, 0o010),
        content: Vec::new(),
    }
}

/// The flag files a group grant needs, or why there are none.
pub fn group_files(g: &Grant) -> Result<Vec<String>> {
    let any4 = g.addrs.contains(&AddrSpec::any(model::Family::V4));
    let any6 = g.addrs.contains(&AddrSpec::any(model::Family::V6));
    let who = g.grantee.label();
    let mut paths = Vec::new();
    if any4 && any6 {
        for port in g.ports.iter() {
            paths.push(PolicyFile::new(FileName::ByPort, Address::UNSPECIFIED_V4, port, 0).map(|f| f.to_string()));
        }
        return Ok(paths.into_iter().flatten().collect());
    }
    for a in &g.addrs {
        let AddrSpec::Host(addr) = a else {
            let why = if a.is_any() {
                "byport grants every address of both families; no file grants a group every address of one".to_string()
            } else {
                "byaddr names one address, so a group can be granted one address at a time or every address (byport); grant its members one by one (byuid lines) for a range".to_string()
            };
            return Err(AdminError::Refused(format!("{} for {who}: {a}: {why}", g.label())));
        };
        for port in g.ports.iter() {
            paths.push(PolicyFile::new(FileName::ByAddrComma, *addr, port, 0).map(|f| f.to_string()));
        }
    }
    Ok(paths.into_iter().flatten().collect())
}

/// The byuid lines a user grant needs: (file, line).
pub fn user_lines(g: &Grant, uid: u32) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for a in &g.addrs {
        for piece in g.ports.pieces() {
            let file = model::ByuidName::for_request(uid, piece.min);
            out.push((file.to_string(), line_for(a, piece)));
        }
    }
    out
}

/// The tree that says exactly `d` (besides files that are not its own).
pub fn desired(d: &Declared) -> Result<Desired> {
    let mut out = Desired::default();
    let mut byuid: BTreeMap<String, (Vec<String>, String)> = BTreeMap::new();
    for g in &d.grants {
        match &g.grantee {
            Grantee::User(w) => {
                for (file, line) in user_lines(g, w.creds.uid) {
                    let entry = byuid.entry(file).or_insert_with(|| (Vec::new(), g.label()));
                    if !entry.0.contains(&line) {
                        entry.0.push(line);
                    }
                }
            }
            Grantee::Group { gid, .. } => {
                for path in group_files(g)? {
                    if let Some(Planned::Node { meta, .. }) = out.entries.get(&path) {
                        if meta.gid != *gid {
                            return Err(AdminError::Refused(format!(
                                "{path} is asked for by {} and by {} for different groups: one file has one group",
                                out.origin[&path],
                                g.label()
                            )));
                        }
                    }
                    out.entries.insert(path.clone(), flag_file(*gid));
                    out.origin.entry(path).or_insert_with(|| g.label());
                }
            }
        }
    }
    for r in &d.reservations {
        for res in &r.reservations {
            let path = res.to_string();
            let node = Planned::Node {
                meta: r.holder.file_meta(),
                content: Vec::new(),
            };
            if out.entries.get(&path).is_some_and(|p| *p != node) {
                return Err(AdminError::Refused(format!(
                    "{path} is asked for by {} and by {} for different owners: a reservation has one",
                    out.origin[&path],
                    r.label()
                )));
            }
            out.entries.insert(path.clone(), node);
            out.origin.entry(path).or_insert_with(|| r.label());
        }
    }
    for (file, (lines, origin)) in byuid {
        out.entries.insert(
            file.clone(),
            Planned::Node {
                meta: Meta::new(Kind::File, 0, 0, 0o644),
                content: lines.concat().into_bytes(),
            },
        );
        out.origin.insert(file, origin);
    }
    for (path, p) in &d.files {
        if let Some(origin) = out.origin.get(path) {
            return Err(AdminError::Refused(format!(
                "{path} is both a [[file]] and made by {origin}"
            )));
        }
        out.entries.insert(path.clone(), p.clone());
        out.origin.insert(path.clone(), format!("file `{path}`"));
    }
    // The reservations' folder, when something is to be in it.
    let reserve = crate::reserve::folder();
    if out
        .entries
        .keys()
        .any(|p| p.strip_prefix(reserve).is_some_and(|r| r.starts_with('/')))
    {
        out.entries.entry(reserve.to_string()).or_insert_with(|| Planned::Node {
            meta: crate::reserve::folder_meta(),
            content: Vec::new(),
        });
        out.origin
            .entry(reserve.to_string())
            .or_insert_with(|| "the reservations' folder".into());
    }
    for f in FOLDERS {
        out.entries.entry(f.to_string()).or_insert_with(|| Planned::Node {
            meta: Meta::new(Kind::Dir, 0, 0, 0o755),
            content: Vec::new(),
        });
        out.origin
            .entry(f.to_string())
            .or_insert_with(|| "the three folders".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::who::fixtures::db;

    fn declared(text: &str) -> Result<Declared> {
        resolve(&PolicyDoc::parse(text).unwrap(), &db())
    }

    fn content(d: &Desired, path: &str) -> String {
        match &d.entries[path] {
            Planned::Node { content, .. } => String::from_utf8(content.clone()).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn user_grants_become_byuid_lines_split_at_512() {
        let d = declared(
            "[[grant]]\nuser = \"alice\"\nports = [80, \"500-600\"]\n[[grant]]\nuid = 1500\nports = [443]\naddresses = [\"127.0.0.1\", \"::1\"]\n",
        )
        .unwrap();
        let t = desired(&d).unwrap();
        assert_eq!(
            content(&t, "byuid/1000"),
            "0.0.0.0/0,80\n0.0.0.0/0,500-511\n::/0,80\n::/0,500-511\n"
        );
        assert_eq!(content(&t, "byuid/!1000"), "0.0.0.0/0,512-600\n::/0,512-600\n");
        assert_eq!(content(&t, "byuid/1500"), "127.0.0.1,443\n::1,443\n");
        assert_eq!(
            t.entries["byuid/1000"],
            Planned::Node {
                meta: Meta::new(Kind::File, 0, 0, 0o644),
                content: content(&t, "byuid/1000").into_bytes()
            }
        );
        assert!(matches!(&t.entries["byport"], Planned::Node { meta, .. } if meta.kind == Kind::Dir));
    }

    #[test]
    fn group_grants_become_flag_files() {
        let d = declared("[[grant]]\ngroup = \"www\"\nports = [\"80-81\", 636]\n[[grant]]\ngid = 77\nports = [25]\naddresses = [\"192.0.2.1\", \"::1\"]\n").unwrap();
        let t = desired(&d).unwrap();
        for p in ["byport/80", "byport/81", "byport/!636"] {
            assert_eq!(t.entries[p], flag_file(2000), "{p}");
        }
        assert_eq!(t.entries["byaddr/192.0.2.1,25"], flag_file(77));
        assert_eq!(t.entries["byaddr/::1,25"], flag_file(77));
    }

    #[test]
    fn what_the_tree_cannot_say_is_refused_with_the_reason() {
        let e = desired(&declared("[[grant]]\ngroup = \"www\"\nports = [80]\naddresses = [\"10.0.0.0/8\"]\n").unwrap())
            .unwrap_err();
        assert_eq!(e.status(), 1);
        assert_eq!(e.to_string(), "grant 1 (@www 80) for @www: 10.0.0.0/8: byaddr names one address, so a group can be granted one address at a time or every address (byport); grant its members one by one (byuid lines) for a range");
        let e = desired(&declared("[[grant]]\ngroup = \"www\"\nports = [80]\naddresses = [\"0.0.0.0/0\"]\n").unwrap())
            .unwrap_err();
        assert!(e.to_string().ends_with(
            "0.0.0.0/0: byport grants every address of both families; no file grants a group every address of one"
        ));
        let e = desired(
            &declared("[[grant]]\ngroup = \"www\"\nports = [80]\n[[grant]]\ngroup = \"staff\"\nports = [80]\n")
                .unwrap(),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "byport/80 is asked for by grant 1 (@www 80) and by grant 2 (@staff 80) for different groups: one file has one group");
        let e = desired(
            &declared("[[grant]]\ngroup = \"www\"\nports = [80]\n[[file]]\npath = \"byport/80\"\nkind = \"file\"\n")
                .unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "byport/80 is both a [[file]] and made by grant 1 (@www 80)"
        );
    }

    #[test]
    fn reservations_become_files_in_their_folder() {
        let d = declared(
            "[[reserve]]\nuser = \"alice\"\nports = [5432]\n[[reserve]]\ngroup = \"www\"\nports = [\"80-81\"]\naddresses = [\"10.0.0.1\", \"::1\"]\n",
        )
        .unwrap();
        let t = desired(&d).unwrap();
        assert_eq!(
            t.entries["reserve/5432"],
            Planned::Node {
                meta: Meta::new(Kind::File, 1000, 0, 0o500),
                content: vec![]
            }
        );
        for p in ["reserve/10.0.0.1,80", "reserve/::1,81"] {
            assert_eq!(t.entries[p], flag_file(2000), "{p}");
        }
        assert!(matches!(&t.entries["reserve"], Planned::Node { meta, .. } if *meta == crate::reserve::folder_meta()));
        assert!(
            !desired(&declared("[[grant]]\nuser = \"alice\"\nports = [80]\n").unwrap())
                .unwrap()
                .entries
                .contains_key("reserve")
        );
        let msg = |t: &str| declared(t).unwrap_err().to_string();
        assert_eq!(
            msg("[[reserve]]\nuser = \"alice\"\nports = [80]\naddresses = [\"10.0.0.0/8\"]\n"),
            "reserve 1: --addr 10.0.0.0/8: one address at a time"
        );
        assert_eq!(
            msg("[[reserve]]\nuser = \"zed\"\nports = [80]\n"),
            "reserve 1: no user named `zed`"
        );
        let e = desired(
            &declared("[[reserve]]\nuser = \"alice\"\nports = [80]\n[[reserve]]\nuser = \"bob\"\nports = [80]\n")
                .unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "reserve/80 is asked for by reserve 1 and by reserve 2 for different owners: a reservation has one"
        );
    }

    #[test]
    fn mistakes_are_usage_errors() {
        let msg = |t: &str| declared(t).unwrap_err().to_string();
        assert_eq!(
            msg("[[grant]]\nuser = \"zed\"\nports = [80]\n"),
            "grant 1: no user named `zed`"
        );
        assert_eq!(
            msg("[[grant]]\nuser = \"alice\"\ngroup = \"www\"\nports = [80]\n"),
            "grant 1: say exactly one of user, uid, group, gid"
        );
        assert_eq!(
            msg("[[grant]]\nuser = \"alice\"\nports = [0]\n"),
            "grant 1: port 0 is not 1 to 65535"
        );
        assert_eq!(msg("[[grant]]\nuser = \"alice\"\nports = []\n"), "grant 1: no ports");
        assert_eq!(
            msg("[[grant]]\nuser = \"alice\"\nports = [80]\naddresses = [\"127.0.0.1/8\"]\n"),
            "grant 1: `127.0.0.1/8` has host bits set past /8 (authbind would ignore the line): write 127.0.0.0/8"
        );
        assert_eq!(
            msg("[[file]]\npath = \"../etc/passwd\"\nkind = \"file\"\n"),
            "file: `../etc/passwd` is not a plain path inside the folder (no /, ., .. or empty parts)"
        );
        // On 78e057e these passed, and the write failed half-way (exit 3)
        // after earlier changes were made.
        let long = "n".repeat(MAX_NAME + 1);
        assert!(
            msg(&format!("[[file]]\npath = \"byport/{long}\"\nkind = \"file\"\n")).starts_with(&format!(
                "file: `nnnnnnnnnnnnnnnn…` is a name of {} bytes: at most {MAX_NAME}",
                MAX_NAME + 1
            ))
        );
        let deep = vec!["d"; MAX_PATH / 2 + 1].join("/");
        assert!(msg(&format!("[[file]]\npath = \"{deep}\"\nkind = \"dir\"\n")).contains("at most 2048"));
        let far = "t".repeat(MAX_TARGET + 1);
        assert_eq!(
            msg(&format!(
                "[[file]]\npath = \"x\"\nkind = \"symlink\"\ntarget = \"{far}\"\n"
            )),
            "file `x`: a symlink target is at most 4095 bytes, without NUL (the kernel's limit)"
        );
        assert!(declared(&format!(
            "[[file]]\npath = \"byport/{}\"\nkind = \"file\"\n",
            "n".repeat(MAX_NAME)
        ))
        .is_ok());
        assert_eq!(
            msg("[[file]]\npath = \"x\"\nkind = \"symlink\"\n"),
            "file `x`: a symlink needs a target"
        );
        assert_eq!(
            msg("[[file]]\npath = \"x\"\nkind = \"dir\"\ncontent = \"a\"\n"),
            "file `x`: only a file has content"
        );
        assert_eq!(
            msg("[[file]]\npath = \"x\"\nkind = \"file\"\nmode = \"9\"\n"),
            "file `x`: mode must be octal, 0000 to 7777"
        );
        let d = declared(
            "[[file]]\npath = \"byport/22\"\nkind = \"file\"\nowner = 5\nmode = \"0500\"\ncontent_hex = \"00ff\"\n",
        )
        .unwrap();
        assert_eq!(
            d.files[0].1,
            Planned::Node {
                meta: Meta::new(Kind::File, 5, 0, 0o500),
                content: vec![0, 0xff]
            }
        );
    }
}
