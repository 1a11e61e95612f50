//! byuid lines as grants: what a line the policy crate has read covers
//! (an address set and a port range, per family), the line the tool
//! writes for a grant, and the raw lines of a file, kept byte for byte.

use crate::spec::{AddrSpec, PortRange};
use policy::{AddrMatch, LineMeaning, LineRule};

/// What a line grants, as a specification (ports clipped to `1..=65535`;
/// `None` when no real port is left).
pub fn grant_of(rule: &LineRule) -> Option<(AddrSpec, PortRange)> {
    let addrs = match rule.addr {
        AddrMatch::Range { min, max } => AddrSpec::Range(min, max).normalized(),
        AddrMatch::Prefix { net, len } => AddrSpec::Prefix(net, len).normalized(),
    };
    let min = rule.ports.0.max(1);
    let max = rule.ports.1.min(65535);
    (min <= max).then_some((
        addrs,
        PortRange {
            min: min as u16,
            max: max as u16,
        },
    ))
}

/// Every grant of one `fgets` chunk, for both families.
pub fn grants_of_chunk(chunk: &[u8]) -> Vec<(AddrSpec, PortRange)> {
    let m = LineMeaning::of(chunk);
    [m.v4, m.v6]
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .filter_map(grant_of)
        .collect()
}

/// The line the tool writes: `ADDRS,PORTS\n`.
pub fn line_for(addrs: &AddrSpec, ports: PortRange) -> String {
    format!("{addrs},{ports}\n")
}

/// One line of a file: its bytes (with the newline, if any) and number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawLine<'a> {
    pub number: u32,
    pub bytes: &'a [u8],
}

/// The file's lines as `\n` ends them, byte for byte.
pub fn raw_lines(data: &[u8]) -> Vec<RawLine<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut number = 1;
    while start < data.len() {
        let end = data[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(data.len(), |p| start + p + 1);
        out.push(RawLine {
            number,
            bytes: &data[start..end],
        });
        number += 1;
        start = end;
    }
    out
}

/// What one raw line grants, when the helper reads it as one chunk and it
/// means the same with or without its newline; `None` for lines the tool
/// will not interpret (longer than a chunk, a NUL inside).
pub fn grants_of_line(line: &[u8]) -> Option<Vec<(AddrSpec, PortRange)>> {
    if line.len() > policy::CHUNK || line.contains(&0) {
        return None;
    }
    Some(grants_of_chunk(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(t: &str) -> AddrSpec {
        AddrSpec::parse(t).unwrap()
    }

    #[test]
    fn lines_as_grants() {
        assert_eq!(
            grants_of_chunk(b"127.0.0.1-127.0.0.9,80-88\n"),
            vec![(spec("127.0.0.1-127.0.0.9"), PortRange { min: 80, max: 88 })]
        );
        assert_eq!(
            grants_of_chunk(b"10.0.0.0/8:53,53\n"),
            vec![(spec("10.0.0.0/8"), PortRange::one(53))]
        );
        // C's unsigned ports: the range is cut to real ports.
        assert_eq!(
            grants_of_chunk(b"::1,0-4294967295")[0].1,
            PortRange { min: 1, max: 65535 }
        );
        assert_eq!(grants_of_chunk(b"1.0.0.0/4294967295,80\n")[0].0, spec("1.0.0.0/8"));
        assert!(grants_of_chunk(b"localhost,80\n").is_empty());
        assert!(grants_of_chunk(b"::1,0\n").is_empty());
    }

    #[test]
    fn written_lines_read_back_as_written() {
        for (a, p) in [
            ("0.0.0.0/0", PortRange { min: 80, max: 88 }),
            ("::/0", PortRange::one(443)),
            ("192.0.2.7", PortRange::one(25)),
            ("2001:db8::1-2001:db8::9", PortRange { min: 600, max: 700 }),
            ("::ffff:127.0.0.1", PortRange::one(80)),
        ] {
            let line = line_for(&spec(a), p);
            assert_eq!(grants_of_chunk(line.as_bytes()), vec![(spec(a), p)], "{line}");
        }
    }

    #[test]
    fn raw_lines_keep_every_byte() {
        let data = b"a,1\n\nno newline";
        let l = raw_lines(data);
        assert_eq!(l.len(), 3);
        assert_eq!((l[1].number, l[1].bytes), (2, &b"\n"[..]));
        assert_eq!(l.iter().map(|l| l.bytes.len()).sum::<usize>(), data.len());
        assert!(grants_of_line(&[b'1'; 300]).is_none());
        assert!(grants_of_line(b"127.0.0.1,80\0x\n").is_none());
    }
}
