//! One instance of the programs: the BPF object build.rs compiled, loaded
//! with aya with brand-new policy maps sized for and filled with one
//! compiled tree, and the kept maps (ring buffer, counters) reused from
//! their pins. Programs are loaded (verified) only once their maps are
//! complete, so an instance is never seen half-filled: it becomes live
//! only when a link is switched to it.

use super::layout;
use crate::compile::Compiled;
use crate::error::Error;
use authbind_bpf_abi::{AUDIT_KINDS, EV_GRANTED, EV_REFUSED, FOLDER_BYADDR, FOLDER_BYPORT, RESERVED_BITS_WORDS};
use aya::maps::lpm_trie::{Key, LpmTrie};
use aya::maps::{Array, HashMap, MapData};
use aya::programs::CgroupSockAddr;
use aya::{Ebpf, EbpfLoader};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;

/// The programs judging groups as access(2) does, by the binding
/// process's own groups (its credentials, read with CO-RE relocations
/// against the running kernel's BTF).
static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/authbind.bpf.o"));
/// The same programs without the process's groups, for a kernel that
/// refuses the other object (no BTF, or the helpers withheld): a check
/// that a group decides grants only when it would whether or not the
/// process holds the group (the safe direction).
static OBJECT_NO_GROUPS: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/authbind-nogroups.bpf.o"));

/// How the loaded programs know the binding process's groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Groups {
    /// From its credentials, as access(2) judges them.
    Process,
    /// Not at all (the reason the kernel gave): a check that a group
    /// decides is a refusal unless the process passes it either way.
    Unknown(String),
}

impl Groups {
    /// One line for `--check` and the log.
    pub fn describe(&self) -> String {
        match self {
            Groups::Process => {
                "groups: each binding process's own (real gid and supplementary groups, as access(2))".into()
            }
            Groups::Unknown(why) => format!(
                "groups: unknown to the programs on this kernel ({why}): a permission check that \
                 the binding process's supplementary groups would decide (group and others differ in \
                 the x bit, and the process is neither owner nor of the file's group by its real gid) \
                 is a refusal (never granted where the helper would refuse)"
            ),
        }
    }
}

pub const BIND4: &str = "authbind_bind4";
pub const BIND6: &str = "authbind_bind6";

/// The maps kept across reloads, and their pin names (versioned: a pin
/// of another layout is never reused by mistake; no dots: bpffs refuses
/// them in names, with EPERM).
pub const EVENTS: (&str, &str) = ("events", "events_v2");
pub const REFUSALS: (&str, &str) = ("refusals", "refusals_v1");
pub const RESERVE_REFUSALS: (&str, &str) = ("reserve_refusals", "reserve_refusals_v1");
pub const LOST: (&str, &str) = ("lost", "lost_v1");
/// Each user's audit budget and what the daemon said of it: kept, so that
/// a reload neither renews a flooding user's budget nor loses a count.
pub const AUDIT_BUDGET: (&str, &str) = ("audit_budget", "audit_budget_v1");
pub const AUDIT_SAID: (&str, &str) = ("audit_said", "audit_said_v1");
/// The maps kept across reloads.
const KEPT: [(&str, &str); 6] = [EVENTS, REFUSALS, RESERVE_REFUSALS, LOST, AUDIT_BUDGET, AUDIT_SAID];
/// Pins of layouts no longer used (the events before reservations named
/// theirs): removed once the links run the new programs, which hold
/// their maps.
pub const RETIRED: &[&str] = &["events_v1"];

/// Where the loaded programs enforce reservations, and how they refuse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enforcing {
    /// The cookie of the network namespace served (the loader's own);
    /// `Err`: it cannot be known (before Linux 5.14), reservations hold
    /// nowhere.
    pub netns: Result<u64, model::Errno>,
    /// The programs fail a refused bind with EACCES (Linux 5.18 and
    /// later: bpf_set_retval), else the kernel's EPERM.
    pub eacces: bool,
}

impl Enforcing {
    /// What this process and this kernel allow.
    pub fn here() -> Enforcing {
        let release = crate::read::small_file("/proc/sys/kernel/osrelease", 256).unwrap_or_default();
        Enforcing {
            netns: syscalls::sock::netns_cookie(),
            eacces: crate::preflight::version(&release).is_some_and(|v| v >= (5, 18)),
        }
    }

    /// One line for `--check` and the log.
    pub fn describe(&self) -> String {
        match self.netns {
            Ok(cookie) => format!(
                "reservations: enforced in this network namespace (cookie {cookie}) for non-root users; \
                 a refused bind fails with {}",
                if self.eacces {
                    "EACCES"
                } else {
                    "EPERM (this kernel cannot choose the error)"
                }
            ),
            Err(e) => format!("reservations: NOT ENFORCED: this kernel cannot name the network namespace served ({e})"),
        }
    }
}

pub struct Instance {
    ebpf: Ebpf,
    pub groups: Groups,
    pub enforcing: Enforcing,
}

