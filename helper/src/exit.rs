//! Exit statuses and messages, as authbind's helper gives them.

use std::io::Write;

/// authbind's `exiterrno`: an errno that fits in an exit status, else ENOSYS.
pub fn status_for(errno: i32) -> i32 {
    if (1..128).contains(&errno) {
        errno
    } else {
        libc::ENOSYS
    }
}

/// One line on stderr. Write errors are ignored: stderr may be closed or
/// odd, and a message is never worth a crash.
pub fn say(message: std::fmt::Arguments) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "authbind helper: {message}");
}

/// The text of an errno, for messages.
pub fn describe(errno: i32) -> String {
    std::io::Error::from_raw_os_error(errno).to_string()
}
