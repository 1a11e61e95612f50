//! The native helper protocol, spoken over a `SOCK_SEQPACKET` socketpair.
//!
//! The client sends one [`Request`] with the socket to bind attached by
//! `SCM_RIGHTS`; the helper answers with one [`Reply`] and the socket
//! attached again. Messages are fixed-size, little-endian, start with a
//! magic and a version, and are decoded strictly: anything else is refused.
//! No allocation, so the shim's `bind()` hook can use it.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

pub const VERSION: u16 = 1;
const REQUEST_MAGIC: [u8; 4] = *b"ABrq";
const REPLY_MAGIC: [u8; 4] = *b"ABrp";
pub const REQUEST_LEN: usize = 36;
pub const REPLY_LEN: usize = 12;

/// The argument that selects the native protocol: `helper --native`.
pub const NATIVE_ARG: &str = "--native";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

/// What the client asks the helper to bind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub family: Family,
    /// Host byte order.
    pub port: u16,
    /// `SO_TYPE` the client expects the socket to have (SOCK_STREAM, …).
    pub socktype: u16,
    /// Network byte order; the first 4 bytes for IPv4, the rest zero.
    pub addr: [u8; 16],
    pub flowinfo: u32,
    pub scope_id: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    Length,
    Magic,
    Version,
    Field,
}

/// `sizeof(struct sockaddr_in)` and `sizeof(struct sockaddr_in6)` on Linux,
/// and the shorter sockaddr_in6 of RFC 2133 (no scope id) that Linux
/// still accepts.
pub const SOCKADDR_IN_LEN: usize = 16;
pub const SOCKADDR_IN6_LEN: usize = 28;
pub const SOCKADDR_IN6_RFC2133_LEN: usize = 24;
const AF_UNSPEC: u16 = 0;
const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;

impl Request {
    /// Reads the caller's `struct sockaddr_in` / `sockaddr_in6` (as raw
    /// bytes in this machine's layout), accepting every length and form
    /// the kernel's bind accepts: any length from the structure's size up
    /// (JNI passes a whole `sockaddr_storage`), a 24-byte sockaddr_in6, and
    /// AF_UNSPEC with INADDR_ANY (which Linux binds as AF_INET). `None` for
    /// other families, short lengths and port 0: not ours to help.
    pub fn from_sockaddr(addr: &[u8], socktype: u16) -> Option<Request> {
        let family = u16::from_ne_bytes([*addr.first()?, *addr.get(1)?]);
        let port = u16::from_be_bytes([*addr.get(2)?, *addr.get(3)?]);
        let mut bytes = [0u8; 16];
        let (family, flowinfo, scope_id) = match family {
            AF_INET if addr.len() >= SOCKADDR_IN_LEN => {
                bytes[..4].copy_from_slice(&addr[4..8]);
                (Family::V4, 0, 0)
            }
            AF_UNSPEC if addr.len() >= SOCKADDR_IN_LEN && addr[4..8] == [0; 4] => (Family::V4, 0, 0),
            AF_INET6 if addr.len() >= SOCKADDR_IN6_RFC2133_LEN => {
                bytes.copy_from_slice(&addr[8..24]);
                let flowinfo = u32::from_ne_bytes([addr[4], addr[5], addr[6], addr[7]]);
                let scope_id = match addr.get(24..28) {
                    Some(s) => u32::from_ne_bytes([s[0], s[1], s[2], s[3]]),
                    None => 0,
                };
                (Family::V6, flowinfo, scope_id)
            }
            _ => return None,
        };
        (port != 0).then_some(Request {
            family,
            port,
            socktype,
            addr: bytes,
            flowinfo,
            scope_id,
        })
    }

    pub fn encode(&self) -> [u8; REQUEST_LEN] {
        let mut m = [0u8; REQUEST_LEN];
        m[0..4].copy_from_slice(&REQUEST_MAGIC);
        m[4..6].copy_from_slice(&VERSION.to_le_bytes());
        m[6..8].copy_from_slice(&(if self.family == Family::V4 { 4u16 } else { 6u16 }).to_le_bytes());
        m[8..10].copy_from_slice(&self.port.to_le_bytes());
        m[10..12].copy_from_slice(&self.socktype.to_le_bytes());
        m[12..16].copy_from_slice(&self.flowinfo.to_le_bytes());
        m[16..20].copy_from_slice(&self.scope_id.to_le_bytes());
        m[20..36].copy_from_slice(&self.addr);
        m
    }

