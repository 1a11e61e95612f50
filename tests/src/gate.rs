//! Whether end-to-end tests can run here: root, and an installation to test.
//!
//! Every end-to-end test is `#[ignore = "needs root: make e2e"]`, so a
//! plain `cargo test` reports them as ignored, never as passed; `make e2e`
//! (as root) runs them with `--include-ignored`. A test that is asked to
//! run but cannot fails, saying why.

use crate::install::Install;

/// The installation under test. Panics (the test fails) when not root or
/// when `AUTHBIND_E2E_PREFIX` is unset.
pub fn ready(test: &str) -> Install {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    let prefix = std::env::var_os("AUTHBIND_E2E_PREFIX").filter(|p| !p.is_empty());
    match (euid, prefix) {
        (0, Some(prefix)) => Install::at(prefix.into()),
        (0, None) => panic!("{test}: AUTHBIND_E2E_PREFIX is unset: run `make e2e` (or `make test`) as root"),
        (_, _) => {
            panic!("{test} needs root (namespaces, a tmpfs over /etc/authbind, a setuid helper): run `sudo make e2e`")
        }
    }
}
