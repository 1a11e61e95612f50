//! The files authbind 2.1 consults for a bind, in its order, named as it
//! names them relative to the configuration folder.

use crate::addr::{Address, Family};
use crate::decision::Rule;
use crate::name::ByuidName;
use crate::reserve::{as_reserved, is_wildcard, Reservation};
use core::fmt;
use core::ops::RangeInclusive;

crate::wire_enum! {
    /// Which of authbind's file names (see [`PolicyFile`]).
    pub enum FileName {
        /// `byport/PORT`
        ByPort = 1,
        /// `byaddr/ADDR:PORT` (IPv4 only)
        ByAddrColon = 2,
        /// `byaddr/ADDR,PORT`, ADDR as `inet_ntop` writes it
        ByAddrComma = 3,
        /// `byaddr/ADDR,PORT`, an IPv6 ADDR as eight groups (IPv6 only)
        ByAddrUncompressed = 4,
        /// `byuid/UID`
        ByUid = 5,
        /// `reserve/PORT` (not authbind 2.1's)
        ReservePort = 6,
        /// `reserve/ADDR,PORT`, ADDR as `inet_ntop` writes it, IPv4-mapped
        /// as IPv4 (not authbind 2.1's)
        ReserveAddr = 7,
    }
}

impl FileName {
    /// The rule this file belongs to.
    pub fn rule(self) -> Rule {
        match self {
            FileName::ByPort => Rule::ByPort,
            FileName::ByAddrColon | FileName::ByAddrComma | FileName::ByAddrUncompressed => Rule::ByAddr,
            FileName::ByUid => Rule::ByUid,
            FileName::ReservePort | FileName::ReserveAddr => Rule::Reserve,
        }
    }

    /// The folder below the configuration folder.
    pub fn folder(self) -> &'static str {
        self.rule().folder()
    }
}

/// The flag files authbind checks with `access(X_OK)`, in its order,
/// before it reads the byuid file.
pub fn flag_files(family: Family) -> [FileName; 3] {
    match family {
        Family::V4 => [FileName::ByPort, FileName::ByAddrColon, FileName::ByAddrComma],
        Family::V6 => [FileName::ByPort, FileName::ByAddrComma, FileName::ByAddrUncompressed],
    }
}

/// Ports from this one up are looked for under names with a `!` first
/// (`byport/!636`, `byuid/!1000`), so that granting one is deliberate.
/// The one place the split is written: everything else asks
/// [`needs_bang`], [`bang_ports`] or [`ports_words`].
const FIRST_BANG_PORT: u16 = 512;

/// Whether `port` is looked for under the `!` names.
pub fn needs_bang(port: u16) -> bool {
    port >= FIRST_BANG_PORT
}

/// The ports looked for under the `!` names (`bang`), or under the plain
/// ones (port 0 is never asked about).
pub fn bang_ports(bang: bool) -> RangeInclusive<u16> {
    if bang {
        FIRST_BANG_PORT..=u16::MAX
    } else {
        1..=FIRST_BANG_PORT - 1
    }
}

/// What a name starts with: `!` or nothing.
pub(crate) fn bang_prefix(bang: bool) -> &'static str {
    if bang {
        "!"
    } else {
        ""
    }
}

/// "ports 512 and up" (`bang`) or "ports below 512", for messages.
pub fn ports_words(bang: bool) -> impl fmt::Display {
    struct Words(bool);
    impl fmt::Display for Words {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self.0 {
                true => write!(f, "ports {FIRST_BANG_PORT} and up"),
                false => write!(f, "ports below {FIRST_BANG_PORT}"),
            }
        }
    }
    Words(bang)
}

/// One policy file for one request: prints as its path relative to the
/// configuration folder, e.g. `byaddr/!127.0.0.1:636`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyFile {
    pub name: FileName,
    pub addr: Address,
    pub port: u16,
    pub uid: u32,
}

impl PolicyFile {
    /// `None` for a name that does not exist for this family
    /// (the colon form for IPv6, the uncompressed one for IPv4).
    pub fn new(name: FileName, addr: Address, port: u16, uid: u32) -> Option<PolicyFile> {
        let fits = match name {
            FileName::ByAddrColon => !addr.is_v6(),
            FileName::ByAddrUncompressed => addr.is_v6(),
            // A wildcard is the port's own reservation.
            FileName::ReserveAddr => !is_wildcard(&addr),
            _ => true,
        };
        fits.then_some(PolicyFile { name, addr, port, uid })
    }

    /// A reservation's file.
    pub fn reservation(r: &Reservation) -> PolicyFile {
        let (name, addr) = match r.addr {
            None => (FileName::ReservePort, Address::UNSPECIFIED_V4),
            Some(addr) => (FileName::ReserveAddr, addr),
        };
        PolicyFile {
            name,
            addr,
            port: r.port,
            uid: 0,
        }
    }

    /// The flag files of a request, in authbind's order.
    pub fn flags(addr: Address, port: u16) -> impl Iterator<Item = PolicyFile> {
        flag_files(addr.family())
            .into_iter()
            .filter_map(move |name| PolicyFile::new(name, addr, port, 0))
    }

