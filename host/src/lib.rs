//! The real machine's side of the one model of the policy tree: what the
//! pure crates cannot know by themselves (the safe open of the root, the
//! policy's file system, is `grant::ConfDir`: the setuid helper has no
//! std): the real file system as a
//! `tree::Tree` over `O_PATH` descriptors ([`fs::FdTree`]); the user
//! database ([`UserDb`]), with the one rule by which every program judges
//! group membership. The unsafe calls stay in the `syscalls` crate.
//!
#![forbid(unsafe_code)]

pub mod fs;
pub mod userdb;

pub use userdb::{Group, User, UserDb};
