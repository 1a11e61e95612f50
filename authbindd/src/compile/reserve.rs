//! The reservations (`reserve/PORT`, `reserve/ADDR,PORT`) compiled: the
//! folder listed as the helper lists it (`policy::list_reservations` over
//! `host::ConfDir`, as root), and for each reservation the chain of its
//! name, compiled as a byport name's is ([`Compiler::name`]: every search
//! on the way and the file's own execute check). The programs let a
//! process through a reservation when it passes every check of the chain,
//! as `faccessat(reserve/NAME, X_OK)` would for it; any other end (the
//! name gone, a loop) refuses, as the helper's failed `access` does.

use super::chain::{Chain, End};
use super::Compiler;
use authbind_bpf_abi::MAX_RESERVE_ADDRS;
use model::{Address, FileName, PolicyFile, Reservation};
use std::collections::BTreeMap;

/// What one port has reserved, as the programs read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortReservations {
    /// `reserve/PORT` exists.
    pub whole: bool,
    /// The address reservations, in the helper's rank order.
    pub addrs: Vec<Address>,
}

impl PortReservations {
    /// More address reservations than the programs evaluate for a
    /// wildcard bind: such binds of the port are refused to non-root users.
    pub fn overflows(&self) -> bool {
        self.addrs.len() > MAX_RESERVE_ADDRS
    }
}

/// The reservations of a tree.
#[derive(Clone, Debug, Default)]
pub struct Reserved {
    /// Each reservation and its chain (ends `Grant` or `Refuse`), in the
    /// helper's rank order.
    pub chains: Vec<(Reservation, Chain)>,
    /// Per port, what it has reserved.
    pub ports: BTreeMap<u16, PortReservations>,
    /// Why the folder cannot be known (unreadable, too many names): then
    /// nothing is listed, and the compiler grants nothing at all.
    pub unknown: Option<String>,
    /// While `unknown`: the ports last reserved, held refused ([`Reserved::hold`]).
    pub held: usize,
}

impl Reserved {
    /// While the folder cannot be listed (`unknown`), the ports it last
    /// reserved (`ports`, as the daemon wrote them down) stay reserved
    /// for no one: every bind of them by a user but root is refused, so
    /// that an unreadable folder never hands a reserved port to anyone
    /// (the helper refuses every privileged bind meanwhile, and the
    /// compile grants none). Their owners are refused too until the
    /// folder can be read again: the safe direction.
    pub fn hold(&mut self, ports: &std::collections::BTreeSet<u16>) {
        if self.unknown.is_none() {
            return;
        }
        for &port in ports {
            let r = Reservation::port(port);
            if self
                .ports
                .insert(
                    port,
                    PortReservations {
                        whole: true,
                        addrs: Vec::new(),
                    },
                )
                .is_none()
            {
                self.chains.push((r, Chain::refuse()));
                self.held += 1;
            }
        }
        self.chains.sort_by(|(a, _), (b, _)| a.rank(b));
    }

    /// What an unknown folder means for binds, for the log, `--check`
    /// and `--status` (`None`: the folder is known).
    pub fn unknown_words(&self) -> Option<String> {
        let why = self.unknown.as_ref()?;
        Some(format!(
            "reservations UNKNOWN ({why}): no privileged port is granted to non-root users, and the {} port(s) \
             last reserved are refused to every user but root until the folder can be read",
            self.held
        ))
    }

    /// The chain of reservation `r`.
    pub fn chain(&self, r: &Reservation) -> Option<&Chain> {
        self.chains.iter().find(|(x, _)| x == r).map(|(_, c)| c)
    }

    /// The reservations covering a bind, in the order the helper checks
    /// them (and the programs do): the port's own, then its addresses'
    /// (every one of them for a wildcard bind).
    pub fn covering(&self, addr: &Address, port: u16) -> Vec<Reservation> {
        let Some(p) = self.ports.get(&port) else {
            return Vec::new();
        };
        let whole = p.whole.then(|| Reservation::port(port));
        let addrs = p.addrs.iter().map(|&a| Reservation { addr: Some(a), port });
        whole
            .into_iter()
            .chain(addrs)
            .filter(|r| r.covers(addr, port))
            .collect()
    }
}

