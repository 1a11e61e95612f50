//! The thin unsafe layer of the project: syscall wrappers that allocate
//! nothing, take no locks and are async-signal-safe, so that the shim's
//! `bind()` hook (which runs inside arbitrary programs, maybe in a signal
//! handler) and the helper can share them. Every `unsafe` block of the
//! project outside the shim's entry points lives here, each with its
//! justification. [`client`] builds the helper client on top, in safe code.
#![cfg_attr(not(test), no_std)]

pub mod client;
pub mod errno;
pub mod fdpass;
pub mod process;
pub mod seccomp;
pub mod signals;
pub mod sock;
pub mod spawn;

pub use errno::Errno;
