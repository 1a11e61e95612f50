//! `authbind-policy`: see authbind-policy(8). The work is in the library.
#![forbid(unsafe_code)]

use std::io::Write;

fn main() {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let argv: Result<Vec<String>, _> = std::env::args_os().skip(1).map(|a| a.into_string()).collect();
    let ran = match argv {
        Ok(argv) => admin::run::run(&argv, &mut out),
        Err(bad) => Err(admin::error::AdminError::usage(format!(
            "argument {bad:?} is not UTF-8"
        ))),
    };
    let status = match ran {
        Ok(status) => status,
        Err(e) => {
            let _ = out.flush();
            let _ = writeln!(std::io::stderr(), "authbind-policy: {e}");
            e.status()
        }
    };
    let _ = out.flush();
    std::process::exit(status);
}