/// The file name a reservation's chain grants with.
pub fn file_name(r: &Reservation) -> FileName {
    PolicyFile::reservation(r).name
}

/// Lists and compiles the reserve folder of the tree at `confdir`.
pub(super) fn compile(c: &mut Compiler<'_>, confdir: &str) -> Reserved {
    // The folder itself (or the configuration folder, where it is absent)
    // is watched: a name added or removed recompiles.
    let _ = c.walker.walk(&c.confdir, model::Rule::Reserve.folder().as_bytes());
    let mut listed = Vec::new();
    let read = grant::ConfDir::open_at(confdir)
        .map_err(|e| format!("{confdir} cannot be opened ({e})"))
        .and_then(|mut conf| {
            policy::list_reservations(&mut conf, &mut |r| listed.push(r)).map_err(|why| match why {
                policy::Unlisted::Unreadable(e) => format!("the reserve folder cannot be read ({e})"),
                policy::Unlisted::TooMany => {
                    format!("the reserve folder holds more than {} names", model::MAX_RESERVATIONS)
                }
            })
        });
    if let Err(why) = read {
        return Reserved {
            unknown: Some(why),
            ..Reserved::default()
        };
    }
    listed.sort_by(Reservation::rank);
    listed.dedup();
    let mut out = Reserved::default();
    for r in listed {
        let chain = c.name(file_name(&r), &r.to_string());
        // Absent (gone since the listing) or broken: `access` fails, and
        // a failed check of a reservation refuses.
        let chain = match chain.end {
            End::Grant(_) => chain,
            End::Continue | End::Refuse => Chain::refuse(),
        };
        let port = out.ports.entry(r.port).or_default();
        match r.addr {
            None => port.whole = true,
            Some(a) => port.addrs.push(a),
        }
        out.chains.push((r, chain));
    }
    for (port, p) in &out.ports {
        if p.overflows() {
            c.walker.notes.unexpressible(format!(
                "port {port} has {} address reservations (the programs evaluate at most {MAX_RESERVE_ADDRS} \
                 for a wildcard bind): every non-root wildcard bind (0.0.0.0, ::) of port {port} is refused",
                p.addrs.len()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{compile, Compiled};
    use std::os::unix::fs::{chown, symlink, PermissionsExt};
    use std::path::{Path, PathBuf};

    /// A scratch policy tree, removed when dropped.
    struct Tree(PathBuf);

    impl Tree {
        fn new(name: &str) -> Tree {
            let p = std::env::temp_dir().join(format!("authbindd-reserve-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir(&p).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
            Tree(p)
        }

        /// `reserve/NAME` (the folder made if missing), owned by
        /// uid:gid, mode `mode`.
        fn reserve(&self, name: &str, uid: u32, gid: u32, mode: u32) -> &Tree {
            let dir = self.0.join("reserve");
            if !dir.exists() {
                std::fs::create_dir(&dir).unwrap();
            }
            let f = dir.join(name);
            std::fs::write(&f, "").unwrap();
            chown(&f, Some(uid), Some(gid)).unwrap();
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(mode)).unwrap();
            self
        }

        fn path(&self) -> &Path {
            &self.0
        }

        fn compile(&self) -> Compiled {
            compile(self.0.to_str().unwrap())
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn v4(a: [u8; 4]) -> Address {
        Address::V4(a)
    }

    fn v6(text: &str) -> Address {
        Address::parse_any(text.as_bytes()).unwrap()
    }

    fn at(addr: Address, port: u16) -> Reservation {
        Reservation { addr: Some(addr), port }
    }

    const NONE: fn(u32) -> bool = |_| false;

    #[test]
    #[ignore = "needs root: chown"]
    fn each_reservation_is_the_chain_of_its_name_in_the_helpers_order() {
        let t = Tree::new("order");
        t.reserve("5432", 1500, 0, 0o500)
            .reserve("::1,5432", 1500, 0, 0o500)
            .reserve("127.0.0.1,5432", 1501, 0, 0o500)
            .reserve("80", 1500, 0, 0o500)
            // Names that are not reservations reserve nothing.
            .reserve("!443", 1501, 0, 0o500)
            .reserve("0.0.0.0,53", 1501, 0, 0o500)
            .reserve("db,25", 1501, 0, 0o500);
        let c = t.compile();
        assert_eq!(c.reserved.unknown, None);
        let names: Vec<String> = c.reserved.chains.iter().map(|(r, _)| r.to_string()).collect();
        assert_eq!(
            names,
            [
                "reserve/80",
                "reserve/5432",
                "reserve/127.0.0.1,5432",
                "reserve/::1,5432"
            ]
        );
        assert_eq!(
            c.reserved.ports[&5432],
            PortReservations {
                whole: true,
                addrs: vec![v4([127, 0, 0, 1]), v6("::1")]
            }
        );
        // The file's own check (the folders are 0755: no check).
        let chain = c.reserved.chain(&Reservation::port(5432)).unwrap();
        assert_eq!(chain.end, End::Grant(FileName::ReservePort));
        assert_eq!(chain.checks.len(), 1);
        assert_eq!(
            c.reserved.chain(&at(v4([127, 0, 0, 1]), 5432)).unwrap().end,
            End::Grant(FileName::ReserveAddr)
        );

        let lo = v4([127, 0, 0, 1]);
        let any = v4([0; 4]);
        // The port's own first: 1500 passes it, and ::1's, not 127.0.0.1's.
        assert_eq!(
            c.reservation(1500, 1500, &v6("::1"), 5432, NONE),
            Some(Ok(Reservation::port(5432)))
        );
        assert_eq!(c.reservation(1500, 1500, &lo, 5432, NONE), Some(Err(at(lo, 5432))));
        assert_eq!(c.reservation(1500, 1500, &any, 5432, NONE), Some(Err(at(lo, 5432))));
        assert_eq!(
            c.reservation(1501, 1501, &lo, 5432, NONE),
            Some(Err(Reservation::port(5432)))
        );
        // IPv4-mapped is IPv4; another address only the port's own.
        let mapped = v6("::ffff:127.0.0.1");
        assert_eq!(c.reservation(1500, 1500, &mapped, 5432, NONE), Some(Err(at(lo, 5432))));
        assert_eq!(
            c.reservation(1500, 1500, &v4([127, 0, 0, 2]), 5432, NONE),
            Some(Ok(Reservation::port(5432)))
        );
        // Root, and ports with none.
        assert_eq!(c.reservation(0, 0, &lo, 5432, NONE), None);
        assert_eq!(c.reservation(1501, 1501, &lo, 443, NONE), None);
        assert_eq!(c.reservation(1501, 1501, &lo, 53, NONE), None);
        // Below 1024 the owner is granted (no byport file), others not.
        assert_eq!(
            c.decide(1500, 1500, &any, 80),
            Some((model::Rule::Reserve, FileName::ReservePort))
        );
        assert_eq!(c.decide(1501, 1501, &any, 80), None);
        assert_eq!(c.decide(1500, 1500, &any, 5432), None);
        let report = crate::report::report(&c);
        assert!(report.contains("reservations: 4 "), "{report}");
        assert!(
            report.contains("  reserve/80: whoever passes [exec 500 uid 1500 gid 0]"),
            "{report}"
        );
    }

    #[test]
    #[ignore = "needs root: chown"]
    fn a_group_reservation_and_a_closed_folder() {
        let t = Tree::new("group");
        t.reserve("7000", 0, 1600, 0o010);
        let c = t.compile();
        let any = v6("::");
        // The group's check (the programs judge it by the binding
        // process's own groups; here by its real gid).
        let chain = c.reserved.chain(&Reservation::port(7000)).unwrap();
        assert!(chain.checks.iter().all(|k| k.group == 1600 && k.mode == 0o010));
        assert_eq!(
            c.reservation(1501, 1600, &any, 7000, NONE),
            Some(Ok(Reservation::port(7000)))
        );
        assert_eq!(
            c.reservation(1501, 1501, &any, 7000, NONE),
            Some(Err(Reservation::port(7000)))
        );
        // The folder's search permission is part of every chain: closed to
        // all but its owner, the group's file is its owner's alone.
        let dir = t.path().join("reserve");
        chown(&dir, Some(1500), Some(1500)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let c = t.compile();
        assert_eq!(
            c.reservation(1501, 1600, &any, 7000, NONE),
            Some(Err(Reservation::port(7000)))
        );
        assert_eq!(
            c.reservation(1500, 1600, &any, 7000, NONE),
            Some(Ok(Reservation::port(7000)))
        );
        assert_eq!(c.reserved.chain(&Reservation::port(7000)).unwrap().checks.len(), 2);
    }

    #[test]
    fn names_that_lead_nowhere_refuse_everyone_and_no_folder_reserves_nothing() {
        let t = Tree::new("dangling");
        assert!(t.compile().reserved.chains.is_empty());
        // A file where the folder would be (ENOTDIR): nothing reserved.
        std::fs::write(t.path().join("reserve"), "").unwrap();
        let c = t.compile();
        assert!(c.reserved.chains.is_empty() && c.reserved.unknown.is_none());
        std::fs::remove_file(t.path().join("reserve")).unwrap();
        std::fs::create_dir(t.path().join("reserve")).unwrap();
        symlink("/nonexistent/authbindd-reserve", t.path().join("reserve/25")).unwrap();
        symlink("25", t.path().join("reserve/26")).unwrap();
        symlink("27", t.path().join("reserve/27")).unwrap();
        let c = t.compile();
        for port in [25, 26, 27] {
            let r = Reservation::port(port);
            assert_eq!(c.reserved.chain(&r), Some(&Chain::refuse()), "{r}");
            assert_eq!(c.reservation(1501, 1501, &v4([0; 4]), port, NONE), Some(Err(r)));
        }
    }

    #[test]
    fn an_unreadable_folder_grants_nothing() {
        let t = Tree::new("unreadable");
        std::fs::create_dir(t.path().join("byport")).unwrap();
        std::fs::write(t.path().join("byport/80"), "").unwrap();
        std::fs::set_permissions(t.path().join("byport/80"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let uid = nix::unistd::getuid().as_raw();
        let before = t.compile();
        assert!(before.byport.contains_key(&80));
        // A loop: ELOOP, the folder cannot be read.
        symlink("reserve", t.path().join("reserve")).unwrap();
        let c = t.compile();
        let why = c.reserved.unknown.as_deref().expect("unknown");
        assert!(why.contains("cannot be read"), "{why}");
        assert!(c.byport.is_empty() && c.byaddr.is_empty() && c.byuid4.is_empty() && c.byuid6.is_empty());
        assert_eq!(c.folders, [Chain::refuse(), Chain::refuse()]);
        assert_eq!(c.decide(uid.max(1), 1, &v4([127, 0, 0, 1]), 80), None);
        assert!(c
            .notes
            .unexpressible
            .iter()
            .any(|n| n.starts_with("RESERVATIONS UNKNOWN")));
        assert!(crate::report::report(&c).contains("reservations: UNKNOWN"));
    }

    #[test]
    #[ignore = "needs root: chown"]
    fn a_port_with_more_addresses_than_listed_refuses_wildcard_binds() {
        let t = Tree::new("overflow");
        let n = MAX_RESERVE_ADDRS + 1;
        for i in 0..n {
            t.reserve(&format!("10.0.0.{},80", i + 1), 1500, 0, 0o500);
        }
        let c = t.compile();
        let p = &c.reserved.ports[&80];
        assert!(p.overflows() && !p.whole && p.addrs.len() == n);
        assert!(c
            .notes
            .unexpressible
            .iter()
            .any(|s| s.starts_with("port 80 has 17 address reservations")));
        let first = at(v4([10, 0, 0, 1]), 80);
        // Even the owner of them all, on a wildcard; exact binds are exact.
        assert_eq!(c.reservation(1500, 1500, &v4([0; 4]), 80, NONE), Some(Err(first)));
        assert_eq!(c.reservation(1500, 1500, &v6("::"), 80, NONE), Some(Err(first)));
        let last = v4([10, 0, 0, n as u8]);
        assert_eq!(c.reservation(1500, 1500, &last, 80, NONE), Some(Ok(at(last, 80))));
        assert_eq!(c.reservation(1501, 1501, &last, 80, NONE), Some(Err(at(last, 80))));
        assert!(crate::report::report(&c).contains("port 80: 17 address reservations: wildcard binds refused"));
    }
}