    pub fn decode(m: &[u8]) -> Result<Request, DecodeError> {
        let m: &[u8; REQUEST_LEN] = m.try_into().map_err(|_| DecodeError::Length)?;
        if m[0..4] != REQUEST_MAGIC {
            return Err(DecodeError::Magic);
        }
        if u16le(m, 4) != VERSION {
            return Err(DecodeError::Version);
        }
        let family = match u16le(m, 6) {
            4 => Family::V4,
            6 => Family::V6,
            _ => return Err(DecodeError::Field),
        };
        let mut addr = [0u8; 16];
        addr.copy_from_slice(&m[20..36]);
        let flowinfo = u32le(m, 12);
        let scope_id = u32le(m, 16);
        // IPv4 carries no flow label or scope and only 4 address bytes.
        if family == Family::V4 && (addr[4..].iter().any(|&b| b != 0) || flowinfo != 0 || scope_id != 0) {
            return Err(DecodeError::Field);
        }
        Ok(Request {
            family,
            port: u16le(m, 8),
            socktype: u16le(m, 10),
            addr,
            flowinfo,
            scope_id,
        })
    }
}

/// `addr:port` / `[addr]:port` of a request, for messages (no allocation,
/// so the shim can use it).
pub struct Target<'a>(pub &'a Request);

impl core::fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let r = self.0;
        match r.family {
            Family::V4 => {
                let a = core::net::Ipv4Addr::new(r.addr[0], r.addr[1], r.addr[2], r.addr[3]);
                write!(f, "{a}:{}", r.port)
            }
            Family::V6 => write!(f, "[{}]:{}", core::net::Ipv6Addr::from(r.addr), r.port),
        }
    }
}

/// How the helper's attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The socket is bound.
    Bound,
    /// The policy refused; `errno` is what authbind's helper would exit with.
    Refused,
    /// The policy granted but `bind()` failed with `errno` (EADDRINUSE…).
    BindFailed,
    /// The request or the socket was not acceptable (`errno` says why).
    BadRequest,
    /// The configuration could not be read (`errno` says why).
    ConfigError,
}

/// Which policy rule decided (for `AUTHBIND_DEBUG`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleCode {
    None,
    ByPort,
    ByAddr,
    ByUidMissing,
    ByUid,
}

impl RuleCode {
    pub fn name(self) -> &'static str {
        match self {
            RuleCode::None => "none",
            RuleCode::ByPort => "byport",
            RuleCode::ByAddr => "byaddr",
            RuleCode::ByUidMissing => "byuid (no file for this user)",
            RuleCode::ByUid => "byuid",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    pub outcome: Outcome,
    pub rule: RuleCode,
    pub errno: i32,
}

impl Reply {
    pub fn encode(&self) -> [u8; REPLY_LEN] {
        let mut m = [0u8; REPLY_LEN];
        m[0..4].copy_from_slice(&REPLY_MAGIC);
        m[4..6].copy_from_slice(&VERSION.to_le_bytes());
        m[6] = match self.outcome {
            Outcome::Bound => 0,
            Outcome::Refused => 1,
            Outcome::BindFailed => 2,
            Outcome::BadRequest => 3,
            Outcome::ConfigError => 4,
        };
        m[7] = match self.rule {
            RuleCode::None => 0,
            RuleCode::ByPort => 1,
            RuleCode::ByAddr => 2,
            RuleCode::ByUidMissing => 3,
            RuleCode::ByUid => 4,
        };
        m[8..12].copy_from_slice(&self.errno.to_le_bytes());
        m
    }

