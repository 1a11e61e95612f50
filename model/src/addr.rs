//! Internet addresses as authbind's helper sees them, and glibc's text
//! forms of them: `inet_ntop` (names of byaddr files, messages) and
//! `inet_pton` (addresses in byuid lines), re-implemented byte for byte as
//! glibc does them, so that no decision depends on the C library at hand.

use core::fmt;

crate::wire_enum! {
    /// An address family; the code is what the native protocol carries.
    pub enum Family {
        V4 = 4,
        V6 = 6,
    }
}

impl Family {
    /// Address length in bytes.
    pub const fn bytes(self) -> usize {
        match self {
            Family::V4 => 4,
            Family::V6 => 16,
        }
    }

    /// Address length in bits.
    pub const fn bits(self) -> u32 {
        self.bytes() as u32 * 8
    }

    /// "IPv4" / "IPv6", for messages.
    pub const fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
}

/// An address in network byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    V4([u8; 4]),
    V6([u8; 16]),
}

impl Address {
    pub const UNSPECIFIED_V4: Address = Address::V4([0; 4]);
    pub const UNSPECIFIED_V6: Address = Address::V6([0; 16]);

    pub fn bytes(&self) -> &[u8] {
        match self {
            Address::V4(b) => b,
            Address::V6(b) => b,
        }
    }

    pub fn family(&self) -> Family {
        match self {
            Address::V4(_) => Family::V4,
            Address::V6(_) => Family::V6,
        }
    }

    pub fn is_v6(&self) -> bool {
        matches!(self, Address::V6(_))
    }

    /// `bytes` as an address of `family`; `None` when the length is wrong.
    pub fn from_bytes(family: Family, bytes: &[u8]) -> Option<Address> {
        match family {
            Family::V4 => bytes.try_into().ok().map(Address::V4),
            Family::V6 => bytes.try_into().ok().map(Address::V6),
        }
    }

    /// Parses `text` with `inet_pton` for `family`.
    pub fn parse(family: Family, text: &[u8]) -> Option<Address> {
        match family {
            Family::V4 => pton4(text).map(Address::V4),
            Family::V6 => pton6(text).map(Address::V6),
        }
    }

    /// Parses `text` as either family (IPv4 first), as `inet_pton` would.
    pub fn parse_any(text: &[u8]) -> Option<Address> {
        Address::parse(Family::V4, text).or_else(|| Address::parse(Family::V6, text))
    }

    /// The IPv6 form authbind also tries for byaddr names: eight groups,
    /// leading zeros dropped, no `::` (`None` for IPv4).
    pub fn uncompressed(&self) -> Option<Uncompressed> {
        match self {
            Address::V4(_) => None,
            Address::V6(b) => Some(Uncompressed(*b)),
        }
    }
}

fn words(b: &[u8; 16]) -> [u16; 8] {
    let mut w = [0u16; 8];
    for (i, word) in w.iter_mut().enumerate() {
        *word = u16::from_be_bytes([b[2 * i], b[2 * i + 1]]);
    }
    w
}

/// What glibc's `inet_ntop` prints.
impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::V4(b) => write!(f, "{}.{}.{}.{}", b[0], b[1], b[2], b[3]),
            Address::V6(b) => ntop6(b, f),
        }
    }
}

