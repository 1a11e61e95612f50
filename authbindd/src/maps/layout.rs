//! The maps' keys and values as bytes, laid out exactly as the structs
//! of bpf/authbind.bpf.c (host byte order for numbers, network order for
//! addresses). Plain byte arrays keep the encoding explicit and need no
//! `unsafe impl Pod`.

use crate::compile::{Chain, End, MAX_CHECKS};
use model::{Address, FileName, Rule};

pub const CHAIN_BYTES: usize = 16 + 12 * MAX_CHECKS;
pub type ChainValue = [u8; CHAIN_BYTES];
pub type AddrKey = [u8; 24];
pub type Trie4Data = [u8; 8];
pub type Trie6Data = [u8; 20];
pub type PortsValue = [u8; 128];
pub const EVENT_BYTES: usize = 52;

fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    out[at..at + bytes.len()].copy_from_slice(bytes);
}

/// `struct chain`. A chain must hold at most MAX_CHECKS checks (the
/// compiler makes longer ones refusals); extra ones would be a bug, and
/// are refused rather than dropped.
pub fn chain(c: &Chain) -> ChainValue {
    let mut out = [0u8; CHAIN_BYTES];
    let (end, file): (u32, u32) = match c.end {
        End::Continue => (0, 0),
        End::Grant(f) => (1, u32::from(f as u8)),
        End::Refuse => (2, 0),
    };
    if c.checks.len() > MAX_CHECKS {
        put(&mut out, 4, &2u32.to_ne_bytes());
        return out;
    }
    put(&mut out, 0, &(c.checks.len() as u32).to_ne_bytes());
    put(&mut out, 4, &end.to_ne_bytes());
    put(&mut out, 8, &file.to_ne_bytes());
    for (i, k) in c.checks.iter().enumerate() {
        let at = 16 + 12 * i;
        put(&mut out, at, &k.owner.to_ne_bytes());
        put(&mut out, at + 4, &k.group.to_ne_bytes());
        put(&mut out, at + 8, &k.mode.to_ne_bytes());
        put(&mut out, at + 10, &k.flags.to_ne_bytes());
    }
    out
}

fn family_code(addr: &Address) -> u32 {
    if addr.is_v6() {
        6
    } else {
        4
    }
}

/// `struct addr_key`: family 4 or 6, port, address (IPv4 in the first four bytes).
pub fn addr_key(addr: &Address, port: u16) -> AddrKey {
    let mut out = [0u8; 24];
    put(&mut out, 0, &family_code(addr).to_ne_bytes());
    put(&mut out, 4, &u32::from(port).to_ne_bytes());
    put(&mut out, 8, addr.bytes());
    out
}

/// `struct member_key`.
pub fn member_key(uid: u32, gid: u32) -> [u8; 8] {
    let mut out = [0u8; 8];
    put(&mut out, 0, &uid.to_ne_bytes());
    put(&mut out, 4, &gid.to_ne_bytes());
    out
}

/// The data of a trie key: uid, then the address prefix's bytes.
pub fn trie_data<const N: usize>(uid: u32, addr: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    put(&mut out, 0, &uid.to_ne_bytes());
    put(&mut out, 4, addr);
    out
}

/// A grant the programs reported (`struct event`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub uid: u32,
    pub gid: u32,
    pub pid: u32,
    pub port: u16,
    pub addr: Address,
    pub rule: Option<Rule>,
    pub file: Option<FileName>,
    pub sock_type: u32,
    pub protocol: u32,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_ne_bytes(w)
}

impl Event {
    pub fn parse(b: &[u8]) -> Option<Event> {
        if b.len() < EVENT_BYTES {
            return None;
        }
        let addr = match u32_at(b, 16) {
            4 => Address::V4([b[36], b[37], b[38], b[39]]),
            6 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(&b[36..52]);
                Address::V6(a)
            }
            _ => return None,
        };
        Some(Event {
            uid: u32_at(b, 0),
            gid: u32_at(b, 4),
            pid: u32_at(b, 8),
            port: u16::try_from(u32_at(b, 12)).ok()?,
            addr,
            rule: u8::try_from(u32_at(b, 20)).ok().and_then(|c| Rule::try_from(c).ok()),
            file: u8::try_from(u32_at(b, 24))
                .ok()
                .and_then(|c| FileName::try_from(c).ok()),
            sock_type: u32_at(b, 28),
            protocol: u32_at(b, 32),
        })
    }
}

/// `struct refusal_key`: (uid, port).
pub fn refusal_key(b: &[u8; 8]) -> (u32, u16) {
    (u32_at(b, 0), u32_at(b, 4) as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::check::{Check, DIR};

    #[test]
    fn chains_encode_as_the_program_reads_them() {
        let c = Chain::new(
            [Check {
                owner: 1500,
                group: 7,
                mode: 0o500,
                flags: DIR,
            }]
            .into(),
            End::Grant(FileName::ByAddrColon),
        );
        let v = chain(&c);
        assert_eq!(u32_at(&v, 0), 1);
        assert_eq!(u32_at(&v, 4), 1);
        assert_eq!(u32_at(&v, 8), FileName::ByAddrColon as u32);
        assert_eq!(u32_at(&v, 16), 1500);
        assert_eq!(u32_at(&v, 20), 7);
        assert_eq!(u16::from_ne_bytes([v[24], v[25]]), 0o500);
        assert_eq!(u16::from_ne_bytes([v[26], v[27]]), DIR);
        assert_eq!(u32_at(&chain(&Chain::refuse()), 4), 2);
    }

    #[test]
    fn keys_and_events() {
        let k = addr_key(&Address::V4([127, 0, 0, 1]), 80);
        assert_eq!((u32_at(&k, 0), u32_at(&k, 4)), (4, 80));
        assert_eq!(k[8..12], [127, 0, 0, 1]);
        let d: Trie4Data = trie_data(1500, &[10, 0, 0, 0]);
        assert_eq!(u32_at(&d, 0), 1500);
        let mut e = [0u8; EVENT_BYTES];
        e[0..4].copy_from_slice(&1500u32.to_ne_bytes());
        e[12..16].copy_from_slice(&80u32.to_ne_bytes());
        e[16..20].copy_from_slice(&4u32.to_ne_bytes());
        e[20..24].copy_from_slice(&3u32.to_ne_bytes());
        e[24..28].copy_from_slice(&5u32.to_ne_bytes());
        e[36..40].copy_from_slice(&[127, 0, 0, 1]);
        let ev = Event::parse(&e).unwrap();
        assert_eq!(
            (ev.uid, ev.port, ev.rule, ev.file),
            (1500, 80, Some(Rule::ByUid), Some(FileName::ByUid))
        );
        assert_eq!(ev.addr, Address::V4([127, 0, 0, 1]));
        assert!(Event::parse(&e[..40]).is_none());
    }
}
