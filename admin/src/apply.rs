//! `apply FILE.toml [--dry-run] [--prune]`: make the tree say exactly what
//! the policy says. It creates, updates and removes the files it manages
//! (recorded in the manifest), adopts files that already are exactly what
//! the policy wants, leaves other files alone unless `--prune`, checks
//! with the policy crate that every grant then works, prints its plan,
//! and writes nothing when anything is wrong.

use crate::declared::{desired, resolve, Desired};
use crate::doc::PolicyDoc;
use crate::error::{AdminError, Result};
use crate::inventory::{Content, Inventory, CONTENT_CAP, FOLDERS, MANIFEST};
use crate::mode::{octal, Kind, Meta};
use crate::oracle::Kernel;
use crate::sim::{Plan, Planned};
use crate::view::{verify, Over, Points, TreeView};
use crate::who::UserDb;
use crate::write::Change;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::Path;

/// What stands at `rel` today, in the terms of a plan.
pub fn current(root: &Path, inv: &Inventory, rel: &str) -> Option<Planned> {
    let (meta, link, content) = match inv.get(rel) {
        Some(e) => (e.meta, e.link.as_ref().map(|l| l.target.clone()), e.content.clone()),
        None => {
            let md = std::fs::symlink_metadata(root.join(rel)).ok()?;
            let link = std::fs::read_link(root.join(rel))
                .ok()
                .map(|t| t.to_string_lossy().into_owned());
            (Meta::of(&md), link, Content::NotRead)
        }
    };
    if meta.kind == Kind::Symlink {
        return Some(Planned::Symlink {
            target: link.unwrap_or_default(),
        });
    }
    let content = match (meta.kind, content) {
        (Kind::File, Content::Bytes { data, truncated: false }) => data,
        (Kind::File, _) => read_regular(&root.join(rel)).unwrap_or_else(|| b"\0unreadable".to_vec()),
        _ => Vec::new(),
    };
    Some(Planned::Node {
        meta: Meta::new(meta.kind, meta.uid, meta.gid, meta.mode),
        content,
    })
}

/// A regular file's bytes (never opening anything else), if small.
pub fn read_regular(path: &Path) -> Option<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    let flags = nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_NONBLOCK;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits())
        .open(path)
        .ok()?;
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    let mut data = Vec::new();
    f.take(CONTENT_CAP + 1).read_to_end(&mut data).ok()?;
    (data.len() as u64 <= CONTENT_CAP).then_some(data)
}

/// byport, byaddr, byuid and reserve: folders apply makes when missing
/// and whose entries it manages.
fn policy_folder(rel: &str) -> bool {
    FOLDERS.contains(&rel) || rel == crate::reserve::folder()
}

pub fn same(a: &Planned, b: &Planned) -> bool {
    match (a, b) {
        (Planned::Node { meta: m, content: c }, Planned::Node { meta: n, content: d }) => {
            (m.kind, m.uid, m.gid, m.mode) == (n.kind, n.uid, n.gid, n.mode) && (m.kind != Kind::File || c == d)
        }
        _ => a == b,
    }
}

fn is_dir(p: &Planned) -> bool {
    matches!(p, Planned::Node { meta, .. } if meta.kind == Kind::Dir)
}

fn describe(db: &UserDb, p: &Planned) -> String {
    match p {
        Planned::Absent => "nothing".into(),
        Planned::Symlink { target } => format!("a symlink to {target}"),
        Planned::Node { meta, .. } => format!(
            "{}, owner {}, group {}, mode {}",
            meta.kind.noun(),
            db.user_label(meta.uid),
            db.group_label(meta.gid),
            octal(meta.mode)
        ),
    }
}

/// The changes, what is left alone, what is in the way, and the paths
/// managed afterwards.
#[derive(Debug, Default)]
pub struct ApplyPlan {
    pub changes: Vec<Change>,
    pub kept: Vec<String>,
    pub conflicts: Vec<String>,
    pub managed: BTreeSet<String>,
}

impl ApplyPlan {
    pub fn as_plan(&self) -> Plan {
        let mut p = Plan::default();
        for c in &self.changes {
            p.set(&c.rel, c.to.clone());
        }
        p
    }
}

fn change(rel: &str, to: Planned, verb: &'static str, note: impl Into<String>) -> Change {
    Change {
        rel: rel.to_string(),
        to,
        verb,
        note: note.into(),
    }
}

