//! The audit log of authbind's decisions: one line per decision, as
//! key=value fields in a fixed order that starts with an explicit
//! `RESULT=granted|refused|error` (log analysers have misread denials that
//! lacked one), sent to syslog (`/dev/log`, facility authpriv, ident
//! `authbind`). Shared by the setuid helper and the kernel-mode daemon:
//! one format, one sender.
//!
//! - [`Entry`] is what is known of one decision; its `Display` is the line,
//!   with every value escaped so that no line can be forged (white space,
//!   control characters, backslashes and bytes beyond ASCII as `\xHH`).
//! - [`send`] hands a line to `/dev/log` without ever blocking or failing
//!   the caller: a missing, full or odd `/dev/log` drops it silently.
//! - [`RateLimit`] keeps a user's refusals from flooding the log (the
//!   helper's, in files); kernel mode's programs keep its limits
//!   ([`GRANTS_PER_WINDOW`] and the others, defined here once) in a map.
#![forbid(unsafe_code)]
// No std: the setuid helper, which has no C library, writes its lines
// with it (the system calls are the `syscalls` crate's).
#![cfg_attr(not(test), no_std)]

extern crate alloc;

mod entry;
mod ratelimit;
mod syslog;

pub use entry::{reason_word, Entry, Outcome, Proto};
pub use ratelimit::{
    Allowance, RateLimit, Window, GRANTS_PER_WINDOW, GRANT_WINDOW_SECONDS, REFUSALS_PER_WINDOW, WINDOW_SECONDS,
};
pub use syslog::{format, send, send_to, Delivery, Sender, Severity, AUTHPRIV, DAEMON, DEV_LOG, IDENT};

mod passwd;
pub use passwd::user_name;
