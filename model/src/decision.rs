//! What the policy decided and why, and what became of a request to the
//! helper. Every enum here travels on the wire as its `u8` code.

use crate::addr::Address;
use crate::errno::Errno;
use crate::file::{FileName, PolicyFile};
use crate::reserve::Reservation;

crate::wire_enum! {
    /// The three steps of authbind 2.1's decision.
    pub enum Rule {
        ByPort = 1,
        ByAddr = 2,
        ByUid = 3,
        /// Not authbind 2.1's: reservations, consulted first.
        Reserve = 4,
    }
}

impl Rule {
    /// Its folder below the configuration folder.
    pub fn folder(self) -> &'static str {
        match self {
            Rule::ByPort => "byport",
            Rule::ByAddr => "byaddr",
            Rule::ByUid => "byuid",
            Rule::Reserve => "reserve",
        }
    }

    /// The rule whose folder is called `folder`.
    pub fn from_folder(folder: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.folder() == folder)
    }
}

crate::wire_enum! {
    /// Why the deciding file decided as it did.
    pub enum Reason {
        /// Granted: the flag file is executable for the caller.
        Executable = 1,
        /// Granted: a line of the byuid file covers the request.
        LineMatched = 2,
        /// Refused: the flag file exists, and `access(X_OK)` says EACCES
        /// for the caller.
        NotExecutable = 3,
        /// Refused: checking the flag file failed otherwise (ENOTDIR, ELOOP…).
        CheckFailed = 4,
        /// Refused: there is no byuid file for the caller.
        NoByuidFile = 5,
        /// Refused: the byuid file could not be opened.
        OpenFailed = 6,
        /// Refused: the byuid file is a FIFO, a device or a socket.
        NotRegular = 7,
        /// Refused: no line of the byuid file covers the request.
        NoMatchingLine = 8,
        /// Refused: reading the byuid file failed.
        ReadFailed = 9,
        /// Refused: the byuid file is larger than the helper reads.
        TooLarge = 10,
        /// Refused: a reservation covers the bind and does not let the
        /// caller execute it (the port is someone else's).
        Reserved = 11,
        /// Granted: every reservation covering the bind lets the caller
        /// execute it, and the port is below 1024 (owning a port includes
        /// binding it).
        Owner = 12,
    }
}

impl Reason {
    pub fn granted(self) -> bool {
        matches!(self, Reason::Executable | Reason::LineMatched | Reason::Owner)
    }

    /// A refusal that is the configuration's fault rather than the
    /// policy's answer (worth a message even without AUTHBIND_DEBUG).
    pub fn is_fault(self) -> bool {
        matches!(self, Reason::NotRegular | Reason::ReadFailed | Reason::TooLarge)
    }
}

crate::wire_enum! {
    /// Why authbind ignores a byuid line for every request.
    pub enum Ignored {
        /// No comma, and not the `addr4/len:pmin,pmax` form.
        NoComma = 1,
        /// The address is not one `inet_pton` reads (a host name, white
        /// space before it or before the comma…).
        BadAddress = 2,
        /// Both `/` and `-` before the comma.
        SlashAndHyphen = 3,
        /// What follows `/` is not a number.
        BadPrefixLength = 4,
        /// The address has bits set past its prefix length.
        HostBits = 5,
        /// The prefix length is longer than the address.
        PrefixTooLong = 6,
        /// The lowest address is above the highest.
        AddressesReversed = 7,
        /// What follows the comma is not `PORT` or `PORT-PORT` (a comment
        /// or a word after it…).
        BadPorts = 8,
        /// The lowest port is above the highest.
        PortsReversed = 9,
        /// No port in the range exists (above 65535).
        PortsOutOfRange = 10,
        /// `addr4/len:pmin,pmax` with a value out of range.
        ColonFormOutOfRange = 11,
    }
}

impl Ignored {
    /// What is wrong, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Ignored::NoComma => "no comma between the addresses and the ports",
            Ignored::BadAddress => "not an address inet_pton reads (no names, no white space)",
            Ignored::SlashAndHyphen => "both a prefix length and an address range",
            Ignored::BadPrefixLength => "the prefix length is not a number",
            Ignored::HostBits => "host bits set past the prefix length",
            Ignored::PrefixTooLong => "the prefix length is longer than the address",
            Ignored::AddressesReversed => "the lowest address is above the highest",
            Ignored::BadPorts => "the ports are not PORT or PORT-PORT (nothing may follow them, not even a comment)",
            Ignored::PortsReversed => "the lowest port is above the highest",
            Ignored::PortsOutOfRange => "no port in the range is below 65536",
            Ignored::ColonFormOutOfRange => "a value out of range in the addr/len:min,max form",
        }
    }
}

