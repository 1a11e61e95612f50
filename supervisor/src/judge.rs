//! Whether the supervisor may answer a trapped `bind` itself, decided
//! from facts alone (no system calls here), so every branch is tested
//! without root. Anything it does not take on is let through to the
//! kernel, which then answers as if we were not there.

use crate::proc_status::{may_bind_privileged, Status};
use model::Target;
use syscalls::seccomp::{self, Notif};

/// `sizeof(struct sockaddr_storage)`: the kernel refuses longer addresses.
pub const MAX_ADDR: usize = 128;

/// Why a call goes to the kernel untouched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// Not the native ABI's `bind`.
    ForeignCall,
    /// An address length the kernel rejects itself (EINVAL).
    OddLength,
    /// Not an IPv4/IPv6 address with a port.
    NotInet,
    /// The port needs no privilege in this network namespace.
    Unprivileged,
    /// The caller may bind privileged ports itself (root, CAP_NET_BIND_SERVICE).
    Privileged,
    /// The caller's credentials or security label differ from ours: our
    /// bind (and the helper's view of the real uid) would not be its.
    OtherCredentials,
    /// The caller lives in another user namespace than ours: our bind
    /// could carry a capability it gave up there (the owner of a user
    /// namespace holds every capability in it).
    OtherUserNamespace,
}

/// An identity of a namespace (nsfs device and inode).
pub type NsId = (u64, u64);

/// What a caller must share with us for our bind to be its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Own {
    /// The Uid, Gid, Groups and CapEff lines of our /proc status.
    pub credentials: String,
    pub label: String,
    pub userns: Option<NsId>,
    /// Ports from here up need no privilege (`ip_unprivileged_port_start`).
    pub unprivileged_from: u32,
}

/// What was read about the calling thread.
pub struct Caller<'a> {
    pub status: &'a Status,
    pub label: &'a str,
    pub userns: Option<NsId>,
}

/// The notification itself: the native `bind`, with a length the kernel
/// would look at. Returns the address length to read.
pub fn screen(n: &Notif) -> Result<usize, Pass> {
    if n.data.arch != seccomp::NATIVE_ARCH || i64::from(n.data.nr) != libc::SYS_bind {
        return Err(Pass::ForeignCall);
    }
    // bind's addrlen is an int: the kernel rejects negative or oversized ones itself.
    let len = n.data.args[2] as u32 as usize;
    if !(2..=MAX_ADDR).contains(&len) {
        return Err(Pass::OddLength);
    }
    Ok(len)
}

/// The address (our copy of the caller's): a privileged Internet port,
/// the only binds we take on? Decided before anything is read about the
/// caller, so that other binds cost one round trip and no more.
pub fn judge_address(addr: &[u8], own: &Own) -> Result<Target, Pass> {
    let target = Target::from_sockaddr(addr).ok_or(Pass::NotInet)?;
    if u32::from(target.port) >= own.unprivileged_from {
        return Err(Pass::Unprivileged);
    }
    Ok(target)
}

