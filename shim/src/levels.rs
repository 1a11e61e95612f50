//! authbind's rules for how deep the preload reaches (pure logic; the
//! constructor applies the result to the environment).
//!
//! AUTHBIND_LEVELS unset → remove ourselves from LD_PRELOAD now;
//! `y…` → keep it forever (`--deep`); an integer n > 0 → keep it for this
//! program, n-1 levels remain (unset at 0); empty, 0 or junk → unset it and
//! remove ourselves now.

/// What to do to AUTHBIND_LEVELS.
#[derive(Debug, PartialEq, Eq)]
pub enum LevelsChange {
    Keep,
    Set(i32),
    Unset,
}

/// Returns the change to AUTHBIND_LEVELS and whether to remove the library
/// from LD_PRELOAD.
pub fn plan(levels: Option<&[u8]>) -> (LevelsChange, bool) {
    let Some(levels) = levels else {
        return (LevelsChange::Keep, true);
    };
    if levels.first() == Some(&b'y') {
        return (LevelsChange::Keep, false);
    }
    match atoi(levels) {
        n if n > 1 => (LevelsChange::Set(n - 1), false),
        1 => (LevelsChange::Unset, false),
        _ => (LevelsChange::Unset, true),
    }
}

/// glibc's `atoi`: `(int) strtol(s, NULL, 10)`.
fn atoi(s: &[u8]) -> i32 {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let negative = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    // strtol: the magnitude saturates, then LONG_MIN / LONG_MAX by sign.
    let mut magnitude: u64 = 0;
    while let Some(d) = s.get(i).filter(|c| c.is_ascii_digit()) {
        magnitude = magnitude.saturating_mul(10).saturating_add(u64::from(d - b'0'));
        i += 1;
    }
    let v: i64 = match (negative, i64::try_from(magnitude)) {
        (false, Ok(m)) => m,
        (false, Err(_)) => i64::MAX,
        (true, _) if magnitude >= 1 << 63 => i64::MIN,
        (true, Ok(m)) => -m,
        (true, Err(_)) => i64::MIN,
    };
    v as i32
}

/// authbind's `removepreload`: the new LD_PRELOAD after taking out the
/// entry equal to `myself` (AUTHBIND_LIB). `None`: leave it alone;
/// `Some(None)`: unset it; `Some(Some(v))`: set it to v.
pub fn without_entry(preload: &[u8], myself: &[u8]) -> Option<Option<Vec<u8>>> {
    let (lp, lm) = (preload.len(), myself.len());
    if lm < 1 || lp < lm {
        return None;
    }
    if lp == lm {
        return (preload == myself).then_some(None);
    }
    let (before, after) = if preload.starts_with(myself) && preload[lm] == b':' {
        (0, lp - (lm + 1))
    } else if preload.ends_with(myself) && preload[lp - lm - 1] == b':' {
        (lp - (lm + 1), 0)
    } else {
        if lp < lm + 2 {
            return None;
        }
        // The first `:myself:` strictly inside.
        let at = (1..=lp - lm - 1)
            .find(|&i| preload[i - 1] == b':' && &preload[i..i + lm] == myself && preload[i + lm] == b':')?;
        (at, lp - (at + lm + 1))
    };
    let mut v = preload[..before].to_vec();
    v.extend_from_slice(&preload[lp - after..]);
    Some(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_like_libauthbind() {
        assert_eq!(plan(None), (LevelsChange::Keep, true));
        assert_eq!(plan(Some(b"y")), (LevelsChange::Keep, false));
        assert_eq!(plan(Some(b"yes")), (LevelsChange::Keep, false));
        assert_eq!(plan(Some(b"3")), (LevelsChange::Set(2), false));
        assert_eq!(plan(Some(b"2")), (LevelsChange::Set(1), false));
        assert_eq!(plan(Some(b"1")), (LevelsChange::Unset, false));
        assert_eq!(plan(Some(b"0")), (LevelsChange::Unset, true));
        assert_eq!(plan(Some(b"")), (LevelsChange::Unset, true));
        assert_eq!(plan(Some(b"-4")), (LevelsChange::Unset, true));
        assert_eq!(plan(Some(b"junk")), (LevelsChange::Unset, true));
        assert_eq!(plan(Some(b" 2x")), (LevelsChange::Set(1), false));
        // (int) of strtol's saturated values: LONG_MAX is -1, LONG_MIN is 0.
        assert_eq!(plan(Some(b"99999999999999999999")), (LevelsChange::Unset, true));
        assert_eq!(plan(Some(b"-99999999999999999999")), (LevelsChange::Unset, true));
        assert_eq!(plan(Some(b"4294967298")), (LevelsChange::Set(1), false));
    }

    #[test]
    fn preload_entry_removed_where_it_stands() {
        let me = b"/l/libauthbind.so.1";
        assert_eq!(without_entry(b"/l/libauthbind.so.1", me), Some(None));
        assert_eq!(
            without_entry(b"/l/libauthbind.so.1:/x.so", me),
            Some(Some(b"/x.so".to_vec()))
        );
        assert_eq!(
            without_entry(b"/x.so:/l/libauthbind.so.1", me),
            Some(Some(b"/x.so".to_vec()))
        );
        assert_eq!(
            without_entry(b"/a.so:/l/libauthbind.so.1:/b.so", me),
            Some(Some(b"/a.so:/b.so".to_vec()))
        );
        assert_eq!(without_entry(b"/a.so:/b.so", me), None);
        assert_eq!(without_entry(b"/x/l/libauthbind.so.1", me), None);
        assert_eq!(without_entry(b"", me), None);
        assert_eq!(without_entry(b"/l/libauthbind.so.1", b""), None);
        // authbind's launcher appends to an empty LD_PRELOAD as ":lib".
        assert_eq!(without_entry(b":/l/libauthbind.so.1", me), Some(Some(b"".to_vec())));
    }
}