/// A byuid line authbind ignores, by line number (from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IgnoredLine {
    pub line: u32,
    pub why: Ignored,
}

/// The policy's answer for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The file that decided.
    pub file: FileName,
    pub reason: Reason,
    /// What authbind 2.1's helper would exit with: 0 when granted, else
    /// EACCES or another access error (flag files), EPERM (no byuid file),
    /// ENOENT (no matching line) or the reading error.
    pub errno: Errno,
    /// The granting line (from 1) for [`Reason::LineMatched`], else 0.
    pub line: u32,
    /// The first byuid line read that authbind ignores for every request.
    pub ignored: Option<IgnoredLine>,
    /// The reservation that decided ([`FileName::ReservePort`] and
    /// [`FileName::ReserveAddr`]): its address is not always the bind's
    /// (a wildcard bind is covered by every reservation of its port).
    pub reservation: Option<Reservation>,
}

impl Decision {
    pub fn granted(&self) -> bool {
        self.reason.granted()
    }

    /// The file that decided a bind of `addr`:`port` by real user `uid`.
    pub fn file_for(&self, addr: Address, port: u16, uid: u32) -> PolicyFile {
        match self.reservation {
            Some(r) => PolicyFile::reservation(&r),
            None => PolicyFile {
                name: self.file,
                addr,
                port,
                uid,
            },
        }
    }
}

crate::wire_enum! {
    /// How a request to the helper ended.
    pub enum Outcome {
        /// The socket is bound.
        Bound = 1,
        /// The policy refused.
        Refused = 2,
        /// The policy granted but `bind()` failed (EADDRINUSE…).
        BindFailed = 3,
        /// The request or the socket was not acceptable.
        BadRequest = 4,
        /// The configuration could not be read.
        ConfigError = 5,
        /// The policy granted, but the helper may not bind privileged ports
        /// (it is not root: no_new_privs, a nosuid mount, no setuid bit; or
        /// its capability bounding set lacks CAP_NET_BIND_SERVICE).
        NoPrivilege = 6,
    }
}

/// What became of one request: the outcome, the policy's decision when
/// it was consulted, and the errno (0 when bound).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub decision: Option<Decision>,
    pub errno: Errno,
}

impl Verdict {
    /// The policy's decision, and for a grant the bind's result.
    pub fn of_decision(decision: Decision, bound: Result<(), Errno>) -> Verdict {
        let (outcome, errno) = match (decision.granted(), bound) {
            (true, Ok(())) => (Outcome::Bound, Errno(0)),
            (true, Err(e)) => (Outcome::BindFailed, e),
            (false, _) if decision.reason.is_fault() => (Outcome::ConfigError, decision.errno),
            (false, _) => (Outcome::Refused, decision.errno),
        };
        Verdict {
            outcome,
            decision: Some(decision),
            errno,
        }
    }

    /// A request refused before the policy was consulted.
    pub fn without_decision(outcome: Outcome, errno: Errno) -> Verdict {
        Verdict {
            outcome,
            decision: None,
            errno,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for &r in Reason::ALL {
            assert_eq!(Reason::try_from(r as u8), Ok(r));
        }
        for &i in Ignored::ALL {
            assert_eq!(Ignored::try_from(i as u8), Ok(i));
        }
        for &o in Outcome::ALL {
            assert_eq!(Outcome::try_from(o as u8), Ok(o));
        }
        assert!(Outcome::try_from(0).is_err());
        assert!(Rule::try_from(5).is_err());
        for &r in Rule::ALL {
            assert_eq!(Rule::from_folder(r.folder()), Some(r));
        }
        assert_eq!(Rule::from_folder("byuid/"), None);
        assert_eq!(Rule::from_folder("ByPort"), None);
    }

    #[test]
    fn verdicts_of_decisions() {
        let d = |reason, errno| Decision {
            file: FileName::ByUid,
            reason,
            errno: Errno(errno),
            line: 0,
            ignored: None,
            reservation: None,
        };
        let v = Verdict::of_decision(d(Reason::LineMatched, 0), Ok(()));
        assert_eq!((v.outcome, v.errno), (Outcome::Bound, Errno(0)));
        let v = Verdict::of_decision(d(Reason::LineMatched, 0), Err(Errno::EADDRINUSE));
        assert_eq!((v.outcome, v.errno), (Outcome::BindFailed, Errno::EADDRINUSE));
        let v = Verdict::of_decision(d(Reason::NoMatchingLine, 2), Ok(()));
        assert_eq!((v.outcome, v.errno), (Outcome::Refused, Errno::ENOENT));
        let v = Verdict::of_decision(d(Reason::TooLarge, 27), Ok(()));
        assert_eq!(v.outcome, Outcome::ConfigError);
    }
}
