//! End-to-end harness for authbind, rebuilt.
//!
//! Every test runs a bash script as root inside fresh mount, network and PID
//! namespaces (see [`Sandbox`]): loopback up, a tmpfs over `/etc/authbind`
//! holding the test's own policy ([`Policy`]), a user database of its own
//! ([`UserDb`]: the machine's users and groups never count), and programs
//! started as the unprivileged users [`USER`] and [`OTHER`] through the
//! installation named by
//! `AUTHBIND_E2E_PREFIX` ([`Install`]). Small C programs built here
//! ([`programs`]) report what `bind()` returned. The script prints `key=value`
//! lines; tests assert on them through [`Outcome`].
//!
//! Every test is `#[ignore = "needs root: make e2e"]`: a plain `cargo test`
//! lists them as ignored; `make e2e` runs them (`--include-ignored`) as
//! root, and [`ready`] fails any that is run without root or without
//! `AUTHBIND_E2E_PREFIX`. With `AUTHBIND_E2E_SHOW=1` (and `--nocapture`)
//! each sandbox's standard output and error are printed as it ends, so that
//! the exact messages a test checks can be read from a passing run.

mod gate;
mod grants;
mod install;
mod kernel;
mod outcome;
mod programs;
mod sandbox;

pub use authbind_testkit::sh_quote;
pub use authbind_testkit::{Scratch, ScratchCgroup};
pub use gate::ready;
pub use grants::Policy;
pub use install::Install;
pub use kernel::Kernel;
pub use outcome::Outcome;
pub use programs::{programs, Programs};
pub use sandbox::Sandbox;

/// The test users ([`USER`] gets the grants, [`OTHER`] none) and the
/// user database every sandbox brings ([`UserDb`]).
pub use authbind_testkit::{UserDb, OTHER, OTHER_NAME, USER, USER_NAME};

/// errno values the tests compare against, as the C programs print them.
pub const EACCES: i32 = libc::EACCES;
pub const EFAULT: i32 = libc::EFAULT;

mod toolchains;
pub use toolchains::{go_programs, java_classes, node_server, GoPrograms};

mod adversary;
pub use adversary::{adversaries, debian_helper, note_no_debian, seed, Adversaries, Ended, Report, DEBIAN_HELPER};