pub fn plan(
    root: &Path,
    inv: &Inventory,
    manifest: &BTreeSet<String>,
    want: &Desired,
    explicit: &BTreeSet<String>,
    prune: bool,
    db: &UserDb,
) -> ApplyPlan {
    let mut out = ApplyPlan::default();
    let mut creates = Vec::new();
    let mut removes = Vec::new();
    for (rel, wanted) in &want.entries {
        let origin = want.origin.get(rel).cloned().unwrap_or_default();
        let implicit = policy_folder(rel) && !explicit.contains(rel);
        let cur = current(root, inv, rel);
        match &cur {
            None => creates.push(change(rel, wanted.clone(), "create", origin)),
            Some(Planned::Node { meta, .. }) if implicit && meta.kind == Kind::Dir => {}
            Some(c) if same(c, wanted) => {}
            // One of the policy's folders, a real one (`current` gives a
            // link as `Planned::Symlink`, never what it leads to), and the
            // policy wants a folder: only its owner, group and mode change
            // (refolder.rs), nothing in it is removed, and they are policy
            // (who may search it decides binds; export records them). So
            // apply sets them whoever made the folder: a fresh install's
            // 0755 root:root folders take an export's without `--prune`.
            // Anything else stays a conflict below, unless apply wrote it
            // or `--prune`: a link or a non-folder there is someone's own
            // arrangement that only replacing it could change (changing a
            // link's folder in place means following it, as root, wherever
            // it leads), and a folder the policy wants as something else
            // would lose its entries.
            Some(c) if policy_folder(rel) && is_dir(c) && is_dir(wanted) => {
                creates.push(change(rel, wanted.clone(), "update", format!("{origin}; was {}", describe(db, c))))
            }
            Some(c) if manifest.contains(rel) => {
                creates.push(change(rel, wanted.clone(), "update", format!("{origin}; was {}", describe(db, c))))
            }
            Some(c) if prune => creates.push(change(
                rel,
                wanted.clone(),
                "replace",
                format!("{origin}; not written by apply (--prune): was {}", describe(db, c)),
            )),
            Some(c) => out.conflicts.push(format!(
                "{rel} exists and was not written by apply: it is {}, the policy ({origin}) wants {}; `apply --prune` replaces it",
                describe(db, c),
                describe(db, wanted)
            )),
        }
        if !implicit {
            out.managed.insert(rel.clone());
        }
        if let Some((parent, _)) = rel.rsplit_once('/') {
            let parent_ok = match want.entries.get(parent) {
                Some(p) => is_dir(p),
                None => current(root, inv, parent).as_ref().is_some_and(is_dir),
            };
            if !parent_ok {
                out.conflicts.push(format!(
                    "{rel}: its folder {parent} is neither a folder in the policy nor one in the tree"
                ));
            }
        }
    }
    for rel in manifest {
        if !want.entries.contains_key(rel) && current(root, inv, rel).is_some() {
            removes.push(change(
                rel,
                Planned::Absent,
                "remove",
                "written by an earlier apply, no longer in the policy",
            ));
        }
    }
    for e in inv.entries.values() {
        let in_folder = matches!(e.folder_and_name().0, Some(f) if policy_folder(f));
        if !in_folder || want.entries.contains_key(&e.rel) || manifest.contains(&e.rel) {
            continue;
        }
        if prune {
            removes.push(change(&e.rel, Planned::Absent, "remove", "not in the policy (--prune)"));
        } else {
            out.kept.push(e.rel.clone());
        }
    }
    // Deepest removals first, then creations from the top down.
    removes.sort_by(|a, b| (b.rel.matches('/').count(), &a.rel).cmp(&(a.rel.matches('/').count(), &b.rel)));
    creates.sort_by(|a, b| (a.rel.matches('/').count(), &a.rel).cmp(&(b.rel.matches('/').count(), &b.rel)));
    out.changes = removes.into_iter().chain(creates).collect();
    out
}

