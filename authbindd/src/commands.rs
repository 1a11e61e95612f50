//! What each command of `authbindd` does; what it has to say goes to
//! standard output, a failure comes back as an [`Error`].

use crate::error::Error;
use crate::options::{Command, Options, USAGE};
use crate::{attach, cgroup, compile, daemon, maps, pins, preflight, report, status, swap};
use std::io::Write;
use std::process::ExitCode;

/// `--status`'s exit status when nothing is attached (as `systemctl
/// status` does).
pub const NOT_ATTACHED: u8 = 3;

fn out(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}

fn check() -> Result<(), Error> {
    let compiled = compile::compile(buildcfg::CONFDIR);
    out(&report::report(&compiled));
    // Loading proves the kernel's verifier takes the programs; it needs
    // root, and attaches nothing.
    if preflight::root().is_ok() {
        let instance = maps::load::Instance::load(&compiled, None)?;
        out("programs: loaded and verified by the kernel (not attached)\n");
        out(&format!("{}\n", instance.groups.describe()));
        out(&format!("{}\n", instance.enforcing.describe()));
    } else {
        out("programs: not loaded (not root)\n");
    }
    Ok(())
}

/// Runs one command; its exit status, or the error to print.
pub fn run(o: &Options) -> Result<ExitCode, Error> {
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
                "reloaded {}: {} byport and {} byaddr entries, {} byuid prefixes, {}\n",
                cg.path.display(),
                swapped.compiled.byport.len(),
                swapped.compiled.byaddr.len(),
                swapped.compiled.byuid4.len() + swapped.compiled.byuid6.len(),
                match &swapped.compiled.reserved.unknown {
                    Some(why) => format!("reservations UNKNOWN ({why}): no privileged port granted"),
                    None => format!("{} reservations", swapped.compiled.reserved.chains.len()),
                }
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
