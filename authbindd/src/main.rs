//! `authbindd`: kernel mode. Compiles the policy tree in CONFDIR into BPF
//! maps and attaches cgroup bind4/bind6 programs that grant, in the
//! kernel and for every program of a user below the attach point, the
//! privileged binds the helper would grant (see `man authbindd`).
//!
//! Errors are values ([`Error`]), printed here, once, as one line.
#![forbid(unsafe_code)]

mod attach;
mod audit;
mod cgroup;
mod compile;
mod daemon;
mod error;
mod maps;
mod options;
mod pins;
mod preflight;
mod read;
mod report;
mod say;
mod status;
mod swap;
mod watch;

use error::Error;
use options::{parse, Command, Options, USAGE};
use std::io::Write;
use std::process::ExitCode;

/// `--status` when nothing is attached (as `systemctl status` does).
const NOT_ATTACHED: u8 = 3;

fn out(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}

fn check() -> Result<(), Error> {
    let compiled = compile::compile(buildcfg::CONFDIR);
    out(&report::report(&compiled));
    // Loading proves the kernel's verifier takes the programs; it needs
    // root, and attaches nothing.
    if preflight::root().is_ok() {
        maps::load::Instance::load(&compiled, None)?;
        out("programs: loaded and verified by the kernel (not attached)\n");
    } else {
        out("programs: not loaded (not root)\n");
    }
    Ok(())
}

fn run(o: &Options) -> Result<ExitCode, Error> {
    match o.command {
        Command::Help => out(USAGE),
        Command::Version => out(&format!("authbindd (authbind, rebuilt) {}\n", buildcfg::VERSION)),
        Command::Check => check()?,
        Command::Run => daemon::run(o.cgroup.as_deref())?,
        Command::Reload => {
            preflight::root()?;
            let cg = cgroup::Cgroup::resolve(o.cgroup.as_deref())?;
            let swapped = swap::reload(&cg)?;
            out(&format!(
                "reloaded {}: {} byport and {} byaddr entries, {} byuid prefixes\n",
                cg.path.display(),
                swapped.compiled.byport.len(),
                swapped.compiled.byaddr.len(),
                swapped.compiled.byuid4.len() + swapped.compiled.byuid6.len()
            ));
        }
        Command::Detach => {
            preflight::root()?;
            let cg = cgroup::Cgroup::resolve(o.cgroup.as_deref())?;
            let _lock = pins::swap_lock();
            let n = attach::detach(&cg, &pins::dir_for(&cg))?;
            out(&format!("detached {n} link(s) from {}\n", cg.path.display()));
        }
        Command::Status => {
            preflight::root()?;
            let (text, attached) = status::status(o.cgroup.as_deref())?;
            out(&text);
            if !attached {
                return Ok(ExitCode::from(NOT_ATTACHED));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let result = parse(&args).map_err(Error::Usage).and_then(|o| run(&o));
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
