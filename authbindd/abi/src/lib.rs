//! The ABI between authbindd and its BPF programs (authbindd/bpf/
//! authbind.bpf.c), defined once, here: the constants and the
//! `#[repr(C)]` structs of the maps' keys and values and of the audit
//! records. authbindd encodes and decodes them with [`Bytes`] (every
//! field at its `offset_of!`); its build script writes [`write_header`]'s
//! C header, which the programs include instead of their own copies. The
//! header asserts (`_Static_assert`) every size and offset Rust computed,
//! so a C definition that drifts from this one does not compile.
//!
//! The codes of the model's enums (address families, rules, file names)
//! are written into the header from [`model`], not retyped.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

#[macro_use]
mod layout;
mod header;

pub use header::write_header;
pub use layout::{Bytes, CElement, CType, Constant, Field, Struct};

constants! {
    /// Ports below this are privileged: the programs decide for 1 to
    /// PORT_LIMIT - 1, and `struct ports` holds one bit per port.
    PORT_LIMIT: u32 = 1024;
    /// The 64-bit words of `reserved_bits`, one bit for each port 0 to
    /// 65535.
    RESERVED_BITS_WORDS: usize = 1024;
    /// The most permission checks one chain holds (a longer one is
    /// compiled as a refusal).
    MAX_CHECKS: usize = 16;
    /// A program's answer: the kernel decides, as if authbind did not exist.
    KERNEL_DECIDES: i32 = 1;
    /// A program's answer: granted (the bind skips the
    /// CAP_NET_BIND_SERVICE check).
    GRANTED: i32 = 3;
    /// How a chain's walk ends: the name is absent, go on to the next rule.
    END_CONTINUE: u32 = 0;
    /// How a chain's walk ends: the file is there, granted if the checks pass.
    END_GRANT: u32 = 1;
    /// How a chain's walk ends: the lookup fails otherwise, refused.
    END_REFUSE: u32 = 2;
    /// Check flag: a folder, which a real root may always search (a file
    /// needs an x bit).
    CK_DIR: u16 = 1;
    /// Check flag: a regular file on a noexec mount: X_OK fails for everyone.
    CK_NOEXEC: u16 = 2;
    /// Check flag: the inode has POSIX ACL entries, which the maps cannot
    /// express: its owner is judged by the owner bits (as the ACL's owner
    /// entry is), everyone else is refused (the safe direction).
    CK_ACL: u16 = 4;
    /// Check flag: some user of the database is a member of its group
    /// (for `authbindd --check`; the programs judge by the binding
    /// process's own groups, not the database's).
    CK_MEMBERS: u16 = 8;
    /// The `folders` entry of a byport name without an entry of its own.
    FOLDER_BYPORT: u32 = 0;
    /// The `folders` entry of a byaddr name without an entry of its own.
    FOLDER_BYADDR: u32 = 1;
    /// The byuid tries' keys start with the uid: the prefix length of a
    /// key is this plus the address prefix's.
    UID_PREFIX_BITS: u32 = 32;
    /// The most address reservations of one port listed for the programs
    /// (`struct reserve_port`): a wildcard bind is covered by each, and a
    /// port with more is compiled so that every non-root wildcard bind of
    /// it is refused (the safe direction; `authbindd --check` names it).
    MAX_RESERVE_ADDRS: usize = 16;
    /// `struct reserve_port` flag: `reserve/PORT` exists.
    RP_PORT: u32 = 1;
    /// `struct reserve_port` flag: the port has more address reservations
    /// than `addrs` holds: a non-root wildcard bind of it is refused.
    RP_OVERFLOW: u32 = 2;
    /// The family code of the key of `reserve/PORT` in `reserved` (its
    /// address all zeros): the reservation of every address.
    RESERVE_WHOLE_PORT: u32 = 0;
    /// The error a bind refused by a reservation fails with (EACCES, the
    /// kernel's own for a port one may not bind).
    RESERVED_ERRNO: u32 = model::Errno::EACCES.0 as u32;
    /// An event's outcome: the bind was granted.
    EV_GRANTED: u32 = 0;
    /// An event's outcome: the bind was refused by a reservation (EACCES).
    EV_REFUSED: u32 = 1;
    /// The kinds of audit line each user has a rate limit for, indexed by
    /// outcome (`EV_*`): grants, and refusals by a reservation.
    AUDIT_KINDS: usize = 2;
    /// The most (user, kind) pairs whose audit budget the programs keep
    /// (`audit_budget`, `audit_said`): the least recently used go first.
    AUDIT_USERS: u32 = 16384;
}

