use super::*;
use proptest::prelude::*;

fn never(rule: Rule, entry: &str) -> (String, Option<String>) {
    match PolicyName::parse(rule, entry) {
        Err(why) => (why.to_string(), why.instead().map(|n| n.to_string())),
        Ok(name) => panic!("{entry}: consulted as {name:?}"),
    }
}

fn consulted(rule: Rule, entry: &str) -> bool {
    PolicyName::parse(rule, entry).is_ok()
}

fn v6(text: &str) -> Address {
    Address::parse(Family::V6, text.as_bytes()).unwrap()
}

fn addr(addr: Address, port: u16, form: FileName) -> Result<PolicyName, NeverConsulted<'static>> {
    Ok(PolicyName::ByAddr { addr, port, form })
}

#[test]
fn port_names() {
    assert_eq!(PolicyName::parse(Rule::ByPort, "80"), Ok(PolicyName::ByPort(80)));
    assert_eq!(PolicyName::parse(Rule::ByPort, "!636"), Ok(PolicyName::ByPort(636)));
    assert_eq!(PolicyName::parse(Rule::ByPort, "!8080"), Ok(PolicyName::ByPort(8080)));
    assert_eq!(PolicyName::parse(Rule::ByPort, "511"), Ok(PolicyName::ByPort(511)));
    assert_eq!(PolicyName::parse(Rule::ByPort, "!512"), Ok(PolicyName::ByPort(512)));
    assert_eq!(
        never(Rule::ByPort, "636"),
        (
            "ports 512 and up are looked up with a `!` first (byport/!636)".into(),
            Some("byport/!636".into())
        )
    );
    assert_eq!(
        never(Rule::ByPort, "!80"),
        (
            "ports below 512 are looked up without the `!` (byport/80)".into(),
            Some("byport/80".into())
        )
    );
    assert_eq!(
        never(Rule::ByPort, "080").0,
        "`080` is not a port as the helper writes it (decimal, no leading zeros, 1 to 65535)"
    );
    assert_eq!(never(Rule::ByPort, "80~").1, None);
    assert_eq!(
        never(Rule::ByPort, "0").0,
        "port 0 is never asked about (the kernel picks a free port)"
    );
    for bad in ["65536", "!65536", "+80", "", "!", "!!636", "80/x", " 80", "4294967376"] {
        assert!(!consulted(Rule::ByPort, bad), "{bad}");
    }
}

#[test]
fn uid_names() {
    assert_eq!(ByuidName::parse("1000"), Ok(ByuidName::new(1000, false)));
    assert_eq!(ByuidName::parse("!0"), Ok(ByuidName::new(0, true)));
    assert_eq!(ByuidName::parse("4294967294"), Ok(ByuidName::new(u32::MAX - 1, false)));
    assert_eq!(
        PolicyName::parse(Rule::ByUid, "1000"),
        Ok(PolicyName::ByUid(ByuidName::new(1000, false)))
    );
    assert_eq!(
        never(Rule::ByUid, "alice"),
        (
            "`alice` is not a uid as the helper writes it (decimal, no leading zeros)".into(),
            None
        )
    );
    for bad in ["01000", "+1000", "4294967296", "!!1", "", "!", "1000/x", "10000000000"] {
        assert!(!consulted(Rule::ByUid, bad), "{bad}");
    }
}

/// (uid_t)-1 is no process's uid, so the helper never opens its files.
/// admin's copy of these rules said so; authbindd's read `byuid/4294967295`
/// as the file of uid 4294967295.
#[test]
fn uid_minus_one_is_never_consulted() {
    for entry in ["4294967295", "!4294967295"] {
        assert_eq!(ByuidName::parse(entry), Err(NeverConsulted::NoOnesUid), "{entry}");
        assert_eq!(
            never(Rule::ByUid, entry),
            ("uid 4294967295 is (uid_t)-1, which no process runs as".into(), None)
        );
    }
}

