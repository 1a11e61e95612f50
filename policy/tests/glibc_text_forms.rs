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
