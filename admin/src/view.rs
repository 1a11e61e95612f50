//! Decisions over a tree as it is or as a plan would leave it, and the
//! check that a grant really works there: `policy::decide` at every point
//! where the answer could change (the ends of each port and address
//! range, and every port and address that has a flag file of its own).

use crate::declared::{Grant, Grantee};
use crate::explain::conclusion;
use crate::inventory::Inventory;
use crate::oracle::Oracle;
use crate::sim::{Base, Plan, Planned, Sim};
use crate::spec::{AddrSpec, PortRange};
use crate::walk::{walk, Walk};
use crate::who::{UserDb, Who};
use model::{Address, Decision, PolicyFile, PolicyName, Target};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// What the tree under the plan is.
pub enum Over<'a> {
    Real {
        oracle: &'a mut dyn Oracle,
        conf: &'a mut grant::ConfDir,
    },
    Snapshot(&'a Inventory),
}

pub struct TreeView<'a> {
    pub root: PathBuf,
    pub over: Over<'a>,
    pub plan: Plan,
}

impl TreeView<'_> {
    /// The tree as `who` meets it: the base laid under the plan.
    fn sim(&mut self, who: &Who) -> Sim<'_> {
        let base = match &mut self.over {
            Over::Real { oracle, conf } => Base::Real {
                oracle: &mut **oracle,
                conf,
            },
            Over::Snapshot(inv) => Base::Snapshot(inv),
        };
        Sim {
            root: self.root.clone(),
            base,
            plan: &self.plan,
            who: who.creds.clone(),
        }
    }

    pub fn walk(&mut self, who: &Who, addr: Address, port: u16) -> Walk {
        walk(&mut self.sim(who), who.creds.uid, addr, port)
    }

    /// May `who` execute `rel`: the check `decide` makes of each
    /// reservation covering a bind (`PolicyFs::access_x`, the kernel's
    /// answer for paths the plan does not touch).
    pub fn may_execute(&mut self, who: &Who, rel: &str) -> bool {
        use policy::PolicyFs;
        self.sim(who).access_x(rel).is_ok()
    }

    pub fn decide(&mut self, who: &Who, addr: Address, port: u16) -> Decision {
        self.walk(who, addr, port).decision
    }

    /// The kernel could not be asked (the answers given are not to be
    /// trusted).
    pub fn take_broken(&mut self) -> Option<crate::error::AdminError> {
        match &mut self.over {
            Over::Real { oracle, .. } => oracle.take_broken(),
            Over::Snapshot(_) => None,
        }
    }
}

/// Ports that have a flag file or a reservation, and for each the
/// addresses with a byaddr file or a reservation of their own: where a
/// decision can differ from its neighbours'.
#[derive(Clone, Debug, Default)]
pub struct Points {
    pub ports: BTreeMap<u16, BTreeSet<Address>>,
}

impl Points {
    /// From the relative paths of a tree (names never consulted add nothing).
    pub fn of<'a>(paths: impl IntoIterator<Item = &'a str>) -> Points {
        let mut p = Points::default();
        for rel in paths {
            match PolicyName::parse_path(rel) {
                Ok(PolicyName::ByPort(port)) => {
                    p.ports.entry(port).or_default();
                }
                Ok(PolicyName::ByAddr { addr, port, .. }) => {
                    p.ports.entry(port).or_default().insert(addr);
                }
                // A reservation decides before any flag file, for its
                // port (and its address) alone.
                Ok(PolicyName::Reserve(r)) => {
                    let addrs = p.ports.entry(r.port).or_default();
                    addrs.extend(r.addr);
                }
                _ => {}
            }
        }
        p
    }

    /// The paths a tree will have: the inventory's, changed by the plan.
    pub fn after(inv: &Inventory, plan: &Plan) -> Points {
        let mut paths: BTreeSet<&str> = if plan.empty_base {
            BTreeSet::new()
        } else {
            inv.entries.keys().map(String::as_str).collect()
        };
        for (rel, p) in &plan.entries {
            if *p == Planned::Absent {
                paths.remove(rel.as_str());
            } else {
                paths.insert(rel.as_str());
            }
        }
        Points::of(paths)
    }
}

/// Every (address, port) at which `grant`'s answer could change.
pub fn probes(g: &Grant, points: &Points) -> Vec<(Address, u16)> {
    let mut out = BTreeSet::new();
    for spec in &g.addrs {
        for r in g.ports.pieces() {
            let ports = [r.min, r.max]
                .into_iter()
                .chain(points.ports.range(r.min..=r.max).map(|(p, _)| *p));
            for port in ports {
                out.insert((spec.first(), port));
                out.insert((spec.last(), port));
                if let Some(addrs) = points.ports.get(&port) {
                    out.extend(addrs.iter().filter(|a| spec.contains(a)).map(|a| (*a, port)));
                }
            }
        }
    }
    out.into_iter().collect()
}

/// The address after `a` (`None` past the last one).
fn next_address(a: &Address) -> Option<Address> {
    let mut b = a.bytes().to_vec();
    for byte in b.iter_mut().rev() {
        let (v, carry) = byte.overflowing_add(1);
        *byte = v;
        if !carry {
            return Address::from_bytes(a.family(), &b);
        }
    }
    None
}

