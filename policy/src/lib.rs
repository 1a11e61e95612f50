//! authbind 2.1's access policy, exactly: which real user may bind which
//! address and port, according to the files under the configuration folder
//! (`byport/`, `byaddr/`, `byuid/`).
//!
//! Pure: the file system is reached through [`PolicyFs`], so every rule is
//! tested without root. The setuid helper supplies the real one.
#![forbid(unsafe_code)]

mod addr;
mod argv;
mod byuid;
mod cscan;
mod decide;
pub mod memfs;

pub use addr::{pton4, pton6, uncompressed6, Address};
pub use argv::{format_classic, parse_classic, ClassicArgs};
pub use byuid::{line_grants, scan_file, ScanEnd, CHUNK, MAX_FILE_BYTES};
pub use decide::{byuid_file, decide, errno, flag_files, Decision, Fault, PolicyFs, Request, Rule};
