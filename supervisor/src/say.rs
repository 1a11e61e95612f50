//! The launcher's and the supervisor's lines on stderr, `authbind: ` first.
//! Write errors are ignored: a closed or broken stderr must never bring
//! the supervisor down (its program's binds would then fail with ENOSYS),
//! and eprintln! panics on them.

use std::io::Write;

pub fn say(args: std::fmt::Arguments) {
    let _ = writeln!(std::io::stderr().lock(), "authbind: {args}");
}

/// AUTHBIND_DEBUG is set to something other than "" or "0".
pub fn debug_enabled() -> bool {
    std::env::var_os("AUTHBIND_DEBUG").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Says `args` the first time `flag` is seen unset (and sets it), or
/// every time under `debug`.
pub fn once(flag: &std::sync::atomic::AtomicBool, debug: bool, args: std::fmt::Arguments) {
    if debug || !flag.swap(true, std::sync::atomic::Ordering::Relaxed) {
        say(args);
    }
}
