//! File names authbind looks for, computed with the C library's
//! inet_ntop (not with the code under test).

use std::ffi::{c_char, c_int, c_void, CStr};
use std::net::IpAddr;

extern "C" {
    fn inet_ntop(af: c_int, src: *const c_void, dst: *mut c_char, size: u32) -> *const c_char;
}

pub fn ntop(addr: &IpAddr) -> String {
    let (af, bytes): (c_int, Vec<u8>) = match addr {
        IpAddr::V4(a) => (libc::AF_INET, a.octets().to_vec()),
        IpAddr::V6(a) => (libc::AF_INET6, a.octets().to_vec()),
    };
    let mut buf = [0 as c_char; 64];
    // SAFETY: bytes holds a whole address of the family; buf is 64 bytes.
    let p = unsafe { inet_ntop(af, bytes.as_ptr().cast(), buf.as_mut_ptr(), 64) };
    assert!(!p.is_null(), "inet_ntop failed");
    // SAFETY: inet_ntop wrote a NUL-terminated string into buf.
    unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned()
}

/// Eight groups, leading zeros removed, no `::`.
pub fn uncompressed(addr: &IpAddr) -> Option<String> {
    match addr {
        IpAddr::V4(_) => None,
        IpAddr::V6(a) => Some(
            a.segments()
                .iter()
                .map(|s| format!("{s:x}"))
                .collect::<Vec<_>>()
                .join(":"),
        ),
    }
}

/// Every byaddr leaf name that could match `addr`:`port`.
pub fn byaddr_names(addr: &IpAddr, port: u16, bang: bool) -> Vec<String> {
    let b = if bang { "!" } else { "" };
    let text = ntop(addr);
    let mut v = vec![format!("{b}{text},{port}")];
    match addr {
        IpAddr::V4(_) => v.push(format!("{b}{text}:{port}")),
        IpAddr::V6(_) => {
            if let Some(u) = uncompressed(addr) {
                v.push(format!("{b}{u},{port}"));
            }
            v.push(format!("{b}{},{port}", text.to_uppercase()));
        }
    }
    v
}
