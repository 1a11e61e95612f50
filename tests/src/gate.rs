//! Whether end-to-end tests can run here: root, and an installation to test.

use crate::install::Install;
use std::io::Write;

/// The installation under test, or `None` after a loud skip message on
/// stderr (written past the test harness's output capture) when not root or
/// when `AUTHBIND_E2E_PREFIX` is unset.
pub fn ready(test: &str) -> Option<Install> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    let prefix = std::env::var_os("AUTHBIND_E2E_PREFIX").filter(|p| !p.is_empty());
    let why = match (euid, prefix) {
        (0, Some(prefix)) => return Some(Install::at(prefix.into())),
        (0, None) => "AUTHBIND_E2E_PREFIX is unset: run `make e2e` (or `make test`) as root",
        (_, _) => "needs root: namespaces, a tmpfs over /etc/authbind and a setuid helper",
    };
    let _ = writeln!(std::io::stderr(), "\n!!!!! SKIPPED {test}: {why} !!!!!\n");
    None
}
