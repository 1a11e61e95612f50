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
use crate::sim::Plan;
use crate::view::{Over, TreeView};
use crate::who::{Creds, Source, UserDb, Who};
use model::{Address, Decision, FileName};
use std::collections::{BTreeSet, HashMap};

/// What of a user's credentials the tree can tell apart: the uid when it
/// owns a node (or is root's), and the tree's groups the user is in.
type Class = (Option<u32>, Vec<u32>);

/// A uid that owns nothing and is no one's: "any other user".
pub(super) const ANY_OTHER: u32 = u32::MAX - 1;

pub(super) struct Judge<'a> {
    view: TreeView<'a>,
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
            view: TreeView {
                root: inv.root.clone(),
                over: Over::Snapshot(inv),
                plan: Plan::default(),
            },
            owners,
            groups,
            users: Vec::new(),
            cache: HashMap::new(),
        };
        judge.users = db
            .distinct_users()
            .into_iter()
            .filter(|u| u.uid != 0)
            .map(|u| {
                let who = db.who(u);
                let class = judge.class(&who.creds);
                (who, class)
            })
            .collect();
        judge
    }

    fn class(&self, c: &Creds) -> Class {
        let uid = (c.uid == 0 || self.owners.contains(&c.uid)).then_some(c.uid);
        (uid, self.groups.iter().copied().filter(|g| c.in_group(*g)).collect())
    }

    /// Someone the database does not name, who owns nothing and is in no
    /// group of the tree's.
    pub(super) fn any_other() -> Who {
        Who {
            name: Some("any other user".into()),
            creds: Creds::new(ANY_OTHER, ANY_OTHER, vec![]),
            source: Source::NotInDatabase,
        }
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
        let d = self.view.decide(who, addr, port);
        self.cache.insert(key, d);
        d
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
