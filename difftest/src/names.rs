//! File names authbind looks for, computed with the C library's
//! inet_ntop (the oracles', not the code under test).

use std::net::IpAddr;

pub fn ntop(addr: &IpAddr) -> String {
    oracles::c_ntop(&match addr {
        IpAddr::V4(a) => model::Address::V4(a.octets()),
        IpAddr::V6(a) => model::Address::V6(a.octets()),
    })
}

/// Eight groups, leading zeros removed, no `::`.
pub fn uncompressed(addr: &IpAddr) -> Option<String> {
    match addr {
        IpAddr::V4(_) => None,
        IpAddr::V6(a) => Some(
            a.segments()
                .iter()
                .map(|s| format!("{s:x}"))
                .collect::<Vec<_>>()
                .join(":"),
        ),
    }
}

/// Every byaddr leaf name that could match `addr`:`port`.
pub fn byaddr_names(addr: &IpAddr, port: u16, bang: bool) -> Vec<String> {
    let b = if bang { "!" } else { "" };
    let text = ntop(addr);
    let mut v = vec![format!("{b}{text},{port}")];
    match addr {
        IpAddr::V4(_) => v.push(format!("{b}{text}:{port}")),
        IpAddr::V6(_) => {
            if let Some(u) = uncompressed(addr) {
                v.push(format!("{b}{u},{port}"));
            }
            v.push(format!("{b}{},{port}", text.to_uppercase()));
        }
    }
    v
}
