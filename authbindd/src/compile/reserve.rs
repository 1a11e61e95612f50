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
}

impl Reserved {
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