#[test]
fn byuid_names_and_their_ports() {
    let low = ByuidName::for_request(1000, 80);
    let high = ByuidName::for_request(1000, 636);
    assert_eq!(
        (low.to_string(), high.to_string()),
        ("byuid/1000".into(), "byuid/!1000".into())
    );
    assert_eq!((low.ports(), high.ports()), (1..=511, 512..=65535));
    assert_eq!(ByuidName::for_request(7, 511), ByuidName::new(7, false));
    assert_eq!(ByuidName::for_request(7, 512), ByuidName::new(7, true));
    assert_eq!((low.sibling(), high.sibling()), (high, low));
    for port in [1, 511, 512, 65535] {
        assert!(ByuidName::for_request(0, port).ports().contains(&port));
        assert!(!ByuidName::for_request(0, port).sibling().ports().contains(&port));
    }
    assert_eq!(ports_words(false).to_string(), "ports below 512");
    assert_eq!(ports_words(true).to_string(), "ports 512 and up");
    assert_eq!(
        format!("{}", ports_words(true)),
        format!("ports {} and up", bang_ports(true).start())
    );
    // A byuid file prints as ByuidName does.
    let f = PolicyFile::new(FileName::ByUid, Address::UNSPECIFIED_V4, 600, 1000).unwrap();
    assert_eq!(f.to_string(), ByuidName::for_request(1000, 600).to_string());
    assert_eq!(f.other_bang().to_string(), "byuid/1000");
}

#[test]
fn addr_names() {
    let lo = Address::V4([127, 0, 0, 1]);
    let p = |e| PolicyName::parse(Rule::ByAddr, e);
    assert_eq!(p("127.0.0.1:80"), addr(lo, 80, FileName::ByAddrColon));
    assert_eq!(p("127.0.0.1,80"), addr(lo, 80, FileName::ByAddrComma));
    assert_eq!(p("!127.0.0.1,636"), addr(lo, 636, FileName::ByAddrComma));
    let db8 = v6("2001:db8::1");
    assert_eq!(p("2001:db8::1,80"), addr(db8, 80, FileName::ByAddrComma));
    assert_eq!(
        p("2001:db8:0:0:0:0:0:1,80"),
        addr(db8, 80, FileName::ByAddrUncompressed)
    );
    assert_eq!(p("::1,80"), addr(v6("::1"), 80, FileName::ByAddrComma));
    assert_eq!(
        p("0:0:0:0:0:0:0:1,80"),
        addr(v6("::1"), 80, FileName::ByAddrUncompressed)
    );
    assert_eq!(
        p("::ffff:127.0.0.1,80"),
        addr(v6("::ffff:127.0.0.1"), 80, FileName::ByAddrComma)
    );
    assert_eq!(p("!127.0.0.1,1024"), addr(lo, 1024, FileName::ByAddrComma));
    assert_eq!(
        never(Rule::ByAddr, "2001:DB8::1,80"),
        (
            "`2001:DB8::1` is not written as the helper writes IPv6 (it looks for byaddr/2001:db8::1,80)".into(),
            Some("byaddr/2001:db8::1,80".into())
        )
    );
    assert_eq!(
        never(Rule::ByAddr, "127.0.0.1,636").1,
        Some("byaddr/!127.0.0.1,636".into())
    );
    assert_eq!(
        never(Rule::ByAddr, "localhost,80").0,
        "`localhost` is not an address (the helper writes addresses as inet_ntop does)"
    );
    assert_eq!(
        never(Rule::ByAddr, "127.0.0.1").0,
        "no port: byaddr names are ADDRESS,PORT (or ADDRESS:PORT for IPv4)"
    );
    assert_eq!(
        never(Rule::ByAddr, "::1:80"),
        (
            "IPv6 names use a comma before the port (byaddr/::1,80)".into(),
            Some("byaddr/::1,80".into())
        )
    );
    for bad in [
        "127.0.0.1,636",  // needs a !
        "!127.0.0.1,80",  // must not have one
        "127.0.0.01,80",  // not inet_ntop's
        "127.000.0.1,80", // nor this
        "127.0.0.1,080",  // not %u
        "127.0.0.1,0",    // no port
        "127.0.0.1,65536",
        "::1:80", // the colon form is IPv4's
        "0:0:0:0:0:0:0:0001,80",
        "::0:1,80",
        "::FFFF:127.0.0.1,80",
        "localhost,80",
        "80",
        "127.0.0.1/8,80",
        "127.0.0.1,80/x",
        "",
        "!",
    ] {
        assert!(!consulted(Rule::ByAddr, bad), "{bad}");
    }
}

