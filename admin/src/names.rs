//! Which request, if any, makes the helper look at a file of the tree: the
//! inverse of `model::PolicyFile`'s names. A name is consulted exactly when
//! some (address, port, uid) makes `PolicyFile` print it; everything else
//! under `byport/`, `byaddr/` and `byuid/` is never read.

use model::{needs_bang, Address, Family, FileName, PolicyFile, Rule};

/// What a name below one of the three folders stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Name {
    /// `byport/[!]PORT`: every address, this port.
    Port(u16),
    /// `byaddr/…`: this address and port, under this name form.
    Addr { addr: Address, port: u16, form: FileName },
    /// `byuid/UID` (ports below 512) or `byuid/!UID` (512 and up).
    Uid { uid: u32, high: bool },
    /// Never consulted: why, and the name that would be, if there is one.
    Never { why: String, instead: Option<String> },
}

impl Name {
    pub fn consulted(&self) -> bool {
        !matches!(self, Name::Never { .. })
    }
}

/// Decimal as the helper prints it: digits, no sign, no leading zero.
fn canonical_number(text: &str) -> Option<u64> {
    let ok = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    if !ok || text.len() > 10 {
        return None;
    }
    text.parse().ok()
}

fn split_bang(name: &str) -> (bool, &str) {
    match name.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, name),
    }
}

fn bang(port: u16) -> &'static str {
    if needs_bang(port) {
        "!"
    } else {
        ""
    }
}

/// The port of a name, or why it names none the helper asks about.
fn port_of(bang_given: bool, text: &str, folder: &str, rest: &str) -> Result<u16, (String, Option<String>)> {
    let port = match canonical_number(text) {
        Some(p) if (1..=65535).contains(&p) => p as u16,
        Some(0) => {
            return Err((
                "port 0 is never asked about (the kernel picks a free port)".into(),
                None,
            ))
        }
        _ => {
            return Err((
                format!("`{text}` is not a port as the helper writes it (decimal, no leading zeros, 1 to 65535)"),
                None,
            ))
        }
    };
    if needs_bang(port) != bang_given {
        let why = if bang_given {
            format!("ports below 512 are looked up without the `!` ({folder}/{port}{rest})")
        } else {
            format!("ports 512 and up are looked up with a `!` first ({folder}/!{port}{rest})")
        };
        return Err((why, Some(format!("{folder}/{}{port}{rest}", bang(port)))));
    }
    Ok(port)
}

fn never((why, instead): (String, Option<String>)) -> Name {
    Name::Never { why, instead }
}

/// What `folder/name` stands for.
pub fn classify(folder: Rule, name: &str) -> Name {
    match folder {
        Rule::ByPort => {
            let (b, text) = split_bang(name);
            match port_of(b, text, "byport", "") {
                Ok(port) => Name::Port(port),
                Err(e) => never(e),
            }
        }
        Rule::ByUid => {
            let (high, text) = split_bang(name);
            match canonical_number(text) {
                Some(uid) if uid < u64::from(u32::MAX) => Name::Uid { uid: uid as u32, high },
                _ => never((
                    format!("`{text}` is not a uid as the helper writes it (decimal, no leading zeros)"),
                    None,
                )),
            }
        }
        Rule::ByAddr => classify_addr(name),
    }
}

