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

use model::{Address, Decision, Errno, Family, FileName, Ignored, IgnoredLine, Outcome, Reason, Target, Verdict};

/// 2: replies carry the deciding file, the reason and the lines.
pub const VERSION: u16 = 2;
const REQUEST_MAGIC: [u8; 4] = *b"ABrq";
const REPLY_MAGIC: [u8; 4] = *b"ABrp";
pub const REQUEST_LEN: usize = 36;
pub const REPLY_LEN: usize = 24;

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

/// A verdict as the helper's reply.
pub fn encode_reply(v: &Verdict) -> [u8; REPLY_LEN] {
    let mut m = [0u8; REPLY_LEN];
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
    }
    m
}

/// The helper's reply, checked for consistency: a reply the helper could
/// not have sent is refused.
pub fn decode_reply(m: &[u8]) -> Result<Verdict, DecodeError> {
    let m = header::<REPLY_LEN>(m, REPLY_MAGIC)?;
    let field = |ok: bool| if ok { Ok(()) } else { Err(DecodeError::Field) };
    let outcome = Outcome::try_from(m[6]).map_err(|_| DecodeError::Field)?;
    let errno = Errno(u32le(m, 10) as i32);
    let (line, ignored_line) = (u32le(m, 14), u32le(m, 18));
    field(m[22..24] == [0, 0])?;
    // Bound means errno 0, and every failure carries a real errno.
    field((outcome == Outcome::Bound) == (errno.0 == 0) && (0..4096).contains(&errno.0))?;
    let decision = match (m[7], m[8]) {
        (0, 0) => {
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
            field((reason == Reason::LineMatched) == (line != 0))?;
            field(
                (file == FileName::ByUid)
                    != matches!(reason, Reason::Executable | Reason::NotExecutable | Reason::CheckFailed),
            )?;
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
        let ok = encode_reply(&Verdict::without_decision(Outcome::BadRequest, Errno::EPROTO));
        let mut m = ok;
        m[6] = 9;
        assert_eq!(decode_reply(&m), Err(DecodeError::Field));
        let mut m = ok;
        m[23] = 1;
        assert_eq!(decode_reply(&m), Err(DecodeError::Field));
        assert_eq!(decode_reply(&ok[..23]), Err(DecodeError::Length));
    }
}
