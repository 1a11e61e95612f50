//! Just enough of C's `sscanf` to read byuid lines the way authbind 2.1
//! does: `%u` skips white space, takes an optional sign and decimal digits,
//! saturates like `strtoul` and keeps the low 32 bits; a space in the
//! format matches any run of white space, including none; other format
//! characters must match exactly. Whether a pattern "matched" is decided as
//! authbind decides it: the `%n` at the end must equal the string length.

/// `isspace` in the C locale.
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// A cursor over one line (already cut at its first NUL, as C would see it).
pub(crate) struct Scan<'a> {
    text: &'a [u8],
    pos: usize,
}

impl<'a> Scan<'a> {
    pub(crate) fn new(text: &'a [u8]) -> Self {
        Scan { text, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    /// A space in the format: any amount of white space, possibly none.
    pub(crate) fn space(&mut self) -> &mut Self {
        while self.peek().is_some_and(is_c_space) {
            self.pos += 1;
        }
        self
    }

    /// A literal character in the format: must match the next byte exactly.
    pub(crate) fn lit(&mut self, c: u8) -> Option<&mut Self> {
        (self.peek() == Some(c)).then(|| {
            self.pos += 1;
            self
        })
    }

    /// `%u`, as glibc's scanf converts it for an `unsigned int`.
    pub(crate) fn uint(&mut self) -> Option<u32> {
        self.space();
        let negative = match self.peek() {
            Some(b'-') => {
                self.pos += 1;
                true
            }
            Some(b'+') => {
                self.pos += 1;
                false
            }
            _ => false,
        };
        let start = self.pos;
        let mut value: u64 = 0;
        let mut overflow = false;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            self.pos += 1;
            match value.checked_mul(10).and_then(|v| v.checked_add(u64::from(d - b'0'))) {
                Some(v) => value = v,
                None => overflow = true,
            }
        }
        if self.pos == start {
            return None;
        }
        // strtoul: ULONG_MAX on overflow whatever the sign, else the negated
        // value modulo 2^64; scanf then stores the low 32 bits.
        let wide = if overflow {
            u64::MAX
        } else if negative {
            value.wrapping_neg()
        } else {
            value
        };
        Some(wide as u32)
    }

    /// `%n` compared with `strlen`: the whole text was consumed.
    pub(crate) fn at_end(&self) -> bool {
        self.pos == self.text.len()
    }
}

/// `sscanf(text, " %u %n", &v, &n)` with `n == strlen(text)`.
pub(crate) fn whole_uint(text: &[u8]) -> Option<u32> {
    let mut s = Scan::new(text);
    let v = s.uint()?;
    s.space().at_end().then_some(v)
}

/// `sscanf(text, " %u-%u %n", &a, &b, &n)` with `n == strlen(text)`.
pub(crate) fn whole_uint_range(text: &[u8]) -> Option<(u32, u32)> {
    let mut s = Scan::new(text);
    let a = s.space().uint()?;
    let b = s.lit(b'-')?.uint()?;
    s.space().at_end().then_some((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values were printed by glibc's sscanf on Debian 12.
    #[test]
    fn uint_like_glibc() {
        let cases: &[(&str, Option<u32>)] = &[
            ("80", Some(80)),
            ("80 ", Some(80)),
            ("80\n", Some(80)),
            ("80\r\n", Some(80)),
            (" 80", Some(80)),
            ("+80", Some(80)),
            ("0080", Some(80)),
            ("-80", Some(4294967216)),
            ("4294967376", Some(80)),
            ("99999999999999999999", Some(4294967295)),
            ("-99999999999999999999", Some(4294967295)),
            ("80x", None),
            ("", None),
            (" ", None),
            ("8 0", None),
            ("- 80", None),
            ("+-80", None),
        ];
        for (text, want) in cases {
            assert_eq!(whole_uint(text.as_bytes()), *want, "{text:?}");
        }
    }

    #[test]
    fn range_like_glibc() {
        assert_eq!(whole_uint_range(b"80-90\n"), Some((80, 90)));
        assert_eq!(whole_uint_range(b" 80-\t90 "), Some((80, 90)));
        assert_eq!(whole_uint_range(b"80 -90"), None);
        assert_eq!(whole_uint_range(b"80-"), None);
        assert_eq!(whole_uint_range(b"80--90"), Some((80, 90u32.wrapping_neg())));
        assert_eq!(whole_uint_range(b"80"), None);
    }
}
