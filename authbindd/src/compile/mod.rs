//! The policy tree in CONFDIR compiled into what the BPF programs look
//! up, with exactly the helper's meaning (see bpf/authbind.bpf.c for how
//! the programs use it):
//! - for each privileged port whose `byport/[!]PORT` lookup differs from
//!   an absent name's, its [`Chain`];
//! - for each address and port with a byaddr name of its own, the chain
//!   of its byaddr names in authbind's order;
//! - the chains of an absent name in each folder;
//! - the byuid tries, and the database's group memberships (for the
//!   report and the tests' model; the programs judge the process's own);
//! - the reservations of `reserve/`, each with the chain of its name
//!   ([`reserve`]).
//!
//! Compiling also records what it cannot express exactly ([`Notes`]) and
//! every inode whose change could change a decision ([`Watches`]).

#[cfg(test)]
mod agreement;
mod byuid;
pub mod chain;
pub mod check;
mod cidr;
mod inode;
mod members;
pub mod ports;
pub mod reserve;
mod walk;

pub use byuid::{ByuidFile, FileState, TrieEntry};
pub use chain::{Chain, End};
pub use reserve::{PortReservations, Reserved};

use host::fs::Inode;
use inode::Kind;
use model::{Address, Family, FileName, PolicyFile, PolicyName, Rule};
use ports::PORTS;
use std::collections::{BTreeMap, BTreeSet};
use std::os::fd::OwnedFd;
use std::rc::Rc;
use walk::{Terminal, Walker};

/// The most checks one chain may hold in the maps; a longer one is
/// compiled as a refusal.
pub use authbind_bpf_abi::MAX_CHECKS;

/// The most entries of the byaddr folder read (a bound on the work and
/// the maps); a larger folder makes every byaddr lookup a refusal.
const MAX_BYADDR_ENTRIES: usize = 1 << 20;

/// What the compiler could not express exactly, and how it resolved it
/// (always so that kernel mode grants nothing the helper would refuse).
#[derive(Default, Debug)]
pub struct Notes {
    pub unexpressible: Vec<String>,
}

impl Notes {
    pub fn unexpressible(&mut self, what: String) {
        if !self.unexpressible.contains(&what) {
            self.unexpressible.push(what);
        }
    }
}

/// `O_PATH` descriptors of every folder and file a decision depends on,
/// for the daemon's inotify watches.
#[derive(Default)]
pub struct Watches {
    seen: BTreeSet<(u64, u64)>,
    pub fds: Vec<OwnedFd>,
}

impl Watches {
    fn add(&mut self, inode: &Inode) {
        if self.seen.insert(inode.id()) {
            if let Ok(copy) = inode.fd().try_clone_to_owned() {
                self.fds.push(copy);
            }
        }
    }
}

pub struct Compiled {
    pub confdir: String,
    pub byport: BTreeMap<u16, Chain>,
    pub byaddr: BTreeMap<(Address, u16), Chain>,
    /// [byport, byaddr]: the chain of a name that is not there.
    pub folders: [Chain; 2],
    pub members: BTreeSet<(u32, u32)>,
    pub byuid_files: Vec<ByuidFile>,
    pub byuid4: Vec<TrieEntry>,
    pub byuid6: Vec<TrieEntry>,
    pub reserved: Reserved,
    pub notes: Notes,
    pub watches: Watches,
}

