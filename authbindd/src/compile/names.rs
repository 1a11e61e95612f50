//! Which requests could make authbind look for a given name: a byaddr
//! entry is consulted only for the address and port whose name it is
//! exactly (authbind builds names with `inet_ntop` and `%u`, and a `!`
//! from port 512 up), a byuid entry only for its canonical uid.

use model::{needs_bang, Address, Family, FileName, PolicyFile};

/// The privileged ports kernel mode decides.
pub const PORTS: std::ops::RangeInclusive<u16> = 1..=1023;

/// `%u` of a port from [`PORTS`], read back: no sign, no leading zero.
fn port_of(text: &[u8]) -> Option<u16> {
    let s = std::str::from_utf8(text).ok()?;
    let port: u16 = s.parse().ok()?;
    (port.to_string() == s && PORTS.contains(&port)).then_some(port)
}

/// The (address, port) a byaddr entry called `name` is the file of, if
/// any: the name must be one of those authbind builds for it.
pub fn byaddr_request(name: &[u8]) -> Option<(Address, u16)> {
    let (bang, rest) = match name.strip_prefix(b"!") {
        Some(rest) => (true, rest),
        None => (false, name),
    };
    let split = rest.iter().rposition(|&b| b == b',' || b == b':')?;
    let (addr_text, port) = (&rest[..split], port_of(&rest[split + 1..])?);
    if needs_bang(port) != bang {
        return None;
    }
    let addr = Address::parse(Family::V4, addr_text).or_else(|| Address::parse(Family::V6, addr_text))?;
    let wanted = std::str::from_utf8(name).ok()?;
    let names = model::flag_files(addr.family());
    names
        .iter()
        .filter(|n| n.rule() == model::Rule::ByAddr)
        .filter_map(|&n| PolicyFile::new(n, addr, port, 0))
        .any(|f| f.to_string().strip_prefix("byaddr/") == Some(wanted))
        .then_some((addr, port))
}

/// The uid and whether it is the `!` file, for a byuid entry authbind
/// would open for some request (`byuid/1000`, `byuid/!1000`).
pub fn byuid_owner(name: &[u8]) -> Option<(u32, bool)> {
    let (bang, rest) = match name.strip_prefix(b"!") {
        Some(rest) => (true, rest),
        None => (false, name),
    };
    let s = std::str::from_utf8(rest).ok()?;
    let uid: u32 = s.parse().ok()?;
    (uid.to_string() == s).then_some((uid, bang))
}

/// The flag files of a request, in authbind's order, as paths relative to
/// the configuration folder.
pub fn flag_paths(addr: Address, port: u16, rule: model::Rule) -> Vec<(FileName, String)> {
    model::flag_files(addr.family())
        .iter()
        .filter(|n| n.rule() == rule)
        .filter_map(|&n| PolicyFile::new(n, addr, port, 0).map(|f| (n, f.to_string())))
        .collect()
}

/// An address prefix's bytes (4 or 16) as text.
pub fn prefix_text(bytes: &[u8]) -> String {
    let family = if bytes.len() == 4 { Family::V4 } else { Family::V6 };
    Address::from_bytes(family, bytes).map_or_else(|| format!("{bytes:?}"), |a| a.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v6(t: &str) -> Address {
        Address::parse(Family::V6, t.as_bytes()).unwrap()
    }

    #[test]
    fn byaddr_names_that_authbind_builds() {
        let lo = Address::V4([127, 0, 0, 1]);
        assert_eq!(byaddr_request(b"127.0.0.1:80"), Some((lo, 80)));
        assert_eq!(byaddr_request(b"127.0.0.1,80"), Some((lo, 80)));
        assert_eq!(byaddr_request(b"!127.0.0.1,636"), Some((lo, 636)));
        assert_eq!(byaddr_request(b"::1,80"), Some((v6("::1"), 80)));
        assert_eq!(byaddr_request(b"0:0:0:0:0:0:0:1,80"), Some((v6("::1"), 80)));
        assert_eq!(
            byaddr_request(b"::ffff:127.0.0.1,80"),
            Some((v6("::ffff:127.0.0.1"), 80))
        );
        for never in [
            "127.0.0.1,636",  // needs a !
            "!127.0.0.1,80",  // must not have one
            "127.0.0.01,80",  // not inet_ntop's
            "127.0.0.1,080",  // not %u
            "127.0.0.1,1024", // not privileged
            "127.0.0.1,0",    // no port
            "::1:80",         // the colon form is IPv4's
            "0:0:0:0:0:0:0:0001,80",
            "::0:1,80",
            "::FFFF:127.0.0.1,80",
            "localhost,80",
            "80",
        ] {
            assert_eq!(byaddr_request(never.as_bytes()), None, "{never}");
        }
    }

    #[test]
    fn byuid_names() {
        assert_eq!(byuid_owner(b"1000"), Some((1000, false)));
        assert_eq!(byuid_owner(b"!0"), Some((0, true)));
        assert_eq!(byuid_owner(b"01000"), None);
        assert_eq!(byuid_owner(b"+1000"), None);
        assert_eq!(byuid_owner(b"4294967296"), None);
        assert_eq!(byuid_owner(b"!!1"), None);
    }

    #[test]
    fn flag_paths_in_order() {
        let p = flag_paths(Address::V4([10, 0, 0, 1]), 600, model::Rule::ByAddr);
        let names: Vec<&str> = p.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(names, ["byaddr/!10.0.0.1:600", "byaddr/!10.0.0.1,600"]);
        assert_eq!(flag_paths(v6("::1"), 80, model::Rule::ByPort)[0].1, "byport/80");
    }
}
