//! What people write on the command line and in policies: port lists
//! (`80,443,8000-8080`), address specifications (`127.0.0.1`,
//! `192.0.2.0/24`, `10.0.0.1-10.0.0.9`, `[::1]`), and a bind target for
//! `explain` (`PORT`, `ADDR:PORT`, `[ADDR]:PORT`).

use model::{Address, Family};
use std::fmt;

/// An inclusive range of ports, `1 <= min <= max <= 65535`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    pub min: u16,
    pub max: u16,
}

impl PortRange {
    pub fn one(port: u16) -> PortRange {
        PortRange { min: port, max: port }
    }

    pub fn contains(&self, port: u16) -> bool {
        self.min <= port && port <= self.max
    }

    /// The part in `[lo, hi]`, if any.
    pub fn clip(&self, lo: u16, hi: u16) -> Option<PortRange> {
        let (min, max) = (self.min.max(lo), self.max.min(hi));
        (min <= max).then_some(PortRange { min, max })
    }

    /// The part in `ports`, if any.
    pub fn within(&self, ports: std::ops::RangeInclusive<u16>) -> Option<PortRange> {
        self.clip(*ports.start(), *ports.end())
    }

    /// Split where the helper changes file names (512: the `!` ones).
    pub fn split_at_bang(&self) -> (Option<PortRange>, Option<PortRange>) {
        (
            self.within(model::bang_ports(false)),
            self.within(model::bang_ports(true)),
        )
    }

    pub fn ports(&self) -> impl Iterator<Item = u16> {
        self.min..=self.max
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min == self.max {
            write!(f, "{}", self.min)
        } else {
            write!(f, "{}-{}", self.min, self.max)
        }
    }
}

/// A set of ports: sorted, merged ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ports(Vec<PortRange>);

impl Ports {
    pub fn of(ranges: impl IntoIterator<Item = PortRange>) -> Ports {
        let mut v: Vec<PortRange> = ranges.into_iter().collect();
        v.sort();
        let mut out: Vec<PortRange> = Vec::new();
        for r in v {
            match out.last_mut() {
                Some(last) if u32::from(r.min) <= u32::from(last.max) + 1 => last.max = last.max.max(r.max),
                _ => out.push(r),
            }
        }
        Ports(out)
    }

    /// `80,443,8000-8080` (commas and white space separate items).
    pub fn parse(text: &str) -> Result<Ports, String> {
        let items: Vec<&str> = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .collect();
        if items.is_empty() {
            return Err(format!("no ports in `{text}`"));
        }
        items
            .iter()
            .map(|i| port_range(i))
            .collect::<Result<Vec<_>, _>>()
            .map(Ports::of)
    }

    pub fn ranges(&self) -> &[PortRange] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, port: u16) -> bool {
        self.0.iter().any(|r| r.contains(port))
    }

    /// Every range cut at 512, so that each piece lives in one file.
    pub fn pieces(&self) -> Vec<PortRange> {
        self.0
            .iter()
            .flat_map(|r| {
                let (lo, hi) = r.split_at_bang();
                lo.into_iter().chain(hi)
            })
            .collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.0.iter().flat_map(|r| r.ports())
    }
}

impl fmt::Display for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

fn port(text: &str) -> Result<u16, String> {
    match text.parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) && text.bytes().all(|b| b.is_ascii_digit()) => Ok(p as u16),
        _ => Err(format!("`{text}` is not a port (1 to 65535)")),
    }
}

/// `PORT` or `PORT-PORT`.
pub fn port_range(text: &str) -> Result<PortRange, String> {
    let (min, max) = match text.split_once('-') {
        Some((a, b)) => (port(a)?, port(b)?),
        None => {
            let p = port(text)?;
            (p, p)
        }
    };
    if min > max {
        return Err(format!("`{text}`: the first port is above the last"));
    }
    Ok(PortRange { min, max })
}

/// Addresses a grant covers, in one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddrSpec {
    /// One address.
    Host(Address),
    /// `net/len`, no bits set past `len` (`0.0.0.0/0`: every IPv4 address).
    Prefix(Address, u8),
    /// `min-max` inclusive, `min < max`.
    Range(Address, Address),
}

impl AddrSpec {
    /// Every address of a family.
    pub fn any(family: Family) -> AddrSpec {
        match family {
            Family::V4 => AddrSpec::Prefix(Address::UNSPECIFIED_V4, 0),
            Family::V6 => AddrSpec::Prefix(Address::UNSPECIFIED_V6, 0),
        }
    }

    /// Both families, every address: what a grant without addresses means.
    pub fn everywhere() -> Vec<AddrSpec> {
        vec![AddrSpec::any(Family::V4), AddrSpec::any(Family::V6)]
    }