    pub fn decode(m: &[u8]) -> Result<Reply, DecodeError> {
        let m: &[u8; REPLY_LEN] = m.try_into().map_err(|_| DecodeError::Length)?;
        if m[0..4] != REPLY_MAGIC {
            return Err(DecodeError::Magic);
        }
        if u16le(m, 4) != VERSION {
            return Err(DecodeError::Version);
        }
        let outcome = match m[6] {
            0 => Outcome::Bound,
            1 => Outcome::Refused,
            2 => Outcome::BindFailed,
            3 => Outcome::BadRequest,
            4 => Outcome::ConfigError,
            _ => return Err(DecodeError::Field),
        };
        let rule = match m[7] {
            0 => RuleCode::None,
            1 => RuleCode::ByPort,
            2 => RuleCode::ByAddr,
            3 => RuleCode::ByUidMissing,
            4 => RuleCode::ByUid,
            _ => return Err(DecodeError::Field),
        };
        let errno = i32::from_le_bytes([m[8], m[9], m[10], m[11]]);
        // Bound means errno 0, and every failure carries a real errno.
        if (outcome == Outcome::Bound) != (errno == 0) || !(0..4096).contains(&errno) {
            return Err(DecodeError::Field);
        }
        Ok(Reply { outcome, rule, errno })
    }
}

fn u16le(m: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([m[at], m[at + 1]])
}

fn u32le(m: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([m[at], m[at + 1], m[at + 2], m[at + 3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Request {
        let mut addr = [0u8; 16];
        addr[15] = 1;
        Request {
            family: Family::V6,
            port: 80,
            socktype: 1,
            addr,
            flowinfo: 7,
            scope_id: 3,
        }
    }

    #[test]
    fn request_round_trips() {
        let r = sample();
        assert_eq!(Request::decode(&r.encode()), Ok(r));
        let v4 = Request {
            family: Family::V4,
            addr: [127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            flowinfo: 0,
            scope_id: 0,
            ..r
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
        bad[4] = 2;
        assert_eq!(Request::decode(&bad), Err(DecodeError::Version));
        let mut bad = m;
        bad[6] = 5;
        assert_eq!(Request::decode(&bad), Err(DecodeError::Field));
        // IPv4 with junk past its four address bytes.
        let v4 = Request {
            family: Family::V4,
            scope_id: 0,
            flowinfo: 0,
            ..sample()
        };
        assert_eq!(Request::decode(&v4.encode()), Err(DecodeError::Field));
    }

    fn sin(port: u16, addr: [u8; 4]) -> [u8; 128] {
        let mut v = [0u8; 128];
        v[..2].copy_from_slice(&AF_INET.to_ne_bytes());
        v[2..4].copy_from_slice(&port.to_be_bytes());
        v[4..8].copy_from_slice(&addr);
        v
    }

    #[test]
    fn sockaddr_in_of_any_length_from_the_struct_size() {
        let v = sin(80, [127, 0, 0, 1]);
        let r = Request::from_sockaddr(&v[..16], 1).unwrap();
        assert_eq!((r.family, r.port, &r.addr[..4]), (Family::V4, 80, &[127, 0, 0, 1][..]));
        assert!(Request::from_sockaddr(&v[..128], 1).is_some());
        assert!(Request::from_sockaddr(&v[..15], 1).is_none());
        assert!(Request::from_sockaddr(&sin(0, [127, 0, 0, 1])[..16], 1).is_none());
        let mut unix = v;
        unix[..2].copy_from_slice(&1u16.to_ne_bytes());
        assert!(Request::from_sockaddr(&unix[..110], 1).is_none());
        // AF_UNSPEC is bound as AF_INET, but only with INADDR_ANY.
        let mut unspec = sin(80, [0, 0, 0, 0]);
        unspec[..2].copy_from_slice(&AF_UNSPEC.to_ne_bytes());
        let r = Request::from_sockaddr(&unspec[..16], 1).unwrap();
        assert_eq!((r.family, r.port, r.addr), (Family::V4, 80, [0; 16]));
        unspec[4] = 127;
        assert!(Request::from_sockaddr(&unspec[..16], 1).is_none());
    }

    #[test]
    fn sockaddr_in6_keeps_scope_and_flow() {
        let mut v = [0u8; 28];
        v[..2].copy_from_slice(&AF_INET6.to_ne_bytes());
        v[2..4].copy_from_slice(&443u16.to_be_bytes());
        v[4..8].copy_from_slice(&5u32.to_ne_bytes());
        v[23] = 1;
        v[24..28].copy_from_slice(&2u32.to_ne_bytes());
        let r = Request::from_sockaddr(&v, 2).unwrap();
        assert_eq!(
            (r.family, r.port, r.addr[15], r.flowinfo, r.scope_id, r.socktype),
            (Family::V6, 443, 1, 5, 2, 2)
        );
        // RFC 2133's 24-byte form: no scope id.
        let short = Request::from_sockaddr(&v[..24], 2).unwrap();
        assert_eq!((short.port, short.addr[15], short.scope_id), (443, 1, 0));
        assert!(Request::from_sockaddr(&v[..23], 2).is_none());
    }

    #[test]
    fn reply_round_trips_and_is_strict() {
        let ok = Reply {
            outcome: Outcome::Bound,
            rule: RuleCode::ByPort,
            errno: 0,
        };
        assert_eq!(Reply::decode(&ok.encode()), Ok(ok));
        let no = Reply {
            outcome: Outcome::Refused,
            rule: RuleCode::ByUid,
            errno: 2,
        };
        assert_eq!(Reply::decode(&no.encode()), Ok(no));
        let inconsistent = Reply {
            outcome: Outcome::Bound,
            rule: RuleCode::None,
            errno: 13,
        };
        assert_eq!(Reply::decode(&inconsistent.encode()), Err(DecodeError::Field));
        let zero_failure = Reply {
            outcome: Outcome::Refused,
            rule: RuleCode::None,
            errno: 0,
        };
        assert_eq!(Reply::decode(&zero_failure.encode()), Err(DecodeError::Field));
        let mut bad = ok.encode();
        bad[7] = 9;
        assert_eq!(Reply::decode(&bad), Err(DecodeError::Field));
    }
}
