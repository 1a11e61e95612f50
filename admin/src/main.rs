//! `authbind-policy`: see authbind-policy(8). The work is in the library.
#![forbid(unsafe_code)]

use std::io::Write;

fn main() {
    // Names and lines of the tree are anyone's text: no control byte of
    // theirs reaches the terminal (see printable.rs).
    let stdout = std::io::stdout();
    let mut out = admin::printable::Terminal(stdout.lock());
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
            let _ = writeln!(
                admin::printable::Terminal(std::io::stderr()),
                "authbind-policy: {}",
                admin::printable::printable(&e.to_string())
            );
            e.status()
        }
    };
    let _ = out.flush();
    std::process::exit(status);
}