    /// `ADDR`, `[ADDR]`, `ADDR/LEN` or `MIN-MAX`.
    pub fn parse(text: &str) -> Result<AddrSpec, String> {
        let addr = |t: &str| {
            let t = t.strip_prefix('[').and_then(|t| t.strip_suffix(']')).unwrap_or(t);
            Address::parse_any(t.as_bytes()).ok_or_else(|| format!("`{t}` is not an IPv4 or IPv6 address"))
        };
        if let Some((net, len)) = text.split_once('/') {
            let net = addr(net)?;
            let len: u8 = len
                .parse()
                .ok()
                .filter(|&l| u32::from(l) <= net.family().bits() && len.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| format!("`{text}`: the prefix length must be 0 to {}", net.family().bits()))?;
            let spec = AddrSpec::Prefix(net, len);
            if spec.first() != net {
                return Err(format!(
                    "`{text}` has host bits set past /{len} (authbind would ignore the line): write {}/{len}",
                    spec.first()
                ));
            }
            return Ok(spec.normalized());
        }
        if let Some((a, b)) = text.split_once('-') {
            let (a, b) = (addr(a)?, addr(b)?);
            if a.family() != b.family() {
                return Err(format!("`{text}` mixes IPv4 and IPv6"));
            }
            if a.bytes() > b.bytes() {
                return Err(format!("`{text}`: the first address is above the last"));
            }
            return Ok(AddrSpec::Range(a, b).normalized());
        }
        addr(text).map(AddrSpec::Host)
    }

    /// A full-length prefix or a one-address range is a host.
    pub fn normalized(self) -> AddrSpec {
        match self {
            AddrSpec::Prefix(a, l) if u32::from(l) == a.family().bits() => AddrSpec::Host(a),
            AddrSpec::Range(a, b) if a == b => AddrSpec::Host(a),
            other => other,
        }
    }

    pub fn family(&self) -> Family {
        match self {
            AddrSpec::Host(a) | AddrSpec::Prefix(a, _) | AddrSpec::Range(a, _) => a.family(),
        }
    }

    pub fn is_any(&self) -> bool {
        matches!(self, AddrSpec::Prefix(_, 0))
    }

    pub fn first(&self) -> Address {
        match *self {
            AddrSpec::Host(a) | AddrSpec::Range(a, _) => a,
            AddrSpec::Prefix(net, len) => mask(net, len, false),
        }
    }

    pub fn last(&self) -> Address {
        match *self {
            AddrSpec::Host(a) | AddrSpec::Range(_, a) => a,
            AddrSpec::Prefix(net, len) => mask(net, len, true),
        }
    }

    pub fn contains(&self, addr: &Address) -> bool {
        addr.family() == self.family() && self.first().bytes() <= addr.bytes() && addr.bytes() <= self.last().bytes()
    }

    /// Does `self` hold every address of `other`?
    pub fn covers(&self, other: &AddrSpec) -> bool {
        self.contains(&other.first()) && self.contains(&other.last())
    }

    pub fn overlaps(&self, other: &AddrSpec) -> bool {
        self.family() == other.family()
            && self.first().bytes() <= other.last().bytes()
            && other.first().bytes() <= self.last().bytes()
    }
}

/// `net` with the bits past `len` cleared, or set when `ones`.
fn mask(net: Address, len: u8, ones: bool) -> Address {
    let mut b = net.bytes().to_vec();
    for (i, byte) in b.iter_mut().enumerate() {
        let keep = (usize::from(len).saturating_sub(i * 8)).min(8) as u32;
        let host: u8 = if keep == 8 { 0 } else { 0xff >> keep };
        *byte = if ones { *byte | host } else { *byte & !host };
    }
    Address::from_bytes(net.family(), &b).unwrap_or(net)
}

/// As a byuid line writes it (`127.0.0.1`, `10.0.0.0/8`, `::1-::9`).
impl fmt::Display for AddrSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddrSpec::Host(a) => write!(f, "{a}"),
            AddrSpec::Prefix(a, l) => write!(f, "{a}/{l}"),
            AddrSpec::Range(a, b) => write!(f, "{a}-{b}"),
        }
    }
}

/// A bind to explain: an address (or both wildcards) and a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindTarget {
    pub addrs: Vec<Address>,
    pub port: u16,
}

