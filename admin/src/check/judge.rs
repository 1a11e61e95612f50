//! Every "does this file grant / is it read / who may bind" answer of
//! `check` is `policy::decide`'s over the snapshot (the `tree` crate's walk
//! of it, `crate::sim`), for the users in question. Not for every user
//! one by one: a flag file's answer depends on the user only through the
//! classes of mode bits that apply to them on the way (owner, group,
//! other, root), so users who own the same nodes and are in the same of
//! the tree's groups get the same answers up to the byuid file. One user
//! stands for each such class, and "any other user" (no node's owner, in
//! none of its groups) for everyone the database does not name.

use crate::inventory::Inventory;
use crate::realtree::RealTree;
use crate::sim::{Base, Plan, Sim};
use crate::who::{Creds, UserDb, Who};
use model::{Address, Decision, FileName};
use std::collections::{BTreeSet, HashMap};

/// What of a user's credentials the tree can tell apart: the uid when it
/// owns a node (or is root's), and the tree's groups the user is in.
type Class = (Option<u32>, Vec<u32>);

pub(super) struct Judge<'a> {
    inv: &'a Inventory,
    /// The file system with the snapshot, read once for every decision.
    real: RealTree<'a>,
    plan: Plan,
    owners: BTreeSet<u32>,
    groups: BTreeSet<u32>,
    /// Every database user but root, each uid once, with their class.
    users: Vec<(Who, Class)>,
    cache: HashMap<(Class, Address, u16), Decision>,
}

