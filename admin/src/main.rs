//! `authbind-policy`: see authbind-policy(8). The work is in the library.

use std::io::Write;

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let status = match admin::run::run(&argv, &mut out) {
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