impl Instance {
    /// Loads `compiled`; the kept maps are reused from (or pinned into)
    /// `pins` if given, else private to this instance (`--check`). The
    /// programs that read the process's groups if this kernel takes them,
    /// else those that do without (the first failure is the reason given).
    pub fn load(compiled: &Compiled, pins: Option<&Path>) -> Result<Instance, Error> {
        // aya loads an object without relocating it when it finds no
        // kernel BTF: the programs would read the credentials at this
        // build's offsets. Relocated against the kernel's BTF, or not
        // loaded at all.
        let enforcing = Enforcing::here();
        let with_groups = aya::Btf::from_sys_fs()
            .map_err(|e| Error::Load(format!("no kernel BTF (/sys/kernel/btf/vmlinux): {e}")))
            .and_then(|btf| load_object(OBJECT, Some(&btf), compiled, pins, &enforcing));
        match with_groups {
            Ok(ebpf) => Ok(Instance {
                ebpf,
                groups: Groups::Process,
                enforcing,
            }),
            Err(first) => {
                let ebpf = load_object(OBJECT_NO_GROUPS, None, compiled, pins, &enforcing).map_err(|e| {
                    Error::Load(format!("{e} (and the programs reading the process's groups: {first})"))
                })?;
                Ok(Instance {
                    ebpf,
                    groups: Groups::Unknown(first.to_string()),
                    enforcing,
                })
            }
        }
    }

    /// The loaded program `name` ([`BIND4`] or [`BIND6`]).
    pub fn program(&self, name: &str) -> Result<BorrowedFd<'_>, Error> {
        let prog: &CgroupSockAddr = self
            .ebpf
            .program(name)
            .ok_or_else(|| Error::Load(format!("no program {name}")))?
            .try_into()
            .map_err(|e: aya::programs::ProgramError| Error::Load(format!("{name}: {e}")))?;
        let fd = prog.fd().map_err(|e| Error::Load(format!("{name}: {e}")))?;
        Ok(fd.as_fd())
    }
}

/// Loads `object`, CO-RE-relocated against `btf` when given (else as
/// aya's loader does by default: against the kernel's BTF if it finds it).
fn load_object(
    object: &[u8],
    btf: Option<&aya::Btf>,
    compiled: &Compiled,
    pins: Option<&Path>,
    enforcing: &Enforcing,
) -> Result<Ebpf, Error> {
    let size = |n: usize| n.clamp(1, u32::MAX as usize) as u32;
    let kept: Vec<(&str, std::path::PathBuf)> = match pins {
        Some(dir) => KEPT.iter().map(|(m, f)| (*m, dir.join(f))).collect(),
        None => Vec::new(),
    };
    let mut loader = EbpfLoader::new();
    if btf.is_some() {
        loader.btf(btf);
    }
    loader
        .map_max_entries("byport", size(compiled.byport.len()))
        .map_max_entries("byaddr", size(compiled.byaddr.len()))
        .map_max_entries("byuid4", size(compiled.byuid4.len()))
        .map_max_entries("byuid6", size(compiled.byuid6.len()))
        .map_max_entries("reserve_ports", size(compiled.reserved.ports.len()))
        .map_max_entries("reserved", size(compiled.reserved.chains.len()));
    let netns = *enforcing.netns.as_ref().unwrap_or(&0);
    let eacces = u32::from(enforcing.eacces);
    let mut bits = [0u64; RESERVED_BITS_WORDS];
    for &port in compiled.reserved.ports.keys() {
        bits[usize::from(port) / 64] |= 1 << (port % 64);
    }
    let (per_window, window_ns) = audit_limits();
    loader
        .override_global("served_netns", &netns, true)
        .override_global("can_set_retval", &eacces, true)
        .override_global("reserved_bits", &bits, true)
        .override_global("audit_per_window", &per_window, true)
        .override_global("audit_window_ns", &window_ns, true);
    for (map, path) in &kept {
        loader.map_pin_path(map, path.as_path());
    }
    let mut ebpf = loader.load(object).map_err(|e| Error::aya("creating the maps", &e))?;
    fill(&mut ebpf, compiled)?;
    for name in [BIND4, BIND6] {
        let prog: &mut CgroupSockAddr = ebpf
            .program_mut(name)
            .ok_or_else(|| Error::Load(format!("the object has no program {name}")))?
            .try_into()
            .map_err(|e: aya::programs::ProgramError| Error::Load(format!("{name}: {e}")))?;
        prog.load().map_err(|e| Error::aya(&format!("verifying {name}"), &e))?;
    }
    Ok(ebpf)
}

/// The programs' `audit_per_window` and `audit_window_ns`, indexed by
/// outcome: the audit crate's limits, the one definition the helper's
/// lines are limited by too.
fn audit_limits() -> ([u64; AUDIT_KINDS], [u64; AUDIT_KINDS]) {
    let mut per_window = [0; AUDIT_KINDS];
    let mut window_ns = [0; AUDIT_KINDS];
    for (outcome, (n, seconds)) in [
        (EV_GRANTED, (audit::GRANTS_PER_WINDOW, audit::GRANT_WINDOW_SECONDS)),
        (EV_REFUSED, (audit::REFUSALS_PER_WINDOW, audit::WINDOW_SECONDS)),
    ] {
        per_window[outcome as usize] = u64::from(n);
        window_ns[outcome as usize] = crate::suppressed::window_ns(seconds);
    }
    (per_window, window_ns)
}

