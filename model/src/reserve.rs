//! Reservations ("chown for ports"): `reserve/PORT` keeps a port on every
//! address for whoever may execute the file, `reserve/ADDR,PORT` on one
//! address. Their names, read back from the folder's entries, and which
//! binds each covers. Debian's authbind never reads this folder; a tree
//! without it decides exactly as authbind 2.1.

use crate::addr::{Address, Family};
use crate::decision::Rule;
use crate::name::{canonical_port, NeverConsulted};
use core::cmp::Ordering;
use core::fmt;

/// One reservation: a port on every address (`addr` is `None`), or on one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reservation {
    /// The address reserved, never a wildcard nor IPv4-mapped (those are
    /// named otherwise: see [`Reservation::parse`]).
    pub addr: Option<Address>,
    pub port: u16,
}

/// The address a bind takes, as reservations see it: `::ffff:a.b.c.d`
/// is a.b.c.d (an IPv6 socket bound there receives that IPv4 address's
/// traffic).
pub fn as_reserved(addr: &Address) -> Address {
    match addr {
        Address::V6(b) if b[..10] == [0; 10] && b[10..12] == [0xff, 0xff] => Address::V4([b[12], b[13], b[14], b[15]]),
        other => *other,
    }
}

/// Whether `addr` is a wildcard (`0.0.0.0`, `::`, or `::ffff:0.0.0.0`,
/// which an IPv6 socket binds as IPv4's wildcard): a socket bound there
/// takes every address of the port, so every reservation of it covers
/// the bind (`::` takes IPv4 too, on a dual-stack socket).
pub(crate) fn is_wildcard(addr: &Address) -> bool {
    as_reserved(addr).bytes().iter().all(|&b| b == 0)
}

impl Reservation {
    /// `reserve/PORT`.
    pub const fn port(port: u16) -> Reservation {
        Reservation { addr: None, port }
    }

    /// Whether this reservation covers a bind of `addr`:`port`: the port
    /// is its port, and the reservation is for every address, or the bind
    /// takes its address (the very address, or a wildcard).
    pub fn covers(&self, addr: &Address, port: u16) -> bool {
        if port != self.port {
            return false;
        }
        match self.addr {
            None => true,
            Some(mine) => is_wildcard(addr) || as_reserved(addr) == mine,
        }
    }

    /// Reads a name of the reserve folder (`5432`, `127.0.0.1,5432`,
    /// `2001:db8::1,443`). Ports are written as byport writes them, but
    /// without a `!` (a reservation holds any port, 1 to 65535); addresses
    /// as `inet_ntop` writes them. A wildcard address, an IPv4-mapped one
    /// or one written otherwise is refused, naming the reservation meant.
    pub fn parse(entry: &str) -> Result<Reservation, NeverConsulted<'_>> {
        let Some((addr_text, port_text)) = entry.rsplit_once(',') else {
            return match entry.strip_prefix('!') {
                Some(rest) => match canonical_port(rest) {
                    Ok(port) => Err(NeverConsulted::NotReservedAsWritten {
                        text: entry,
                        instead: Reservation::port(port),
                    }),
                    Err(_) => Err(NeverConsulted::NotAPort(entry)),
                },
                None => canonical_port(entry).map(Reservation::port),
            };
        };
        let addr = Address::parse_any(addr_text.as_bytes()).ok_or(NeverConsulted::NotAnAddress(addr_text))?;
        let port = canonical_port(port_text)?;
        let meant = if is_wildcard(&addr) {
            Reservation::port(port)
        } else {
            Reservation {
                addr: Some(as_reserved(&addr)),
                port,
            }
        };
        if crate::name::prints_as(meant.entry(), entry) {
            Ok(meant)
        } else {
            Err(NeverConsulted::NotReservedAsWritten {
                text: entry,
                instead: meant,
            })
        }
    }

    /// The name inside the folder (`127.0.0.1,5432`).
    pub fn entry(&self) -> impl fmt::Display + '_ {
        struct Entry<'a>(&'a Reservation);
        impl fmt::Display for Entry<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.0.addr {
                    None => write!(f, "{}", self.0.port),
                    Some(addr) => write!(f, "{addr},{}", self.0.port),
                }
            }
        }
        Entry(self)
    }

    /// The order reservations are reported in, whatever order a folder
    /// lists them in: the port's own first, then by address (IPv4 first).
    pub fn rank(&self, other: &Reservation) -> Ordering {
        let key = |r: &Reservation| (r.port, r.addr.map(|a| (a.family() == Family::V6, a)));
        key(self).cmp(&key(other))
    }
}

