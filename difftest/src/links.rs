//! Symlinks the kernel's walk refuses to follow, outside the policy
//! folder (in the sandbox's own /run): flag files of kernel mode's random
//! trees may be links to them ([`TARGETS`]).
//!
//! - a `nosymfollow` tmpfs holding links to the policy folder's `target`
//!   and to the folder itself: following either is `ELOOP` for everyone;
//! - a sticky world-writable folder owned by the second test user holding
//!   links to `target` owned by the first user, by the second and by root:
//!   with `fs.protected_symlinks` on, a link met at the end of a path
//!   there is followed only by its owner, unless the folder's owner owns
//!   it (the second user's is anyone's).

use crate::request::USERS;
use crate::CONFDIR;

const NOSYMFOLLOW: &str = "/run/authbind-difftest-nosymfollow";
const STICKY: &str = "/run/authbind-difftest-sticky";

/// What a flag symlink of a random tree may lead to.
pub const TARGETS: &[&str] = &[
    "/run/authbind-difftest-nosymfollow/target",
    "/run/authbind-difftest-nosymfollow/conf/target",
    "/run/authbind-difftest-sticky/first",
    "/run/authbind-difftest-sticky/second",
    "/run/authbind-difftest-sticky/root",
];

/// Makes both folders (once, in the sandbox: they go with it).
pub fn setup() -> Result<(), String> {
    let [first, second] = USERS;
    crate::sh(&format!(
        "set -e
        mkdir -m 0755 {NOSYMFOLLOW}
        mount -t tmpfs -o nosymfollow,mode=0755 authbind-difftest-nosymfollow {NOSYMFOLLOW}
        ln -s {CONFDIR}/target {NOSYMFOLLOW}/target
        ln -s {CONFDIR} {NOSYMFOLLOW}/conf
        mkdir -m 1777 {STICKY}
        chown {second}:{second} {STICKY}
        ln -s {CONFDIR}/target {STICKY}/first && chown -h {first}:{first} {STICKY}/first
        ln -s {CONFDIR}/target {STICKY}/second && chown -h {second}:{second} {STICKY}/second
        ln -s {CONFDIR}/target {STICKY}/root"
    ))
}
