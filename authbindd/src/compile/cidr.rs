//! byuid lines as longest-prefix-match entries. Every line covers a CIDR
//! prefix or an address range, which splits into at most 2·bits aligned
//! prefixes; every prefix is stored with the union of the ports of all
//! the lines whose addresses contain it. Then the longest stored prefix
//! that matches an address holds exactly the ports of all the lines that
//! cover it: a line covering the address covers, through one of its
//! blocks, a prefix of it at most as long as the longest match, hence the
//! longest match itself (aligned blocks nest); and the longest match's
//! ports come only from lines containing it.

use super::ports::PortSet;
use policy::AddrMatch;
use std::collections::BTreeMap;

/// An aligned block: the first `len` bits of `net` (the rest zero), for
/// addresses of `bits` bits held in the low bits of a u128.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Block {
    pub net: u128,
    pub len: u8,
}

fn value(bytes: &[u8]) -> u128 {
    bytes.iter().fold(0u128, |acc, &b| (acc << 8) | u128::from(b))
}

/// The first `len` of `bits` bits set.
fn mask(len: u8, bits: u8) -> u128 {
    if len == 0 {
        return 0;
    }
    let all = if bits >= 128 { u128::MAX } else { (1u128 << bits) - 1 };
    // len >= 1, so the shift is at most 127.
    all & !((1u128 << (bits - len)) - 1)
}

/// The blocks covering exactly the addresses of `m` (`bits`: 32 or 128).
pub fn blocks(m: &AddrMatch, bits: u8) -> Vec<Block> {
    match m {
        AddrMatch::Prefix { net, len } => vec![Block {
            net: value(net.bytes()) & mask(*len, bits),
            len: *len,
        }],
        AddrMatch::Range { min, max } => split_range(value(min.bytes()), value(max.bytes()), bits),
    }
}

/// The greedy split of `lo..=hi` into maximal aligned blocks: each block
/// as large as `lo`'s alignment and what is left allow (found at once,
/// not by trying sizes, so that splitting costs one step per block).
fn split_range(mut lo: u128, hi: u128, bits: u8) -> Vec<Block> {
    let mut out = Vec::new();
    loop {
        let aligned = lo.trailing_zeros().min(u32::from(bits));
        // floor(log2(hi - lo + 1)), the whole space when that overflows.
        let fits = match (hi - lo).checked_add(1) {
            Some(count) => 127 - count.leading_zeros(),
            None => 128,
        };
        let size_log = aligned.min(fits);
        out.push(Block {
            net: lo,
            len: bits - size_log as u8,
        });
        let end = last(lo, size_log);
        if end >= hi {
            return out;
        }
        lo = end + 1;
    }
}

/// The last address of the block of 2^size_log addresses at `lo`.
fn last(lo: u128, size_log: u32) -> u128 {
    if size_log >= 128 {
        u128::MAX
    } else {
        lo.saturating_add((1u128 << size_log) - 1)
    }
}

/// Every block of every (blocks, ports) line, with the union of the ports
/// of the lines containing it, in (address, length) order. One pass over
/// the blocks in that order with a stack of the blocks containing the
/// current one (aligned blocks nest, and a block's containers come before
/// it): time n·log n, not n·bits map lookups.
pub fn entries(lines: &[(Vec<Block>, PortSet)], bits: u8) -> Vec<(Block, PortSet)> {
    let mut own: BTreeMap<Block, PortSet> = BTreeMap::new();
    for (blocks, ports) in lines {
        for b in blocks {
            own.entry(*b).or_default().union(ports);
        }
    }
    let mut out = Vec::with_capacity(own.len());
    let mut containing: Vec<(Block, PortSet)> = Vec::new();
    for (block, ports) in own {
        while containing
            .last()
            .is_some_and(|(outer, _)| !(outer.len <= block.len && block.net & mask(outer.len, bits) == outer.net))
        {
            containing.pop();
        }
        let mut all = containing.last().map(|(_, p)| *p).unwrap_or_default();
        all.union(&ports);
        containing.push((block, all));
        out.push((block, all));
    }
    out
}