fn map<'a>(ebpf: &'a mut Ebpf, name: &str) -> Result<&'a mut aya::maps::Map, Error> {
    ebpf.map_mut(name)
        .ok_or_else(|| Error::Load(format!("the object has no map {name}")))
}

fn fill(ebpf: &mut Ebpf, c: &Compiled) -> Result<(), Error> {
    let mut byport: HashMap<&mut MapData, [u8; 4], layout::ChainValue> =
        HashMap::try_from(map(ebpf, "byport")?).map_err(|e| Error::aya("byport", &e))?;
    for (port, chain) in &c.byport {
        byport
            .insert(u32::from(*port).to_ne_bytes(), layout::chain(chain), 0)
            .map_err(|e| Error::aya("filling byport", &e))?;
    }
    let mut byaddr: HashMap<&mut MapData, layout::AddrKey, layout::ChainValue> =
        HashMap::try_from(map(ebpf, "byaddr")?).map_err(|e| Error::aya("byaddr", &e))?;
    for ((addr, port), chain) in &c.byaddr {
        byaddr
            .insert(layout::addr_key(addr, *port), layout::chain(chain), 0)
            .map_err(|e| Error::aya("filling byaddr", &e))?;
    }
    let mut folders: Array<&mut MapData, layout::ChainValue> =
        Array::try_from(map(ebpf, "folders")?).map_err(|e| Error::aya("folders", &e))?;
    let [byport_folder, byaddr_folder] = &c.folders;
    for (index, chain) in [(FOLDER_BYPORT, byport_folder), (FOLDER_BYADDR, byaddr_folder)] {
        folders
            .set(index, layout::chain(chain), 0)
            .map_err(|e| Error::aya("filling folders", &e))?;
    }
    let mut byuid4: LpmTrie<&mut MapData, layout::Trie4Data, layout::PortsValue> =
        LpmTrie::try_from(map(ebpf, "byuid4")?).map_err(|e| Error::aya("byuid4", &e))?;
    for e in &c.byuid4 {
        let key = Key::new(layout::trie_prefix(e.len), layout::trie_data(e.uid, &e.addr));
        byuid4
            .insert(&key, layout::ports(&e.ports), 0)
            .map_err(|err| Error::aya("filling byuid4", &err))?;
    }
    let mut byuid6: LpmTrie<&mut MapData, layout::Trie6Data, layout::PortsValue> =
        LpmTrie::try_from(map(ebpf, "byuid6")?).map_err(|e| Error::aya("byuid6", &e))?;
    for e in &c.byuid6 {
        let key = Key::new(layout::trie_prefix(e.len), layout::trie_data(e.uid, &e.addr));
        byuid6
            .insert(&key, layout::ports(&e.ports), 0)
            .map_err(|err| Error::aya("filling byuid6", &err))?;
    }
    let mut reserve_ports: HashMap<&mut MapData, [u8; 4], layout::ReservePortValue> =
        HashMap::try_from(map(ebpf, "reserve_ports")?).map_err(|e| Error::aya("reserve_ports", &e))?;
    for (port, p) in &c.reserved.ports {
        reserve_ports
            .insert(u32::from(*port).to_ne_bytes(), layout::reserve_port(p), 0)
            .map_err(|e| Error::aya("filling reserve_ports", &e))?;
    }
    let mut reserved: HashMap<&mut MapData, layout::AddrKey, layout::ChainValue> =
        HashMap::try_from(map(ebpf, "reserved")?).map_err(|e| Error::aya("reserved", &e))?;
    for (r, chain) in &c.reserved.chains {
        reserved
            .insert(layout::reservation_key(r), layout::chain(chain), 0)
            .map_err(|e| Error::aya("filling reserved", &e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both objects pass this kernel's verifier (the fallback is loaded
    /// only where the first is refused, so nothing else would notice it
    /// had stopped loading), and the first is the one chosen here.
    #[test]
    #[ignore = "needs root: loads BPF programs"]
    fn both_objects_load_and_the_groups_reading_one_is_chosen() {
        let compiled = crate::compile::compile("/nonexistent/authbindd-load-test");
        let enforcing = Enforcing::here();
        load_object(OBJECT_NO_GROUPS, None, &compiled, None, &enforcing)
            .expect("the object without the process's groups loads");
        let btf = aya::Btf::from_sys_fs().expect("this kernel has BTF");
        load_object(OBJECT, Some(&btf), &compiled, None, &enforcing)
            .expect("the object reading the process's groups loads");
        assert_eq!(Instance::load(&compiled, None).expect("loads").groups, Groups::Process);
    }
}
