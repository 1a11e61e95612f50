//! The classic helper command line, parsed exactly as authbind 2.1's
//! helper parses it: `helper ADDR4HEX PORTHEX` or
//! `helper ADDR6HEX PORTHEX 6`. Numbers are read with `strtoul(…, 16)`
//! semantics and hold network-byte-order values printed as host integers
//! (that is what libauthbind passes), so on a little-endian machine port 80
//! is written `5000`.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use alloc::{format, vec};
use model::{Address, Target};

/// `strtoul(text, &end, 16)`: white space, a sign, an optional `0x`, hex
/// digits. Returns the value and whether the whole text was consumed.
fn strtoul16(text: &[u8]) -> (u64, bool) {
    let mut i = 0;
    while i < text.len() && crate::cscan::is_c_space(text[i]) {
        i += 1;
    }
    let mut negative = false;
    if i < text.len() && (text[i] == b'+' || text[i] == b'-') {
        negative = text[i] == b'-';
        i += 1;
    }
    let hex_at = |j: usize| text.get(j).is_some_and(u8::is_ascii_hexdigit);
    if text.get(i) == Some(&b'0') && matches!(text.get(i + 1), Some(b'x' | b'X')) && hex_at(i + 2) {
        i += 2;
    }
    let start = i;
    let mut value: u64 = 0;
    let mut overflow = false;
    while let Some(d) = text.get(i).and_then(|&c| (c as char).to_digit(16)) {
        i += 1;
        match value.checked_mul(16).and_then(|v| v.checked_add(u64::from(d))) {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    if i == start {
        // No digits: strtoul returns 0 and leaves the end at the start.
        return (0, text.is_empty());
    }
    let value = if overflow {
        u64::MAX
    } else if negative {
        value.wrapping_neg()
    } else {
        value
    };
    (value, i == text.len())
}

/// authbind's `hex2bytes`: each byte from exactly two characters that
/// `strtoul` must consume entirely; anything after the 32nd is ignored.
fn hex16(text: &[u8]) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        let pair = text.get(2 * i..2 * i + 2)?;
        if pair.contains(&0) {
            return None;
        }
        let (v, whole) = strtoul16(pair);
        if !whole {
            return None;
        }
        *byte = v as u8;
    }
    Some(out)
}

/// Parses `argv[1..]`. `None` is authbind's "bad usage" (exit ENOSYS).
pub fn parse_classic(args: &[&[u8]]) -> Option<Target> {
    let addr = match args {
        [addr, _port] => {
            let (v, whole) = strtoul16(addr);
            if !whole || v > 0xffff_ffff {
                return None;
            }
            // The value is s_addr as the caller's machine stores it.
            Address::V4((v as u32).to_ne_bytes())
        }
        [addr, _port, six] if *six == b"6" => Address::V6(hex16(addr)?),
        _ => return None,
    };
    let (p, whole) = strtoul16(args[1]);
    if !whole || p > 0xffff {
        return None;
    }
    Some(Target::new(addr, u16::from_be(p as u16)))
}

/// The classic arguments libauthbind would pass for this request.
pub fn format_classic(addr: &Address, port: u16) -> Vec<String> {
    let port_arg = format!("{:04x}", port.to_be());
    match addr {
        Address::V4(b) => vec![format!("{:08x}", u32::from_ne_bytes(*b)), port_arg],
        Address::V6(b) => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            vec![hex, port_arg, "6".to_string()]
        }
    }
}
