//! Oracles for the policy's tests, the differential test and the fuzz
//! targets: the one copy of them.
//!
//! The `policy` and `model` crates re-implement, in safe Rust, the C
//! library calls that authbind 2.1's helper makes (`sscanf`, `strtoul`,
//! `inet_pton`, `inet_ntop`). The functions here take the helper's steps
//! again but call the C library itself (glibc, in the C locale), so every
//! test input is also a differential test of those emulations. They follow
//! the helper's code path step by step, which is why they are written in
//! C's style.

use model::{Address, Target};
use std::ffi::{c_char, c_int, c_uint, c_ulong, c_void, CStr, CString};

extern "C" {
    fn sscanf(s: *const c_char, format: *const c_char, ...) -> c_int;
    fn inet_pton(af: c_int, src: *const c_char, dst: *mut c_void) -> c_int;
    fn inet_ntop(af: c_int, src: *const c_void, dst: *mut c_char, size: u32) -> *const c_char;
}

/// authbind reads byuid files with `fgets(buf, 299, f)`.
pub const FGETS_CHUNK: usize = 298;

/// glibc's `inet_ntop` of `addr`.
pub fn c_ntop(addr: &Address) -> String {
    let af = if addr.is_v6() { libc::AF_INET6 } else { libc::AF_INET };
    let mut buf = [0 as c_char; 64];
    // SAFETY: the address bytes are a whole address of the family; buf is
    // 64 bytes, room for either.
    let p = unsafe { inet_ntop(af, addr.bytes().as_ptr().cast(), buf.as_mut_ptr(), 64) };
    assert!(!p.is_null(), "inet_ntop failed");
    // SAFETY: inet_ntop wrote a NUL-terminated string into buf.
    unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned()
}

/// glibc's `inet_pton` for `af` (`AF_INET` or `AF_INET6`): the address
/// bytes, or `None` when it refuses the text.
pub fn c_pton_family(af: c_int, text: &[u8]) -> Option<Vec<u8>> {
    let c = CString::new(text).ok()?;
    let mut out = [0u8; 16];
    // SAFETY: c is NUL-terminated; out has room for either family.
    let r = unsafe { inet_pton(af, c.as_ptr(), out.as_mut_ptr().cast()) };
    (r == 1).then(|| out[..if af == libc::AF_INET { 4 } else { 16 }].to_vec())
}

/// What C sees of a buffer: everything before the first NUL.
pub fn c_string(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == 0) {
        Some(nul) => &bytes[..nul],
        None => bytes,
    }
}

fn cstr(bytes: &[u8]) -> CString {
    CString::new(c_string(bytes)).expect("cut at the first NUL")
}

/// `nchar = -1; sscanf(text, " %u %n", &v, &nchar); nchar == strlen(text)`.
fn c_whole_uint(text: &[u8]) -> Option<c_uint> {
    let c = cstr(text);
    let mut v: c_uint = 0;
    let mut nchar: c_int = -1;
    // SAFETY: c is NUL-terminated; the format has one %u and one %n, and
    // the pointers given match them.
    unsafe {
        sscanf(
            c.as_ptr(),
            c" %u %n".as_ptr(),
            &mut v as *mut c_uint,
            &mut nchar as *mut c_int,
        );
    }
    (nchar >= 0 && nchar as usize == text.len()).then_some(v)
}

/// `sscanf(text, " %u-%u %n", ...)` consuming the whole text.
fn c_whole_uint_range(text: &[u8]) -> Option<(c_uint, c_uint)> {
    let c = cstr(text);
    let (mut a, mut b): (c_uint, c_uint) = (0, 0);
    let mut nchar: c_int = -1;
    // SAFETY: as above: two %u and one %n.
    unsafe {
        sscanf(
            c.as_ptr(),
            c" %u-%u %n".as_ptr(),
            &mut a as *mut c_uint,
            &mut b as *mut c_uint,
            &mut nchar as *mut c_int,
        );
    }
    (nchar >= 0 && nchar as usize == text.len()).then_some((a, b))
}

/// glibc's `inet_pton` for the family of `like`.
pub fn c_pton(like: &Address, text: &[u8]) -> Option<Vec<u8>> {
    let af = if like.is_v6() { libc::AF_INET6 } else { libc::AF_INET };
    c_pton_family(af, c_string(text))
}