impl Compiled {
    /// What the helper decides for a request, by these maps: the BPF
    /// program's procedure, for the tests. The rule and the file that
    /// grant, or `None`.
    #[cfg(test)]
    pub fn decide(&self, uid: u32, gid: u32, addr: &Address, port: u16) -> Option<(Rule, FileName)> {
        let member = |g| self.members.contains(&(uid, g));
        match self.reservation(uid, gid, addr, port, member) {
            Some(Err(_)) => return None,
            Some(Ok(r)) if PORTS.contains(&port) => return Some((model::Rule::Reserve, reserve::file_name(&r))),
            _ => {}
        }
        if !PORTS.contains(&port) {
            return None;
        }
        let byport = self.byport.get(&port).unwrap_or(&self.folders[0]);
        match byport.decide(uid, gid, member) {
            End::Grant(f) => return Some((Rule::ByPort, f)),
            End::Refuse => return None,
            End::Continue => {}
        }
        let byaddr = self.byaddr.get(&(*addr, port)).unwrap_or(&self.folders[1]);
        match byaddr.decide(uid, gid, member) {
            End::Grant(f) => return Some((Rule::ByAddr, f)),
            End::Refuse => return None,
            End::Continue => {}
        }
        let trie = if addr.family() == Family::V4 {
            &self.byuid4
        } else {
            &self.byuid6
        };
        let bytes = addr.bytes();
        let best = trie
            .iter()
            .filter(|e| e.uid == uid && prefix_matches(&e.addr, e.len, bytes))
            .max_by_key(|e| e.len)?;
        best.ports.contains(port).then_some((Rule::ByUid, FileName::ByUid))
    }
}

impl Compiled {
    /// What the reservations say, by these maps (the programs' procedure,
    /// for the tests): `None` when none covers the bind (or for root),
    /// `Ok` the first covering one when every one lets the user through,
    /// `Err` the first that does not.
    #[cfg(test)]
    pub fn reservation(
        &self,
        uid: u32,
        gid: u32,
        addr: &Address,
        port: u16,
        member: impl Fn(u32) -> bool + Copy,
    ) -> Option<Result<model::Reservation, model::Reservation>> {
        if uid == 0 {
            return None;
        }
        let covering = self.reserved.covering(addr, port);
        let wildcard = addr.bytes().iter().all(|&b| b == 0);
        let overflow = self.reserved.ports.get(&port).is_some_and(|p| p.overflows());
        for r in &covering {
            if r.addr.is_some() && wildcard && overflow {
                // Compiled in the safe direction, named by its first address.
                return Some(Err(*r));
            }
            let passes = self
                .reserved
                .chain(r)
                .is_some_and(|c| matches!(c.decide(uid, gid, member), End::Grant(_)));
            if !passes {
                return Some(Err(*r));
            }
        }
        covering.first().copied().map(Ok)
    }
}

#[cfg(test)]
fn prefix_matches(net: &[u8], len: u8, addr: &[u8]) -> bool {
    let (full, rest) = (usize::from(len / 8), len % 8);
    net[..full] == addr[..full] && (rest == 0 || (net[full] ^ addr[full]) & (0xff << (8 - rest)) == 0)
}

struct Compiler<'a> {
    confdir: Rc<Inode>,
    walker: Walker<'a>,
}

