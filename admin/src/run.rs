//! One invocation: parse, run the command, hand back the exit status.

use crate::cli::{parse, Command, USAGE};
use crate::error::Result;
use crate::who::UserDb;
use std::io::Write;

pub fn run(argv: &[String], out: &mut dyn Write) -> Result<i32> {
    let inv = parse(argv, buildcfg::CONFDIR)?;
    let confdir = inv.confdir.as_str();
    match inv.command {
        Command::Help => {
            out.write_all(USAGE.as_bytes())?;
            Ok(0)
        }
        Command::Version => {
            writeln!(out, "authbind-policy {}", env!("CARGO_PKG_VERSION"))?;
            Ok(0)
        }
        Command::Explain { user, udp, target } => {
            crate::explain_cmd::run(confdir, &UserDb::system(), user.as_deref(), udp, &target, out)
        }
        Command::Apply { file, dry_run, prune } => {
            crate::apply::run(confdir, &UserDb::system(), &file, dry_run, prune, out)
        }
        Command::Grant {
            revoke,
            who,
            ports,
            addrs,
            dry_run,
        } => crate::grant_cmd::run(confdir, &UserDb::system(), revoke, &who, &ports, &addrs, dry_run, out),
        Command::Reserve {
            release,
            who,
            ports,
            addrs,
            dry_run,
        } => crate::reserve_cmd::run(confdir, &UserDb::system(), release, &who, &ports, &addrs, dry_run, out),
        Command::Check { json } => crate::check::run(confdir, &UserDb::system(), json, out),
        Command::List { user, json } => crate::list::run(confdir, &UserDb::system(), user.as_deref(), json, out),
        Command::Export => crate::export::run(confdir, &UserDb::system(), out),
    }
}
