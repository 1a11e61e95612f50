//! What can go wrong in a helper run, and the exit status each gives.

use model::Errno;

#[derive(Debug)]
pub enum HelperError {
    ClassicUsage,
    NativeUsage,
    NotAChannel(Errno),
    NoRequest(Errno),
    Reply(Errno),
}

impl core::fmt::Display for HelperError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            HelperError::ClassicUsage => f.write_str("bad usage (expected ADDR4HEX PORTHEX, or ADDR6HEX PORTHEX 6)"),
            HelperError::NativeUsage => f.write_str("bad usage: --native takes no arguments"),
            HelperError::NotAChannel(e) => write!(f, "--native: fd 0 is not a Unix SOCK_SEQPACKET socket: {e}"),
            HelperError::NoRequest(e) => write!(f, "--native: no request: {e}"),
            HelperError::Reply(e) => write!(f, "--native: cannot send the reply: {e}"),
        }
    }
}

impl HelperError {
    /// The exit status, as authbind's helper chooses it.
    pub fn status(&self) -> i32 {
        match self {
            HelperError::ClassicUsage | HelperError::NativeUsage => libc::ENOSYS,
            HelperError::NotAChannel(e) | HelperError::NoRequest(e) | HelperError::Reply(e) => status_for(*e),
        }
    }
}

/// authbind's `exiterrno`: an errno that fits in an exit status, else ENOSYS.
pub fn status_for(errno: Errno) -> i32 {
    if (1..128).contains(&errno.0) {
        errno.0
    } else {
        libc::ENOSYS
    }
}
