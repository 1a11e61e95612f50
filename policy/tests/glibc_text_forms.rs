//! Our inet_ntop / inet_pton against the C library's, on many inputs.

use model::Address;
use oracles::{c_ntop, c_pton_family};
use proptest::prelude::*;

/// Addresses with many zero words, where the `::` choice is subtle.
fn sparse_v6() -> impl Strategy<Value = [u8; 16]> {
    prop::array::uniform8(prop_oneof![3 => Just(0u16), 1 => Just(1u16), 1 => Just(0xffff), 1 => any::<u16>()]).prop_map(
        |w| {
            let mut b = [0u8; 16];
            for i in 0..8 {
                b[2 * i..2 * i + 2].copy_from_slice(&w[i].to_be_bytes());
            }
            b
        },
    )
}

fn address_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9.]{0,16}",
        "[0-9a-fA-F:.]{0,40}",
        "(::)?([0-9a-f]{1,5}:){0,8}[0-9a-f]{0,4}",
        "([0-9a-f]{0,4}:){1,6}[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,4}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn ntop6_like_glibc(b in sparse_v6()) {
        prop_assert_eq!(Address::V6(b).to_string(), c_ntop(&Address::V6(b)));
    }

    #[test]
    fn pton_like_glibc(text in address_text()) {
        let ours4 = model::pton4(text.as_bytes()).map(|b| b.to_vec());
        let ours6 = model::pton6(text.as_bytes()).map(|b| b.to_vec());
        prop_assert_eq!(ours4, c_pton_family(libc::AF_INET, text.as_bytes()), "v4 {}", text);
        prop_assert_eq!(ours6, c_pton_family(libc::AF_INET6, text.as_bytes()), "v6 {}", text);
    }
}

/// Lines near authbind's forms: addresses, prefixes, ranges and ports with
/// the decorations scanf accepts and the mistakes people make.
fn near_line() -> impl Strategy<Value = String> {
    let v4 = "(0|1|10|127|192|255|256|01)\\.(0|1|168|255)\\.(0|2|255)\\.(0|1|9|255)";
    let v6 = "(::|::1|2001:db8::|fe80::1|::ffff:127\\.0\\.0\\.1|1:2:3:4:5:6:7:8)";
    let num = "( ?\\+?0?(0|1|8|9|32|33|64|80|128|129|511|512|1023|1024|65535|65536|4294967295|4294967296))";
    let addr = format!("({v4}|{v6})");
    let re = |p: String| proptest::string::string_regex(&p).expect("a valid pattern");
    let plain_v4 = "(127\\.0\\.0\\.1|10\\.0\\.0\\.0|0\\.0\\.0\\.0)";
    let plain_v6 = "(::1|::|2001:db8::)";
    let len = "(0|8|24|32|64|128|129)";
    prop_oneof![
        3 => re(format!("({plain_v4}|{plain_v6})(/{len})?,(80|0-1023|79-81|1-65535)\n?")),
        1 => re(format!("{addr},{num}(-{num})?[ \\t\\r]?\n?")),
        1 => re(format!("{addr}/{num},{num}(-{num})?\n?")),
        1 => re(format!("{addr}-{addr},{num}\n?")),
        1 => re(format!("{v4}/{num}: ?{num},{num} ?\n?")),
        1 => re(format!("[ #]?{addr}[ ,:/-]{{0,2}}{num}[ a-z#]{{0,3}}\n?")),
        1 => re("[0-9a-f.:/,\\- +#\\t]{0,40}".to_string()),
    ]
}

fn fallback_addr() -> impl Strategy<Value = Address> {
    prop_oneof![
        prop::sample::select(vec![
            [127, 0, 0, 1],
            [10, 0, 0, 1],
            [192, 168, 0, 9],
            [0, 0, 0, 0],
            [1, 0, 0, 0]
        ])
        .prop_map(Address::V4),
        any::<[u8; 4]>().prop_map(Address::V4),
        prop::sample::select(vec!["::1", "2001:db8::7", "::", "fe80::1", "::ffff:127.0.0.1"])
            .prop_map(|t| Address::V6(model::pton6(t.as_bytes()).unwrap())),
    ]
}

/// The address a line starts with, if it reads as one: requests near the
/// line, so that many of them are granted.
fn addr_in(line: &str) -> Option<Address> {
    let end = line.find([',', '/', '-']).unwrap_or(line.len());
    let head = &line[..end];
    let head = head
        .split_once(':')
        .filter(|_| !head.contains("::"))
        .map_or(head, |(a, _)| a);
    Address::parse_any(head.as_bytes())
}

/// The first number after the line's first `,` or `:`, modulo 2^16.
fn port_in(line: &str) -> Option<u16> {
    let at = line.find([',', ':'])?;
    let digits: String = line[at + 1..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse::<u64>().ok().map(|n| n as u16)
}

/// The policy's reading of a byuid line (its one line analyser) grants
/// exactly when authbind's steps, with glibc's sscanf and inet_pton, grant;
/// on a fixed sample, so that it is known how many of them granted.
#[test]
fn line_grants_like_the_helper_with_glibc() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let strategy = (near_line(), fallback_addr(), any::<u16>(), any::<bool>(), any::<bool>());
    let mut runner = TestRunner::deterministic();
    let (mut cases, mut granted) = (0, 0);
    for _ in 0..6000 {
        let (line, fallback, any_port, near_addr, near_port) = strategy.new_tree(&mut runner).unwrap().current();
        let addr = near_addr.then(|| addr_in(&line)).flatten().unwrap_or(fallback);
        let port = near_port.then(|| port_in(&line)).flatten().unwrap_or(any_port);
        let ours = policy::line_grants(line.as_bytes(), &addr, port);
        let glibc = oracles::c_line_grants(line.as_bytes(), &addr, port);
        assert_eq!(ours, glibc, "{line:?} for {addr} port {port}");
        cases += 1;
        granted += usize::from(ours);
    }
    // The sample is not all refusals.
    assert!(granted * 20 >= cases, "only {granted} of {cases} lines granted");
}
