//! The native helper protocol, spoken over a `SOCK_SEQPACKET` socketpair.
//!
//! The client sends one [`Request`] with the socket to bind attached by
//! `SCM_RIGHTS`; the helper answers with one [`Verdict`] (encoded by
//! [`encode_reply`]) and the socket attached again. Messages are
//! fixed-size, little-endian, start with a magic and a version, and are
//! decoded strictly: anything else is refused. The types are the model's;
//! this crate only lays them out. No allocation, so the shim's `bind()`
//! hook can use it.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use model::{
    as_reserved, Address, Decision, Errno, Family, FileName, Ignored, IgnoredLine, Outcome, Reason, Reservation, Rule,
    Target, Verdict,
};

/// 2: replies carry the deciding file, the reason and the lines.
pub const VERSION: u16 = 2;
const REQUEST_MAGIC: [u8; 4] = *b"ABrq";
const REPLY_MAGIC: [u8; 4] = *b"ABrp";
pub const REQUEST_LEN: usize = 36;
/// A reply about authbind's own rules (or without a decision): the
/// layout every client of version 2 reads.
pub const REPLY_LEN: usize = 24;
/// A reply naming a reservation: the same 24 bytes, then the reserved
/// address (16 bytes) and port (2, and 2 of zeros). Only these are longer, so that a program still running an
/// older shim after an upgrade keeps reading every other reply.
pub const RESERVED_REPLY_LEN: usize = 44;

/// The argument that selects the native protocol: `helper --native`.
pub const NATIVE_ARG: &str = "--native";

/// What the client asks the helper to bind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub target: Target,
    /// `SO_TYPE` the client expects the socket to have (SOCK_STREAM, …).
    pub socktype: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    Length,
    Magic,
    Version,
    Field,
}

fn u16le(m: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([m[at], m[at + 1]])
}

fn u32le(m: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([m[at], m[at + 1], m[at + 2], m[at + 3]])
}

fn header<const N: usize>(m: &[u8], magic: [u8; 4]) -> Result<&[u8; N], DecodeError> {
    let m: &[u8; N] = m.try_into().map_err(|_| DecodeError::Length)?;
    if m[0..4] != magic {
        return Err(DecodeError::Magic);
    }
    if u16le(m, 4) != VERSION {
        return Err(DecodeError::Version);
    }
    Ok(m)
}

impl Request {
    pub fn encode(&self) -> [u8; REQUEST_LEN] {
        let t = &self.target;
        let mut m = [0u8; REQUEST_LEN];
        m[0..4].copy_from_slice(&REQUEST_MAGIC);
        m[4..6].copy_from_slice(&VERSION.to_le_bytes());
        m[6..8].copy_from_slice(&u16::from(t.addr.family() as u8).to_le_bytes());
        m[8..10].copy_from_slice(&t.port.to_le_bytes());
        m[10..12].copy_from_slice(&self.socktype.to_le_bytes());
        m[12..16].copy_from_slice(&t.flowinfo.to_le_bytes());
        m[16..20].copy_from_slice(&t.scope_id.to_le_bytes());
        m[20..20 + t.addr.bytes().len()].copy_from_slice(t.addr.bytes());
        m
    }

    pub fn decode(m: &[u8]) -> Result<Request, DecodeError> {
        let m = header::<REQUEST_LEN>(m, REQUEST_MAGIC)?;
        let family = u8::try_from(u16le(m, 6))
            .ok()
            .and_then(|f| Family::try_from(f).ok())
            .ok_or(DecodeError::Field)?;
        let bytes = &m[20..36];
        let addr = Address::from_bytes(family, &bytes[..family.bytes()]).ok_or(DecodeError::Field)?;
        let (flowinfo, scope_id) = (u32le(m, 12), u32le(m, 16));
        // IPv4 carries no flow label or scope and only 4 address bytes.
        if family == Family::V4 && (bytes[4..].iter().any(|&b| b != 0) || flowinfo != 0 || scope_id != 0) {
            return Err(DecodeError::Field);
        }
        Ok(Request {
            target: Target {
                addr,
                port: u16le(m, 8),
                flowinfo,
                scope_id,
            },
            socktype: u16le(m, 10),
        })
    }
}