fn classify_addr(name: &str) -> Name {
    let (b, text) = split_bang(name);
    // Both separators are tried: the last comma, then (IPv4) the last colon.
    let mut tried = Vec::new();
    if let Some((addr, port)) = text.rsplit_once(',') {
        tried.push((addr, port, ','));
    }
    if let Some((addr, port)) = text.rsplit_once(':') {
        tried.push((addr, port, ':'));
    }
    let mut first_error = None;
    for (addr_text, port_text, sep) in tried {
        let Some(addr) = Address::parse_any(addr_text.as_bytes()) else {
            first_error.get_or_insert((
                format!("`{addr_text}` is not an address (the helper writes addresses as inet_ntop does)"),
                None,
            ));
            continue;
        };
        let port = match port_of(b, port_text, "byaddr", "") {
            Ok(p) => p,
            Err((why, _)) => {
                let fixed = canonical_number(port_text)
                    .filter(|p| (1..=65535).contains(p))
                    .map(|p| format!("byaddr/{}{addr_text}{sep}{p}", bang(p as u16)));
                first_error.get_or_insert((why, fixed));
                continue;
            }
        };
        let forms: &[FileName] = match (addr.family(), sep) {
            (Family::V4, ':') => &[FileName::ByAddrColon],
            (Family::V4, _) => &[FileName::ByAddrComma],
            (Family::V6, ',') => &[FileName::ByAddrComma, FileName::ByAddrUncompressed],
            (Family::V6, _) => &[],
        };
        let want = format!("byaddr/{name}");
        for &form in forms {
            if PolicyFile::new(form, addr, port, 0).is_some_and(|f| f.to_string() == want) {
                return Name::Addr { addr, port, form };
            }
        }
        let canonical = PolicyFile::new(FileName::ByAddrComma, addr, port, 0).map(|f| f.to_string());
        let why = if addr.is_v6() && sep == ':' {
            format!(
                "IPv6 names use a comma before the port ({})",
                canonical.clone().unwrap_or_default()
            )
        } else {
            format!(
                "`{addr_text}` is not written as the helper writes {} (it looks for {})",
                addr.family().name(),
                canonical.clone().unwrap_or_default()
            )
        };
        first_error.get_or_insert((why, canonical));
    }
    never(first_error.unwrap_or((
        "no port: byaddr names are ADDRESS,PORT (or ADDRESS:PORT for IPv4)".into(),
        None,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(folder: Rule, name: &str) -> (String, Option<String>) {
        match classify(folder, name) {
            Name::Never { why, instead } => (why, instead),
            other => panic!("{name}: consulted as {other:?}"),
        }
    }

    #[test]
    fn port_names() {
        assert_eq!(classify(Rule::ByPort, "80"), Name::Port(80));
        assert_eq!(classify(Rule::ByPort, "!636"), Name::Port(636));
        assert_eq!(classify(Rule::ByPort, "!8080"), Name::Port(8080));
        assert_eq!(
            why(Rule::ByPort, "636"),
            (
                "ports 512 and up are looked up with a `!` first (byport/!636)".into(),
                Some("byport/!636".into())
            )
        );
        assert_eq!(
            why(Rule::ByPort, "!80"),
            (
                "ports below 512 are looked up without the `!` (byport/80)".into(),
                Some("byport/80".into())
            )
        );
        assert_eq!(
            why(Rule::ByPort, "080").0,
            "`080` is not a port as the helper writes it (decimal, no leading zeros, 1 to 65535)"
        );
        assert_eq!(why(Rule::ByPort, "80~").1, None);
        assert_eq!(
            why(Rule::ByPort, "0").0,
            "port 0 is never asked about (the kernel picks a free port)"
        );
        assert!(!classify(Rule::ByPort, "65536").consulted());
    }

    #[test]
    fn uid_names() {
        assert_eq!(classify(Rule::ByUid, "1000"), Name::Uid { uid: 1000, high: false });
        assert_eq!(classify(Rule::ByUid, "!0"), Name::Uid { uid: 0, high: true });
        assert_eq!(
            why(Rule::ByUid, "alice").0,
            "`alice` is not a uid as the helper writes it (decimal, no leading zeros)"
        );
        assert!(!classify(Rule::ByUid, "01000").consulted());
        assert!(!classify(Rule::ByUid, "4294967295").consulted());
    }

    #[test]
    fn addr_names() {
        let lo = Address::V4([127, 0, 0, 1]);
        assert_eq!(
            classify(Rule::ByAddr, "127.0.0.1:80"),
            Name::Addr {
                addr: lo,
                port: 80,
                form: FileName::ByAddrColon
            }
        );
        assert_eq!(
            classify(Rule::ByAddr, "!127.0.0.1,636"),
            Name::Addr {
                addr: lo,
                port: 636,
                form: FileName::ByAddrComma
            }
        );
        let v6 = Address::parse_any(b"2001:db8::1").unwrap();
        assert_eq!(
            classify(Rule::ByAddr, "2001:db8::1,80"),
            Name::Addr {
                addr: v6,
                port: 80,
                form: FileName::ByAddrComma
            }
        );
        assert_eq!(
            classify(Rule::ByAddr, "2001:db8:0:0:0:0:0:1,80"),
            Name::Addr {
                addr: v6,
                port: 80,
                form: FileName::ByAddrUncompressed
            }
        );
        assert_eq!(
            why(Rule::ByAddr, "2001:DB8::1,80"),
            (
                "`2001:DB8::1` is not written as the helper writes IPv6 (it looks for byaddr/2001:db8::1,80)".into(),
                Some("byaddr/2001:db8::1,80".into())
            )
        );
        assert_eq!(
            why(Rule::ByAddr, "127.0.0.1,636").1,
            Some("byaddr/!127.0.0.1,636".into())
        );
        assert_eq!(
            why(Rule::ByAddr, "localhost,80").0,
            "`localhost` is not an address (the helper writes addresses as inet_ntop does)"
        );
        assert_eq!(
            why(Rule::ByAddr, "127.0.0.1").0,
            "no port: byaddr names are ADDRESS,PORT (or ADDRESS:PORT for IPv4)"
        );
        assert!(!classify(Rule::ByAddr, "127.000.0.1,80").consulted());
        assert_eq!(
            why(Rule::ByAddr, "::1:80"),
            (
                "IPv6 names use a comma before the port (byaddr/::1,80)".into(),
                Some("byaddr/::1,80".into())
            )
        );
    }
}
