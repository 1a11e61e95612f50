//! byuid lines: every form authbind reads, and the ways people mistype
//! them, centred on the request so that many of them nearly match.

use crate::request::Request;
use authbind_testkit::Rng;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn v4_text(rng: &mut Rng, a: Ipv4Addr) -> String {
    let o = a.octets();
    match rng.below(10) {
        0 => format!("{:03}.{}.{}.{}", o[0], o[1], o[2], o[3]),
        1 => format!("{}.{}.{}.{} ", o[0], o[1], o[2], o[3]),
        _ => a.to_string(),
    }
}

fn v6_text(rng: &mut Rng, a: Ipv6Addr) -> String {
    match rng.below(8) {
        0 => a
            .segments()
            .iter()
            .map(|s| format!("{s:x}"))
            .collect::<Vec<_>>()
            .join(":"),
        1 => a
            .segments()
            .iter()
            .map(|s| format!("{s:04X}"))
            .collect::<Vec<_>>()
            .join(":"),
        2 => a.to_string().to_uppercase(),
        3 if a.to_ipv4_mapped().is_some() => format!("::ffff:{}", a.to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED)),
        _ => a.to_string(),
    }
}

fn nearby(rng: &mut Rng, addr: &IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let v = u32::from(*a);
            IpAddr::V4(Ipv4Addr::from(match rng.below(6) {
                0 => v.wrapping_add(1),
                1 => v.wrapping_sub(1),
                2 => v ^ (1 << rng.below(32)),
                3 => rng.next_u64() as u32,
                _ => v,
            }))
        }
        IpAddr::V6(a) => {
            let v = u128::from(*a);
            IpAddr::V6(Ipv6Addr::from(match rng.below(6) {
                0 => v.wrapping_add(1),
                1 => v.wrapping_sub(1),
                2 => v ^ (1u128 << rng.below(128)),
                3 => (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64()),
                _ => v,
            }))
        }
    }
}

fn addr_text(rng: &mut Rng, addr: &IpAddr) -> String {
    // Sometimes the other family, which never matches.
    if rng.chance(5) {
        return match addr {
            IpAddr::V4(_) => "::1".into(),
            IpAddr::V6(_) => "127.0.0.1".into(),
        };
    }
    match nearby(rng, addr) {
        IpAddr::V4(a) => v4_text(rng, a),
        IpAddr::V6(a) => v6_text(rng, a),
    }
}

fn number(rng: &mut Rng, n: u64) -> String {
    match rng.below(12) {
        0 => format!("+{n}"),
        1 => format!("00{n}"),
        2 => format!(" {n}"),
        3 => format!("\t{n}"),
        _ => n.to_string(),
    }
}

fn port_value(rng: &mut Rng, port: u16) -> u64 {
    let p = u64::from(port);
    *rng.pick(&[
        p,
        p,
        p,
        p + 1,
        p.saturating_sub(1),
        0,
        65535,
        65536,
        4294967296 + p,
        1023,
        1024,
        511,
        512,
    ])
}

fn ports(rng: &mut Rng, port: u16) -> String {
    let a = port_value(rng, port);
    match rng.below(3) {
        0 => number(rng, a),
        _ => {
            let b = port_value(rng, port);
            let (lo, hi) = if rng.chance(85) {
                (a.min(b), a.max(b))
            } else {
                (a.max(b), a.min(b))
            };
            format!("{}-{}", number(rng, lo), number(rng, hi))
        }
    }
}

fn prefix_len(rng: &mut Rng, bits: u32) -> u64 {
    match rng.below(10) {
        0 => *rng.pick(&[bits as u64 + 1, 200, 4294967295, 4294967296, 4294967264]),
        1 => bits as u64,
        2 => 0,
        _ => rng.below(bits as u64 + 1),
    }
}

/// The network of `addr` with `len` bits, or with host bits left set.
fn network(rng: &mut Rng, addr: &IpAddr, len: u64) -> IpAddr {
    let keep_host_bits = rng.chance(15);
    match nearby(rng, addr) {
        IpAddr::V4(a) if !keep_host_bits && len <= 32 => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
        }
        IpAddr::V6(a) if !keep_host_bits && len <= 128 => {
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
        }
        other => other,
    }
}

fn text_of(rng: &mut Rng, a: IpAddr) -> String {
    match a {
        IpAddr::V4(a) => v4_text(rng, a),
        IpAddr::V6(a) => v6_text(rng, a),
    }
}

fn one_line(rng: &mut Rng, req: &Request) -> String {
    let bits = if req.addr.is_ipv4() { 32 } else { 128 };
    match rng.below(12) {
        // addrmin[-addrmax],ports
        0..=2 => {
            let a = addr_text(rng, &req.addr);
            if rng.chance(50) {
                let b = addr_text(rng, &req.addr);
                format!("{a}-{b},{}", ports(rng, req.port))
            } else {
                format!("{a},{}", ports(rng, req.port))
            }
        }
        // addr/len,ports
        3..=5 => {
            let len = prefix_len(rng, bits);
            let net = network(rng, &req.addr, len);
            format!("{}/{},{}", text_of(rng, net), number(rng, len), ports(rng, req.port))
        }
        // addr4/len:pmin,pmax (IPv4 only, but try it on IPv6 requests too)
        6..=8 => {
            let len = prefix_len(rng, 32);
            let v4 = match req.addr {
                IpAddr::V4(_) => req.addr,
                IpAddr::V6(_) => IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)),
            };
            let net = network(rng, &v4, len);
            let (a, b) = (port_value(rng, req.port), port_value(rng, req.port));
            let (lo, hi) = if rng.chance(85) {
                (a.min(b), a.max(b))
            } else {
                (a.max(b), a.min(b))
            };
            let sep = *rng.pick(&[":", ": ", ":", " :"]);
            format!(
                "{}/{}{sep}{},{}",
                text_of(rng, net),
                number(rng, len),
                number(rng, lo),
                number(rng, hi)
            )
        }
        9 => rng
            .pick(&[
                "# comment",
                "",
                "   ",
                "\t",
                "junk",
                "127.0.0.1",
                ",80",
                "/8,80",
                "-,80",
                "::,",
                "a,b,c",
            ])
            .to_string(),
        _ => {
            // A near-miss: a valid line with one character changed.
            let mut s = one_line(rng, req).into_bytes();
            if !s.is_empty() {
                let i = rng.below(s.len() as u64) as usize;
                s[i] = *rng.pick(b" \t-,/:.+0x!#");
            }
            String::from_utf8_lossy(&s).into_owned()
        }
    }
}

/// A whole byuid file.
pub fn file(rng: &mut Rng, req: &Request) -> Vec<u8> {
    let n = rng.below(7);
    let mut out = Vec::new();
    for i in 0..n {
        let mut line = one_line(rng, req);
        if rng.chance(10) {
            line = format!(" {line}");
        }
        if rng.chance(10) {
            let tail: &str = rng.pick::<&str>(&[" ", "\t", " junk", "x", "  "]);
            line.push_str(tail);
        }
        out.extend_from_slice(line.as_bytes());
        let last = i + 1 == n;
        if !(last && rng.chance(30)) {
            out.extend_from_slice(if rng.chance(15) { b"\r\n" } else { b"\n" });
        }
    }
    out
}
