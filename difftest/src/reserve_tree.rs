//! A random `reserve/` folder added to a random tree, around its request:
//! reservations of the request's port and of others, for the whole port
//! and for one address (the request's, written as the reservation's name
//! or otherwise, or another address), their files owned and moded as
//! flag files are; sometimes no folder, a file in its place, or a folder
//! the users cannot search.

use crate::names;
use crate::request::Request;
use crate::tree::{self, Node, Tree};
use authbind_testkit::Rng;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One case: a request and its tree, which for `percent` of the cases
/// holds a reserve/ folder (with no draw at all for 0, so that the cases
/// are those of a run before reservations); `outside_links` as
/// [`tree::random`]'s. Whether the tree has reservations comes first.
pub fn case(rng: &mut Rng, percent: u64, outside_links: bool) -> (bool, Request, Tree) {
    let with_reserve = percent > 0 && rng.chance(percent);
    let req = if with_reserve {
        request(rng)
    } else {
        crate::request::random(rng)
    };
    let mut t = tree::random(rng, &req, outside_links);
    if with_reserve {
        add(rng, &req, &mut t, outside_links);
    }
    (with_reserve, req, t)
}

/// The requests of trees with reservations: as the others, and sometimes
/// the IPv4 wildcard written as an IPv4-mapped IPv6 address (an IPv6
/// socket bound there takes every IPv4 address of the port) or a second
/// loopback address next to a reserved one.
pub fn request(rng: &mut Rng) -> Request {
    let mut req = crate::request::random(rng);
    if rng.chance(12) {
        req.addr = *rng.pick(&[
            IpAddr::V6(Ipv4Addr::UNSPECIFIED.to_ipv6_mapped()),
            IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
            IpAddr::V6(Ipv4Addr::new(127, 0, 0, 2).to_ipv6_mapped()),
        ]);
    }
    req
}

/// Addresses a reservation may name besides the request's own.
const OTHERS: &[IpAddr] = &[
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)),
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
    IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)),
    IpAddr::V6(Ipv6Addr::LOCALHOST),
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7)),
];

/// The address a reservation is written for: the request's (as bound:
/// IPv4-mapped ones named both ways) or another.
fn address(rng: &mut Rng, req: &Request) -> IpAddr {
    if rng.chance(60) {
        match req.addr {
            IpAddr::V6(a) if rng.chance(70) => a.to_ipv4_mapped().map_or(req.addr, IpAddr::V4),
            other => other,
        }
    } else {
        *rng.pick(OTHERS)
    }
}

/// The port a reservation is for: mostly the request's.
fn port(rng: &mut Rng, req: &Request) -> u16 {
    match rng.below(10) {
        0 => req.port.saturating_add(1),
        1 => req.port.saturating_sub(1).max(1),
        2 => 1 + rng.below(65_535) as u16,
        _ => req.port,
    }
}

/// A name for a reservation of `addr` (or the whole port) and `port`:
/// mostly as the reservation's own name; sometimes written otherwise,
/// which reserves nothing (a `!`, a leading zero, the colon form, an
/// uncompressed or upper-case IPv6 address, a wildcard address).
fn name(rng: &mut Rng, addr: Option<IpAddr>, port: u16) -> String {
    let canonical = match addr {
        None => port.to_string(),
        Some(a) => format!("{},{port}", names::ntop(&a)),
    };
    if !rng.chance(25) {
        return canonical;
    }
    let text = addr.map(|a| names::ntop(&a));
    match (rng.below(6), addr) {
        (0, _) => format!("!{port}"),
        (1, None) => format!("0{port}"),
        (1, Some(_)) => format!("{},0{port}", text.unwrap_or_default()),
        (2, Some(IpAddr::V4(_))) => format!("{}:{port}", text.unwrap_or_default()),
        (2, Some(a @ IpAddr::V6(_))) => match names::uncompressed(&a) {
            Some(u) => format!("{u},{port}"),
            None => canonical,
        },
        (3, Some(IpAddr::V6(_))) => format!("{},{port}", text.unwrap_or_default().to_uppercase()),
        (3, Some(IpAddr::V4(a))) => format!("::ffff:{a},{port}"),
        (4, _) => format!("{},{port}", rng.pick(&["0.0.0.0", "::", "::ffff:0.0.0.0"])),
        _ => canonical,
    }
}

/// Adds a reserve folder (or something in its place) with 1–4
/// reservations to `t`. `outside_links`: as for [`tree::random`].
pub fn add(rng: &mut Rng, req: &Request, t: &mut Tree, outside_links: bool) {
    match rng.below(40) {
        0 => return,
        1 => {
            t.entries.push((
                "reserve".into(),
                Node::File {
                    owner: 0,
                    group: 0,
                    mode: 0o644,
                    content: Vec::new(),
                },
            ));
            return;
        }
        2 => {
            t.entries.push((
                "reserve".into(),
                Node::Symlink {
                    target: "/nonexistent/reserve".into(),
                },
            ));
            return;
        }
        _ => {
            let mode = tree::folder_mode(rng, 10);
            t.entries.push(("reserve".into(), Node::Dir { mode }));
        }
    }
    for _ in 0..1 + rng.below(4) {
        let addr = rng.chance(50).then(|| address(rng, req));
        let port = port(rng, req);
        let name = name(rng, addr, port);
        let node = tree::flag_node(rng, outside_links);
        t.entries.push((format!("reserve/{name}"), node));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reserve_model::{covers, reservation};

    /// The trees hold reservations that cover the request and ones that do
    /// not, and names that reserve nothing: every branch of the model is
    /// reached.
    #[test]
    fn the_trees_reach_every_branch() {
        let mut rng = Rng::new(7);
        let (mut covering, mut other, mut never) = (0, 0, 0);
        for _ in 0..2000 {
            let req = request(&mut rng);
            let mut t = Tree::default();
            add(&mut rng, &req, &mut t, false);
            for (path, _) in &t.entries {
                let Some(name) = path.strip_prefix("reserve/") else {
                    continue;
                };
                match reservation(name) {
                    Some(r) if covers(r, req.addr, req.port) => covering += 1,
                    Some(_) => other += 1,
                    None => never += 1,
                }
            }
        }
        assert!(
            covering > 1000 && other > 300 && never > 300,
            "{covering} {other} {never}"
        );
    }
}
