//! The real machine's side of the one model of the policy tree: what the
//! pure crates cannot know by themselves. The real file system as a
//! `tree::Tree` over `O_PATH` descriptors ([`fs::FdTree`]); the user
//! database ([`UserDb`]), with the one rule by which every program judges
//! group membership. (The safe open of the root, the policy's file
//! system, is `grant::ConfDir`, without std: the setuid helper uses it.)
//! The unsafe calls stay in the `syscalls` crate.
#![forbid(unsafe_code)]

pub mod fs;
pub mod userdb;

pub use userdb::{Group, User, UserDb};
