//! The files authbind 2.1 consults for a bind, in its order, named as it
//! names them relative to the configuration folder.

use crate::addr::{Address, Family};
use crate::decision::Rule;
use core::fmt;

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
    }
}

impl FileName {
    /// The rule this file belongs to.
    pub fn rule(self) -> Rule {
        match self {
            FileName::ByPort => Rule::ByPort,
            FileName::ByAddrColon | FileName::ByAddrComma | FileName::ByAddrUncompressed => Rule::ByAddr,
            FileName::ByUid => Rule::ByUid,
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

/// Ports from 512 up are looked for under names with a `!` first
/// (`byport/!636`, `byuid/!1000`), so that granting one is deliberate.
pub fn needs_bang(port: u16) -> bool {
    port >= 512
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
            _ => true,
        };
        fits.then_some(PolicyFile { name, addr, port, uid })
    }
}

impl fmt::Display for PolicyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bang = if needs_bang(self.port) { "!" } else { "" };
        let (port, addr) = (self.port, self.addr);
        match self.name {
            FileName::ByPort => write!(f, "byport/{bang}{port}"),
            FileName::ByAddrColon => write!(f, "byaddr/{bang}{addr}:{port}"),
            FileName::ByAddrComma => write!(f, "byaddr/{bang}{addr},{port}"),
            FileName::ByAddrUncompressed => match addr.uncompressed() {
                Some(u) => write!(f, "byaddr/{bang}{u},{port}"),
                None => write!(f, "byaddr/{bang}{addr},{port}"),
            },
            FileName::ByUid => write!(f, "byuid/{bang}{}", self.uid),
        }
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
    }
}
