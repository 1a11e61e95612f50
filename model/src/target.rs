//! What a program asks to bind: an address, a port and, for IPv6, the
//! flow label and scope the kernel is given with them.

use crate::addr::Address;
use core::fmt;

/// `sizeof(struct sockaddr_in)` and `sizeof(struct sockaddr_in6)` on
/// Linux, and the shorter sockaddr_in6 of RFC 2133 (no scope id) that
/// Linux still accepts.
const SOCKADDR_IN_LEN: usize = 16;
const SOCKADDR_IN6_LEN: usize = 28;
const SOCKADDR_IN6_RFC2133_LEN: usize = 24;
const AF_UNSPEC: u16 = 0;
const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    pub addr: Address,
    /// Host byte order.
    pub port: u16,
    /// IPv6 only (0 for IPv4), as the caller gave it.
    pub flowinfo: u32,
    /// IPv6 only (0 for IPv4).
    pub scope_id: u32,
}

impl Target {
    /// A target without flow label or scope.
    pub fn new(addr: Address, port: u16) -> Target {
        Target {
            addr,
            port,
            flowinfo: 0,
            scope_id: 0,
        }
    }

    /// Reads the caller's `struct sockaddr_in` / `sockaddr_in6` (raw bytes
    /// in this machine's layout), accepting every length and form the
    /// kernel's bind accepts: any length from the structure's size up (JNI
    /// passes a whole `sockaddr_storage`), a 24-byte sockaddr_in6, and
    /// AF_UNSPEC with INADDR_ANY (which Linux binds as AF_INET). `None` for
    /// other families, short lengths and port 0: not ours to help.
    pub fn from_sockaddr(addr: &[u8]) -> Option<Target> {
        let family = u16::from_ne_bytes([*addr.first()?, *addr.get(1)?]);
        let port = u16::from_be_bytes([*addr.get(2)?, *addr.get(3)?]);
        let target = match family {
            AF_INET if addr.len() >= SOCKADDR_IN_LEN => {
                Target::new(Address::V4([addr[4], addr[5], addr[6], addr[7]]), port)
            }
            AF_UNSPEC if addr.len() >= SOCKADDR_IN_LEN && addr[4..8] == [0; 4] => {
                Target::new(Address::UNSPECIFIED_V4, port)
            }
            AF_INET6 if addr.len() >= SOCKADDR_IN6_RFC2133_LEN => {
                let mut bytes = [0u8; 16];
                bytes.copy_from_slice(&addr[8..24]);
                Target {
                    addr: Address::V6(bytes),
                    port,
                    flowinfo: u32::from_ne_bytes([addr[4], addr[5], addr[6], addr[7]]),
                    scope_id: match addr.get(24..28) {
                        Some(s) => u32::from_ne_bytes([s[0], s[1], s[2], s[3]]),
                        None => 0,
                    },
                }
            }
            _ => return None,
        };
        (port != 0).then_some(target)
    }

    /// The `sockaddr_in` / `sockaddr_in6` to bind this target, in this
    /// machine's layout, and its length.
    pub fn to_sockaddr(&self) -> ([u8; SOCKADDR_IN6_LEN], usize) {
        let mut s = [0u8; SOCKADDR_IN6_LEN];
        s[2..4].copy_from_slice(&self.port.to_be_bytes());
        match self.addr {
            Address::V4(a) => {
                s[0..2].copy_from_slice(&AF_INET.to_ne_bytes());
                s[4..8].copy_from_slice(&a);
                (s, SOCKADDR_IN_LEN)
            }
            Address::V6(a) => {
                s[0..2].copy_from_slice(&AF_INET6.to_ne_bytes());
                s[4..8].copy_from_slice(&self.flowinfo.to_ne_bytes());
                s[8..24].copy_from_slice(&a);
                s[24..28].copy_from_slice(&self.scope_id.to_ne_bytes());
                (s, SOCKADDR_IN6_LEN)
            }
        }
    }
}

/// `addr:port`, or `[addr]:port` for IPv6.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.addr {
            Address::V4(_) => write!(f, "{}:{}", self.addr, self.port),
            Address::V6(_) => write!(f, "[{}]:{}", self.addr, self.port),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let t = Target::from_sockaddr(&v[..16]).unwrap();
        assert_eq!(t, Target::new(Address::V4([127, 0, 0, 1]), 80));
        assert!(Target::from_sockaddr(&v[..128]).is_some());
        assert!(Target::from_sockaddr(&v[..15]).is_none());
        assert!(Target::from_sockaddr(&sin(0, [127, 0, 0, 1])[..16]).is_none());
        let mut unix = v;
        unix[..2].copy_from_slice(&1u16.to_ne_bytes());
        assert!(Target::from_sockaddr(&unix[..110]).is_none());
        // AF_UNSPEC is bound as AF_INET, but only with INADDR_ANY.
        let mut unspec = sin(80, [0, 0, 0, 0]);
        unspec[..2].copy_from_slice(&AF_UNSPEC.to_ne_bytes());
        let t = Target::from_sockaddr(&unspec[..16]).unwrap();
        assert_eq!(t, Target::new(Address::UNSPECIFIED_V4, 80));
        unspec[4] = 127;
        assert!(Target::from_sockaddr(&unspec[..16]).is_none());
    }

    #[test]
    fn sockaddr_in6_keeps_scope_and_flow() {
        let mut v = [0u8; 28];
        v[..2].copy_from_slice(&AF_INET6.to_ne_bytes());
        v[2..4].copy_from_slice(&443u16.to_be_bytes());
        v[4..8].copy_from_slice(&5u32.to_ne_bytes());
        v[23] = 1;
        v[24..28].copy_from_slice(&2u32.to_ne_bytes());
        let t = Target::from_sockaddr(&v).unwrap();
        let mut one = [0u8; 16];
        one[15] = 1;
        assert_eq!(
            t,
            Target {
                addr: Address::V6(one),
                port: 443,
                flowinfo: 5,
                scope_id: 2
            }
        );
        assert_eq!(t.to_sockaddr(), (v, 28));
        // RFC 2133's 24-byte form: no scope id.
        let short = Target::from_sockaddr(&v[..24]).unwrap();
        assert_eq!((short.port, short.scope_id), (443, 0));
        assert!(Target::from_sockaddr(&v[..23]).is_none());
    }

    #[test]
    fn to_sockaddr_round_trips() {
        let t = Target::new(Address::V4([10, 1, 2, 3]), 80);
        let (bytes, len) = t.to_sockaddr();
        assert_eq!(len, 16);
        assert_eq!(Target::from_sockaddr(&bytes[..len]), Some(t));
        assert_eq!(t.to_string(), "10.1.2.3:80");
        let mut one = [0u8; 16];
        one[15] = 1;
        assert_eq!(Target::new(Address::V6(one), 443).to_string(), "[::1]:443");
    }
}