impl<'a> Judge<'a> {
    pub(super) fn new(inv: &'a Inventory, db: &UserDb) -> Judge<'a> {
        let mut owners = BTreeSet::new();
        let mut groups = BTreeSet::new();
        let mut hold = |m: &crate::mode::Meta| {
            owners.insert(m.uid);
            groups.insert(m.gid);
        };
        inv.root_meta.iter().for_each(&mut hold);
        inv.ancestors.iter().for_each(|(_, m)| hold(m));
        for e in inv.entries.values() {
            hold(&e.meta);
            if let Some(l) = &e.link {
                if let Ok(m) = &l.resolved {
                    hold(m);
                }
                l.route.folders.iter().for_each(|(_, m)| hold(m));
            }
        }
        let mut judge = Judge {
            inv,
            real: RealTree::with_snapshot(inv),
            plan: Plan::default(),
            owners,
            groups,
            users: Vec::new(),
            cache: HashMap::new(),
        };
        judge.users = db
            .users()
            .filter(|u| u.uid != 0)
            .map(|u| {
                let who = Who::of(db, u.uid);
                let class = judge.class(&who.creds);
                (who, class)
            })
            .collect();
        judge
    }

    /// Could `who` read the file `rel` leads to (see `crate::readable`)?
    pub(super) fn may_read(&self, rel: &str, who: &Creds) -> bool {
        crate::readable::may_read(&self.real, &self.inv.root, rel, who)
    }

    fn class(&self, c: &Creds) -> Class {
        let uid = (c.uid == 0 || self.owners.contains(&c.uid)).then_some(c.uid);
        (uid, self.groups.iter().copied().filter(|g| c.in_group(*g)).collect())
    }

    /// Any other user (`view::any_other`).
    pub(super) fn any_other() -> Who {
        crate::view::any_other()
    }

    /// `decide` for `who` at `addr`:`port`, to be asked only which flag
    /// file decides (or that none does: `file` is then `ByUid`) and what
    /// it says: that much is the same for everyone of `who`'s class, so
    /// it is decided once per class (the byuid part is some class
    /// member's).
    pub(super) fn flags(&mut self, who: &Who, addr: Address, port: u16) -> Decision {
        let class = self.class(&who.creds);
        let key = (class, addr, port);
        if let Some(d) = self.cache.get(&key) {
            return *d;
        }
        let mut sim = Sim {
            root: self.inv.root.clone(),
            base: Base::SnapshotIn(&self.real, self.inv),
            plan: &self.plan,
            who: who.creds.clone(),
        };
        let d = policy::decide(&mut sim, who.creds.uid, &addr, port);
        self.cache.insert(key, d);
        d
    }

    /// May `who` execute `rel`: the check `decide` makes of each flag
    /// file and reservation (`PolicyFs::access_x`) over the snapshot.
    pub(super) fn may_execute(&self, who: &Who, rel: &str) -> bool {
        use policy::PolicyFs;
        let mut sim = Sim {
            root: self.inv.root.clone(),
            base: Base::SnapshotIn(&self.real, self.inv),
            plan: &self.plan,
            who: who.creds.clone(),
        };
        sim.access_x(rel).is_ok()
    }

    /// Does the flag file `name` decide `who`'s bind of `addr`:`port`,
    /// and grant it?
    pub(super) fn granted_by(&mut self, name: FileName, who: &Who, addr: Address, port: u16) -> bool {
        let d = self.flags(who, addr, port);
        d.file == name && d.granted()
    }

    /// The database's users (root aside) whom the flag file `name`
    /// grants `addr`:`port`.
    pub(super) fn granted_users(&mut self, name: FileName, addr: Address, port: u16) -> Vec<Who> {
        let mut out = Vec::new();
        for i in 0..self.users.len() {
            let (who, class) = &self.users[i];
            let key = (class.clone(), addr, port);
            let d = match self.cache.get(&key) {
                Some(d) => *d,
                None => {
                    let who = who.clone();
                    self.flags(&who, addr, port)
                }
            };
            if d.file == name && d.granted() {
                out.push(self.users[i].0.clone());
            }
        }
        out
    }

    /// Every database user and every owner of a node of the tree (root
    /// aside), and any other user.
    pub(super) fn users(&self, db: &UserDb) -> Vec<Who> {
        let mut out: Vec<Who> = self.users.iter().map(|(w, _)| w.clone()).collect();
        for &uid in &self.owners {
            if uid != 0 && !out.iter().any(|w| w.creds.uid == uid) {
                out.push(Who::of(db, uid));
            }
        }
        out.push(Self::any_other());
        out
    }

    /// One user of each class the database has, and any other user.
    pub(super) fn everyone(&self) -> Vec<Who> {
        let mut seen = BTreeSet::new();
        let mut out: Vec<Who> = self
            .users
            .iter()
            .filter(|(_, c)| seen.insert(c.clone()))
            .map(|(w, _)| w.clone())
            .collect();
        out.push(Self::any_other());
        out
    }
}

/// Trees where the mode-bit model `check` had before (flags.rs and
/// byuid.rs judged grants and shadowing from a file's own bits and from
/// byport files only) said something `decide` does not. Each test shows
/// the tree, what that model printed, and what `decide` says.
#[cfg(test)]
mod tests {
    use super::super::check;
    use super::super::testing::*;
    use super::*;
    use crate::mode::{Kind, Meta};
    use crate::view::{Over, TreeView};
    use crate::who::fixtures::db;
    use model::Reason;

    const LO: Address = Address::V4([127, 0, 0, 1]);

    fn decide(inv: &Inventory, uid: u32, addr: Address, port: u16) -> Decision {
        let mut view = TreeView {
            root: inv.root.clone(),
            over: Over::Snapshot(inv),
            plan: Plan::default(),
        };
        view.decide(&Who::of(&db(), uid), addr, port)
    }

    fn found(inv: &Inventory) -> Vec<String> {
        lines(&check(inv, &db()))
    }

    /// byaddr/127.0.0.1,80 (root's, 0644) is read before byuid/1000.
    /// Old check: nothing about the line (only byport files shadowed).
    #[test]
    fn a_byaddr_file_decides_before_the_line() {
        let mut inv = clean();
        put(&mut inv, "byaddr/127.0.0.1,80", file(0, 0, 0o644));
        bytes(&mut inv, "byuid/1000", file(0, 0, 0o644), "0.0.0.0,80\n127.0.0.1,80\n");
        let d = decide(&inv, 1000, LO, 80);
        assert_eq!((d.file, d.reason), (FileName::ByAddrComma, Reason::NotExecutable));
        let f = found(&inv);
        assert!(
            f.contains(&"error byuid/1000:2: `127.0.0.1,80` never grants anything to alice: byaddr/127.0.0.1,80 decides first and refuses alice".to_string()),
            "{f:#?}"
        );
        // 0.0.0.0:80 has no file of its own: the line is read for it.
        assert_eq!(decide(&inv, 1000, Address::UNSPECIFIED_V4, 80).file, FileName::ByUid);
        assert!(!f.iter().any(|l| l.contains("byuid/1000:1")), "{f:#?}");
    }