/// glibc's `inet_ntop6`: the first longest run of two or more zero groups
/// becomes `::`; `::a.b.c.d` and `::ffff:a.b.c.d` print the IPv4 part
/// dotted.
fn ntop6(b: &[u8; 16], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let w = words(b);
    // (start, length) of the first longest run of zero words.
    let mut best: Option<(usize, usize)> = None;
    let mut cur: Option<(usize, usize)> = None;
    for (i, &word) in w.iter().enumerate() {
        if word == 0 {
            cur = Some(match cur {
                Some((s, l)) => (s, l + 1),
                None => (i, 1),
            });
        } else if let Some(c) = cur.take() {
            if best.is_none_or(|b| c.1 > b.1) {
                best = Some(c);
            }
        }
    }
    if let Some(c) = cur {
        if best.is_none_or(|b| c.1 > b.1) {
            best = Some(c);
        }
    }
    let best = best.filter(|&(_, len)| len >= 2);

    let mut i = 0;
    while i < 8 {
        if let Some((start, len)) = best {
            if i >= start && i < start + len {
                if i == start {
                    f.write_str(":")?;
                }
                i += 1;
                continue;
            }
        }
        if i != 0 {
            f.write_str(":")?;
        }
        let embeds_v4 = best == Some((0, 6)) || (best == Some((0, 5)) && w[5] == 0xffff);
        if i == 6 && embeds_v4 {
            write!(f, "{}", Address::V4([b[12], b[13], b[14], b[15]]))?;
            break;
        }
        write!(f, "{:x}", w[i])?;
        i += 1;
    }
    if let Some((start, len)) = best {
        if start + len == 8 {
            f.write_str(":")?;
        }
    }
    Ok(())
}

/// An IPv6 address as eight groups without `::` (see [`Address::uncompressed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Uncompressed(pub [u8; 16]);

impl fmt::Display for Uncompressed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, word) in words(&self.0).iter().enumerate() {
            if i != 0 {
                f.write_str(":")?;
            }
            write!(f, "{word:x}")?;
        }
        Ok(())
    }
}

/// glibc's `inet_pton4`: exactly four decimal octets, each at most 255,
/// no leading zeros, nothing else.
pub fn pton4(text: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut octets = 0usize;
    let mut saw_digit = false;
    let mut cur: u32 = 0;
    for &ch in text {
        if ch.is_ascii_digit() {
            if saw_digit && cur == 0 {
                return None;
            }
            cur = cur * 10 + u32::from(ch - b'0');
            if cur > 255 {
                return None;
            }
            if !saw_digit {
                octets += 1;
                if octets > 4 {
                    return None;
                }
                saw_digit = true;
            }
            out[octets - 1] = cur as u8;
        } else if ch == b'.' && saw_digit {
            if octets == 4 {
                return None;
            }
            saw_digit = false;
            cur = 0;
        } else {
            return None;
        }
    }
    // A trailing dot after the fourth octet was refused above, so four
    // octets means a complete address.
    (octets == 4).then_some(out)
}