impl Compiler<'_> {
    /// The chain of one flag file (`byport/80`).
    fn name(&mut self, file: FileName, path: &str) -> Chain {
        let walk = self.walker.walk(&self.confdir, path.as_bytes());
        let mut checks = walk.checks;
        let chain = match walk.terminal {
            Terminal::Absent => Chain::new(checks, End::Continue),
            Terminal::Failed => Chain::refuse(),
            Terminal::Found(inode) => {
                checks.insert(self.walker.check(&inode));
                Chain::new(checks, End::Grant(file))
            }
        };
        self.bounded(chain, path)
    }

    /// The chain of a name that is not in `folder`.
    fn folder(&mut self, folder: &str) -> Chain {
        let walk = self.walker.walk(&self.confdir, folder.as_bytes());
        let mut checks = walk.checks;
        let chain = match walk.terminal {
            Terminal::Absent => Chain::new(checks, End::Continue),
            Terminal::Failed => Chain::refuse(),
            Terminal::Found(inode) if inode.kind() == Kind::Dir => {
                checks.insert(self.walker.check(&inode));
                Chain::new(checks, End::Continue)
            }
            // A file where the folder should be: ENOTDIR.
            Terminal::Found(_) => Chain::refuse(),
        };
        self.bounded(chain, folder)
    }

    fn bounded(&mut self, chain: Chain, what: &str) -> Chain {
        if chain.checks.len() <= MAX_CHECKS {
            return chain;
        }
        self.walker.notes.unexpressible(format!(
            "{what}: its lookup makes {} permission checks (at most {MAX_CHECKS} fit): compiled as a refusal",
            chain.checks.len()
        ));
        Chain::refuse()
    }

    /// The chain of every name a rule consults for a request, in order.
    fn names(&mut self, addr: Address, port: u16, rule: Rule) -> Chain {
        let mut chain: Option<Chain> = None;
        for file in PolicyFile::flags(addr, port).filter(|f| f.name.rule() == rule) {
            let next = self.name(file.name, &file.to_string());
            chain = Some(match chain {
                None => next,
                Some(c) => c.then(next),
            });
        }
        let chain = chain.unwrap_or_else(|| Chain::new(BTreeSet::new(), End::Continue));
        self.bounded(chain, &format!("{} {addr} port {port}", rule.folder()))
    }

    /// The requests that have a byaddr name of their own; `None` when the
    /// folder cannot be listed completely (then no byaddr name can be
    /// taken for absent: the caller refuses whatever reaches byaddr).
    fn byaddr_requests(&mut self) -> Option<BTreeSet<(Address, u16)>> {
        let walk = self.walker.walk(&self.confdir, Rule::ByAddr.folder().as_bytes());
        let Terminal::Found(dir) = walk.terminal else {
            // No folder (every name absent) or a file (ENOTDIR): the
            // folder's chain says it all.
            return Some(BTreeSet::new());
        };
        if dir.kind() != Kind::Dir {
            return Some(BTreeSet::new());
        }
        let flags = nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC;
        let mut listing = nix::dir::Dir::openat(dir.fd(), ".", flags, nix::sys::stat::Mode::empty()).ok()?;
        let mut out = BTreeSet::new();
        for (n, entry) in listing.iter().enumerate() {
            if n >= MAX_BYADDR_ENTRIES {
                return None;
            }
            if let Some(request) = byaddr_request(entry.ok()?.file_name().to_bytes()) {
                out.insert(request);
            }
        }
        Some(out)
    }
}

/// The request a byaddr entry is the file of, if the helper looks for it
/// and its port is one kernel mode decides.
fn byaddr_request(entry: &[u8]) -> Option<(Address, u16)> {
    match PolicyName::parse(Rule::ByAddr, std::str::from_utf8(entry).ok()?) {
        Ok(PolicyName::ByAddr { addr, port, .. }) if PORTS.contains(&port) => Some((addr, port)),
        _ => None,
    }
}

/// Flags the checks whose group has database members.
fn mark_members(chain: Chain, with_members: &BTreeSet<u32>) -> Chain {
    let checks = chain
        .checks
        .into_iter()
        .map(|mut k| {
            if with_members.contains(&k.group) {
                k.flags |= check::MEMBERS;
            }
            k
        })
        .collect();
    Chain::new(checks, chain.end)
}