/// The caller: would our bind be its own? The kernel judges a bind by the
/// binder's credentials against the user namespace owning the socket's
/// network namespace; with the caller's very credentials in the caller's
/// own user namespace, our bind is answered exactly as the caller's own
/// would be, wherever the socket was made.
pub fn judge_caller(caller: &Caller, own: &Own) -> Result<(), Pass> {
    if may_bind_privileged(caller.status) {
        return Err(Pass::Privileged);
    }
    if caller.status.credentials != own.credentials || caller.label != own.label {
        return Err(Pass::OtherCredentials);
    }
    match (caller.userns, own.userns) {
        (Some(a), Some(b)) if a == b => Ok(()),
        _ => Err(Pass::OtherUserNamespace),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syscalls::seccomp::SeccompData;

    fn notif(arch: u32, nr: i64, len: u64) -> Notif {
        Notif {
            data: SeccompData {
                nr: nr as i32,
                arch,
                args: [3, 0x1000, len, 0, 0, 0],
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn screen_takes_only_native_binds_of_sane_length() {
        assert_eq!(screen(&notif(seccomp::NATIVE_ARCH, libc::SYS_bind, 16)), Ok(16));
        assert_eq!(screen(&notif(0x4000_0003, libc::SYS_bind, 16)), Err(Pass::ForeignCall));
        assert_eq!(
            screen(&notif(seccomp::NATIVE_ARCH, libc::SYS_connect, 16)),
            Err(Pass::ForeignCall)
        );
        for len in [0, 1, 129, u64::from(u32::MAX), 1 << 32 | 16] {
            let want = if len == 1 << 32 | 16 {
                Ok(16)
            } else {
                Err(Pass::OddLength)
            };
            assert_eq!(screen(&notif(seccomp::NATIVE_ARCH, libc::SYS_bind, len)), want, "{len}");
        }
        assert_eq!(screen(&notif(seccomp::NATIVE_ARCH, libc::SYS_bind, 128)), Ok(128));
    }

    const CREDS: &str =
        "Uid:\t1500\t1500\t1500\t1500\nGid:\t1500\t1500\t1500\t1500\nGroups:\t\nCapEff:\t0000000000000000\n";
    const NS: NsId = (4, 4026531837);

    fn own() -> Own {
        Own {
            credentials: CREDS.into(),
            label: "unconfined\n".into(),
            userns: Some(NS),
            unprivileged_from: 1024,
        }
    }

    fn status() -> Status {
        Status {
            tgid: 42,
            euid: 1500,
            cap_eff: 0,
            no_new_privs: true,
            credentials: CREDS.into(),
        }
    }

    fn sin(port: u16) -> [u8; 16] {
        let mut v = [0u8; 16];
        v[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        v[2..4].copy_from_slice(&port.to_be_bytes());
        v[4..8].copy_from_slice(&[127, 0, 0, 1]);
        v
    }

    fn judged(addr: &[u8], status: &Status, label: &str, userns: Option<NsId>, own: &Own) -> Result<u16, Pass> {
        let target = judge_address(addr, own)?;
        judge_caller(&Caller { status, label, userns }, own)?;
        Ok(target.port)
    }

    #[test]
    fn judge_every_branch() {
        let (own, st) = (own(), status());
        let label = own.label.clone();
        assert_eq!(judged(&sin(80), &st, &label, Some(NS), &own), Ok(80));
        let mut unix = sin(80);
        unix[..2].copy_from_slice(&(libc::AF_UNIX as u16).to_ne_bytes());
        assert_eq!(judged(&unix, &st, &label, Some(NS), &own), Err(Pass::NotInet));
        assert_eq!(judged(&sin(0), &st, &label, Some(NS), &own), Err(Pass::NotInet));
        assert_eq!(judged(&sin(1024), &st, &label, Some(NS), &own), Err(Pass::Unprivileged));
        let low = Own {
            unprivileged_from: 80,
            ..own.clone()
        };
        assert_eq!(judged(&sin(80), &st, &label, Some(NS), &low), Err(Pass::Unprivileged));
        let capable = Status {
            cap_eff: 1 << 10,
            ..status()
        };
        assert_eq!(
            judged(&sin(80), &capable, &label, Some(NS), &own),
            Err(Pass::Privileged)
        );
        let root = Status { euid: 0, ..status() };
        assert_eq!(judged(&sin(80), &root, &label, Some(NS), &own), Err(Pass::Privileged));
        let other = Status {
            credentials: CREDS.replace("1500", "1501"),
            ..status()
        };
        assert_eq!(
            judged(&sin(80), &other, &label, Some(NS), &own),
            Err(Pass::OtherCredentials)
        );
        assert_eq!(
            judged(&sin(80), &st, "other\n", Some(NS), &own),
            Err(Pass::OtherCredentials)
        );
        assert_eq!(
            judged(&sin(80), &st, &label, Some((4, 1)), &own),
            Err(Pass::OtherUserNamespace)
        );
        assert_eq!(judged(&sin(80), &st, &label, None, &own), Err(Pass::OtherUserNamespace));
    }

    #[test]
    fn an_unreadable_namespace_is_another_one() {
        let blind = Own { userns: None, ..own() };
        let st = status();
        assert_eq!(
            judged(&sin(80), &st, &blind.label.clone(), Some(NS), &blind),
            Err(Pass::OtherUserNamespace)
        );
    }
}