/// The data of a `byuid4` key (its prefix is counted in bits of it).
pub type Trie4Data = [u8; 4 + 4];
/// The data of a `byuid6` key.
pub type Trie6Data = [u8; 4 + 16];

structs! {
    /// One permission check of a path walk (`compile::check::Check`).
    struct check as Check {
        owner: u32,
        group: u32,
        /// The permission bits (`mode & 0o777`).
        mode: u16,
        /// `CK_*`.
        flags: u16,
    }

    /// The checks of one name's lookup, all of which must pass, and how
    /// the lookup ends (the value of `byport`, `byaddr` and `folders`).
    struct chain as Chain {
        /// How many of `checks` count.
        n: u32,
        /// `END_*`.
        end: u32,
        /// The `model::FileName` code of the granting file (`END_GRANT`).
        file: u32,
        reserved: u32,
        checks: [Check; MAX_CHECKS],
    }

    /// The key of `byaddr` (and the programs' request).
    struct addr_key as AddrKey {
        /// The `model::Family` code.
        family: u32,
        port: u32,
        /// Network byte order; an IPv4 address in the first four bytes.
        addr: [u8; 16],
    }

    /// An address reserved on a port (in `struct reserve_port`).
    struct reserve_addr as ReserveAddr {
        /// The `model::Family` code.
        family: u32,
        /// As in `struct addr_key`.
        addr: [u8; 16],
    }

    /// The value of `reserve_ports` (keyed by port, 1-65535): what is
    /// reserved on the port. The chain of each reservation is in
    /// `reserved`, keyed by `struct addr_key` (family RESERVE_WHOLE_PORT
    /// and no address for `reserve/PORT`).
    struct reserve_port as ReservePort {
        /// `RP_*`.
        flags: u32,
        /// How many of `addrs` count.
        n: u32,
        /// The address reservations of the port, in `model::Reservation`'s
        /// rank order (the order the helper checks them in).
        addrs: [ReserveAddr; MAX_RESERVE_ADDRS],
    }

    /// The key of `reserve_refusals`: who was refused by which reservation.
    struct reserve_refusal_key as ReserveRefusalKey {
        uid: u32,
        /// As in `reserved`.
        reservation: AddrKey,
    }

    /// The key of `byuid4` (an LPM trie).
    struct trie4_key as Trie4Key {
        prefixlen: u32,
        /// The uid (host order), then the address.
        data: Trie4Data,
    }

    /// The key of `byuid6` (an LPM trie).
    struct trie6_key as Trie6Key {
        prefixlen: u32,
        /// The uid (host order), then the address.
        data: Trie6Data,
    }

    /// The value of the byuid tries: bit P of word P / 64 for port P.
    struct ports as Ports {
        bits: [u64; PORT_LIMIT as usize / 64],
    }

    /// The key of `refusals`.
    struct refusal_key as RefusalKey {
        uid: u32,
        port: u32,
    }

    /// A grant, as the programs report it in the `events` ring.
    struct event as Event {
        uid: u32,
        gid: u32,
        pid: u32,
        port: u32,
        /// The `model::Family` code.
        family: u32,
        /// The `model::Rule` code.
        rule: u32,
        /// The `model::FileName` code.
        file: u32,
        /// The socket's type and protocol (`SOCK_STREAM`, `IPPROTO_TCP`, ...).
        r#type: u32,
        protocol: u32,
        /// As in `struct addr_key`.
        addr: [u8; 16],
        /// `EV_*`.
        outcome: u32,
        /// The reservation that decided (rule `model::Rule::Reserve`), as in
        /// `reserved`'s key: its family code, then its address.
        rfamily: u32,
        raddr: [u8; 16],
    }

    /// The key of `audit_budget` and `audit_said`: one user's audit
    /// lines of one kind.
    struct audit_key as AuditKey {
        uid: u32,
        /// `EV_*`: grants, or refusals by a reservation.
        outcome: u32,
    }

    /// The value of `audit_budget`: one user's rate limit of one kind of
    /// audit line, kept by the programs before the ring (windows aligned
    /// on CLOCK_MONOTONIC, read coarse by bpf_ktime_get_coarse_ns: index =
    /// ns / window).
    struct audit_budget as AuditBudget {
        /// When the entry was made (ns): tells the daemon that its count
        /// started again from 0 (the entry was evicted and made anew).
        born: u64,
        /// The window `admitted` counts in.
        window: u64,
        /// The records let into the ring in `window`.
        admitted: u64,
        /// The records left out since the entry was made (never reset:
        /// the daemon says the growth).
        suppressed: u64,
        /// The window of the last one left out.
        last: u64,
    }

    /// The value of `audit_said` (written by the daemon alone): how many
    /// of `audit_budget`'s `suppressed` it has said (a `SUPPRESSED=`
    /// line), of the entry made at `born`. Pinned, so that a new daemon
    /// neither says a count again nor leaves one unsaid.
    struct audit_said as AuditSaid {
        born: u64,
        said: u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn sizes_the_programs_were_written_for() {
        // The sizes of the maps' keys and values are the kernel's too
        // (a map's key_size and value_size): changing them is a new ABI.
        assert_eq!(
            [
                Check::SIZE,
                Chain::SIZE,
                AddrKey::SIZE,
                Trie4Key::SIZE,
                Trie6Key::SIZE,
                Ports::SIZE,
                RefusalKey::SIZE,
                Event::SIZE,
                ReserveAddr::SIZE,
                ReservePort::SIZE,
                ReserveRefusalKey::SIZE,
                AuditKey::SIZE,
                AuditBudget::SIZE,
                AuditSaid::SIZE
            ],
            [12, 208, 24, 12, 24, 128, 8, 76, 20, 328, 28, 8, 40, 16]
        );
        assert_eq!(STRUCTS.len(), 14);
    }

    #[test]
    fn fields_are_encoded_at_their_offsets() {
        let mut c = Chain {
            n: 1,
            end: END_GRANT,
            file: 3,
            ..Chain::default()
        };
        c.checks[2] = Check {
            owner: 1500,
            group: 7,
            mode: 0o500,
            flags: CK_DIR | CK_MEMBERS,
        };
        let b = c.to_bytes();
        let at = offset_of!(Chain, checks) + 2 * size_of::<Check>();
        assert_eq!(b[at..at + 4], 1500u32.to_ne_bytes());
        assert_eq!(b[at + offset_of!(Check, flags)..at + 12], 9u16.to_ne_bytes());
        assert_eq!(b[offset_of!(Chain, end)..][..4], END_GRANT.to_ne_bytes());
        assert_eq!(Chain::from_bytes(&b), Some(c));
        assert_eq!(Chain::from_bytes(&b[..Chain::SIZE - 1]), None);

        let e = Event {
            uid: 1,
            port: 80,
            family: 6,
            r#type: 2,
            addr: [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9],
            ..Event::default()
        };
        let b = e.to_bytes();
        assert_eq!(b[36], 0xfe);
        assert_eq!(b[offset_of!(Event, r#type)..][..4], 2u32.to_ne_bytes());
        assert_eq!(Event::from_bytes(&b), Some(e));
    }
}
