//! Kernel mode, as a library: the compiler of the policy tree into BPF
//! maps ([`compile`]), the maps' encoding and loading ([`maps`], over the
//! ABI of the crate authbind-bpf-abi), and the daemon's parts (attaching
//! to a cgroup, pins, reloads, status, audit). The `authbindd` binary
//! parses its arguments ([`options`]), calls [`run`], and prints the one
//! [`Error`] it may get back.
#![forbid(unsafe_code)]

pub mod attach;
pub mod audit;
pub mod audit_tally;
pub mod cgroup;
mod commands;
pub mod compile;
pub mod daemon;
pub mod error;
pub mod maps;
mod mountwatch;
pub mod options;
pub mod pins;
pub mod preflight;
mod read;
pub mod report;
pub mod reserved_ports;
mod resolve;
mod say;
pub mod status;
pub mod suppressed;
pub mod swap;
mod watch;

pub use commands::{run, NOT_ATTACHED};
pub use error::Error;