/// A byaddr name with the `!` the wrong way round is given the name
/// consulted instead, whole (the old message printed `byaddr/PORT`).
#[test]
fn wrong_bang_in_byaddr_names_the_whole_name() {
    assert_eq!(
        never(Rule::ByAddr, "!127.0.0.1,80"),
        (
            "ports below 512 are looked up without the `!` (byaddr/127.0.0.1,80)".into(),
            Some("byaddr/127.0.0.1,80".into())
        )
    );
    assert_eq!(
        never(Rule::ByAddr, "127.0.0.1:636"),
        (
            "ports 512 and up are looked up with a `!` first (byaddr/!127.0.0.1:636)".into(),
            Some("byaddr/!127.0.0.1:636".into())
        )
    );
    assert_eq!(
        never(Rule::ByAddr, "2001:db8:0:0:0:0:0:1,600").1,
        Some("byaddr/!2001:db8:0:0:0:0:0:1,600".into())
    );
    // Both faults: the name given instead mends both.
    assert_eq!(
        never(Rule::ByAddr, "!2001:DB8::1,80").1,
        Some("byaddr/2001:db8::1,80".into())
    );
    assert_eq!(never(Rule::ByAddr, "!::1:80").1, Some("byaddr/::1,80".into()));
}

#[test]
fn paths() {
    assert_eq!(PolicyName::parse_path("byport/!636"), Ok(PolicyName::ByPort(636)));
    assert_eq!(
        PolicyName::parse_path("byuid/!1000"),
        Ok(PolicyName::ByUid(ByuidName::new(1000, true)))
    );
    assert_eq!(
        PolicyName::parse_path("byaddr/!127.0.0.1,636"),
        addr(Address::V4([127, 0, 0, 1]), 636, FileName::ByAddrComma)
    );
    for outside in [
        "byport",
        "byuid",
        "",
        "/byport/80",
        "other/80",
        "Byport/80",
        ".authbind-policy",
    ] {
        assert_eq!(
            PolicyName::parse_path(outside),
            Err(NeverConsulted::Outside),
            "{outside}"
        );
    }
    assert_eq!(
        NeverConsulted::Outside.to_string(),
        "not a name in byport/, byaddr/, byuid/ or reserve/"
    );
    for nested in ["byport/80/x", "byuid/1000/x", "byaddr/127.0.0.1,80/x", "byport//80"] {
        assert!(PolicyName::parse_path(nested).is_err(), "{nested}");
    }
    assert_eq!(PolicyName::ByPort(80).rule(), Rule::ByPort);
    assert_eq!(PolicyName::ByUid(ByuidName::new(1, true)).rule(), Rule::ByUid);
}

#[test]
fn names_with_the_other_bang() {
    let lo = Address::V4([127, 0, 0, 1]);
    let f = |n, port| PolicyFile::new(n, lo, port, 1000).unwrap().other_bang().to_string();
    assert_eq!(f(FileName::ByPort, 80), "byport/!80");
    assert_eq!(f(FileName::ByPort, 636), "byport/636");
    assert_eq!(f(FileName::ByAddrColon, 636), "byaddr/127.0.0.1:636");
    assert_eq!(f(FileName::ByUid, 80), "byuid/!1000");
    // Flag file names with the other bang are never consulted.
    for port in [80, 636] {
        for name in PolicyFile::flags(lo, port) {
            let other = name.other_bang().to_string();
            let why = PolicyName::parse_path(&other).unwrap_err();
            assert_eq!(why.instead(), Some(PolicyName::from(name)), "{other}");
        }
    }
}

fn any_address() -> impl Strategy<Value = Address> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(Address::V4),
        any::<[u8; 16]>().prop_map(Address::V6),
        // Runs of zeros, and IPv4 inside IPv6, are where the forms differ.
        (any::<[bool; 8]>(), any::<[u16; 8]>()).prop_map(|(zero, words)| {
            let mut b = [0u8; 16];
            for i in 0..8 {
                let w = if zero[i] { 0 } else { words[i] };
                b[2 * i..2 * i + 2].copy_from_slice(&w.to_be_bytes());
            }
            Address::V6(b)
        }),
        any::<[u8; 4]>().prop_map(|v4| {
            let mut b = [0u8; 16];
            b[10..12].copy_from_slice(&[0xff, 0xff]);
            b[12..].copy_from_slice(&v4);
            Address::V6(b)
        }),
    ]
}

