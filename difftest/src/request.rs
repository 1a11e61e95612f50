//! Requests: who binds what, and the classic helper arguments for it,
//! written the way libauthbind writes them (independently of the code
//! under test).

use authbind_testkit::Rng;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const USERS: [u32; 2] = [authbind_testkit::USER, authbind_testkit::OTHER];

#[derive(Clone, Copy, Debug)]
pub struct Request {
    pub uid: u32,
    pub addr: IpAddr,
    pub port: u16,
}

const V4: &[[u8; 4]] = &[
    [127, 0, 0, 1],
    [10, 1, 2, 3],
    [192, 0, 2, 77],
    [0, 0, 0, 0],
    [10, 255, 0, 1],
    [172, 16, 5, 4],
];
const V6: &[&str] = &[
    "::1",
    "2001:db8::7",
    "2001:db8:0:1::80",
    "2620:106:e002:f00f::21",
    "::",
    "fd00:1:2:3:4:5:6:7",
    "2001:db8:0:0:1:0:0:1",
    "::ffff:127.0.0.1",
    "::ffff:10.1.2.3",
];
const PORTS: &[u16] = &[1, 21, 80, 81, 443, 511, 512, 513, 600, 1023, 1024, 8080];

pub fn random(rng: &mut Rng) -> Request {
    let uid = *rng.pick(&USERS);
    let addr = if rng.chance(50) {
        IpAddr::V4(Ipv4Addr::from(*rng.pick(V4)))
    } else {
        IpAddr::V6(rng.pick(V6).parse::<Ipv6Addr>().expect("valid literal"))
    };
    let port = if rng.chance(80) {
        *rng.pick(PORTS)
    } else {
        1 + rng.below(1100) as u16
    };
    Request { uid, addr, port }
}

/// A few requests near `req` (the other user, the next port, the other
/// side of 512, a random one), for checks that want more than one.
pub fn around(rng: &mut Rng, req: &Request) -> Vec<Request> {
    let other = if req.uid == USERS[0] { USERS[1] } else { USERS[0] };
    let flipped = if req.port >= 512 {
        req.port - 512
    } else {
        req.port + 512
    };
    vec![
        Request { uid: other, ..*req },
        Request {
            port: req.port.saturating_add(1),
            ..*req
        },
        Request {
            port: flipped.max(1),
            ..*req
        },
        random(rng),
    ]
}

/// `helper ADDR4HEX PORTHEX` / `helper ADDR6HEX PORTHEX 6`: the values are
/// s_addr / s6_addr bytes and sin_port as this machine stores them.
pub fn classic_args(req: &Request) -> Vec<String> {
    let port = format!("{:04x}", u16::from_ne_bytes(req.port.to_be_bytes()));
    match req.addr {
        IpAddr::V4(a) => vec![format!("{:08x}", u32::from_ne_bytes(a.octets())), port],
        IpAddr::V6(a) => {
            vec![
                a.octets().iter().map(|b| format!("{b:02x}")).collect(),
                port,
                "6".to_string(),
            ]
        }
    }
}
