//! The real machine's side of the one model of the policy tree: what the
//! pure crates cannot know by themselves. Today the user database
//! ([`UserDb`]), with the one rule by which every program judges group
//! membership; later the safe open of the root and a tree over `O_PATH`
//! descriptors. The unsafe calls stay in the `syscalls` crate.
#![forbid(unsafe_code)]

pub mod userdb;

pub use userdb::{Group, User, UserDb};
