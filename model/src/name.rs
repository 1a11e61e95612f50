//! Policy file names read back: which request, if any, makes authbind 2.1
//! consult a name of the tree. The inverse of [`PolicyFile`]'s names, and
//! decided by printing them: a name is consulted exactly when some
//! (address, port, uid) makes `PolicyFile` print it. Every other name
//! under `byport/`, `byaddr/` and `byuid/` is never read, and
//! [`NeverConsulted`] says why, in the words `authbind-policy check`
//! prints.

use crate::addr::{Address, Family};
use crate::decision::Rule;
use crate::file::{bang_ports, bang_prefix, needs_bang, ports_words, FileName, PolicyFile};
use crate::reserve::{as_reserved, Reservation};
use core::fmt;
use core::ops::RangeInclusive;

/// A byuid file's name: `byuid/UID`, read for ports below 512, or
/// `byuid/!UID`, read from 512 up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ByuidName {
    pub uid: u32,
    /// The `!` file.
    pub bang: bool,
}

impl ByuidName {
    pub const fn new(uid: u32, bang: bool) -> ByuidName {
        ByuidName { uid, bang }
    }

    /// The file the helper reads when `uid` binds `port`.
    pub fn for_request(uid: u32, port: u16) -> ByuidName {
        ByuidName::new(uid, needs_bang(port))
    }

    /// The ports it is read for.
    pub fn ports(self) -> RangeInclusive<u16> {
        bang_ports(self.bang)
    }

    /// The same uid's other file (`byuid/!1000` for `byuid/1000`).
    pub fn sibling(self) -> ByuidName {
        ByuidName::new(self.uid, !self.bang)
    }

    /// Reads a name of the byuid folder (`1000`, `!1000`).
    pub fn parse(entry: &str) -> Result<ByuidName, NeverConsulted<'_>> {
        let (bang, text) = split_bang(entry);
        match canonical_number(text) {
            Some(uid) if uid < u64::from(u32::MAX) => Ok(ByuidName::new(uid as u32, bang)),
            // (uid_t)-1 is no process's uid: setuid(-1) means "leave it
            // as it is", and the kernel holds it as INVALID_UID.
            Some(uid) if uid == u64::from(u32::MAX) => Err(NeverConsulted::NoOnesUid),
            _ => Err(NeverConsulted::NotAUid(text)),
        }
    }

    pub(crate) fn fmt_entry(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", bang_prefix(self.bang), self.uid)
    }
}

/// `byuid/1000`, `byuid/!1000`.
impl fmt::Display for ByuidName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/", Rule::ByUid.folder())?;
        self.fmt_entry(f)
    }
}

/// A name the helper consults, and for which requests; prints as the
/// name (`byaddr/!127.0.0.1,636`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyName {
    /// `byport/[!]PORT`: every address, this port.
    ByPort(u16),
    /// `byaddr/…`: this address and port, under this form of the name
    /// (the first of authbind's forms that prints it).
    ByAddr { addr: Address, port: u16, form: FileName },
    /// `byuid/[!]UID`.
    ByUid(ByuidName),
    /// `reserve/PORT`, `reserve/ADDR,PORT`: not authbind 2.1's (it never
    /// reads the folder); consulted for every bind of the port it covers.
    Reserve(Reservation),
}

impl PolicyName {
    /// What the entry `entry` of `rule`'s folder is the file of.
    pub fn parse(rule: Rule, entry: &str) -> Result<PolicyName, NeverConsulted<'_>> {
        match rule {
            Rule::ByPort => port_name(entry).map(PolicyName::ByPort),
            Rule::ByAddr => addr_name(entry),
            Rule::ByUid => ByuidName::parse(entry).map(PolicyName::ByUid),
            Rule::Reserve => Reservation::parse(entry).map(PolicyName::Reserve),
        }
    }

    /// What a path relative to the configuration folder is the file of
    /// (`byport/80`; `byport` itself and `other/x` are never consulted).
    pub fn parse_path(path: &str) -> Result<PolicyName, NeverConsulted<'_>> {
        let (folder, entry) = path.split_once('/').ok_or(NeverConsulted::Outside)?;
        let rule = Rule::from_folder(folder).ok_or(NeverConsulted::Outside)?;
        PolicyName::parse(rule, entry)
    }

    pub fn rule(&self) -> Rule {
        self.file().name.rule()
    }

    /// A request's file that prints as this name.
    fn file(&self) -> PolicyFile {
        let (name, addr, port, uid) = match *self {
            PolicyName::ByPort(port) => (FileName::ByPort, Address::UNSPECIFIED_V4, port, 0),
            PolicyName::ByAddr { addr, port, form } => (form, addr, port, 0),
            PolicyName::ByUid(b) => (FileName::ByUid, Address::UNSPECIFIED_V4, *b.ports().start(), b.uid),
            PolicyName::Reserve(r) => return PolicyFile::reservation(&r),
        };
        PolicyFile { name, addr, port, uid }
    }
}