/// glibc's `inet_pton6` (the 2017 rewrite): hex groups of at most four
/// digits, one `::`, an optional dotted IPv4 tail, nothing else.
pub fn pton6(text: &[u8]) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    let mut tp = 0usize;
    let mut colonp: Option<usize> = None;
    let mut src = 0usize;
    let end = text.len();
    if src == end {
        return None;
    }
    if text[src] == b':' {
        src += 1;
        if src == end || text[src] != b':' {
            return None;
        }
    }
    let mut curtok = src;
    let mut xdigits = 0usize;
    let mut val: u32 = 0;
    while src < end {
        let ch = text[src];
        src += 1;
        if let Some(d) = (ch as char).to_digit(16) {
            if xdigits == 4 {
                return None;
            }
            val = (val << 4) | d;
            xdigits += 1;
            continue;
        }
        if ch == b':' {
            curtok = src;
            if xdigits == 0 {
                if colonp.is_some() {
                    return None;
                }
                colonp = Some(tp);
                continue;
            } else if src == end {
                return None;
            }
            if tp + 2 > 16 {
                return None;
            }
            out[tp] = (val >> 8) as u8;
            out[tp + 1] = val as u8;
            tp += 2;
            xdigits = 0;
            val = 0;
            continue;
        }
        if ch == b'.' && tp + 4 <= 16 {
            if let Some(v4) = pton4(&text[curtok..end]) {
                out[tp..tp + 4].copy_from_slice(&v4);
                tp += 4;
                xdigits = 0;
                break;
            }
        }
        return None;
    }
    if xdigits > 0 {
        if tp + 2 > 16 {
            return None;
        }
        out[tp] = (val >> 8) as u8;
        out[tp + 1] = val as u8;
        tp += 2;
    }
    if let Some(c) = colonp {
        if tp == 16 {
            return None;
        }
        let n = tp - c;
        out.copy_within(c..tp, 16 - n);
        out[c..16 - n].fill(0);
        tp = 16;
    }
    (tp == 16).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v6(text: &str) -> Address {
        Address::V6(pton6(text.as_bytes()).unwrap_or_else(|| panic!("{text} should parse")))
    }

    #[test]
    fn ntop6_matches_glibc_examples() {
        // Printed by glibc's inet_ntop (python3 socket.inet_ntop).
        let cases = [
            ("2620:106:e002:f00f:0:0:0:21", "2620:106:e002:f00f::21"),
            ("::", "::"),
            ("::1", "::1"),
            ("1::", "1::"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("::1.2.3.4", "::1.2.3.4"),
            ("1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"),
            ("1:0:0:1:0:0:1:1", "1::1:0:0:1:1"),
            ("1:0:0:1:0:0:0:1", "1:0:0:1::1"),
            ("fe80::abcd:0:0:1", "fe80::abcd:0:0:1"),
            ("0:0:0:0:0:ffff:0:1", "::ffff:0.0.0.1"),
            ("0:0:0:0:1:ffff:0:1", "::1:ffff:0:1"),
        ];
        for (input, want) in cases {
            assert_eq!(v6(input).to_string(), want, "{input}");
        }
        assert_eq!(Address::V4([127, 0, 0, 1]).to_string(), "127.0.0.1");
    }

    #[test]
    fn uncompressed_form_drops_leading_zeros() {
        let u = |t: &str| v6(t).uncompressed().unwrap().to_string();
        assert_eq!(u("2620:106:e002:f00f::21"), "2620:106:e002:f00f:0:0:0:21");
        assert_eq!(u("::"), "0:0:0:0:0:0:0:0");
        assert_eq!(u("::ffff:1.2.3.4"), "0:0:0:0:0:ffff:102:304");
        assert!(Address::V4([1, 2, 3, 4]).uncompressed().is_none());
    }

    #[test]
    fn pton4_is_strict() {
        assert_eq!(pton4(b"127.0.0.1"), Some([127, 0, 0, 1]));
        assert_eq!(pton4(b"0.0.0.0"), Some([0; 4]));
        for bad in [
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.",
            "1.2.3.4.5",
            "256.1.1.1",
            " 1.2.3.4",
            "1.2.3.4 ",
            "1..2.3",
            ".1.2.3",
            "",
        ] {
            assert_eq!(pton4(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn pton6_is_strict() {
        for bad in [
            ":",
            ":1::",
            "1:::2",
            "1::2::3",
            "12345::",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7:8::",
            "::1 ",
            "1:",
            "g::",
            "::1.2.3",
            "1.2.3.4",
        ] {
            assert_eq!(pton6(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(pton6(b"1:2:3:4:5:6:7::").map(Address::V6), Some(v6("1:2:3:4:5:6:7:0")));
        assert_eq!(pton6(b"::1:2:3:4:5:6:7").map(Address::V6), Some(v6("0:1:2:3:4:5:6:7")));
        assert_eq!(pton6(b"::FFFF:1.2.3.4").map(Address::V6), Some(v6("::ffff:102:304")));
    }

    #[test]
    fn families_round_trip_their_codes() {
        for &f in Family::ALL {
            assert_eq!(Family::try_from(f as u8), Ok(f));
        }
        assert!(Family::try_from(5).is_err());
        assert_eq!(Address::parse_any(b"::1"), Some(v6("::1")));
        assert_eq!(Address::parse_any(b"10.0.0.1"), Some(Address::V4([10, 0, 0, 1])));
    }
}
