//! What can go wrong in a helper run, and the exit status each gives.

use model::Errno;

#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    #[error("bad usage (expected ADDR4HEX PORTHEX, or ADDR6HEX PORTHEX 6)")]
    ClassicUsage,
    #[error("bad usage: --native takes no arguments")]
    NativeUsage,
    #[error("--native: fd 0 is not a Unix SOCK_SEQPACKET socket: {0}")]
    NotAChannel(Errno),
    #[error("--native: no request: {0}")]
    NoRequest(Errno),
    #[error("--native: cannot send the reply: {0}")]
    Reply(Errno),
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