pub fn run(confdir: &str, db: &UserDb, file: &str, dry_run: bool, prune: bool, out: &mut dyn Write) -> Result<i32> {
    let text = std::fs::read_to_string(file).map_err(|e| AdminError::io(file, &e))?;
    let doc = PolicyDoc::parse(&text).map_err(|e| AdminError::usage(format!("{file}: {e}")))?;
    let declared = resolve(&doc, db).map_err(|e| match e {
        AdminError::Usage(m) => AdminError::Usage(format!("{file}: {m}")),
        other => other,
    })?;
    let want = desired(&declared)?;
    let root = Path::new(confdir);
    // Held from the read to the write (see lock.rs).
    let _lock = crate::lock::TreeLock::for_tree(root)?;
    let inv = Inventory::read(root).map_err(|e| AdminError::errno(confdir, e))?;
    let manifest = crate::manifest::read(root)?;
    let explicit: BTreeSet<String> = declared.files.iter().map(|(p, _)| p.clone()).collect();
    let p = plan(root, &inv, &manifest, &want, &explicit, prune, db);
    if !p.conflicts.is_empty() {
        return Err(AdminError::Refused(format!(
            "{file} cannot be applied, nothing was written:\n  {}",
            p.conflicts.join("\n  ")
        )));
    }
    let mut kernel = Kernel::open(confdir)?;
    let mut conf = grant::ConfDir::open_at(confdir).map_err(|e| AdminError::errno(confdir, e))?;
    let after = p.as_plan();
    let points = Points::after(&inv, &after);
    let mut view = TreeView {
        root: root.to_path_buf(),
        over: Over::Real {
            oracle: &mut kernel,
            conf: &mut conf,
        },
        plan: after,
    };
    let failures = verify(&mut view, &declared.grants, db, &points);
    let owners: Vec<String> = declared
        .reservations
        .iter()
        .filter_map(|r| {
            crate::reserve_cmd::refused_owner(&mut view, db, r.holder, &r.reservations)
                .map(|why| format!("{}: {why}", r.label()))
        })
        .collect();
    if let Some(e) = view.take_broken() {
        return Err(e);
    }
    if !owners.is_empty() {
        return Err(AdminError::Refused(format!(
            "the tree cannot say what {file} says, nothing was written:\n  {}",
            owners.join("\n  ")
        )));
    }
    if !failures.is_empty() {
        let lines: Vec<String> = failures
            .iter()
            .map(|f| {
                let hint = if !f.file.is_empty() && !p.managed.contains(&f.file) && inv.get(&f.file).is_some() {
                    format!(" ({} was not written by apply; `apply --prune` removes it)", f.file)
                } else {
                    String::new()
                };
                format!("{}{hint}", f.text())
            })
            .collect();
        return Err(AdminError::Refused(format!(
            "the tree cannot say what {file} says, nothing was written:\n  {}",
            lines.join("\n  ")
        )));
    }
    writeln!(out, "apply {file} to {confdir}:")?;
    for c in &p.changes {
        writeln!(out, "  {}", c.describe())?;
    }
    for k in &p.kept {
        writeln!(
            out,
            "  keep {}: not written by apply (`--prune` removes it)",
            crate::printable::printable(k)
        )?;
    }
    let manifest_changes = p.managed != manifest;
    if dry_run {
        writeln!(out, "{} change(s); dry run: nothing written", p.changes.len())?;
        return Ok(0);
    }
    if p.changes.is_empty() && !manifest_changes {
        writeln!(out, "nothing to change")?;
        return Ok(0);
    }
    // Record first what may exist after a crash, then change, then record
    // what is managed now.
    let union: BTreeSet<String> = manifest.union(&p.managed).cloned().collect();
    crate::manifest::write(root, &union)?;
    crate::write::execute(root, &p.changes)?;
    crate::manifest::write(root, &p.managed)?;
    writeln!(
        out,
        "applied {} change(s); {} records {} file(s)",
        p.changes.len(),
        MANIFEST,
        p.managed.len()
    )?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::who::fixtures::db;

    fn plan_for(dir: &Path, manifest: &[&str], policy: &str, prune: bool) -> ApplyPlan {
        let d = resolve(&PolicyDoc::parse(policy).unwrap(), &db()).unwrap();
        let want = desired(&d).unwrap();
        let inv = Inventory::read(dir).unwrap();
        let m: BTreeSet<String> = manifest.iter().map(|s| s.to_string()).collect();
        let explicit = d.files.iter().map(|(p, _)| p.clone()).collect();
        plan(dir, &inv, &m, &want, &explicit, prune, &db())
    }

    fn verbs(p: &ApplyPlan) -> Vec<String> {
        p.changes.iter().map(|c| format!("{} {}", c.verb, c.rel)).collect()
    }

    #[test]
    fn creates_removes_keeps_and_conflicts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in FOLDERS {
            std::fs::create_dir(root.join(f)).unwrap();
        }
        std::fs::write(root.join("byport/22"), "").unwrap();
        std::fs::write(root.join("byuid/1001"), "old\n").unwrap();
        let policy = "[[grant]]\nuser = \"alice\"\nports = [80]\n";
        let p = plan_for(root, &["byuid/1001"], policy, false);
        assert_eq!(verbs(&p), vec!["remove byuid/1001", "create byuid/1000"]);
        assert_eq!(p.kept, vec!["byport/22"]);
        assert!(p.conflicts.is_empty());
        assert_eq!(p.managed, ["byuid/1000".to_string()].into());
        let p = plan_for(root, &[], policy, true);
        assert_eq!(
            verbs(&p),
            vec!["remove byport/22", "remove byuid/1001", "create byuid/1000"]
        );
        // A file in the way that apply did not write.
        std::fs::write(root.join("byuid/1000"), "mine\n").unwrap();
        let p = plan_for(root, &[], policy, false);
        assert_eq!(p.conflicts.len(), 1);
        assert!(
            p.conflicts[0].starts_with("byuid/1000 exists and was not written by apply: it is regular file"),
            "{}",
            p.conflicts[0]
        );
        assert!(p.conflicts[0].ends_with("`apply --prune` replaces it"));
        // Exactly what the policy wants: adopted, no change.
        let me = (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw());
        let exact = format!(
            "[[file]]\npath = \"byuid/1000\"\nkind = \"file\"\nowner = {}\ngroup = {}\nmode = \"0644\"\ncontent = \"mine\\n\"\n",
            me.0, me.1
        );
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.join("byuid/1000"), std::fs::Permissions::from_mode(0o644)).unwrap();
        let p = plan_for(root, &[], &exact, false);
        assert!(p.changes.is_empty() && p.conflicts.is_empty(), "{p:?}");
        assert!(p.managed.contains("byuid/1000"));
        let p = plan_for(root, &[], "[[file]]\npath = \"nowhere/x\"\nkind = \"file\"\n", false);
        assert_eq!(
            p.conflicts,
            vec!["nowhere/x: its folder nowhere is neither a folder in the policy nor one in the tree"]
        );
    }

    fn folders_as_installed(root: &Path) {
        use std::os::unix::fs::PermissionsExt;
        for f in FOLDERS {
            std::fs::create_dir(root.join(f)).unwrap();
            std::fs::set_permissions(root.join(f), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::MetadataExt;
        std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    /// Issue 19: an export whose folders are not 0755 root:root, applied to
    /// a fresh install, was refused (`byport exists and was not written by
    /// apply … --prune replaces it`) and wrote nothing. The three folders
    /// are the policy's: apply sets their owners and mode, without
    /// `--prune`, and the plan is the same one checked and written.
    #[test]
    fn the_policys_own_folders_take_its_owners_and_mode_without_prune() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        folders_as_installed(root);
        let (uid, gid) = (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw());
        let policy = format!(
            "[[file]]\npath = \"byport\"\nkind = \"dir\"\nowner = {uid}\ngroup = {gid}\nmode = \"0750\"\n\
             [[file]]\npath = \"byport/80\"\nkind = \"file\"\nowner = {uid}\ngroup = {gid}\nmode = \"0755\"\n\
             [[file]]\npath = \"byuid\"\nkind = \"dir\"\nowner = {uid}\ngroup = {gid}\nmode = \"0711\"\n"
        );
        let p = plan_for(root, &[], &policy, false);
        assert!(p.conflicts.is_empty(), "{:?}", p.conflicts);
        assert_eq!(verbs(&p), vec!["update byport", "update byuid", "create byport/80"]);
        let said = p.changes[0].describe();
        assert!(
            said.starts_with(&format!(
                "update byport (folder, {uid}:{gid} 0750): file `byport`; was folder, owner "
            )) && said.ends_with("mode 0755"),
            "{said}"
        );
        assert_eq!(p.managed, ["byport", "byport/80", "byuid"].map(String::from).into());
        crate::write::execute(root, &p.changes).unwrap();
        assert_eq!(
            (mode_of(&root.join("byport")), mode_of(&root.join("byuid"))),
            (0o750, 0o711)
        );
        assert_eq!(mode_of(&root.join("byaddr")), 0o755);
        // Applied again: nothing to change. A policy that does not name
        // the folders leaves them as they are, as before.
        let p = plan_for(root, &["byport", "byport/80", "byuid"], &policy, false);
        assert!(p.changes.is_empty() && p.conflicts.is_empty(), "{p:?}");
        let p = plan_for(root, &[], "version = 1\n", false);
        assert!(p.changes.is_empty() && p.conflicts.is_empty(), "{p:?}");
    }

    /// What is not a real folder where a folder belongs is someone's own
    /// arrangement (a link to a tree kept elsewhere, a file that makes
    /// every lookup fail): made a folder only by `--prune` (or because
    /// apply wrote it), never changed through the link.
    #[test]
    fn a_link_or_a_file_for_a_folder_stays_a_conflict_without_prune() {
        let dir = tempfile::tempdir().unwrap();
        let (root, elsewhere) = (dir.path().join("conf"), dir.path().join("elsewhere"));
        std::fs::create_dir(&root).unwrap();
        folders_as_installed(&root);
        std::fs::create_dir(&elsewhere).unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        std::fs::remove_dir(root.join("byport")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("byport")).unwrap();
        std::fs::remove_dir(root.join("byuid")).unwrap();
        std::fs::write(root.join("byuid"), "").unwrap();
        let policy = "[[file]]\npath = \"byport\"\nkind = \"dir\"\nmode = \"0750\"\n\
                      [[file]]\npath = \"byuid\"\nkind = \"dir\"\nmode = \"0711\"\n";
        let p = plan_for(&root, &[], policy, false);
        assert!(p.changes.is_empty(), "{p:?}");
        assert_eq!(p.conflicts.len(), 2, "{:?}", p.conflicts);
        assert!(
            p.conflicts[0].starts_with(&format!(
                "byport exists and was not written by apply: it is a symlink to {}",
                elsewhere.display()
            )),
            "{}",
            p.conflicts[0]
        );
        assert!(
            p.conflicts[1].starts_with("byuid exists and was not written by apply: it is regular file"),
            "{}",
            p.conflicts[1]
        );
        assert_eq!(
            verbs(&plan_for(&root, &["byport"], policy, false)),
            vec!["update byport"]
        );
        // A folder the policy wants as something else keeps its entries
        // unless `--prune`: replacing it would remove them.
        let p = plan_for(&root, &[], "[[file]]\npath = \"byaddr\"\nkind = \"file\"\n", false);
        assert!(
            p.conflicts[0].starts_with("byaddr exists and was not written by apply"),
            "{p:?}"
        );
        // With `--prune`, the link is replaced by a folder; what it led to
        // is left as it was.
        let p = plan_for(&root, &[], policy, true);
        assert_eq!(verbs(&p), vec!["replace byport", "replace byuid"]);
        let mut changes = p.changes.clone();
        for c in &mut changes {
            // As the test's user (a non-root run cannot give root a folder).
            if let Planned::Node { meta, .. } = &mut c.to {
                (meta.uid, meta.gid) = (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw());
            }
        }
        crate::write::execute(&root, &changes).unwrap();
        assert!(std::fs::symlink_metadata(root.join("byport")).unwrap().is_dir());
        assert_eq!((mode_of(&root.join("byport")), mode_of(&elsewhere)), (0o750, 0o700));
    }

    /// The round trip in plan: a tree whose byport folder is 0750
    /// root:www is exported with that folder, and the export, planned onto
    /// a fresh install, sets it and conflicts with nothing.
    #[test]
    fn an_export_with_its_folders_plans_onto_a_fresh_install() {
        use crate::check::testing::{bytes, clean, file, put};
        let mut inv = clean();
        put(&mut inv, "byport", Meta::new(Kind::Dir, 0, 2000, 0o750));
        bytes(&mut inv, "byport/80", file(0, 0, 0o755), "");
        let doc = crate::export::export(&inv, &db()).unwrap();
        let text = doc.to_text();
        assert!(
            text.contains("[[file]]\npath = \"byport\"\nkind = \"dir\"\nowner = 0\ngroup = 2000\nmode = \"0750\"\n"),
            "{text}"
        );
        let dir = tempfile::tempdir().unwrap();
        folders_as_installed(dir.path());
        let p = plan_for(dir.path(), &[], &text, false);
        assert!(p.conflicts.is_empty(), "{:?}", p.conflicts);
        assert_eq!(verbs(&p), vec!["update byport", "create byport/80"]);
        assert_eq!(
            p.changes[0].to,
            Planned::Node {
                meta: Meta::new(Kind::Dir, 0, 2000, 0o750),
                content: Vec::new()
            }
        );
    }
}