/// One byuid line (one `fgets` chunk), decided the way authbind 2.1's
/// helper decides it, with glibc doing the parsing.
pub fn c_line_grants(chunk: &[u8], addr: &Address, port: u16) -> bool {
    let line = c_string(chunk);
    let hport = c_uint::from(port);
    let (pmin, pmax);
    let colon = match addr {
        Address::V4(a) => c_colon_form(line, *a),
        Address::V6(_) => None,
    };
    if let Some(verdict) = colon {
        match verdict {
            None => return false,
            Some((lo, hi)) => {
                pmin = lo;
                pmax = hi;
            }
        }
    } else {
        let Some(comma) = line.iter().position(|&b| b == b',') else {
            return false;
        };
        let (head, tail) = (&line[..comma], &line[comma + 1..]);
        let slash = head.iter().position(|&b| b == b'/');
        let hyphen = head.iter().position(|&b| b == b'-');
        if slash.is_some() && hyphen.is_some() {
            return false;
        }
        if let Some(s) = slash {
            // `int alen` read with %u.
            let Some(alen) = c_whole_uint(&head[s + 1..]) else {
                return false;
            };
            let Some(net) = c_pton(addr, &head[..s]) else {
                return false;
            };
            let mut remain = alen as c_int;
            for (i, &want) in net.iter().enumerate() {
                let this_byte = if remain < 8 { remain } else { 8 };
                remain -= this_byte;
                // C leaves a negative shift count undefined; x86 and arm64
                // use it modulo 32, which wrapping_shr reproduces.
                let mask = 0xffu32 ^ 0xffu32.wrapping_shr(this_byte as u32);
                if u32::from(addr.bytes()[i]) & mask != u32::from(want) {
                    return false;
                }
            }
            if remain != 0 {
                return false;
            }
        } else {
            let (min, max) = match hyphen {
                Some(h) => (&head[..h], &head[h + 1..]),
                None => (head, head),
            };
            let (Some(min), Some(max)) = (c_pton(addr, min), c_pton(addr, max)) else {
                return false;
            };
            if addr.bytes() < &min[..] || addr.bytes() > &max[..] {
                return false;
            }
        }
        if let Some((lo, hi)) = c_whole_uint_range(tail) {
            pmin = lo;
            pmax = hi;
        } else if let Some(p) = c_whole_uint(tail) {
            pmin = p;
            pmax = p;
        } else {
            return false;
        }
    }
    !(hport < pmin || hport > pmax)
}

/// The `a.b.c.d/len: pmin,pmax` form. `None`: not this form (try the
/// others); `Some(None)`: this form, and the line is void or its address
/// does not match; `Some(Some(ports))`: the address matches.
#[allow(clippy::option_option)]
fn c_colon_form(line: &[u8], addr: [u8; 4]) -> Option<Option<(c_uint, c_uint)>> {
    let c = cstr(line);
    let mut v = [0 as c_uint; 7];
    let mut nchar: c_int = -1;
    let [a1, a2, a3, a4, alen, pmin, pmax] = &mut v;
    // SAFETY: seven %u and one %n, each given a matching pointer.
    unsafe {
        sscanf(
            c.as_ptr(),
            c" %u.%u.%u.%u/%u: %u,%u %n".as_ptr(),
            a1 as *mut c_uint,
            a2 as *mut c_uint,
            a3 as *mut c_uint,
            a4 as *mut c_uint,
            alen as *mut c_uint,
            pmin as *mut c_uint,
            pmax as *mut c_uint,
            &mut nchar as *mut c_int,
        );
    }
    if !(nchar >= 0 && nchar as usize == line.len()) {
        return None;
    }
    let [a1, a2, a3, a4, alen, pmin, pmax] = v;
    if alen > 32
        || pmin & !0xffff != 0
        || pmax & !0xffff != 0
        || a1 & !0xff != 0
        || a2 & !0xff != 0
        || a3 & !0xff != 0
        || a4 & !0xff != 0
    {
        return Some(None);
    }
    // `unsigned long` arithmetic, as in the helper.
    let haddr4 = c_ulong::from(u32::from_be_bytes(addr));
    let thaddr = c_ulong::from((a1 << 24) | (a2 << 16) | (a3 << 8) | a4);
    let thmask: c_ulong = if alen != 0 { 0xffff_ffff << (32 - alen) } else { 0 };
    if haddr4 & thmask != thaddr {
        return Some(None);
    }
    Some(Some((pmin, pmax)))
}

/// `fgets(buf, 299, f)` over a whole file: chunks of at most 298 bytes,
/// each ending after a newline or where the file or the room ends.
pub fn fgets_chunks(mut text: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !text.is_empty() {
        let room = text.len().min(FGETS_CHUNK);
        let take = match text[..room].iter().position(|&b| b == b'\n') {
            Some(nl) => nl + 1,
            None => room,
        };
        out.push(&text[..take]);
        text = &text[take..];
    }
    out
}

/// Does any line of this byuid file grant (glibc doing the parsing)?
pub fn c_file_grants(text: &[u8], addr: &Address, port: u16) -> bool {
    fgets_chunks(text)
        .into_iter()
        .any(|chunk| c_line_grants(chunk, addr, port))
}

