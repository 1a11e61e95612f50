//! byuid files: which lines grant a request, read the way authbind 2.1
//! reads them (`fgets` into a 300-byte buffer, `sscanf`, `inet_pton`).

use crate::addr::Address;
use crate::cscan::{whole_uint, whole_uint_range, Scan};
use std::io::{self, BufRead};

/// authbind reads with `fgets(buf, 299, f)`: at most 298 bytes at a time,
/// so a longer line is seen as several lines.
pub const CHUNK: usize = 298;

/// We stop reading a byuid file after this many bytes (authbind reads
/// without end). Large enough for any real file, small enough to bound the
/// helper's time.
pub const MAX_FILE_BYTES: u64 = 128 << 20;

/// Does this line (one `fgets` chunk) grant binding `addr` at `port`?
pub fn line_grants(chunk: &[u8], addr: &Address, port: u16) -> bool {
    // C sees the line only up to its first NUL.
    let line = match chunk.iter().position(|&b| b == 0) {
        Some(nul) => &chunk[..nul],
        None => chunk,
    };
    let port = u32::from(port);
    if let Address::V4(a) = addr {
        if let Some(f) = ipv4_colon_form(line) {
            // The `addr4/len:portmin,portmax` form: values out of range or
            // an address that does not match end this line's chances.
            if f.len > 32 || f.pmin > 0xffff || f.pmax > 0xffff || f.octets.iter().any(|&o| o > 0xff) {
                return false;
            }
            let want = f.octets.iter().fold(0u32, |acc, &o| (acc << 8) | o);
            let mask = if f.len == 0 { 0 } else { u32::MAX << (32 - f.len) };
            if u32::from_be_bytes(*a) & mask != want {
                return false;
            }
            return f.pmin <= port && port <= f.pmax;
        }
    }
    let Some(comma) = line.iter().position(|&b| b == b',') else {
        return false;
    };
    let (head, ports) = (&line[..comma], &line[comma + 1..]);
    let slash = head.iter().position(|&b| b == b'/');
    let hyphen = head.iter().position(|&b| b == b'-');
    let addr_ok = match (slash, hyphen) {
        (Some(_), Some(_)) => false,
        (Some(s), None) => prefix_matches(&head[..s], &head[s + 1..], addr),
        (None, Some(h)) => range_contains(&head[..h], &head[h + 1..], addr),
        (None, None) => range_contains(head, head, addr),
    };
    if !addr_ok {
        return false;
    }
    let (pmin, pmax) = match whole_uint_range(ports) {
        Some(r) => r,
        None => match whole_uint(ports) {
            Some(p) => (p, p),
            None => return false,
        },
    };
    pmin <= port && port <= pmax
}

struct ColonForm {
    octets: [u32; 4],
    len: u32,
    pmin: u32,
    pmax: u32,
}

/// `sscanf(line, " %u.%u.%u.%u/%u: %u,%u %n")` consuming the whole line.
fn ipv4_colon_form(line: &[u8]) -> Option<ColonForm> {
    let mut s = Scan::new(line);
    let a = s.space().uint()?;
    let b = s.lit(b'.')?.uint()?;
    let c = s.lit(b'.')?.uint()?;
    let d = s.lit(b'.')?.uint()?;
    let len = s.lit(b'/')?.uint()?;
    let pmin = s.lit(b':')?.space().uint()?;
    let pmax = s.lit(b',')?.uint()?;
    s.space().at_end().then_some(ColonForm {
        octets: [a, b, c, d],
        len,
        pmin,
        pmax,
    })
}

/// `addr/len`: the first `len` bits of `addr` equal the request's, and
/// `addr` has no bits set past them.
fn prefix_matches(addr_text: &[u8], len_text: &[u8], addr: &Address) -> bool {
    let Some(len) = whole_uint(len_text) else {
        return false;
    };
    let Some(net) = addr.pton_same_family(addr_text) else {
        return false;
    };
    // authbind keeps the length in an `int`; a "negative" length walks its
    // per-byte loop with C shift semantics (the count taken modulo 32, as
    // x86 and arm64 do). Reproduced so that no admin's file changes meaning.
    let mut remain = len as i32;
    for (&want, &have) in net.bytes().iter().zip(addr.bytes()) {
        let this_byte = remain.min(8);
        remain -= this_byte;
        let mask = 0xffu32 ^ (0xffu32 >> ((this_byte as u32) & 31));
        if u32::from(have) & mask != u32::from(want) {
            return false;
        }
    }
    remain == 0
}

/// `min-max` (or a single address): inclusive, compared as byte strings.
fn range_contains(min_text: &[u8], max_text: &[u8], addr: &Address) -> bool {
    match (addr.pton_same_family(min_text), addr.pton_same_family(max_text)) {
        (Some(min), Some(max)) => min.bytes() <= addr.bytes() && addr.bytes() <= max.bytes(),
        _ => false,
    }
}

/// Why reading a byuid file stopped without a grant.
#[derive(Debug, PartialEq, Eq)]
pub enum ScanEnd {
    /// Every line was read; none granted.
    NoMatch,
    /// Reading failed with this errno (authbind: "read per-uid file").
    ReadError(i32),
    /// The file is larger than [`MAX_FILE_BYTES`].
    TooLarge,
}

/// Reads `file` chunk by chunk (as `fgets` would) until a line grants.
pub fn scan_file<R: BufRead>(mut file: R, addr: &Address, port: u16) -> Result<(), ScanEnd> {
    let mut chunk = [0u8; CHUNK];
    let mut total: u64 = 0;
    loop {
        let mut len = 0;
        // One fgets: up to CHUNK bytes, ending after a newline.
        while len < CHUNK {
            let buf = match file.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ScanEnd::ReadError(e.raw_os_error().unwrap_or(libc_eio()))),
            };
            if buf.is_empty() {
                break;
            }
            let room = CHUNK - len;
            let take = match buf[..buf.len().min(room)].iter().position(|&b| b == b'\n') {
                Some(nl) => nl + 1,
                None => buf.len().min(room),
            };
            chunk[len..len + take].copy_from_slice(&buf[..take]);
            file.consume(take);
            len += take;
            total += take as u64;
            if chunk[len - 1] == b'\n' {
                break;
            }
        }
        if len == 0 {
            return Err(ScanEnd::NoMatch);
        }
        if line_grants(&chunk[..len], addr, port) {
            return Ok(());
        }
        if total > MAX_FILE_BYTES {
            return Err(ScanEnd::TooLarge);
        }
    }
}

fn libc_eio() -> i32 {
    5
}
