//! AUTHBIND_DEBUG lines of the launcher and the supervisor (the shim has
//! its own, allocation-free).

use wire::{Request, Target};

/// One line on stderr, `authbind: ` first. Write errors are ignored: a
/// closed or broken stderr must never bring the supervisor down (its
/// program's binds would then fail with ENOSYS), and eprintln! panics on
/// them.
pub fn say(args: std::fmt::Arguments) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "authbind: {args}");
}

pub fn enabled() -> bool {
    std::env::var_os("AUTHBIND_DEBUG").is_some_and(|v| !v.is_empty() && v != "0")
}

pub fn refused(r: &Request, rule: &str, helper_errno: i32) {
    say(format_args!(
        "bind to {} refused by {rule} (helper errno {helper_errno}); returning EACCES",
        Target(r)
    ));
}
