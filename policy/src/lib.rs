//! authbind 2.1's access policy, exactly: which real user may bind which
//! address and port, according to the files under the configuration folder
//! (`byport/`, `byaddr/`, `byuid/`), and the reservations of `reserve/`
//! that come first (not authbind 2.1's). The types it speaks (addresses, file
//! names, decisions) are the `model` crate's.
//!
//! Pure: the file system is reached through [`PolicyFs`], so every rule is
//! tested without root. The setuid helper supplies the real one; the
//! administration tool one that reports every step ([`Observer`]); the
//! kernel-mode compiler reads lines with [`analyze`] and [`for_each_chunk`],
//! exactly as [`decide`] does.
#![forbid(unsafe_code)]
// No std: the setuid helper, which has no C library, decides with it.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod argv;
mod byuid;
mod cscan;
mod decide;
mod line;
#[cfg(feature = "std")]
pub mod memfs;
mod reserved;

pub use argv::{format_classic, parse_classic};
pub use byuid::{for_each_chunk, ByuidRead, ReadEnd, CHUNK, MAX_FILE_BYTES};
pub use decide::{decide, decide_observed, Observer, OpenError, PolicyFs, Unobserved};
pub use line::{analyze, c_line, line_grants, AddrMatch, LineMeaning, LineRule, LineVerdict, Miss, Void};
pub use reserved::{list as list_reservations, Unlisted, FIRST_UNPRIVILEGED_PORT};