impl From<PolicyFile> for PolicyName {
    fn from(f: PolicyFile) -> PolicyName {
        match f.name {
            FileName::ByPort => PolicyName::ByPort(f.port),
            FileName::ByUid => PolicyName::ByUid(ByuidName::for_request(f.uid, f.port)),
            FileName::ReservePort => PolicyName::Reserve(Reservation::port(f.port)),
            FileName::ReserveAddr => PolicyName::Reserve(Reservation {
                addr: Some(as_reserved(&f.addr)),
                port: f.port,
            }),
            form => PolicyName::ByAddr {
                addr: f.addr,
                port: f.port,
                form,
            },
        }
    }
}

impl fmt::Display for PolicyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.file().fmt(f)
    }
}

/// Why the helper never consults a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NeverConsulted<'a> {
    /// Not a name directly in one of the policy's folders.
    Outside,
    /// Port 0, which the kernel picks a port for.
    PortZero,
    /// Not a port as `%u` writes one.
    NotAPort(&'a str),
    /// The `!` where the port has none, or none where it has one: the
    /// name that is consulted.
    WrongBang(PolicyName),
    /// Not a uid as `%u` writes one.
    NotAUid(&'a str),
    /// 4294967295, (uid_t)-1, which no process runs as.
    NoOnesUid,
    /// A byaddr name whose address `inet_pton` does not read.
    NotAnAddress(&'a str),
    /// A byaddr name without a comma or colon before a port.
    NoPort,
    /// An IPv6 address with a colon before the port.
    ColonAfterIpv6 { addr: Address, port: u16 },
    /// An address not written as the helper writes it (`inet_ntop`, or
    /// eight groups for IPv6).
    NotAsWritten { text: &'a str, addr: Address, port: u16 },
    /// A reservation not named as it is looked for (a `!`, a wildcard or
    /// IPv4-mapped address, an IPv6 address not as `inet_ntop` writes it).
    NotReservedAsWritten { text: &'a str, instead: Reservation },
}

impl NeverConsulted<'_> {
    /// The name consulted in its place, if there is one.
    pub fn instead(&self) -> Option<PolicyName> {
        match *self {
            NeverConsulted::WrongBang(name) => Some(name),
            NeverConsulted::ColonAfterIpv6 { addr, port } | NeverConsulted::NotAsWritten { addr, port, .. } => {
                Some(comma_name(addr, port))
            }
            NeverConsulted::NotReservedAsWritten { instead, .. } => Some(PolicyName::Reserve(instead)),
            _ => None,
        }
    }
}

impl fmt::Display for NeverConsulted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            NeverConsulted::Outside => write!(
                f,
                "not a name in {}/, {}/, {}/ or {}/",
                Rule::ByPort.folder(),
                Rule::ByAddr.folder(),
                Rule::ByUid.folder(),
                Rule::Reserve.folder()
            ),
            NeverConsulted::PortZero => f.write_str("port 0 is never asked about (the kernel picks a free port)"),
            NeverConsulted::NotAPort(text) => write!(
                f,
                "`{text}` is not a port as the helper writes it (decimal, no leading zeros, 1 to 65535)"
            ),
            NeverConsulted::WrongBang(name) => {
                let bang = needs_bang(name.file().port);
                let how = if bang { "with a `!` first" } else { "without the `!`" };
                write!(f, "{} are looked up {how} ({name})", ports_words(bang))
            }
            NeverConsulted::NotAUid(text) => {
                write!(
                    f,
                    "`{text}` is not a uid as the helper writes it (decimal, no leading zeros)"
                )
            }
            NeverConsulted::NoOnesUid => write!(f, "uid {} is (uid_t)-1, which no process runs as", u32::MAX),
            NeverConsulted::NotAnAddress(text) => write!(
                f,
                "`{text}` is not an address (the helper writes addresses as inet_ntop does)"
            ),
            NeverConsulted::NoPort => f.write_str("no port: byaddr names are ADDRESS,PORT (or ADDRESS:PORT for IPv4)"),
            NeverConsulted::ColonAfterIpv6 { addr, port } => {
                write!(f, "IPv6 names use a comma before the port ({})", comma_name(addr, port))
            }
            NeverConsulted::NotAsWritten { text, addr, port } => write!(
                f,
                "`{text}` is not written as the helper writes {} (it looks for {})",
                addr.family().name(),
                comma_name(addr, port)
            ),
            NeverConsulted::NotReservedAsWritten { text, instead } => write!(
                f,
                "`{text}` is not how a reservation is named (no `!`, a wildcard address is the \
                 port's own reservation, IPv4-mapped addresses are IPv4, addresses as inet_ntop \
                 writes them): it is looked for as {instead}"
            ),
        }
    }
}