proptest! {
    /// Every name `PolicyFile` prints for a request reads back as that
    /// request.
    #[test]
    fn printed_names_read_back(
        addr in any_address(),
        port in 1u16..,
        uid in 0..u32::MAX,
        which in 0usize..FileName::ALL.len(),
    ) {
        let name = FileName::ALL[which];
        let Some(file) = PolicyFile::new(name, addr, port, uid) else {
            return Ok(());
        };
        let text = file.to_string();
        let read = PolicyName::parse_path(&text);
        prop_assert!(read.is_ok(), "{text}: {read:?}");
        let read = read.unwrap();
        prop_assert_eq!(read.to_string(), text.clone());
        match read {
            PolicyName::ByPort(p) => prop_assert_eq!((name, p), (FileName::ByPort, port)),
            PolicyName::ByAddr { addr: a, port: p, form } => {
                prop_assert_eq!((a, p), (addr, port));
                // The first form that prints it, which may be another
                // form of the same name (an IPv6 address without `::`).
                prop_assert_eq!(PolicyFile::new(form, addr, port, 0).unwrap().to_string(), text.clone());
                prop_assert_eq!(form.rule(), Rule::ByAddr);
            }
            PolicyName::ByUid(b) => {
                prop_assert_eq!(name, FileName::ByUid);
                prop_assert_eq!(b, ByuidName::for_request(uid, port));
                prop_assert!(b.ports().contains(&port));
            }
            PolicyName::Reserve(r) => {
                prop_assert_eq!(name.rule(), Rule::Reserve);
                prop_assert_eq!(r.port, port);
                prop_assert!(r.covers(&addr, port));
            }
        }
        prop_assert_eq!(PolicyName::from(file).to_string(), text);
    }

    /// Names near the ones `PolicyFile` prints: only those it prints are
    /// consulted.
    #[test]
    fn near_names_are_judged_by_printing(
        addr in any_address(),
        port in 0u16..,
        uid in any::<u32>(),
        which in 0usize..5,
        edit in 0usize..8,
        at in any::<prop::sample::Index>(),
    ) {
        let name = FileName::ALL[which];
        let Some(file) = PolicyFile::new(name, addr, port, uid) else {
            return Ok(());
        };
        let printed = file.to_string();
        let (folder, entry) = printed.split_once('/').unwrap();
        let mut entry = entry.to_string();
        let i = at.index(entry.len() + 1);
        match edit {
            0 => entry = file.other_bang().to_string().split_once('/').unwrap().1.to_string(),
            1 => entry.insert(i, '0'),
            2 => entry = entry.to_uppercase(),
            3 => entry = entry.replace(',', ":"),
            4 => entry = entry.replace(':', ","),
            5 => entry.truncate(i),
            6 => entry.insert(i, '!'),
            _ => {}
        }
        judged_by_printing(Rule::from_folder(folder).unwrap(), &entry)?;
    }

    #[test]
    fn random_names_are_judged_by_printing(
        rule in 0usize..3,
        entry in "!?[0-9a-fA-F:.,]{0,24}|!?[0-9]{1,11}",
    ) {
        judged_by_printing(Rule::ALL[rule], &entry)?;
    }
}

/// A name read as consulted is one `PolicyFile` prints; a name never
/// consulted points, if anywhere, to one that is.
fn judged_by_printing(rule: Rule, entry: &str) -> Result<(), TestCaseError> {
    let path = format!("{}/{entry}", rule.folder());
    match PolicyName::parse(rule, entry) {
        Ok(name) => {
            prop_assert_eq!(name.to_string(), path.clone());
            prop_assert_eq!(name.rule(), rule);
        }
        Err(why) => {
            if let Some(instead) = why.instead() {
                let text = instead.to_string();
                prop_assert_ne!(&text, &path);
                prop_assert_eq!(PolicyName::parse_path(&text).map(|n| n.to_string()), Ok(text.clone()));
            }
        }
    }
    Ok(())
}
