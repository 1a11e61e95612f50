//! What the end-to-end tests (tests/), the benchmark (bench/) and the
//! differential test (difftest/) each need to set up a run: one copy of
//! each piece, here.
//!
//! - [`userdb`]: the user database every sandbox brings with it, so that
//!   no test depends on which users and groups the machine has;
//! - [`sh_quote`]: one word of a generated shell script.

#![forbid(unsafe_code)]

mod quote;
pub mod userdb;

pub use quote::sh_quote;

pub use userdb::{UserDb, OTHER, OTHER_NAME, USER, USER_NAME};