/// Compiles the tree at `confdir`.
pub fn compile(confdir: &str) -> Compiled {
    let mut notes = Notes::default();
    let mut watches = Watches::default();
    let (conf, root) = match (Inode::open_dir(confdir), Inode::open_dir("/")) {
        (Ok(c), Ok(r)) => (c, r),
        (Err(e), _) | (_, Err(e)) => {
            // The helper cannot open it either: it refuses everything.
            notes.unexpressible(format!("{confdir}: cannot be opened ({e}): nothing is granted"));
            return Compiled {
                confdir: confdir.to_string(),
                byport: BTreeMap::new(),
                byaddr: BTreeMap::new(),
                folders: [Chain::refuse(), Chain::refuse()],
                members: BTreeSet::new(),
                byuid_files: Vec::new(),
                byuid4: Vec::new(),
                byuid6: Vec::new(),
                reserved: Reserved::default(),
                notes,
                watches,
            };
        }
    };
    watches.add(&conf);
    let mut c = Compiler {
        confdir: Rc::new(conf),
        walker: Walker::new(Rc::new(root), &mut notes, &mut watches),
    };
    let mut folders = [c.folder(Rule::ByPort.folder()), c.folder(Rule::ByAddr.folder())];
    let mut byport = BTreeMap::new();
    for port in PORTS {
        // Any address: byport names do not depend on it.
        let chain = c.names(Address::UNSPECIFIED_V4, port, Rule::ByPort);
        if chain != folders[0] {
            byport.insert(port, chain);
        }
    }
    let mut byaddr = BTreeMap::new();
    match c.byaddr_requests() {
        Some(requests) => {
            for (addr, port) in requests {
                let chain = c.names(addr, port, Rule::ByAddr);
                if chain != folders[1] {
                    byaddr.insert((addr, port), chain);
                }
            }
        }
        None => {
            c.walker.notes.unexpressible(format!(
                "the byaddr folder could not be read completely (or has over {MAX_BYADDR_ENTRIES} entries): \
                 every request that reaches byaddr is refused"
            ));
            folders[1] = Chain::refuse();
        }
    }
    let byuid_files = match grant::ConfDir::open_at(confdir) {
        Ok(mut conf) => byuid::read_all(&mut conf, confdir, c.walker.notes),
        Err(_) => Vec::new(),
    };
    // Watch what the byuid names lead to, wherever their symlinks point
    // (the checks of these walks mean nothing: root opens byuid files).
    for f in &byuid_files {
        let _ = c.walker.walk(&c.confdir, f.name.to_string().as_bytes());
    }
    let mut byuid4 = byuid::trie(&byuid_files, Family::V4);
    let mut byuid6 = byuid::trie(&byuid_files, Family::V6);
    let reserved = reserve::compile(&mut c, confdir);
    if let Some(why) = &reserved.unknown {
        // The helper then refuses every privileged bind of a non-root
        // user (whose port it is, is unknown): nothing is granted here
        // either. Ports from 1024 on stay the kernel's.
        c.walker.notes.unexpressible(format!(
            "RESERVATIONS UNKNOWN: {why}: no privileged port is granted to any non-root user \
             (the helper refuses them all too) until the folder can be read"
        ));
        byport.clear();
        byaddr.clear();
        folders = [Chain::refuse(), Chain::refuse()];
        byuid4.clear();
        byuid6.clear();
    }
    let groups_named: BTreeSet<u32> = folders
        .iter()
        .chain(byport.values())
        .chain(byaddr.values())
        .chain(reserved.chains.iter().map(|(_, ch)| ch))
        .flat_map(|ch| ch.checks.iter().map(|k| k.group))
        .collect();
    // The database is read only when a check names a group.
    let members = if groups_named.is_empty() {
        BTreeSet::new()
    } else {
        members::members(&host::UserDb::system(), &groups_named)
    };
    let with_members: BTreeSet<u32> = members.iter().map(|&(_, g)| g).collect();
    let mark = |c: Chain| mark_members(c, &with_members);
    let folders = folders.map(mark);
    let byport = byport.into_iter().map(|(k, c)| (k, mark(c))).collect();
    let byaddr = byaddr.into_iter().map(|(k, c)| (k, mark(c))).collect();
    let reserved = Reserved {
        chains: reserved.chains.into_iter().map(|(r, c)| (r, mark(c))).collect(),
        ..reserved
    };
    Compiled {
        confdir: confdir.to_string(),
        byport,
        byaddr,
        folders,
        members,
        byuid_files,
        byuid4,
        byuid6,
        reserved,
        notes,
        watches,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byaddr_entries_of_privileged_ports_only() {
        let lo = Address::V4([127, 0, 0, 1]);
        assert_eq!(byaddr_request(b"127.0.0.1:80"), Some((lo, 80)));
        assert_eq!(byaddr_request(b"!127.0.0.1,1023"), Some((lo, 1023)));
        // Consulted by the helper, but not a port kernel mode decides.
        assert_eq!(byaddr_request(b"!127.0.0.1,1024"), None);
        // Never consulted.
        assert_eq!(byaddr_request(b"127.0.0.1,1024"), None);
        assert_eq!(byaddr_request(b"127.0.0.01,80"), None);
        assert_eq!(byaddr_request(b"127.0.0.1,80\xff"), None);
    }
}