    /// byport/ is root's, 0700: every user's walk stops at byport/PORT
    /// with EACCES, file or no file. Old check: "every user may bind port
    /// 80" for byport/80 (mode 0755), and nothing about the byuid line.
    #[test]
    fn an_unsearchable_folder_decides_for_everyone() {
        let mut inv = clean();
        put(&mut inv, "byport", Meta::new(Kind::Dir, 0, 0, 0o700));
        put(&mut inv, "byport/80", file(0, 0, 0o755));
        bytes(&mut inv, "byuid/1000", file(0, 0, 0o644), "0.0.0.0,81\n::,81\n");
        for (uid, port) in [(1000, 80), (1000, 81), (1001, 80)] {
            let d = decide(&inv, uid, Address::UNSPECIFIED_V4, port);
            assert_eq!((d.file, d.reason), (FileName::ByPort, Reason::NotExecutable));
        }
        let f = found(&inv);
        for want in [
            "error byuid/1000:1: `0.0.0.0,81` never grants anything to alice: byport/81 decides first and refuses alice",
            "error byuid/1000:2: `::,81` never grants anything to alice: byport/81 decides first and refuses alice",
            "warning byport/80: grants nobody but root, who needs no grant (mode 0755, owner root (0), group root (0)): every bind of port 80 is refused, and the files after it are never read for it",
        ] {
            assert!(f.contains(&want.to_string()), "missing `{want}` in {f:#?}");
        }
        assert!(!f.iter().any(|l| l.contains("every user may bind")), "{f:#?}");
    }

    /// byport/81 is a symlink to nothing: `access()` says ENOENT and the
    /// walk goes on to byaddr/127.0.0.1,81. Old check: "never consulted:
    /// byport/81 decides every bind of port 81 first".
    #[test]
    fn a_dangling_link_decides_nothing() {
        let mut inv = clean();
        link(
            &mut inv,
            "byport/81",
            "/nonexistent/authbind-81",
            Err(model::Errno::ENOENT),
        );
        put(&mut inv, "byaddr/127.0.0.1,81", file(0, 2000, 0o010));
        let d = decide(&inv, 1001, LO, 81);
        assert_eq!((d.file, d.reason), (FileName::ByAddrComma, Reason::Executable));
        let f = found(&inv);
        assert!(!f.iter().any(|l| l.contains("never consulted")), "{f:#?}");
    }

    /// The users the tree cannot tell apart share one decision; any other
    /// user is one of them.
    #[test]
    fn one_decision_per_class_of_users() {
        let mut inv = clean();
        put(&mut inv, "byport/80", file(0, 2000, 0o010));
        let db = db();
        let mut judge = Judge::new(&inv, &db);
        // root and www (2000) own nodes: www-data and alice are one class,
        // bob and carol (in www) another; any other user comes last (in
        // alice's class here: answered from her decision).
        let everyone: Vec<String> = judge.everyone().iter().map(|w| w.short()).collect();
        assert_eq!(everyone, ["www-data", "bob", "any other user"]);
        let before = judge.cache.len();
        judge.flags(&Judge::any_other(), LO, 80);
        judge.flags(&Who::of(&db, 1000), LO, 80);
        judge.flags(&Who::of(&db, 1002), LO, 80);
        judge.flags(&Who::of(&db, 1001), LO, 80);
        assert_eq!(judge.cache.len(), before + 2);
        let granted: Vec<String> = judge
            .granted_users(FileName::ByPort, LO, 80)
            .iter()
            .map(|w| w.short())
            .collect();
        assert_eq!(granted, ["bob", "carol"]);
        assert!(!judge.granted_by(FileName::ByPort, &Judge::any_other(), LO, 80));
    }
}
