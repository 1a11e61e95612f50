//! The maps' keys and values and the programs' records as bytes, through
//! the one definition of their layout (the crate authbind-bpf-abi, which
//! the programs' C includes as a generated header): host byte order for
//! numbers, network order for addresses. Plain byte arrays keep the
//! encoding explicit and need no `unsafe impl Pod`.

use crate::compile::ports::PortSet;
use crate::compile::{Chain, End, PortReservations};
use crate::suppressed::{Counted, Key, Kind, Said};
use authbind_bpf_abi::{self as abi, Bytes, MAX_CHECKS, MAX_RESERVE_ADDRS};
use model::{Address, Family, FileName, Reservation, Rule};
use std::mem::size_of;

pub type ChainValue = [u8; abi::Chain::SIZE];
pub type AddrKey = [u8; abi::AddrKey::SIZE];
pub type RefusalKey = [u8; abi::RefusalKey::SIZE];
pub type PortsValue = [u8; abi::Ports::SIZE];
pub type ReservePortValue = [u8; abi::ReservePort::SIZE];
pub type ReserveRefusalKey = [u8; abi::ReserveRefusalKey::SIZE];
pub type AuditKey = [u8; abi::AuditKey::SIZE];
pub type AuditBudgetValue = [u8; abi::AuditBudget::SIZE];
pub type AuditSaidValue = [u8; abi::AuditSaid::SIZE];
pub use abi::{Trie4Data, Trie6Data};

/// `struct chain`. A chain must hold at most MAX_CHECKS checks (the
/// compiler makes longer ones refusals); extra ones would be a bug, and
/// are refused rather than dropped.
pub fn chain(c: &Chain) -> ChainValue {
    if c.checks.len() > MAX_CHECKS {
        return abi::Chain {
            end: abi::END_REFUSE,
            ..abi::Chain::default()
        }
        .to_bytes();
    }
    let (end, file) = match c.end {
        End::Continue => (abi::END_CONTINUE, 0),
        End::Grant(f) => (abi::END_GRANT, u32::from(f as u8)),
        End::Refuse => (abi::END_REFUSE, 0),
    };
    let mut value = abi::Chain {
        n: c.checks.len() as u32,
        end,
        file,
        ..abi::Chain::default()
    };
    for (slot, k) in value.checks.iter_mut().zip(&c.checks) {
        *slot = abi::Check {
            owner: k.owner,
            group: k.group,
            mode: k.mode,
            flags: k.flags,
        };
    }
    value.to_bytes()
}

/// `struct addr_key`: family code, port, address (IPv4 in the first four bytes).
pub fn addr_key(addr: &Address, port: u16) -> AddrKey {
    let mut key = abi::AddrKey {
        family: u32::from(addr.family() as u8),
        port: u32::from(port),
        ..abi::AddrKey::default()
    };
    key.addr[..addr.bytes().len()].copy_from_slice(addr.bytes());
    key.to_bytes()
}

/// A reservation's key in `reserved` (`struct addr_key`): family
/// RESERVE_WHOLE_PORT and no address for `reserve/PORT`.
pub fn reservation_key(r: &Reservation) -> AddrKey {
    match r.addr {
        Some(a) => addr_key(&a, r.port),
        None => abi::AddrKey {
            family: abi::RESERVE_WHOLE_PORT,
            port: u32::from(r.port),
            ..abi::AddrKey::default()
        }
        .to_bytes(),
    }
}

/// The reservation a `struct addr_key` of `reserved` names.
fn reservation_of(family: u32, port: u32, addr: &[u8; 16]) -> Option<Reservation> {
    let port = u16::try_from(port).ok()?;
    if family == abi::RESERVE_WHOLE_PORT {
        return Some(Reservation::port(port));
    }
    let family: Family = code(family)?;
    Some(Reservation {
        addr: Some(Address::from_bytes(family, &addr[..family.bytes()])?),
        port,
    })
}

/// `struct reserve_port`: the port-wide flag and the first
/// MAX_RESERVE_ADDRS addresses, in order; more: the overflow flag.
pub fn reserve_port(p: &PortReservations) -> ReservePortValue {
    let mut value = abi::ReservePort {
        flags: if p.whole { abi::RP_PORT } else { 0 } | if p.overflows() { abi::RP_OVERFLOW } else { 0 },
        n: p.addrs.len().min(MAX_RESERVE_ADDRS) as u32,
        ..abi::ReservePort::default()
    };
    for (slot, a) in value.addrs.iter_mut().zip(&p.addrs) {
        slot.family = u32::from(a.family() as u8);
        slot.addr[..a.bytes().len()].copy_from_slice(a.bytes());
    }
    value.to_bytes()
}

/// `struct reserve_refusal_key`: (uid, reservation).
pub fn reserve_refusal_key(b: &ReserveRefusalKey) -> Option<(u32, Reservation)> {
    let k = abi::ReserveRefusalKey::get(b);
    let r = k.reservation;
    Some((k.uid, reservation_of(r.family, r.port, &r.addr)?))
}

/// `struct audit_key`: a user's budget of one kind (`None`: a kind
/// this daemon does not know).
pub fn audit_key(b: &AuditKey) -> Option<Key> {
    let k = abi::AuditKey::get(b);
    Some(Key {
        uid: k.uid,
        kind: Kind::of(k.outcome)?,
    })
}

pub fn audit_key_bytes(key: Key) -> AuditKey {
    abi::AuditKey {
        uid: key.uid,
        outcome: key.kind.outcome(),
    }
    .to_bytes()
}