/// The (address, port) points that stand for every bind a byuid line
/// `addrs`,`ports` could grant, for one user: each port of `ports` with a
/// flag file of its own, and one port without (if there is one); at each,
/// each address of `addrs` with a byaddr file there, and one without.
/// Any other point has the same flag files (none of its own) as one of
/// these, so `policy::decide` takes the same way for it up to the byuid
/// file.
pub fn line_points(addrs: &AddrSpec, ports: PortRange, points: &Points) -> Vec<(Address, u16)> {
    let own: Vec<u16> = points.ports.range(ports.min..=ports.max).map(|(p, _)| *p).collect();
    let plain = ports.ports().find(|p| own.binary_search(p).is_err());
    let mut out = Vec::new();
    for port in own.iter().copied().chain(plain) {
        let files: BTreeSet<Address> = points
            .ports
            .get(&port)
            .map(|s| s.iter().copied().filter(|a| addrs.contains(a)).collect())
            .unwrap_or_default();
        out.extend(files.iter().map(|a| (*a, port)));
        // One address without a byaddr file here: the first such one.
        let mut a = Some(addrs.first());
        while let Some(x) = a.filter(|x| addrs.contains(x)) {
            if !files.contains(&x) {
                out.push((x, port));
                break;
            }
            a = next_address(&x);
        }
    }
    out
}

/// A bind a flag file decides before the byuid file is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecidedFirst {
    pub addr: Address,
    pub port: u16,
    pub decision: Decision,
}

impl DecidedFirst {
    /// The deciding file's path (`byport/80`, `reserve/10.0.0.1,80`).
    pub fn file(&self) -> String {
        self.decision.file_for(self.addr, self.port, 0).to_string()
    }
}

/// Of the points of a byuid line ([`line_points`]), how many there are
/// and those where `decide` stops at a flag file, never reading the line.
pub fn decided_first(
    addrs: &AddrSpec,
    ports: PortRange,
    points: &Points,
    decide: &mut dyn FnMut(Address, u16) -> Decision,
) -> (usize, Vec<DecidedFirst>) {
    let all = line_points(addrs, ports, points);
    let first = all
        .iter()
        .filter_map(|&(addr, port)| {
            let decision = decide(addr, port);
            (decision.file != model::FileName::ByUid).then_some(DecidedFirst { addr, port, decision })
        })
        .collect();
    (all.len(), first)
}

/// A uid no one has and that owns nothing: "any other user", whom the
/// database does not name.
pub const ANY_OTHER_UID: u32 = u32::MAX - 1;

/// Any user the database does not name, who owns nothing and is in no
/// group (the class of "every user" when the other bits apply).
pub fn any_other() -> Who {
    Who {
        name: Some("any other user".into()),
        creds: crate::who::Creds::new(ANY_OTHER_UID, ANY_OTHER_UID, vec![]),
        source: crate::who::Source::NotInDatabase,
    }
}

/// The users a grant is for: the user, or the group's database members.
pub fn grantees(g: &Grant, db: &UserDb) -> Vec<Who> {
    match &g.grantee {
        Grantee::User(w) => vec![w.clone()],
        Grantee::Group { gid, .. } => db.members(*gid).into_iter().map(|u| Who::of(db, u.uid)).collect(),
    }
}

/// A grant that does not work in the tree: for whom, where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The grant's place in the policy, from 1.
    pub n: usize,
    pub grant: String,
    pub who: String,
    pub target: Target,
    /// The deciding file.
    pub file: String,
    /// `refused: …`, as explain says it.
    pub why: String,
}

impl Failure {
    pub fn text(&self) -> String {
        format!(
            "{}: {} would not be granted {}: {}",
            self.grant, self.who, self.target, self.why
        )
    }
}

/// Checks that every grant is granted everywhere it says (first failure of
/// each grant).
pub fn verify(view: &mut TreeView, grants: &[Grant], db: &UserDb, points: &Points) -> Vec<Failure> {
    let mut out = Vec::new();
    'grants: for g in grants {
        for who in grantees(g, db) {
            for (addr, port) in probes(g, points) {
                let d = view.decide(&who, addr, port);
                if d.granted() {
                    continue;
                }
                let target = Target::new(addr, port);
                let file = match d.reservation {
                    Some(_) => Some(d.file_for(addr, port, who.creds.uid)),
                    None => PolicyFile::new(d.file, addr, port, who.creds.uid)
                        .or_else(|| PolicyFile::new(model::FileName::ByUid, addr, port, who.creds.uid)),
                };
                let (file, why) = match file {
                    Some(f) => (f.to_string(), conclusion(&d, &f, &target, &who)),
                    None => (String::new(), format!("refused: {:?}", d.reason)),
                };
                out.push(Failure {
                    n: g.n,
                    grant: g.label(),
                    who: who.label(),
                    target,
                    file,
                    why,
                });
                continue 'grants;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{AddrSpec, Ports};
    use crate::who::fixtures::db;

    fn a(t: &str) -> Address {
        Address::parse_any(t.as_bytes()).unwrap()
    }

    #[test]
    fn probes_cover_the_ends_and_every_flag_file() {
        let points = Points::of([
            "byport/80",
            "byaddr/10.0.0.5,85",
            "byaddr/10.9.0.0,85",
            "byport/!8080",
            "byuid/1",
        ]);
        let g = Grant {
            n: 1,
            grantee: Grantee::User(Who::of(&db(), 1000)),
            ports: Ports::parse("79-90").unwrap(),
            addrs: vec![AddrSpec::parse("10.0.0.0/16").unwrap()],
        };
        let p = probes(&g, &points);
        let (lo, hi) = (a("10.0.0.0"), a("10.0.255.255"));
        assert_eq!(
            p,
            vec![
                (lo, 79),
                (lo, 80),
                (lo, 85),
                (lo, 90),
                (a("10.0.0.5"), 85),
                (hi, 79),
                (hi, 80),
                (hi, 85),
                (hi, 90)
            ]
        );
        let www = Grant {
            grantee: Grantee::Group {
                gid: 2000,
                name: Some("www".into()),
            },
            ..g
        };
        let names: Vec<String> = grantees(&www, &db()).iter().map(|w| w.short()).collect();
        assert_eq!(names, vec!["bob", "carol"]);
    }
}
