//! What one byuid line means, read the way authbind 2.1 reads it
//! (`sscanf`, `inet_pton`, C's int and shift semantics): for each address
//! family either a [`LineRule`] (addresses and ports it covers) or the
//! reason it covers nothing ([`Void`]). The helper's decision, the
//! kernel-mode compiler and `authbind-policy check` all read lines here.

use crate::cscan::{whole_uint, whole_uint_range, Scan};
use model::{Address, Family, Ignored};

/// The addresses a line covers, for one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrMatch {
    /// `min` to `max` inclusive (byte-wise), `min <= max`.
    Range { min: Address, max: Address },
    /// The first `len` bits equal `net`'s; `net` has no bits set past them.
    Prefix { net: Address, len: u8 },
}

impl AddrMatch {
    pub fn covers(&self, addr: &Address) -> bool {
        match self {
            AddrMatch::Range { min, max } => {
                min.family() == addr.family() && min.bytes() <= addr.bytes() && addr.bytes() <= max.bytes()
            }
            AddrMatch::Prefix { net, len } => net.family() == addr.family() && prefix_equal(net, addr, *len),
        }
    }
}

fn prefix_equal(a: &Address, b: &Address, len: u8) -> bool {
    let (full, rest) = (usize::from(len / 8), len % 8);
    let (a, b) = (a.bytes(), b.bytes());
    if a[..full] != b[..full] {
        return false;
    }
    rest == 0 || (a[full] ^ b[full]) & (0xff << (8 - rest)) == 0
}

/// What a line grants for one family: these addresses, these ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineRule {
    pub addr: AddrMatch,
    /// Inclusive, `min <= max`, `min <= 65535` (`max` may exceed it: the
    /// values are C's unsigned ints).
    pub ports: (u32, u32),
}

/// Why a line that covers nothing for a request's family did not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Miss {
    /// It is written for the other family.
    OtherFamily,
    /// The address is outside the line's.
    Address,
    /// The port is outside the line's.
    Port,
}

impl LineRule {
    pub fn check(&self, addr: &Address, port: u16) -> Result<(), Miss> {
        if !self.addr.covers(addr) {
            return Err(Miss::Address);
        }
        let port = u32::from(port);
        if port < self.ports.0 || port > self.ports.1 {
            return Err(Miss::Port);
        }
        Ok(())
    }
}

/// A line that covers nothing for a family, why, and the text at fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Void<'a> {
    pub why: Ignored,
    pub token: &'a [u8],
}

/// C sees a line only up to its first NUL.
pub fn c_line(chunk: &[u8]) -> &[u8] {
    match chunk.iter().position(|&b| b == 0) {
        Some(nul) => &chunk[..nul],
        None => chunk,
    }
}

/// The line for requests of `family`. `chunk` is one `fgets` chunk.
pub fn analyze(chunk: &[u8], family: Family) -> Result<LineRule, Void<'_>> {
    let line = c_line(chunk);
    let void = |why, token| Err(Void { why, token });
    if family == Family::V4 {
        if let Some(f) = ipv4_colon_form(line) {
            // Values out of range end this line's chances (authbind does
            // not re-read it as another form).
            if f.len > 32 || f.pmin > 0xffff || f.pmax > 0xffff || f.octets.iter().any(|&o| o > 0xff) {
                return void(Ignored::ColonFormOutOfRange, line);
            }
            let want = f.octets.iter().fold(0u32, |acc, &o| (acc << 8) | o);
            let mask = if f.len == 0 { 0 } else { u32::MAX << (32 - f.len) };
            if want & !mask != 0 {
                return void(Ignored::HostBits, line);
            }
            if f.pmin > f.pmax {
                return void(Ignored::PortsReversed, line);
            }
            return Ok(LineRule {
                addr: AddrMatch::Prefix {
                    net: Address::V4(want.to_be_bytes()),
                    len: f.len as u8,
                },
                ports: (f.pmin, f.pmax),
            });
        }
    }
    let Some(comma) = line.iter().position(|&b| b == b',') else {
        return void(Ignored::NoComma, line);
    };
    let (head, ports) = (&line[..comma], &line[comma + 1..]);
    let slash = head.iter().position(|&b| b == b'/');
    let hyphen = head.iter().position(|&b| b == b'-');
    let addr = match (slash, hyphen) {
        (Some(_), Some(_)) => return void(Ignored::SlashAndHyphen, head),
        (Some(s), None) => prefix(&head[..s], &head[s + 1..], family)?,
        (None, Some(h)) => range(head, &head[..h], &head[h + 1..], family)?,
        (None, None) => range(head, head, head, family)?,
    };
    let (pmin, pmax) = match whole_uint_range(ports) {
        Some(r) => r,
        None => match whole_uint(ports) {
            Some(p) => (p, p),
            None => return void(Ignored::BadPorts, ports),
        },
    };
    if pmin > pmax {
        return void(Ignored::PortsReversed, ports);
    }
    if pmin > 0xffff {
        return void(Ignored::PortsOutOfRange, ports);
    }
    Ok(LineRule {
        addr,
        ports: (pmin, pmax),
    })
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