/// An encoded reply: [`REPLY_LEN`] or [`RESERVED_REPLY_LEN`] bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    bytes: [u8; RESERVED_REPLY_LEN],
    len: usize,
}

impl core::ops::Deref for Reply {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Byte 22 of a reply: what the reservation is.
const RESERVED_PORT: u8 = 1;
const RESERVED_V4: u8 = 4;
const RESERVED_V6: u8 = 6;

/// A verdict as the helper's reply.
pub fn encode_reply(v: &Verdict) -> Reply {
    let mut m = [0u8; RESERVED_REPLY_LEN];
    let mut len = REPLY_LEN;
    m[0..4].copy_from_slice(&REPLY_MAGIC);
    m[4..6].copy_from_slice(&VERSION.to_le_bytes());
    m[6] = v.outcome as u8;
    m[10..14].copy_from_slice(&v.errno.0.to_le_bytes());
    if let Some(d) = &v.decision {
        m[7] = d.file as u8;
        m[8] = d.reason as u8;
        m[14..18].copy_from_slice(&d.line.to_le_bytes());
        if let Some(i) = d.ignored {
            m[9] = i.why as u8;
            m[18..22].copy_from_slice(&i.line.to_le_bytes());
        }
        if let Some(r) = d.reservation {
            len = RESERVED_REPLY_LEN;
            m[40..42].copy_from_slice(&r.port.to_le_bytes());
            m[22] = match r.addr {
                None => RESERVED_PORT,
                Some(Address::V4(a)) => {
                    m[24..28].copy_from_slice(&a);
                    RESERVED_V4
                }
                Some(Address::V6(a)) => {
                    m[24..40].copy_from_slice(&a);
                    RESERVED_V6
                }
            };
        }
    }
    Reply { bytes: m, len }
}

/// The reservation a reply of [`RESERVED_REPLY_LEN`] bytes names, read as
/// the model reads the name: a reply naming one it would not is refused.
fn reservation(m: &[u8], file: FileName) -> Result<Option<Reservation>, DecodeError> {
    let tail = match m.len() {
        REPLY_LEN => {
            return match (m[22..24] == [0, 0], file.rule() == Rule::Reserve) {
                (true, false) => Ok(None),
                _ => Err(DecodeError::Field),
            }
        }
        _ => &m[24..40],
    };
    let port = u16le(m, 40);
    if port == 0 || m[42..44] != [0, 0] {
        return Err(DecodeError::Field);
    }
    let addr = match (m[22], m[23]) {
        (RESERVED_PORT, 0) if tail.iter().all(|&b| b == 0) => None,
        (RESERVED_V4, 0) if tail[4..].iter().all(|&b| b == 0) => Address::from_bytes(Family::V4, &tail[..4]),
        (RESERVED_V6, 0) => Address::from_bytes(Family::V6, tail),
        _ => return Err(DecodeError::Field),
    };
    let named = match addr {
        None => FileName::ReservePort,
        Some(a) if a != as_reserved(&a) || a.bytes().iter().all(|&b| b == 0) => return Err(DecodeError::Field),
        Some(_) => FileName::ReserveAddr,
    };
    if named != file {
        return Err(DecodeError::Field);
    }
    Ok(Some(Reservation { addr, port }))
}

/// The helper's reply, checked for consistency: a reply the helper could
/// not have sent is refused.
pub fn decode_reply(m: &[u8]) -> Result<Verdict, DecodeError> {
    let m: &[u8] = match m.len() {
        RESERVED_REPLY_LEN => header::<RESERVED_REPLY_LEN>(m, REPLY_MAGIC)?,
        _ => header::<REPLY_LEN>(m, REPLY_MAGIC)?,
    };
    let field = |ok: bool| if ok { Ok(()) } else { Err(DecodeError::Field) };
    let outcome = Outcome::try_from(m[6]).map_err(|_| DecodeError::Field)?;
    let errno = Errno(u32le(m, 10) as i32);
    let (line, ignored_line) = (u32le(m, 14), u32le(m, 18));
    // Bound means errno 0, and every failure carries a real errno.
    field((outcome == Outcome::Bound) == (errno.0 == 0) && (0..4096).contains(&errno.0))?;
    let decision = match (m[7], m[8]) {
        (0, 0) => {
            field(m.len() == REPLY_LEN && m[22..24] == [0, 0])?;
            field(m[9] == 0 && line == 0 && ignored_line == 0)?;
            field(matches!(outcome, Outcome::BadRequest | Outcome::ConfigError))?;
            None
        }
        (file, reason) => {
            let file = FileName::try_from(file).map_err(|_| DecodeError::Field)?;
            let reason = Reason::try_from(reason).map_err(|_| DecodeError::Field)?;
            let ignored = match m[9] {
                0 => {
                    field(ignored_line == 0)?;
                    None
                }
                why => {
                    // Only a refusal names an ignored line, and a real one.
                    field(!reason.granted() && ignored_line != 0)?;
                    Some(IgnoredLine {
                        line: ignored_line,
                        why: Ignored::try_from(why).map_err(|_| DecodeError::Field)?,
                    })
                }
            };
            let reservation = reservation(m, file)?;
            field((reason == Reason::LineMatched) == (line != 0))?;
            field(match file.rule() {
                // A reservation refuses with EACCES, whatever the cause
                // (an unreadable folder is the port's own), or grants its
                // owner.
                Rule::Reserve => match reason {
                    Reason::Reserved => errno == Errno::EACCES,
                    Reason::CheckFailed => errno == Errno::EACCES && file == FileName::ReservePort,
                    Reason::Owner => ignored.is_none(),
                    _ => false,
                },
                _ => {
                    (file == FileName::ByUid)
                        != matches!(reason, Reason::Executable | Reason::NotExecutable | Reason::CheckFailed)
                        && !matches!(reason, Reason::Reserved | Reason::Owner)
                }
            })?;
            // The helper retries EINTR, and only lacking privilege gives
            // NoPrivilege's EACCES.
            field(!(outcome == Outcome::BindFailed && errno == Errno::EINTR))?;
            field(outcome != Outcome::NoPrivilege || errno == Errno::EACCES)?;
            let consistent = match outcome {
                Outcome::Bound | Outcome::BindFailed | Outcome::BadRequest | Outcome::NoPrivilege => reason.granted(),
                Outcome::Refused => !reason.granted() && !reason.is_fault(),
                Outcome::ConfigError => reason.is_fault(),
            };
            field(consistent)?;
            Some(Decision {
                file,
                reason,
                errno: if reason.granted() { Errno(0) } else { errno },
                line,
                ignored,
                reservation,
            })
        }
    };
    Ok(Verdict {
        outcome,
        decision,
        errno,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Request {
        let mut addr = [0u8; 16];
        addr[15] = 1;
        Request {
            target: Target {
                addr: Address::V6(addr),
                port: 80,
                flowinfo: 7,
                scope_id: 3,
            },
            socktype: 1,
        }
    }

    #[test]
    fn request_round_trips() {
        let r = sample();
        assert_eq!(Request::decode(&r.encode()), Ok(r));
        let v4 = Request {
            target: Target::new(Address::V4([127, 0, 0, 1]), 80),
            socktype: 2,
        };
        assert_eq!(Request::decode(&v4.encode()), Ok(v4));
    }

    #[test]
    fn request_decoding_is_strict() {
        let m = sample().encode();
        assert_eq!(Request::decode(&m[..35]), Err(DecodeError::Length));
        let mut long = [0u8; 37];
        long[..36].copy_from_slice(&m);
        assert_eq!(Request::decode(&long), Err(DecodeError::Length));
        let mut bad = m;
        bad[0] ^= 1;
        assert_eq!(Request::decode(&bad), Err(DecodeError::Magic));
        let mut bad = m;
        bad[4] = 1;
        assert_eq!(Request::decode(&bad), Err(DecodeError::Version));
        let mut bad = m;
        bad[6] = 5;
        assert_eq!(Request::decode(&bad), Err(DecodeError::Field));
        // IPv4 with junk past its four address bytes.
        let mut bad = m;
        bad[6] = 4;
        bad[12..20].fill(0);
        assert_eq!(Request::decode(&bad), Err(DecodeError::Field));
    }

    fn decision(file: FileName, reason: Reason, errno: i32, line: u32) -> Decision {
        Decision {
            file,
            reason,
            errno: Errno(errno),
            line,
            ignored: None,
            reservation: None,
        }
    }

    #[test]
    fn replies_round_trip() {
        let mut refused = decision(FileName::ByUid, Reason::NoMatchingLine, 2, 0);
        refused.ignored = Some(IgnoredLine {
            line: 3,
            why: Ignored::HostBits,
        });
        let cases = [
            Verdict::of_decision(decision(FileName::ByPort, Reason::Executable, 0, 0), Ok(())),
            Verdict::of_decision(decision(FileName::ByUid, Reason::LineMatched, 0, 7), Ok(())),
            Verdict::of_decision(decision(FileName::ByUid, Reason::LineMatched, 0, 7), Err(Errno(98))),
            Verdict::of_decision(refused, Ok(())),
            Verdict::of_decision(decision(FileName::ByUid, Reason::TooLarge, 27, 0), Ok(())),
            Verdict::without_decision(Outcome::BadRequest, Errno::EPROTO),
            Verdict::without_decision(Outcome::ConfigError, Errno::ENOENT),
            Verdict {
                outcome: Outcome::NoPrivilege,
                decision: Some(decision(FileName::ByPort, Reason::Executable, 0, 0)),
                errno: Errno::EACCES,
            },
        ];
        for v in cases {
            assert_eq!(decode_reply(&encode_reply(&v)), Ok(v), "{v:?}");
        }
    }

    #[test]
    fn replies_the_helper_could_not_send_are_refused() {
        let bad = [
            // Bound with an errno.
            Verdict {
                outcome: Outcome::Bound,
                decision: None,
                errno: Errno(13),
            },
            // Refused without one.
            Verdict::of_decision(decision(FileName::ByUid, Reason::NoMatchingLine, 0, 0), Ok(())),
            // Bound by a refusal.
            Verdict {
                outcome: Outcome::Bound,
                decision: Some(decision(FileName::ByPort, Reason::NotExecutable, 0, 0)),
                errno: Errno(0),
            },
            // A line number without a matching line.
            Verdict::of_decision(decision(FileName::ByUid, Reason::NoMatchingLine, 2, 4), Ok(())),
            // A flag-file reason for the byuid file.
            Verdict::of_decision(decision(FileName::ByUid, Reason::Executable, 0, 0), Ok(())),
            // A grant naming an ignored line; an ignored line 0.
            Verdict::of_decision(
                Decision {
                    ignored: Some(IgnoredLine {
                        line: 2,
                        why: Ignored::BadPorts,
                    }),
                    ..decision(FileName::ByUid, Reason::LineMatched, 0, 3)
                },
                Ok(()),
            ),
            Verdict::of_decision(
                Decision {
                    ignored: Some(IgnoredLine {
                        line: 0,
                        why: Ignored::BadPorts,
                    }),
                    ..decision(FileName::ByUid, Reason::NoMatchingLine, 2, 0)
                },
                Ok(()),
            ),
            // EINTR after a grant, which the helper retries; NoPrivilege without EACCES.
            Verdict::of_decision(decision(FileName::ByPort, Reason::Executable, 0, 0), Err(Errno::EINTR)),
            Verdict {
                outcome: Outcome::NoPrivilege,
                decision: Some(decision(FileName::ByPort, Reason::Executable, 0, 0)),
                errno: Errno::EPERM,
            },
        ];
        for v in bad {
            assert_eq!(decode_reply(&encode_reply(&v)), Err(DecodeError::Field), "{v:?}");
        }
        let ok = encode_reply(&Verdict::without_decision(Outcome::BadRequest, Errno::EPROTO)).to_vec();
        let mut m = ok.clone();
        m[6] = 9;
        assert_eq!(decode_reply(&m), Err(DecodeError::Field));
        let mut m = ok.clone();
        m[23] = 1;
        assert_eq!(decode_reply(&m), Err(DecodeError::Field));
        assert_eq!(decode_reply(&ok[..23]), Err(DecodeError::Length));
    }

    fn reserved(reason: Reason, r: Reservation) -> Verdict {
        let file = match r.addr {
            None => FileName::ReservePort,
            Some(_) => FileName::ReserveAddr,
        };
        let errno = if reason.granted() { 0 } else { 13 };
        Verdict::of_decision(
            Decision {
                reservation: Some(r),
                ..decision(file, reason, errno, 0)
            },
            Ok(()),
        )
    }

    #[test]
    fn replies_naming_a_reservation_round_trip() {
        let v4 = Reservation {
            addr: Some(Address::V4([10, 0, 0, 1])),
            port: 5432,
        };
        let v6 = Reservation {
            addr: Some(Address::parse(Family::V6, b"2001:db8::1").unwrap()),
            port: 80,
        };
        for v in [
            reserved(Reason::Reserved, Reservation::port(5432)),
            reserved(Reason::Reserved, v4),
            reserved(Reason::Owner, v6),
            reserved(Reason::CheckFailed, Reservation::port(80)),
        ] {
            let m = encode_reply(&v);
            assert_eq!(m.len(), RESERVED_REPLY_LEN);
            assert_eq!(decode_reply(&m), Ok(v), "{v:?}");
        }
        // Every other reply keeps version 2's length, for older shims.
        let plain = Verdict::of_decision(decision(FileName::ByPort, Reason::Executable, 0, 0), Ok(()));
        assert_eq!(encode_reply(&plain).len(), REPLY_LEN);
    }

    #[test]
    fn replies_naming_a_reservation_are_decoded_strictly() {
        let good = encode_reply(&reserved(
            Reason::Reserved,
            Reservation {
                addr: Some(Address::V4([10, 0, 0, 1])),
                port: 5432,
            },
        ))
        .to_vec();
        let with = |at: usize, b: u8| {
            let mut m = good.clone();
            m[at] = b;
            decode_reply(&m)
        };
        assert!(decode_reply(&good).is_ok());
        // The short form cannot name a reservation, nor the long one
        // another file.
        assert_eq!(decode_reply(&good[..REPLY_LEN]), Err(DecodeError::Field));
        assert_eq!(with(7, FileName::ByPort as u8), Err(DecodeError::Field));
        assert_eq!(with(7, FileName::ReservePort as u8), Err(DecodeError::Field));
        // Unknown kinds, junk past an IPv4 address, port 0, padding.
        assert_eq!(with(22, 5), Err(DecodeError::Field));
        assert_eq!(with(30, 1), Err(DecodeError::Field));
        let mut no_port = good.clone();
        no_port[40..42].fill(0);
        assert_eq!(decode_reply(&no_port), Err(DecodeError::Field));
        assert_eq!(with(43, 1), Err(DecodeError::Field));
        // A refusal by reservation is EACCES; its reasons are its own.
        assert_eq!(with(10, 1), Err(DecodeError::Field));
        assert_eq!(with(8, Reason::NotExecutable as u8), Err(DecodeError::Field));
        // A name the model would not read: a wildcard, IPv4-mapped.
        let mapped = encode_reply(&Verdict::of_decision(
            Decision {
                reservation: Some(Reservation {
                    addr: Some(Address::parse(Family::V6, b"::ffff:10.0.0.1").unwrap()),
                    port: 80,
                }),
                ..decision(FileName::ReserveAddr, Reason::Reserved, 13, 0)
            },
            Ok(()),
        ));
        assert_eq!(decode_reply(&mapped), Err(DecodeError::Field));
        // Authbind's own files never carry these reasons.
        let odd = Verdict::of_decision(decision(FileName::ByPort, Reason::Owner, 0, 0), Ok(()));
        assert_eq!(decode_reply(&encode_reply(&odd)), Err(DecodeError::Field));
    }
}
