//! The rules of reservations (issue 19), written again here from the
//! issue's text, independently of the code under test (model::Reservation,
//! policy::decide): what the helper must answer for a request on a tree
//! with a `reserve/` folder.
//!
//! - The folder is listed as root. None there (or no folder where it
//!   should be): no reservations. Any other failure to list it: refused.
//! - A name reserves when written as the reservation's canonical name:
//!   `PORT` (decimal, 1–65535, no leading zero, no `!`) for the port on
//!   every address, `ADDR,PORT` for one address, ADDR as `inet_ntop`
//!   writes it and neither a wildcard nor IPv4-mapped. Other names do
//!   nothing.
//! - A reservation covers a bind of A, P when P is its port and it is the
//!   port's, or A is its address (`::ffff:a.b.c.d` counted as a.b.c.d), or
//!   A is a wildcard (0.0.0.0, ::, and ::ffff:0.0.0.0 which an IPv6 socket
//!   binds as 0.0.0.0).
//! - One covering reservation the user may not execute: refused, EACCES.
//!   All executable and P below 1024: granted. Otherwise (none covering,
//!   or P from 1024 up): authbind's rules, which Debian's helper applies
//!   to the same tree (it ignores the folder).

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

/// What the model says the helper answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Refused by a reservation (or an unreadable folder): exit EACCES.
    Refused,
    /// Granted as the owner of a port below 1024: exit 0.
    Owner,
    /// Not the reservations' to decide: authbind's rules.
    AuthbindRules,
}

impl Expected {
    /// The helper's exit status (classic protocol: 0 or an errno), given
    /// authbind's rules' answer.
    pub fn status(self, authbind_rules: i32) -> i32 {
        match self {
            Expected::Refused => libc::EACCES,
            Expected::Owner => 0,
            Expected::AuthbindRules => authbind_rules,
        }
    }
}

/// The most names a folder may hold and still be read (past this the
/// helper refuses); the generator never comes near it.
const MOST_NAMES: usize = 65_536;

/// `::ffff:a.b.c.d` as a.b.c.d; any other address as it is.
fn mapped_as_v4(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(a) => match a.octets() {
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, b0, b1, b2, b3] => IpAddr::V4(Ipv4Addr::new(b0, b1, b2, b3)),
            _ => IpAddr::V6(a),
        },
        v4 => v4,
    }
}

fn is_wildcard(addr: IpAddr) -> bool {
    mapped_as_v4(addr).is_unspecified()
}

/// A port as a reservation's name writes it.
fn port_of(text: &str) -> Option<u16> {
    let port: u16 = text.parse().ok()?;
    (port != 0 && port.to_string() == text).then_some(port)
}

/// A name of the folder read as a reservation: (its address, or `None`
/// for the whole port; its port). `None`: the name reserves nothing.
pub fn reservation(name: &str) -> Option<(Option<IpAddr>, u16)> {
    let Some((addr_text, port_text)) = name.rsplit_once(',') else {
        return Some((None, port_of(name)?));
    };
    let port = port_of(port_text)?;
    let addr: IpAddr = addr_text.parse().ok()?;
    if crate::names::ntop(&addr) != addr_text || is_wildcard(addr) || mapped_as_v4(addr) != addr {
        return None;
    }
    Some((Some(addr), port))
}

/// Whether a reservation covers a bind of `addr`:`port`.
pub fn covers(reservation: (Option<IpAddr>, u16), addr: IpAddr, port: u16) -> bool {
    let (reserved, reserved_port) = reservation;
    reserved_port == port
        && match reserved {
            None => true,
            Some(reserved) => is_wildcard(addr) || mapped_as_v4(addr) == reserved,
        }
}

/// The model's answer for `uid` binding `addr`:`port` with `folder` the
/// reserve folder; `executable(path)` is the user's own access(X_OK) of
/// a reservation's file.
pub fn expected(
    folder: &Path,
    uid: u32,
    addr: IpAddr,
    port: u16,
    executable: &mut dyn FnMut(&Path) -> bool,
) -> Expected {
    if uid == 0 {
        return Expected::AuthbindRules;
    }
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound || e.raw_os_error() == Some(libc::ENOTDIR) => {
            return Expected::AuthbindRules
        }
        Err(_) => return Expected::Refused,
    };
    let mut covering = Vec::new();
    let mut names = 0;
    for entry in entries {
        let Ok(entry) = entry else {
            return Expected::Refused;
        };
        names += 1;
        if names > MOST_NAMES {
            return Expected::Refused;
        }
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if reservation(name).is_some_and(|r| covers(r, addr, port)) {
            covering.push(folder.join(name));
        }
    }
    if covering.is_empty() {
        return Expected::AuthbindRules;
    }
    if !covering.iter().all(|path| executable(path)) {
        return Expected::Refused;
    }
    if port < 1024 {
        Expected::Owner
    } else {
        Expected::AuthbindRules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn names() {
        assert_eq!(reservation("80"), Some((None, 80)));
        assert_eq!(reservation("65535"), Some((None, 65535)));
        assert_eq!(reservation("127.0.0.1,80"), Some((Some(ip("127.0.0.1")), 80)));
        assert_eq!(reservation("2001:db8::7,443"), Some((Some(ip("2001:db8::7")), 443)));
        for never in [
            "0",
            "080",
            "!80",
            "65536",
            "+80",
            "0.0.0.0,80",
            "::,80",
            "::ffff:127.0.0.1,80",
            "::ffff:0.0.0.0,80",
            "2001:DB8::7,443",
            "2001:db8:0:0:0:0:0:7,443",
            "127.0.0.1:80",
            "127.0.0.1,080",
            "x,80",
        ] {
            assert_eq!(reservation(never), None, "{never}");
        }
    }

    #[test]
    fn coverage() {
        let port = (None, 80);
        let one = (Some(ip("127.0.0.1")), 80);
        let six = (Some(ip("::1")), 80);
        for a in ["127.0.0.1", "10.1.2.3", "::1", "::", "0.0.0.0"] {
            assert!(covers(port, ip(a), 80));
            assert!(!covers(port, ip(a), 81));
        }
        for a in ["127.0.0.1", "::ffff:127.0.0.1", "0.0.0.0", "::", "::ffff:0.0.0.0"] {
            assert!(covers(one, ip(a), 80), "{a}");
        }
        for a in ["127.0.0.2", "::1", "::ffff:127.0.0.2"] {
            assert!(!covers(one, ip(a), 80), "{a}");
        }
        assert!(covers(six, ip("0.0.0.0"), 80));
        assert!(covers(six, ip("::ffff:0.0.0.0"), 80));
        assert!(!covers(six, ip("127.0.0.1"), 80));
    }
}
