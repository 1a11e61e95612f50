//! What each command of `authbindd` does; what it has to say goes to
//! standard output, a failure comes back as an [`Error`].

use crate::error::Error;
use crate::options::{Command, Options, USAGE};
use crate::{attach, cgroup, compile, daemon, maps, pins, preflight, report, reserved_ports, status, swap};
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
    if !compiled.reserved.chains.is_empty() {
        out(&format!("{}\n", in_force(&buildcfg::attached::attach_points())));
    }
    out(&reserved_ports::report(buildcfg::CONFDIR));
    Ok(())
}

/// Whether the reservations are in force now: only where the programs
/// are attached (`served`, the cgroups as recorded); elsewhere only
/// authbind's helper honours them, below the first unprivileged port.
fn in_force(served: &[String]) -> String {
    if served.iter().any(|c| c.trim_end_matches('/').is_empty()) {
        return "reservations in force: kernel mode is attached at the cgroup root (every process)".into();
    }
    match served {
        [] => "reservations NOT in force: kernel mode is attached nowhere (start authbindd); until then only \
               authbind's helper honours them, below port 1024, and any program may bind a reserved port from 1024"
            .into(),
        some => format!(
            "reservations in force only below cgroup {}: processes elsewhere may bind a reserved port from 1024",
            some.join(", ")
        ),
    }
}

/// A problem that fails nothing, on stderr.
fn warn(text: &str) {
    let _ = writeln!(std::io::stderr(), "authbindd: {text}");
}

/// After `--detach`: our entries of `ip_local_reserved_ports` go, once
/// no cgroup is served any more (the programs of another still enforce
/// the reservations: their ports stay out of automatic assignment).
fn release_reserved() {
    let served = pins::all().len();
    if served > 0 {
        out(&format!(
            "{}: entries kept ({served} other cgroup(s) still served)\n",
            reserved_ports::SYSCTL
        ));
        return;
    }
    match reserved_ports::release() {
        Ok(removed) if removed.is_empty() => {}
        Ok(removed) => out(&format!(
            "{}: removed the entries authbindd added: {}\n",
            reserved_ports::SYSCTL,
            removed.format()
        )),
        Err(e) => warn(&format!(
            "the entries authbindd added to {} stay: {e}",
            reserved_ports::SYSCTL
        )),
    }
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
                match swapped.compiled.reserved.unknown_words() {
                    Some(words) => words,
                    None => format!("{} reservations", swapped.compiled.reserved.chains.len()),
                }
            ));
            match &swapped.reserved {
                Ok(synced) => out(&format!("{}: {}\n", reserved_ports::SYSCTL, synced.describe())),
                Err(e) => warn(&format!("reserved ports not kept from automatic assignment: {e}")),
            }
        }
        Command::Detach => {
            preflight::root()?;
            let cg = cgroup::Cgroup::resolve(o.cgroup.as_deref())?;
            let _lock = pins::swap_lock();
            let n = attach::detach(&cg, &pins::dir_for(&cg))?;
            out(&format!("detached {n} link(s) from {}\n", cg.path.display()));
            release_reserved();
        }
        Command::Status => {
            preflight::root()?;
            let (text, attached) = status::status(o.cgroup.as_deref())?;
            out(&text);
            out(&reserved_ports::report(buildcfg::CONFDIR));
            if !attached {
                return Ok(ExitCode::from(NOT_ATTACHED));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::in_force;

    #[test]
    fn whether_reservations_are_in_force() {
        assert!(in_force(&["/".into()]).starts_with("reservations in force: "));
        assert!(in_force(&[]).starts_with("reservations NOT in force: kernel mode is attached nowhere"));
        assert!(in_force(&["/web.slice".into()]).contains("only below cgroup /web.slice"));
    }
}
