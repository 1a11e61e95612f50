//! Our inet_ntop / inet_pton against the C library's, on many inputs.

use policy::Address;
use proptest::prelude::*;
use std::ffi::{c_char, c_int, c_void, CStr, CString};

extern "C" {
    fn inet_ntop(af: c_int, src: *const c_void, dst: *mut c_char, size: u32) -> *const c_char;
    fn inet_pton(af: c_int, src: *const c_char, dst: *mut c_void) -> c_int;
}

fn glibc_ntop6(b: &[u8; 16]) -> String {
    let mut buf = [0 as c_char; 64];
    // SAFETY: b is 16 bytes, buf is large enough and NUL-terminated on success.
    let p = unsafe { inet_ntop(libc::AF_INET6, b.as_ptr().cast(), buf.as_mut_ptr(), 64) };
    assert!(!p.is_null());
    // SAFETY: inet_ntop wrote a NUL-terminated string into buf.
    unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_string()
}

fn glibc_pton(af: i32, text: &[u8]) -> Option<Vec<u8>> {
    let c = CString::new(text).ok()?;
    let mut out = [0u8; 16];
    // SAFETY: c is NUL-terminated; out has room for either family.
    let r = unsafe { inet_pton(af, c.as_ptr(), out.as_mut_ptr().cast()) };
    (r == 1).then(|| out[..if af == libc::AF_INET { 4 } else { 16 }].to_vec())
}

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
        prop_assert_eq!(Address::V6(b).ntop(), glibc_ntop6(&b));
    }

    #[test]
    fn pton_like_glibc(text in address_text()) {
        let ours4 = policy::pton4(text.as_bytes()).map(|b| b.to_vec());
        let ours6 = policy::pton6(text.as_bytes()).map(|b| b.to_vec());
        prop_assert_eq!(ours4, glibc_pton(libc::AF_INET, text.as_bytes()), "v4 {}", text);
        prop_assert_eq!(ours6, glibc_pton(libc::AF_INET6, text.as_bytes()), "v6 {}", text);
    }
}