/// `block` written as the address bytes of a `bits`-bit family.
pub fn block_bytes(block: &Block, bits: u8) -> Vec<u8> {
    let n = usize::from(bits / 8);
    block.net.to_be_bytes()[16 - n..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::{Address, Family};
    use policy::{analyze, LineRule};
    use proptest::prelude::*;

    fn covers(b: &Block, addr: u128, bits: u8) -> bool {
        addr & mask(b.len, bits) == b.net
    }

    #[test]
    fn masks() {
        assert_eq!(mask(0, 32), 0);
        assert_eq!(mask(8, 32), 0xff00_0000);
        assert_eq!(mask(32, 32), 0xffff_ffff);
        assert_eq!(mask(128, 128), u128::MAX);
        assert_eq!(mask(1, 128), 1u128 << 127);
    }

    #[test]
    fn ranges_split_into_aligned_blocks() {
        let b = split_range(0, u128::from(u32::MAX), 32);
        assert_eq!(b, [Block { net: 0, len: 0 }]);
        let b = split_range(1, 6, 32);
        let lens: Vec<u8> = b.iter().map(|b| b.len).collect();
        assert_eq!(lens, [32, 31, 31, 32]);
        assert_eq!(split_range(0, u128::MAX, 128), [Block { net: 0, len: 0 }]);
        assert_eq!(split_range(u128::MAX, u128::MAX, 128).len(), 1);
        assert!(split_range(1, u128::MAX - 1, 128).len() <= 2 * 128);
    }

    /// A rule read from a line, as the compiler reads it.
    fn rule(line: &str, family: Family) -> LineRule {
        analyze(line.as_bytes(), family).unwrap_or_else(|v| panic!("{line}: {:?}", v.why))
    }

    fn lookup(table: &[(Block, PortSet)], addr: u128, bits: u8) -> PortSet {
        table
            .iter()
            .filter(|(b, _)| covers(b, addr, bits))
            .max_by_key(|(b, _)| b.len)
            .map(|(_, p)| *p)
            .unwrap_or_default()
    }

    proptest! {
        /// The longest match says what the lines say, for every address
        /// and port, on random IPv4 lines around a few addresses.
        #[test]
        fn longest_match_is_the_union_of_the_covering_lines(
            lines in prop::collection::vec((0u32..64, 0u32..64, 0u8..=32, any::<bool>(), 1u32..1024, 0u32..200), 1..8),
            probes in prop::collection::vec((0u32..64, 1u16..1024), 1..40),
        ) {
            let base = 0x0a00_0000u32;
            let mut texts = Vec::new();
            for (a, b, len, is_range, pmin, span) in &lines {
                let (lo, hi) = (base + a.min(b), base + a.max(b));
                let text = if *is_range {
                    format!("{}-{},{}-{}\n", Address::V4(lo.to_be_bytes()), Address::V4(hi.to_be_bytes()), pmin, pmin + span)
                } else {
                    let len = (*len).max(26);
                    let net = lo & (u32::MAX << (32 - u32::from(len)));
                    format!("{}/{len},{}-{}\n", Address::V4(net.to_be_bytes()), pmin, pmin + span)
                };
                texts.push(text);
            }
            let rules: Vec<LineRule> = texts.iter().map(|t| rule(t, Family::V4)).collect();
            let input: Vec<(Vec<Block>, PortSet)> = rules
                .iter()
                .map(|r| (blocks(&r.addr, 32), PortSet::range(r.ports.0, r.ports.1, 1..=1023)))
                .collect();
            let table = entries(&input, 32);
            for (a, port) in probes {
                let addr = Address::V4((base + a).to_be_bytes());
                let want = rules.iter().any(|r| r.check(&addr, port).is_ok());
                let got = lookup(&table, u128::from(base + a), 32).contains(port);
                prop_assert_eq!(got, want, "{:?} port {} lines {:?}", addr, port, texts);
            }
        }
    }

    #[test]
    fn ipv6_prefixes_and_ranges() {
        let r = rule("2001:db8::/32,443\n", Family::V6);
        let b = blocks(&r.addr, 128);
        assert_eq!(b.len(), 1);
        assert_eq!(block_bytes(&b[0], 128)[..4], [0x20, 0x01, 0x0d, 0xb8]);
        let r = rule("::1-::3,80\n", Family::V6);
        assert_eq!(blocks(&r.addr, 128).len(), 2);
        let any = rule("0.0.0.0/0,80\n", Family::V4);
        assert_eq!(blocks(&any.addr, 32), [Block { net: 0, len: 0 }]);
    }
}
