//! One byuid line against one request: `policy::line_grants` must not
//! panic, must agree with the helper's steps done by glibc itself, and must
//! keep the invariants of C's reading of a line.
//!
//! Input: byte 0 bit 0 chooses IPv6; then the address (4 or 16 bytes), the
//! port (2 bytes, big-endian), and the rest is the line. Byte 0 bit 1 takes
//! the address from the line instead (its text up to the first `,`, `/`,
//! `-` or, for IPv4, `:`, if that parses), and bit 2 the port (the first
//! number after the line's first `,`), so that lines match far more often.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::{pton4, pton6, Address};
use oracles::{c_line_grants, c_string};
use policy::memfs::MemFs;
use policy::{analyze, decide, line_grants, LineMeaning, LineVerdict, CHUNK};

/// The whole procedure with only a byuid file holding `text` (uid 1).
fn file_grants(text: &[u8], addr: &Address, port: u16) -> bool {
    let name = model::PolicyFile {
        name: model::FileName::ByUid,
        addr: *addr,
        port,
        uid: 1,
    };
    let mut fs = MemFs::new().bytes(&name.to_string(), text.to_vec());
    decide(&mut fs, 1, addr, port).granted()
}

fn request(data: &[u8]) -> Option<(Address, u16, &[u8])> {
    let (&flags, rest) = data.split_first()?;
    let (addr, rest) = if flags & 1 == 0 {
        let (a, rest) = rest.split_first_chunk::<4>()?;
        (Address::V4(*a), rest)
    } else {
        let (a, rest) = rest.split_first_chunk::<16>()?;
        (Address::V6(*a), rest)
    };
    let (p, line) = rest.split_first_chunk::<2>()?;
    let mut port = u16::from_be_bytes(*p);
    let addr = if flags & 2 != 0 {
        addr_in(line, &addr).unwrap_or(addr)
    } else {
        addr
    };
    if flags & 4 != 0 {
        port = port_in(line).unwrap_or(port);
    }
    Some((addr, port, line))
}

/// The address a line starts with, of the family of `like`.
fn addr_in(line: &[u8], like: &Address) -> Option<Address> {
    let stops: &[u8] = if like.is_v6() { b",/-" } else { b",/-:" };
    let end = line.iter().position(|b| stops.contains(b))?;
    match like {
        Address::V4(_) => pton4(&line[..end]).map(Address::V4),
        Address::V6(_) => pton6(&line[..end]).map(Address::V6),
    }
}

/// The first number after the line's first `,`, modulo 2^16.
fn port_in(line: &[u8]) -> Option<u16> {
    let at = line.iter().position(|&b| b == b',')?;
    let digits = line[at + 1..]
        .iter()
        .skip_while(|b| !b.is_ascii_digit())
        .take_while(|b| b.is_ascii_digit());
    digits.fold(None, |acc: Option<u16>, &d| {
        Some(acc.unwrap_or(0).wrapping_mul(10).wrapping_add(u16::from(d - b'0')))
    })
}

fn with(line: &[u8], tail: &[u8]) -> Vec<u8> {
    let mut v = line.to_vec();
    v.extend_from_slice(tail);
    v
}

fuzz_target!(|data: &[u8]| {
    let Some((addr, port, line)) = request(data) else {
        return;
    };
    let grants = line_grants(line, &addr, port);

    // One reading of the line: the verdict the explanation gives, and the
    // rule the kernel-mode compiler would take, say the same.
    let meaning = LineMeaning::of(line);
    assert_eq!(grants, meaning.verdict(&addr, port) == LineVerdict::Grants);
    if let Ok(rule) = analyze(line, addr.family()) {
        assert_eq!(grants, rule.check(&addr, port).is_ok());
    } else {
        assert!(!grants);
    }
    if meaning.ignored().is_some() {
        assert!(!grants);
    }

    // The same steps with glibc's sscanf and inet_pton.
    assert_eq!(
        grants,
        c_line_grants(line, &addr, port),
        "policy and glibc disagree on {:?} for {addr:?} port {port}",
        String::from_utf8_lossy(line)
    );

    // C stops at the first NUL: what follows never matters.
    let seen = c_string(line);
    assert_eq!(grants, line_grants(seen, &addr, port));
    assert_eq!(grants, line_grants(&with(seen, b"\0junk,80\n"), &addr, port));
    assert_eq!(grants, line_grants(&with(seen, b"\0"), &addr, port));

    // Every form ends in " %n": white space after the line (the newline
    // fgets keeps, a CR from a DOS editor) changes nothing.
    for tail in [&b"\n"[..], b"\r\n", b" \t\x0b\x0c\n"] {
        assert_eq!(
            grants,
            line_grants(&with(seen, tail), &addr, port),
            "{tail:?} after {:?}",
            String::from_utf8_lossy(seen)
        );
    }

    // The file reader agrees with the line reader when the line is one
    // fgets chunk on its own.
    if !seen.contains(&b'\n') && seen.len() < CHUNK {
        let file = with(seen, b"\n");
        assert_eq!(grants, file_grants(&file, &addr, port));
        // A later line never takes a grant away, and a non-granting line
        // before it never gives one.
        let mut two = b"# comment\n".to_vec();
        two.extend_from_slice(&file);
        two.extend_from_slice(b"junk\n");
        assert_eq!(grants, file_grants(&two, &addr, port));
    }
});
