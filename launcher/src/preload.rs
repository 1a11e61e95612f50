//! The classic way: exec the program with libauthbind in LD_PRELOAD,
//! setting AUTHBIND_LIB and AUTHBIND_LEVELS as authbind 2.1 does.

use crate::options::Depth;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::CommandExt;
use std::process::{exit, Command};

pub fn run(depth: Depth, program: &OsStr, args: &[OsString]) -> ! {
    let mut cmd = Command::new(program);
    cmd.args(args);
    // AUTHBIND_LIB, when set, names the library to preload; it is also how
    // the library finds its own entry to remove from LD_PRELOAD.
    let lib = std::env::var_os("AUTHBIND_LIB").unwrap_or_else(|| {
        cmd.env("AUTHBIND_LIB", buildcfg::SHIM_PATH);
        OsString::from(buildcfg::SHIM_PATH)
    });
    let preload = match std::env::var_os("LD_PRELOAD") {
        Some(existing) => {
            let mut v = existing.into_vec();
            v.push(b':');
            v.extend_from_slice(lib.as_bytes());
            OsString::from_vec(v)
        }
        None => lib,
    };
    cmd.env("LD_PRELOAD", preload);
    match depth {
        Depth::Deep => {
            cmd.env("AUTHBIND_LEVELS", "y");
        }
        Depth::Levels(n) if n > 1 => {
            cmd.env("AUTHBIND_LEVELS", (n - 1).to_string());
        }
        Depth::Levels(_) => {}
    }
    let err = cmd.exec();
    supervisor::say::say(format_args!(
        "{}: {}",
        program.to_string_lossy(),
        syscalls::Errno::of(&err)
    ));
    exit(255)
}