/// `addr/len`, with authbind's per-byte mask loop: the length is kept in
/// an `int`, so a "negative" one walks the loop with C shift semantics
/// (the count taken modulo 32, as x86 and arm64 do). Whatever the length,
/// the mask it builds is a run of leading bits; it is returned as such.
fn prefix<'a>(addr_text: &'a [u8], len_text: &'a [u8], family: Family) -> Result<AddrMatch, Void<'a>> {
    let Some(len) = whole_uint(len_text) else {
        return Err(Void {
            why: Ignored::BadPrefixLength,
            token: len_text,
        });
    };
    let Some(net) = Address::parse(family, addr_text) else {
        return Err(Void {
            why: Ignored::BadAddress,
            token: addr_text,
        });
    };
    let mut remain = len as i32;
    let mut bits: u32 = 0;
    let mut host_bits = false;
    for &want in net.bytes() {
        let this_byte = remain.min(8);
        remain -= this_byte;
        let mask = 0xffu32 ^ (0xffu32 >> ((this_byte as u32) & 31));
        // `(have & mask) != want` whatever `have` is.
        host_bits |= u32::from(want) & !mask != 0;
        bits += mask.count_ones();
    }
    if remain != 0 {
        return Err(Void {
            why: Ignored::PrefixTooLong,
            token: len_text,
        });
    }
    if host_bits {
        return Err(Void {
            why: Ignored::HostBits,
            token: addr_text,
        });
    }
    Ok(AddrMatch::Prefix { net, len: bits as u8 })
}

/// `min-max` (or a single address): inclusive, compared as byte strings.
fn range<'a>(head: &'a [u8], min_text: &'a [u8], max_text: &'a [u8], family: Family) -> Result<AddrMatch, Void<'a>> {
    let parse = |text: &'a [u8]| {
        Address::parse(family, text).ok_or(Void {
            why: Ignored::BadAddress,
            token: text,
        })
    };
    let (min, max) = (parse(min_text)?, parse(max_text)?);
    if min.bytes() > max.bytes() {
        return Err(Void {
            why: Ignored::AddressesReversed,
            token: head,
        });
    }
    Ok(AddrMatch::Range { min, max })
}

/// Both families' reading of one line.
#[derive(Clone, Copy, Debug)]
pub struct LineMeaning<'a> {
    pub v4: Result<LineRule, Void<'a>>,
    pub v6: Result<LineRule, Void<'a>>,
    /// Only white space: not a mistake, just nothing.
    pub blank: bool,
    /// Starts with `#` (after white space): authbind has no comments, but
    /// such a line is plainly not meant to grant.
    pub comment: bool,
}

impl<'a> LineMeaning<'a> {
    pub fn of(chunk: &'a [u8]) -> LineMeaning<'a> {
        let line = c_line(chunk);
        let first = line.iter().find(|&&b| !crate::cscan::is_c_space(b));
        LineMeaning {
            v4: analyze(chunk, Family::V4),
            v6: analyze(chunk, Family::V6),
            blank: first.is_none(),
            comment: first == Some(&b'#'),
        }
    }

    pub fn for_family(&self, family: Family) -> &Result<LineRule, Void<'a>> {
        match family {
            Family::V4 => &self.v4,
            Family::V6 => &self.v6,
        }
    }

    /// When the line covers nothing for either family: why, preferring
    /// the family whose address at least parsed (a host-bits mistake in an
    /// IPv4 line is not "not an IPv6 address").
    pub fn ignored(&self) -> Option<Void<'a>> {
        match (&self.v4, &self.v6) {
            (Err(a), Err(b)) => Some(if a.why == Ignored::BadAddress { *b } else { *a }),
            _ => None,
        }
    }

    /// A mistake worth reporting: ignored, and neither blank nor a comment.
    pub fn mistake(&self) -> Option<Void<'a>> {
        self.ignored().filter(|_| !self.blank && !self.comment)
    }

    /// What the line does for a request.
    pub fn verdict(&self, addr: &Address, port: u16) -> LineVerdict {
        match self.for_family(addr.family()) {
            Ok(rule) => match rule.check(addr, port) {
                Ok(()) => LineVerdict::Grants,
                Err(miss) => LineVerdict::Misses(miss),
            },
            Err(_) => match self.ignored() {
                Some(v) => LineVerdict::Ignored(v.why),
                None => LineVerdict::Misses(Miss::OtherFamily),
            },
        }
    }
}

