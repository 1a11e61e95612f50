//! `authbind [--deep | --depth N] [--seccomp | --preload] [--] program [args…]`
//!
//! Runs the program so that its privileged binds go through the policy:
//! with libauthbind preloaded (authbind 2.1's environment rules), or, for
//! programs LD_PRELOAD cannot reach (static, Go), under the seccomp
//! supervisor.
#![forbid(unsafe_code)]

mod detect;
mod kernel_mode;
mod options;
mod preload;
mod reservations;
mod warnings;

use detect::{choose, Mechanism};
use options::{parse, Force, Parsed};
use std::ffi::OsString;
use std::io::Write;
use std::process::exit;
use supervisor::say::{debug_enabled, say};

const USAGE: &str = "usage: authbind [OPTIONS] [--] PROGRAM [ARG...]\n\
    \n  --deep           every program started from PROGRAM, at any depth, is affected\
    \n  --depth LEVELS   programs up to LEVELS deep are affected (1..100; default 1)\
    \n  --seccomp        use the seccomp supervisor (static and Go programs; whole process tree)\
    \n  --preload        use the LD_PRELOAD library even for static or Go programs\
    \n  --help, --version\n";

fn main() {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match parse(&args) {
        // Output errors (a closed pipe) are ignored rather than panicked on.
        Parsed::Help => {
            let _ = write!(std::io::stdout(), "{USAGE}");
        }
        Parsed::Version => {
            let _ = writeln!(std::io::stdout(), "authbind (rebuilt) {}", buildcfg::VERSION);
        }
        Parsed::Usage(msg) => {
            let _ = write!(std::io::stderr(), "authbind: {msg}\n{USAGE}");
            exit(255);
        }
        Parsed::Run { depth, force, program } => {
            let debug = debug_enabled();
            if debug {
                reservations::say_if_unenforced();
            }
            let (mechanism, why) = match force {
                Force::Preload => (Mechanism::Preload, "--preload".to_string()),
                Force::Seccomp => (Mechanism::Seccomp, "--seccomp".to_string()),
                Force::Auto => choose(&program[0]),
            };
            match mechanism {
                Mechanism::Preload => {
                    if debug {
                        say(format_args!("using the LD_PRELOAD library: {why}"));
                    }
                    warnings::before_preload(depth, &program[0]);
                    preload::run(depth, &program[0], &program[1..])
                }
                Mechanism::Seccomp => {
                    if force == Force::Auto {
                        kernel_mode::run_if_covered(&program[0], &program[1..], &why, debug);
                    }
                    if debug {
                        say(format_args!("using the seccomp supervisor: {why}"));
                    }
                    warnings::before_supervisor();
                    supervisor::run(&program[0], &program[1..], debug)
                }
            }
        }
    }
}