/// What the daemon reads of a `struct audit_budget`.
pub fn budget_count(b: &AuditBudgetValue) -> Counted {
    let v = abi::AuditBudget::get(b);
    Counted {
        born: v.born,
        suppressed: v.suppressed,
        last: v.last,
    }
}

/// `struct audit_said`.
pub fn said(b: &AuditSaidValue) -> Said {
    let v = abi::AuditSaid::get(b);
    Said {
        born: v.born,
        said: v.said,
    }
}

pub fn said_value(s: Said) -> AuditSaidValue {
    abi::AuditSaid {
        born: s.born,
        said: s.said,
    }
    .to_bytes()
}

/// The data of a trie key ([`Trie4Data`], [`Trie6Data`]): uid, then the
/// address prefix's bytes.
pub fn trie_data<const N: usize>(uid: u32, addr: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    uid.put(&mut out);
    out[size_of::<u32>()..][..addr.len()].copy_from_slice(addr);
    out
}

/// The prefix length of a trie key: the uid's bits, then `len` of the address.
pub fn trie_prefix(len: u8) -> u32 {
    abi::UID_PREFIX_BITS + u32::from(len)
}

/// `struct ports`.
pub fn ports(set: &PortSet) -> PortsValue {
    abi::Ports { bits: set.0 }.to_bytes()
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
    /// Refused by a reservation (else granted).
    pub refused: bool,
    /// The reservation that decided (rule `Reserve`).
    pub reservation: Option<Reservation>,
}

fn code<T: TryFrom<u8>>(c: u32) -> Option<T> {
    T::try_from(u8::try_from(c).ok()?).ok()
}

impl Event {
    /// `None` for a record too short, or of no known family or a port
    /// out of range.
    pub fn parse(b: &[u8]) -> Option<Event> {
        let e = abi::Event::from_bytes(b)?;
        let family: Family = code(e.family)?;
        Some(Event {
            uid: e.uid,
            gid: e.gid,
            pid: e.pid,
            port: u16::try_from(e.port).ok()?,
            addr: Address::from_bytes(family, &e.addr[..family.bytes()])?,
            rule: code(e.rule),
            file: code(e.file),
            sock_type: e.r#type,
            protocol: e.protocol,
            refused: e.outcome == abi::EV_REFUSED,
            reservation: if e.rule == u32::from(Rule::Reserve as u8) {
                Some(reservation_of(e.rfamily, e.port, &e.raddr)?)
            } else {
                None
            },
        })
    }
}

/// `struct refusal_key`: (uid, port).
pub fn refusal_key(b: &RefusalKey) -> (u32, u16) {
    let k = abi::RefusalKey::get(b);
    (k.uid, k.port as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::check::{Check, DIR};
    use aya::maps::lpm_trie::Key;
    use std::mem::offset_of;

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::get(&b[at..])
    }

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
        assert_eq!(k[12..], [0; 12]);
        let d: Trie4Data = trie_data(1500, &[10, 0, 0, 0]);
        assert_eq!(u32_at(&d, 0), 1500);
        assert_eq!(d[4..], [10, 0, 0, 0]);
        assert_eq!(trie_prefix(8), 40);
        let mut e = [0u8; abi::Event::SIZE];
        e[0..4].copy_from_slice(&1500u32.to_ne_bytes());
        e[12..16].copy_from_slice(&80u32.to_ne_bytes());
        e[16..20].copy_from_slice(&4u32.to_ne_bytes());
        e[20..24].copy_from_slice(&3u32.to_ne_bytes());
        e[24..28].copy_from_slice(&5u32.to_ne_bytes());
        e[28..32].copy_from_slice(&1u32.to_ne_bytes());
        e[32..36].copy_from_slice(&6u32.to_ne_bytes());
        e[36..40].copy_from_slice(&[127, 0, 0, 1]);
        let ev = Event::parse(&e).unwrap();
        assert_eq!(
            (ev.uid, ev.port, ev.rule, ev.file, ev.sock_type, ev.protocol),
            (1500, 80, Some(Rule::ByUid), Some(FileName::ByUid), 1, 6)
        );
        assert_eq!(ev.addr, Address::V4([127, 0, 0, 1]));
        assert!(Event::parse(&e[..40]).is_none());
        // Unknown codes: no rule or file named; no family, no event.
        e[20..24].copy_from_slice(&300u32.to_ne_bytes());
        e[24..28].copy_from_slice(&9u32.to_ne_bytes());
        let ev = Event::parse(&e).unwrap();
        assert_eq!((ev.rule, ev.file), (None, None));
        e[16..20].copy_from_slice(&5u32.to_ne_bytes());
        assert!(Event::parse(&e).is_none());
        let mut r = [0u8; 8];
        r[4..].copy_from_slice(&443u32.to_ne_bytes());
        assert_eq!(refusal_key(&r), (0, 443));
    }

    #[test]
    fn ports_are_the_programs_bits() {
        let set = PortSet::range(22, 22, 1..=511);
        let v = ports(&set);
        assert_eq!(v[..8], (1u64 << 22).to_ne_bytes());
        assert_eq!(v, set.to_bytes());
    }

    #[test]
    fn aya_trie_keys_are_the_programs() {
        // aya's Key is (u32 prefix length, data), packed: it must be
        // struct trie4_key and trie6_key.
        assert_eq!(size_of::<Key<Trie4Data>>(), abi::Trie4Key::SIZE);
        assert_eq!(size_of::<Key<Trie6Data>>(), abi::Trie6Key::SIZE);
        assert_eq!(offset_of!(abi::Trie4Key, data), size_of::<u32>());
        assert_eq!(offset_of!(abi::Trie6Key, data), size_of::<u32>());
    }
}