    /// The same name with the `!` the other way round: for a flag file a
    /// name never consulted for this port, for a byuid file the uid's
    /// other file (see [`ByuidName::sibling`]).
    pub fn other_bang(self) -> OtherBang {
        OtherBang(self)
    }

    /// The name inside its folder, with or without the `!`.
    fn fmt_entry(&self, f: &mut fmt::Formatter<'_>, bang: bool) -> fmt::Result {
        let (port, addr, b) = (self.port, self.addr, bang_prefix(bang));
        match self.name {
            FileName::ByUid => ByuidName { uid: self.uid, bang }.fmt_entry(f),
            FileName::ByPort => write!(f, "{b}{port}"),
            // Reservations hold any port under one name: no `!`.
            FileName::ReservePort => write!(f, "{port}"),
            FileName::ReserveAddr => write!(f, "{},{port}", as_reserved(&addr)),
            FileName::ByAddrColon => write!(f, "{b}{addr}:{port}"),
            FileName::ByAddrComma => write!(f, "{b}{addr},{port}"),
            FileName::ByAddrUncompressed => match addr.uncompressed() {
                Some(u) => write!(f, "{b}{u},{port}"),
                None => write!(f, "{b}{addr},{port}"),
            },
        }
    }

    /// The name inside its folder (`!127.0.0.1,636`), with or without the
    /// `!`, for reading names back.
    pub(crate) fn entry(self, bang: bool) -> impl fmt::Display {
        struct Entry(PolicyFile, bool);
        impl fmt::Display for Entry {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt_entry(f, self.1)
            }
        }
        Entry(self, bang)
    }
}

impl fmt::Display for PolicyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/", self.name.folder())?;
        self.fmt_entry(f, needs_bang(self.port))
    }
}

/// A [`PolicyFile`]'s name with the `!` the other way round (see
/// [`PolicyFile::other_bang`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OtherBang(PolicyFile);

impl fmt::Display for OtherBang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/", self.0.name.folder())?;
        self.0.fmt_entry(f, !needs_bang(self.0.port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(name: FileName, addr: Address, port: u16) -> String {
        PolicyFile::new(name, addr, port, 1000).unwrap().to_string()
    }

    #[test]
    fn names_as_authbind_writes_them() {
        let v4 = Address::V4([127, 0, 0, 1]);
        assert_eq!(path(FileName::ByPort, v4, 80), "byport/80");
        assert_eq!(path(FileName::ByPort, v4, 636), "byport/!636");
        assert_eq!(path(FileName::ByPort, v4, 511), "byport/511");
        assert_eq!(path(FileName::ByAddrColon, v4, 80), "byaddr/127.0.0.1:80");
        assert_eq!(path(FileName::ByAddrComma, v4, 600), "byaddr/!127.0.0.1,600");
        assert_eq!(path(FileName::ByUid, v4, 600), "byuid/!1000");
        let v6 = Address::parse(Family::V6, b"2620:106:e002:f00f::21").unwrap();
        assert_eq!(path(FileName::ByAddrComma, v6, 80), "byaddr/2620:106:e002:f00f::21,80");
        assert_eq!(
            path(FileName::ByAddrUncompressed, v6, 80),
            "byaddr/2620:106:e002:f00f:0:0:0:21,80"
        );
        assert!(PolicyFile::new(FileName::ByAddrColon, v6, 80, 0).is_none());
        assert!(PolicyFile::new(FileName::ByAddrUncompressed, v4, 80, 0).is_none());
    }

    #[test]
    fn flag_files_in_authbinds_order() {
        assert_eq!(
            flag_files(Family::V4),
            [FileName::ByPort, FileName::ByAddrColon, FileName::ByAddrComma]
        );
        assert_eq!(flag_files(Family::V6)[2], FileName::ByAddrUncompressed);
        for &n in FileName::ALL {
            assert_eq!(FileName::try_from(n as u8), Ok(n));
        }
        let names = |addr, port| PolicyFile::flags(addr, port).map(|f| f.to_string()).collect::<Vec<_>>();
        assert_eq!(
            names(Address::V4([10, 0, 0, 1]), 600),
            ["byport/!600", "byaddr/!10.0.0.1:600", "byaddr/!10.0.0.1,600"]
        );
        let one = Address::parse(Family::V6, b"::1").unwrap();
        assert_eq!(
            names(one, 80),
            ["byport/80", "byaddr/::1,80", "byaddr/0:0:0:0:0:0:0:1,80"]
        );
    }

    #[test]
    fn the_split_at_512() {
        assert!(!needs_bang(511) && needs_bang(512) && needs_bang(65535) && !needs_bang(1));
        assert_eq!((bang_ports(false), bang_ports(true)), (1..=511, 512..=65535));
        for port in 1..=u16::MAX {
            assert!(bang_ports(needs_bang(port)).contains(&port));
        }
    }
}