/// `PORT` (both `0.0.0.0` and `::`), `ADDR:PORT` (IPv4), `[ADDR]:PORT`.
pub fn bind_target(text: &str) -> Result<BindTarget, String> {
    let bad = |why: &str| format!("`{text}`: {why} (write PORT, ADDR:PORT or [IPv6-ADDR]:PORT)");
    if let Some(rest) = text.strip_prefix('[') {
        let (addr, port_text) = rest.split_once("]:").ok_or_else(|| bad("no `]:` after the address"))?;
        let addr = Address::parse(Family::V6, addr.as_bytes()).ok_or_else(|| bad("not an IPv6 address"))?;
        return Ok(BindTarget {
            addrs: vec![addr],
            port: port(port_text).map_err(|e| bad(&e))?,
        });
    }
    match text.split_once(':') {
        None => Ok(BindTarget {
            addrs: vec![Address::UNSPECIFIED_V4, Address::UNSPECIFIED_V6],
            port: port(text).map_err(|e| bad(&e))?,
        }),
        Some((addr, port_text)) => {
            if port_text.contains(':') {
                return Err(bad("an IPv6 address goes in brackets"));
            }
            let addr = Address::parse(Family::V4, addr.as_bytes()).ok_or_else(|| bad("not an IPv4 address"))?;
            Ok(BindTarget {
                addrs: vec![addr],
                port: port(port_text).map_err(|e| bad(&e))?,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(t: &str) -> Address {
        Address::parse_any(t.as_bytes()).unwrap()
    }

    #[test]
    fn port_lists() {
        let p = Ports::parse("443, 80,8000-8080,81,8079-9000").unwrap();
        assert_eq!(p.to_string(), "80-81,443,8000-9000");
        assert_eq!(Ports::parse("1-1023").unwrap().pieces().len(), 2);
        assert_eq!(
            Ports::parse("500-600").unwrap().pieces(),
            vec![PortRange { min: 500, max: 511 }, PortRange { min: 512, max: 600 }]
        );
        assert_eq!(Ports::parse("0").unwrap_err(), "`0` is not a port (1 to 65535)");
        assert_eq!(
            Ports::parse("90-80").unwrap_err(),
            "`90-80`: the first port is above the last"
        );
        assert_eq!(Ports::parse("+80").unwrap_err(), "`+80` is not a port (1 to 65535)");
        assert_eq!(Ports::parse(" ").unwrap_err(), "no ports in ` `");
    }

    #[test]
    fn address_specs() {
        assert_eq!(AddrSpec::parse("127.0.0.1").unwrap(), AddrSpec::Host(a("127.0.0.1")));
        assert_eq!(AddrSpec::parse("[::1]").unwrap(), AddrSpec::Host(a("::1")));
        assert_eq!(AddrSpec::parse("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(AddrSpec::parse("10.0.0.0/8").unwrap().last(), a("10.255.255.255"));
        assert_eq!(AddrSpec::parse("10.1.2.3/32").unwrap(), AddrSpec::Host(a("10.1.2.3")));
        assert_eq!(
            AddrSpec::parse("2001:db8::/32").unwrap().last(),
            a("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")
        );
        assert_eq!(
            AddrSpec::parse("127.0.0.1/8").unwrap_err(),
            "`127.0.0.1/8` has host bits set past /8 (authbind would ignore the line): write 127.0.0.0/8"
        );
        assert_eq!(
            AddrSpec::parse("1.2.3.4/33").unwrap_err(),
            "`1.2.3.4/33`: the prefix length must be 0 to 32"
        );
        assert_eq!(
            AddrSpec::parse("localhost").unwrap_err(),
            "`localhost` is not an IPv4 or IPv6 address"
        );
        assert_eq!(
            AddrSpec::parse("10.0.0.9-10.0.0.1").unwrap_err(),
            "`10.0.0.9-10.0.0.1`: the first address is above the last"
        );
        let any = AddrSpec::any(Family::V4);
        assert!(any.is_any() && any.covers(&AddrSpec::parse("10.0.0.0/8").unwrap()));
        assert!(!AddrSpec::parse("10.0.0.0/8").unwrap().covers(&any));
        assert!(AddrSpec::parse("10.0.0.1-10.0.0.9")
            .unwrap()
            .overlaps(&AddrSpec::parse("10.0.0.8/29").unwrap()));
        assert!(!any.overlaps(&AddrSpec::any(Family::V6)));
    }

    #[test]
    fn bind_targets() {
        assert_eq!(
            bind_target("80").unwrap().addrs,
            vec![Address::UNSPECIFIED_V4, Address::UNSPECIFIED_V6]
        );
        assert_eq!(
            bind_target("127.0.0.1:636").unwrap(),
            BindTarget {
                addrs: vec![a("127.0.0.1")],
                port: 636
            }
        );
        assert_eq!(bind_target("[::1]:80").unwrap().addrs, vec![a("::1")]);
        assert_eq!(
            bind_target("::1:80").unwrap_err(),
            "`::1:80`: an IPv6 address goes in brackets (write PORT, ADDR:PORT or [IPv6-ADDR]:PORT)"
        );
        assert_eq!(
            bind_target("localhost:80").unwrap_err(),
            "`localhost:80`: not an IPv4 address (write PORT, ADDR:PORT or [IPv6-ADDR]:PORT)"
        );
        assert!(bind_target("80000").is_err());
    }
}
