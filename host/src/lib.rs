//! The real machine's side of the one model of the policy tree: what the
//! pure crates cannot know by themselves. The safe open of the root
//! ([`ConfDir`], the policy's file system: the setuid helper's, the
//! daemon's, the administration tool's); the real file system as a
//! `tree::Tree` over `O_PATH` descriptors ([`fs::FdTree`]); the user
//! database ([`UserDb`]), with the one rule by which every program judges
//! group membership. The unsafe calls stay in the `syscalls` crate.
//!
//! The modules do not use one another: the helper links the root open
//! alone (the linker drops the rest: no user-database code in it).
#![forbid(unsafe_code)]

pub mod confdir;
pub mod fs;
pub mod userdb;

pub use confdir::ConfDir;
pub use userdb::{Group, User, UserDb};