/// One line's effect on one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineVerdict {
    Grants,
    Misses(Miss),
    /// authbind ignores the line for every request.
    Ignored(Ignored),
}

/// Does this line (one `fgets` chunk) grant binding `addr` at `port`?
pub fn line_grants(chunk: &[u8], addr: &Address, port: u16) -> bool {
    analyze(chunk, addr.family()).is_ok_and(|rule| rule.check(addr, port).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(chunk: &str) -> Result<LineRule, Ignored> {
        analyze(chunk.as_bytes(), Family::V4).map_err(|v| v.why)
    }

    #[test]
    fn each_reason_is_found() {
        let cases: &[(&str, Ignored)] = &[
            ("127.0.0.1:84\n", Ignored::NoComma),
            ("127.0.0.1,85 # web\n", Ignored::BadPorts),
            (" 127.0.0.1,86\n", Ignored::BadAddress),
            ("localhost,87\n", Ignored::BadAddress),
            ("127.0.0.1/8,92\n", Ignored::HostBits),
            ("127.0.0.1,95-94\n", Ignored::PortsReversed),
            ("10.0.0.0/8-10.0.0.9,80\n", Ignored::SlashAndHyphen),
            ("10.0.0.0/x,80\n", Ignored::BadPrefixLength),
            ("1.2.3.4/33,80\n", Ignored::PrefixTooLong),
            ("10.0.0.9-10.0.0.1,80\n", Ignored::AddressesReversed),
            ("127.0.0.1,65536\n", Ignored::PortsOutOfRange),
            ("127.0.0.0/33:80,90\n", Ignored::ColonFormOutOfRange),
            ("127.0.0.1/8:80,90\n", Ignored::HostBits),
            ("127.0.0.0/8:90,80\n", Ignored::PortsReversed),
        ];
        for (line, why) in cases {
            assert_eq!(v4(line), Err(*why), "{line:?}");
            let m = LineMeaning::of(line.as_bytes());
            assert_eq!(m.ignored().map(|v| v.why), Some(*why), "{line:?}");
        }
        let m = LineMeaning::of(b"localhost,87\n");
        assert_eq!(m.ignored().map(|v| v.token), Some(&b"localhost"[..]));
    }

    #[test]
    fn quirky_prefix_lengths_are_leading_bit_runs() {
        let p = |line: &str| match v4(line) {
            Ok(LineRule {
                addr: AddrMatch::Prefix { len, .. },
                ..
            }) => Some(len),
            _ => None,
        };
        assert_eq!(p("1.0.0.0/4294967295,80\n"), Some(8));
        assert_eq!(p("0.0.0.0/4294967264,80\n"), Some(0));
        assert_eq!(p("0.0.0.0/4294967296,80\n"), Some(0));
        assert_eq!(p("10.16.0.0/12,80\n"), Some(12));
        assert_eq!(v4("1.0.0.0/4294967271,80\n"), Err(Ignored::HostBits));
    }

    #[test]
    fn meaning_per_family() {
        let m = LineMeaning::of(b"::1,80\n");
        assert!(m.v4.is_err() && m.v6.is_ok() && m.ignored().is_none());
        let a4 = Address::V4([127, 0, 0, 1]);
        assert_eq!(m.verdict(&a4, 80), LineVerdict::Misses(Miss::OtherFamily));
        let blank = LineMeaning::of(b"  \n");
        assert!(blank.blank && blank.mistake().is_none() && blank.ignored().is_some());
        let comment = LineMeaning::of(b"# grants\n");
        assert!(comment.comment && comment.mistake().is_none());
        let m = LineMeaning::of(b"127.0.0.0/8,80-90\n");
        assert_eq!(m.verdict(&a4, 85), LineVerdict::Grants);
        assert_eq!(m.verdict(&a4, 91), LineVerdict::Misses(Miss::Port));
        assert_eq!(
            m.verdict(&Address::V4([128, 0, 0, 1]), 85),
            LineVerdict::Misses(Miss::Address)
        );
    }
}
