//! One instance of the programs: the BPF object build.rs compiled, loaded
//! with aya with brand-new policy maps sized for and filled with one
//! compiled tree, and the kept maps (ring buffer, counters) reused from
//! their pins. Programs are loaded (verified) only once their maps are
//! complete, so an instance is never seen half-filled: it becomes live
//! only when a link is switched to it.

use super::layout;
use crate::compile::Compiled;
use crate::error::Error;
use authbind_bpf_abi::{FOLDER_BYADDR, FOLDER_BYPORT};
use aya::maps::lpm_trie::{Key, LpmTrie};
use aya::maps::{Array, HashMap, MapData};
use aya::programs::CgroupSockAddr;
use aya::{Ebpf, EbpfLoader};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/authbind.bpf.o"));

pub const BIND4: &str = "authbind_bind4";
pub const BIND6: &str = "authbind_bind6";

/// The maps kept across reloads, and their pin names (versioned: a pin
/// of another layout is never reused by mistake; no dots: bpffs refuses
/// them in names, with EPERM).
pub const EVENTS: (&str, &str) = ("events", "events_v1");
pub const REFUSALS: (&str, &str) = ("refusals", "refusals_v1");
pub const LOST: (&str, &str) = ("lost", "lost_v1");

pub struct Instance {
    ebpf: Ebpf,
}

impl Instance {
    /// Loads `compiled`; the kept maps are reused from (or pinned into)
    /// `pins` if given, else private to this instance (`--check`).
    pub fn load(compiled: &Compiled, pins: Option<&Path>) -> Result<Instance, Error> {
        let size = |n: usize| n.clamp(1, u32::MAX as usize) as u32;
        let kept: Vec<(&str, std::path::PathBuf)> = match pins {
            Some(dir) => [EVENTS, REFUSALS, LOST]
                .iter()
                .map(|(m, f)| (*m, dir.join(f)))
                .collect(),
            None => Vec::new(),
        };
        let mut loader = EbpfLoader::new();
        loader
            .map_max_entries("byport", size(compiled.byport.len()))
            .map_max_entries("byaddr", size(compiled.byaddr.len()))
            .map_max_entries("members", size(compiled.members.len()))
            .map_max_entries("byuid4", size(compiled.byuid4.len()))
            .map_max_entries("byuid6", size(compiled.byuid6.len()));
        for (map, path) in &kept {
            loader.map_pin_path(map, path.as_path());
        }
        let mut ebpf = loader.load(OBJECT).map_err(|e| Error::aya("creating the maps", &e))?;
        fill(&mut ebpf, compiled)?;
        for name in [BIND4, BIND6] {
            let prog: &mut CgroupSockAddr = ebpf
                .program_mut(name)
                .ok_or_else(|| Error::Load(format!("the object has no program {name}")))?
                .try_into()
                .map_err(|e: aya::programs::ProgramError| Error::Load(format!("{name}: {e}")))?;
            prog.load().map_err(|e| Error::aya(&format!("verifying {name}"), &e))?;
        }
        Ok(Instance { ebpf })
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
    let mut members: HashMap<&mut MapData, layout::MemberKey, u8> =
        HashMap::try_from(map(ebpf, "members")?).map_err(|e| Error::aya("members", &e))?;
    for (uid, gid) in &c.members {
        members
            .insert(layout::member_key(*uid, *gid), 1, 0)
            .map_err(|e| Error::aya("filling members", &e))?;
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
    Ok(())
}