/// `strtoul(text, &ep, 16)`, and whether `*ep == 0` afterwards.
fn c_strtoul16(text: &[u8]) -> (c_ulong, bool) {
    let c = cstr(text);
    let mut end: *mut c_char = std::ptr::null_mut();
    // SAFETY: c is NUL-terminated and outlives the call; end is written by it.
    let v = unsafe { libc::strtoul(c.as_ptr(), &mut end, 16) };
    // SAFETY: strtoul leaves end inside c (at most at its NUL).
    let at_end = unsafe { *end } == 0;
    (v, at_end)
}

/// The helper's command line (`argv[1..]`), parsed as authbind 2.1 parses
/// it, with glibc's `strtoul`. Arguments are C strings: no NUL inside.
pub fn c_parse_classic(args: &[&[u8]]) -> Option<Target> {
    assert!(args.iter().all(|a| !a.contains(&0)));
    let addr = match args {
        [a, _] => {
            let (v, at_end) = c_strtoul16(a);
            if !at_end || v & !0xffff_ffff != 0 {
                return None;
            }
            // s_addr holds the value as this machine stores it.
            Address::V4((v as u32).to_ne_bytes())
        }
        [a, _, six] if *six == b"6" => {
            // hex2bytes: two characters per byte, each pair wholly hex.
            let mut out = [0u8; 16];
            for (i, byte) in out.iter_mut().enumerate() {
                let pair = a.get(2 * i..2 * i + 2)?;
                let c = CString::new(pair).ok()?;
                let mut end: *mut c_char = std::ptr::null_mut();
                // SAFETY: c is NUL-terminated; end is written by strtoul.
                let v = unsafe { libc::strtoul(c.as_ptr(), &mut end, 16) };
                // SAFETY: end points into c.
                let consumed = unsafe { end.offset_from(c.as_ptr()) };
                if consumed != 2 {
                    return None;
                }
                *byte = v as u8;
            }
            Address::V6(out)
        }
        _ => return None,
    };
    let (port, at_end) = c_strtoul16(args[1]);
    if !at_end || port & !0xffff != 0 {
        return None;
    }
    Some(Target::new(addr, u16::from_be(port as u16)))
}

#[cfg(test)]
mod tests {
    //! The oracles themselves, on cases whose answers are known from
    //! authbind's manual and Debian's helper (`cargo test` in fuzz/).
    use super::*;

    const LO: Address = Address::V4([127, 0, 0, 1]);

    fn v6(text: &str) -> Address {
        Address::V6(text.parse::<std::net::Ipv6Addr>().unwrap().octets())
    }

    #[test]
    fn line_oracle_knows_every_form() {
        assert!(c_line_grants(b"127.0.0.1,80\n", &LO, 80));
        assert!(!c_line_grants(b"127.0.0.1,80\n", &LO, 81));
        assert!(c_line_grants(b"0.0.0.0/0,80-90\n", &LO, 85));
        assert!(c_line_grants(b"127.0.0.0/8:80,90\n", &LO, 90));
        assert!(!c_line_grants(b"127.0.0.0/8:80,90 x\n", &LO, 90));
        assert!(c_line_grants(b"10.0.0.0-127.0.0.1, +0080 \r\n", &LO, 80));
        assert!(c_line_grants(b"127.0.0.1,80\0junk", &LO, 80));
        assert!(!c_line_grants(b" 127.0.0.1,80\n", &LO, 80));
        assert!(c_line_grants(
            b"1.0.0.0/4294967295,80\n",
            &Address::V4([1, 9, 9, 9]),
            80
        ));
        let a = v6("2620:106:e002:f00f::21");
        assert!(c_line_grants(b"2620:106:e002:f00f::21,80\n", &a, 80));
        assert!(c_line_grants(b"::/0,80\n", &a, 80));
        assert!(!c_line_grants(b"0.0.0.0/0:1,1023\n", &a, 80));
    }

    #[test]
    fn chunks_like_fgets() {
        let mut text = vec![b'x'; FGETS_CHUNK];
        text.extend_from_slice(b"127.0.0.1,80\n");
        assert_eq!(fgets_chunks(&text).len(), 2);
        assert!(c_file_grants(&text, &LO, 80));
        assert!(!c_file_grants(&text[1..], &LO, 80));
    }

    #[test]
    fn argv_oracle() {
        let lo = c_parse_classic(&[b"0100007f", b"5000"]).unwrap();
        assert_eq!((lo.addr, lo.port), (LO, 80));
        assert_eq!(c_parse_classic(&[b"", b"5000"]).unwrap().addr, Address::V4([0; 4]));
        assert_eq!(c_parse_classic(&[b"100000000", b"5000"]), None);
        assert_eq!(c_parse_classic(&[b"0100007f", b"5000", b"4"]), None);
        let six = c_parse_classic(&[b"000000000000000000000000000000 1", b"5000", b"6"]).unwrap();
        assert_eq!(six.addr, v6("::1"));
        assert_eq!(
            c_parse_classic(&[b"0000000000000000000000000000000", b"5000", b"6"]),
            None
        );
    }
}
