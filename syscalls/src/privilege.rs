//! Why the setuid helper cannot act as root for this process, found
//! cheaply (a prctl, a stat, a statvfs): called only after a privileged
//! bind went wrong, or once by the launcher before it execs the program.
//! Allocation-free, so the shim can use it.

use core::mem::zeroed;

/// What keeps the helper from gaining root (or from binding as root).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// no_new_privs is set for this process: exec never grants set-user-ID.
    NoNewPrivs,
    /// The helper is not a set-user-ID program owned by root.
    NotSetuid,
    /// The helper's file system is mounted nosuid.
    NosuidMount,
    /// CAP_NET_BIND_SERVICE is not in the capability bounding set, so even
    /// root may not bind privileged ports.
    NoBoundingCapability,
    /// The helper does not exist or cannot be looked at.
    Missing,
}

impl Cause {
    /// The cause, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Cause::NoNewPrivs => {
                "no_new_privs is set for this process (systemd NoNewPrivileges= or an option that implies it, \
                 a container's no-new-privileges), so the set-user-ID helper does not gain root"
            }
            Cause::NotSetuid => "the helper is not set-user-ID root (mode 4755, owner root)",
            Cause::NosuidMount => "the helper's file system is mounted nosuid, so it does not gain root",
            Cause::NoBoundingCapability => {
                "CAP_NET_BIND_SERVICE is not in this process's capability bounding set, so even root may not \
                 bind privileged ports"
            }
            Cause::Missing => "the helper is missing",
        }
    }
}

/// What to do instead, for messages.
pub const REMEDY: &str = "use kernel mode (authbindd), which needs no set-user-ID helper, or give the service \
                          AmbientCapabilities=CAP_NET_BIND_SERVICE";

const CAP_NET_BIND_SERVICE: libc::c_ulong = 10;
const ST_NOSUID: libc::c_ulong = 2;

/// Why the helper at `helper` (NUL-terminated) cannot act as root for the
/// calling process, if something says so.
pub fn helper_cannot_act(helper: &[u8]) -> Option<Cause> {
    if helper.last() != Some(&0) {
        return Some(Cause::Missing);
    }
    // SAFETY: prctl with integer arguments only.
    if unsafe { libc::prctl(libc::PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) } == 1 {
        return Some(Cause::NoNewPrivs);
    }
    // SAFETY: an all-zero stat is valid for stat to fill.
    let mut st: libc::stat = unsafe { zeroed() };
    // SAFETY: helper is NUL-terminated; st is writable.
    if unsafe { libc::stat(helper.as_ptr().cast(), &mut st) } != 0 {
        return Some(Cause::Missing);
    }
    if st.st_uid != 0 || st.st_mode & libc::S_ISUID == 0 {
        return Some(Cause::NotSetuid);
    }
    // SAFETY: an all-zero statvfs is valid for statvfs to fill.
    let mut vfs: libc::statvfs = unsafe { zeroed() };
    // SAFETY: helper is NUL-terminated; vfs is writable.
    if unsafe { libc::statvfs(helper.as_ptr().cast(), &mut vfs) } == 0 && vfs.f_flag & ST_NOSUID != 0 {
        return Some(Cause::NosuidMount);
    }
    // SAFETY: prctl with integer arguments only.
    if unsafe { libc::prctl(libc::PR_CAPBSET_READ, CAP_NET_BIND_SERVICE, 0, 0, 0) } == 0 {
        return Some(Cause::NoBoundingCapability);
    }
    None
}
