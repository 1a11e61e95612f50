//! The thin unsafe layer of the project: syscall wrappers that allocate
//! nothing, take no locks and are async-signal-safe, so that the shim's
//! `bind()` hook (which runs inside arbitrary programs, maybe in a signal
//! handler), the supervisor and the helper can share them. Descriptors are
//! owned ([`fd::Fd`]) or borrowed ([`fd::BorrowedFd`]); errors are
//! [`Errno`] values. The crates above are safe code, except the shim's
//! entry points (its exported `bind` and its constructor), which turn the
//! program's raw pointers into safe views, and the calls of this crate's
//! `unsafe fn`s whose preconditions only the caller can know (the helper's
//! `close_from(3)` at start, the supervisor's `fork_single_threaded` and
//! its `pre_exec`), each with its `// SAFETY:` line. [`client`] builds the helper
//! client on top, in safe code.
#![cfg_attr(not(any(test, feature = "std")), no_std)]

pub mod asuser;
pub mod bpf;
pub mod client;
pub mod clock;
pub mod errno;
pub mod fd;
pub mod fdpass;
pub mod file;
pub mod mountflags;
pub mod privilege;
pub mod process;
pub mod raw;
pub mod seccomp;
pub mod signals;
pub mod sock;
pub mod spawn;
#[cfg(feature = "std")]
pub mod userdb;
pub mod xattr;

pub use errno::Errno;
pub use fd::{BorrowedFd, Fd};