/// `reserve/5432`, `reserve/127.0.0.1,5432`.
impl fmt::Display for Reservation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Rule::Reserve.folder(), self.entry())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use crate::file::{FileName, PolicyFile};
    use std::string::ToString;

    fn v4(a: [u8; 4]) -> Address {
        Address::V4(a)
    }
    fn v6(text: &str) -> Address {
        Address::parse(Family::V6, text.as_bytes()).unwrap()
    }

    #[test]
    fn names_read_back() {
        assert_eq!(Reservation::parse("5432"), Ok(Reservation::port(5432)));
        assert_eq!(Reservation::parse("80"), Ok(Reservation::port(80)));
        assert_eq!(
            Reservation::parse("127.0.0.1,5432"),
            Ok(Reservation {
                addr: Some(v4([127, 0, 0, 1])),
                port: 5432
            })
        );
        assert_eq!(
            Reservation::parse("2001:db8::1,443").map(|r| r.to_string()),
            Ok("reserve/2001:db8::1,443".to_string())
        );
        for (entry, meant) in [
            ("!5432", "reserve/5432"),
            ("0.0.0.0,53", "reserve/53"),
            ("::,53", "reserve/53"),
            ("::ffff:10.0.0.1,25", "reserve/10.0.0.1,25"),
            ("2001:db8:0:0:0:0:0:1,443", "reserve/2001:db8::1,443"),
        ] {
            match Reservation::parse(entry) {
                Err(NeverConsulted::NotReservedAsWritten { text, instead }) => {
                    assert_eq!((text, instead.to_string().as_str()), (entry, meant))
                }
                other => panic!("{entry}: {other:?}"),
            }
        }
        assert_eq!(Reservation::parse("0"), Err(NeverConsulted::PortZero));
        assert_eq!(Reservation::parse("080"), Err(NeverConsulted::NotAPort("080")));
        assert_eq!(Reservation::parse("65536"), Err(NeverConsulted::NotAPort("65536")));
        assert_eq!(Reservation::parse("!x"), Err(NeverConsulted::NotAPort("!x")));
        assert_eq!(Reservation::parse("db,5432"), Err(NeverConsulted::NotAnAddress("db")));
        assert_eq!(
            Reservation::parse("10.0.0.1:25"),
            Err(NeverConsulted::NotAPort("10.0.0.1:25"))
        );
    }

    #[test]
    fn what_a_reservation_covers() {
        let any = Reservation::port(5432);
        let one = Reservation {
            addr: Some(v4([10, 0, 0, 1])),
            port: 5432,
        };
        let six = Reservation {
            addr: Some(v6("2001:db8::1")),
            port: 5432,
        };
        for addr in [
            v4([10, 0, 0, 1]),
            v4([0; 4]),
            v6("::"),
            v6("::1"),
            v6("::ffff:10.0.0.2"),
        ] {
            assert!(any.covers(&addr, 5432), "{addr}");
            assert!(!any.covers(&addr, 5433), "{addr}");
        }
        assert!(one.covers(&v4([10, 0, 0, 1]), 5432));
        assert!(one.covers(&v6("::ffff:10.0.0.1"), 5432));
        assert!(one.covers(&v4([0; 4]), 5432));
        assert!(one.covers(&v6("::"), 5432));
        assert!(!one.covers(&v4([10, 0, 0, 2]), 5432));
        assert!(!one.covers(&v6("::1"), 5432));
        assert!(!one.covers(&v4([10, 0, 0, 1]), 80));
        assert!(six.covers(&v6("2001:db8::1"), 5432));
        assert!(six.covers(&v4([0; 4]), 5432));
        assert!(!six.covers(&v6("2001:db8::2"), 5432));
        // An IPv6 socket bound to ::ffff:0.0.0.0 takes every IPv4 address
        // of the port (the kernel binds it as 0.0.0.0): a wildcard, found
        // by the end-to-end test when it was not one here.
        assert!(one.covers(&v6("::ffff:0.0.0.0"), 5432));
        assert!(six.covers(&v6("::ffff:0.0.0.0"), 5432));
        assert!(!one.covers(&v6("::ffff:0.0.0.0"), 80));
    }

    /// `::ffff:0.0.0.0,P` is the wildcard written otherwise: the port's
    /// own reservation is meant.
    #[test]
    fn the_mapped_wildcard_names_the_port() {
        match Reservation::parse("::ffff:0.0.0.0,53") {
            Err(NeverConsulted::NotReservedAsWritten { instead, .. }) => {
                assert_eq!(instead, Reservation::port(53))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            PolicyFile::new(FileName::ReserveAddr, v6("::ffff:0.0.0.0"), 53, 0),
            None,
            "a wildcard has no address reservation"
        );
    }

    #[test]
    fn reported_in_one_order() {
        let mut rs = [
            Reservation {
                addr: Some(v6("::1")),
                port: 80,
            },
            Reservation {
                addr: Some(v4([10, 0, 0, 1])),
                port: 80,
            },
            Reservation::port(80),
            Reservation::port(25),
        ];
        rs.sort_by(Reservation::rank);
        let names: std::vec::Vec<_> = rs.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            names,
            ["reserve/25", "reserve/80", "reserve/10.0.0.1,80", "reserve/::1,80"]
        );
    }
}
