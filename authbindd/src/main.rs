//! `authbindd`: kernel mode. Compiles the policy tree in CONFDIR into BPF
//! maps and attaches cgroup bind4/bind6 programs that grant, in the
//! kernel and for every program of a user below the attach point, the
//! privileged binds the helper would grant (see `man authbindd`).
//!
//! The work is the library's ([`authbindd::run`]); here the arguments are
//! parsed and an error ([`Error`]) is printed, once, as one line.
#![forbid(unsafe_code)]

use authbindd::options::{parse, USAGE};
use authbindd::Error;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let result = parse(&args).map_err(Error::Usage).and_then(|o| authbindd::run(&o));
    match result {
        Ok(code) => code,
        Err(Error::Usage(msg)) => {
            let _ = write!(std::io::stderr(), "authbindd: {msg}\n{USAGE}");
            ExitCode::from(2)
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "authbindd: {e}");
            ExitCode::FAILURE
        }
    }
}
