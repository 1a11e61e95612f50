//! What the end-to-end tests (tests/), the benchmark (bench/) and the
//! differential test (difftest/) each need to set up a run: one copy of
//! each piece, here (a dev-only crate: nothing installed uses it).
//!
//! - [`sandbox::prelude`]: the start of every sandbox's script, with
//!   [`userdb`], the user database every sandbox brings, so that no test
//!   depends on which users and groups the machine has;
//! - [`Scratch`] folders and [`ScratchCgroup`]s, removed when dropped;
//! - [`cc`]: C fixtures compiled with gcc, once per content ([`cache`]);
//! - [`Rng`]: a seeded random-number generator;
//! - [`sh_quote`]: one word of a generated shell script.

#![forbid(unsafe_code)]

pub mod cache;
pub mod cc;
mod cgroup;
mod quote;
mod rng;
pub mod sandbox;
mod scratch;
pub mod userdb;

pub use cgroup::{cgroup2_root, ScratchCgroup};
pub use quote::sh_quote;
pub use rng::{clock_seed, Rng};
pub use scratch::Scratch;
pub use userdb::{UserDb, OTHER, OTHER_NAME, USER, USER_NAME};