/// The byaddr name with a comma, which every address has.
fn comma_name(addr: Address, port: u16) -> PolicyName {
    PolicyName::ByAddr {
        addr,
        port,
        form: FileName::ByAddrComma,
    }
}

fn split_bang(entry: &str) -> (bool, &str) {
    match entry.strip_prefix(bang_prefix(true)) {
        Some(rest) => (true, rest),
        None => (false, entry),
    }
}

/// A number as `%u` prints it: digits only, no sign, no leading zero (at
/// most ten digits, which is as long as an unsigned int gets).
fn canonical_number(text: &str) -> Option<u64> {
    let digits = !text.is_empty() && text.len() <= 10 && text.bytes().all(|b| b.is_ascii_digit());
    if !digits || (text != "0" && text.starts_with('0')) {
        return None;
    }
    text.parse().ok()
}

/// A port as `%u` prints it, 1 to 65535.
pub(crate) fn canonical_port(text: &str) -> Result<u16, NeverConsulted<'_>> {
    port_number(text)
}

fn port_number(text: &str) -> Result<u16, NeverConsulted<'_>> {
    match canonical_number(text) {
        Some(0) => Err(NeverConsulted::PortZero),
        Some(port) => u16::try_from(port).map_err(|_| NeverConsulted::NotAPort(text)),
        None => Err(NeverConsulted::NotAPort(text)),
    }
}

/// `[!]PORT` in byport.
fn port_name(entry: &str) -> Result<u16, NeverConsulted<'_>> {
    let (bang, text) = split_bang(entry);
    let port = port_number(text)?;
    if needs_bang(port) != bang {
        return Err(NeverConsulted::WrongBang(PolicyName::ByPort(port)));
    }
    Ok(port)
}

/// `[!]ADDRESS,PORT` or `[!]ADDRESS:PORT` in byaddr. Both separators are
/// tried, the last comma first; the first reason found is the one given.
fn addr_name(entry: &str) -> Result<PolicyName, NeverConsulted<'_>> {
    let (_, text) = split_bang(entry);
    let mut first = None;
    for sep in [',', ':'] {
        let Some((addr_text, port_text)) = text.rsplit_once(sep) else {
            continue;
        };
        match addr_name_at(entry, addr_text, port_text, sep) {
            Ok(name) => return Ok(name),
            Err(why) => {
                first.get_or_insert(why);
            }
        }
    }
    Err(first.unwrap_or(NeverConsulted::NoPort))
}

fn addr_name_at<'a>(
    entry: &str,
    addr_text: &'a str,
    port_text: &'a str,
    sep: char,
) -> Result<PolicyName, NeverConsulted<'a>> {
    let addr = Address::parse_any(addr_text.as_bytes()).ok_or(NeverConsulted::NotAnAddress(addr_text))?;
    let port = port_number(port_text)?;
    let forms: &[FileName] = match (addr.family(), sep) {
        (Family::V4, ':') => &[FileName::ByAddrColon],
        (Family::V4, _) => &[FileName::ByAddrComma],
        (Family::V6, ',') => &[FileName::ByAddrComma, FileName::ByAddrUncompressed],
        (Family::V6, _) => &[],
    };
    let named = |form| PolicyName::ByAddr { addr, port, form };
    let printed = |bang: bool| {
        forms
            .iter()
            .map(|&form| named(form))
            .find(|n| prints_as(n.file().entry(bang), entry))
    };
    if let Some(name) = printed(needs_bang(port)) {
        return Ok(name);
    }
    if let Some(name) = printed(!needs_bang(port)) {
        return Err(NeverConsulted::WrongBang(name));
    }
    if addr.is_v6() && sep == ':' {
        return Err(NeverConsulted::ColonAfterIpv6 { addr, port });
    }
    Err(NeverConsulted::NotAsWritten {
        text: addr_text,
        addr,
        port,
    })
}

/// Whether `value` prints exactly `text` (compared as it is written, so
/// without allocating).
pub(crate) fn prints_as(value: impl fmt::Display, text: &str) -> bool {
    struct Rest<'a>(&'a str);
    impl fmt::Write for Rest<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0 = self.0.strip_prefix(s).ok_or(fmt::Error)?;
            Ok(())
        }
    }
    let mut rest = Rest(text);
    fmt::write(&mut rest, format_args!("{value}")).is_ok() && rest.0.is_empty()
}

#[cfg(test)]
mod tests;
