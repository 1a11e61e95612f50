//! The command line.

use std::ffi::OsString;
use std::path::PathBuf;

pub const USAGE: &str = "usage: authbindd [--cgroup PATH]          attach, stay in the foreground (SIGHUP reloads)\n\
    \x20      authbindd --reload [--cgroup PATH] compile the policy again and swap it in\n\
    \x20      authbindd --detach [--cgroup PATH] remove the grants\n\
    \x20      authbindd --check                  compile, say what would be loaded; attach nothing\n\
    \x20      authbindd --status [--cgroup PATH] what is attached where, and the refusal counts\n\
    \x20      authbindd --help | --version\n";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Run,
    Reload,
    Detach,
    Check,
    Status,
    Help,
    Version,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    pub command: Command,
    pub cgroup: Option<PathBuf>,
}

pub fn parse(args: &[OsString]) -> Result<Options, String> {
    let mut command = None;
    let mut cgroup = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let chosen = match a.to_str() {
            Some("--reload") => Command::Reload,
            Some("--detach") => Command::Detach,
            Some("--check") => Command::Check,
            Some("--status") => Command::Status,
            Some("--help" | "-h") => Command::Help,
            Some("--version") => Command::Version,
            Some("--cgroup") => {
                let path = it.next().ok_or("--cgroup needs a path")?;
                if cgroup.replace(PathBuf::from(path)).is_some() {
                    return Err("--cgroup given twice".into());
                }
                continue;
            }
            _ => return Err(format!("unknown argument {}", a.to_string_lossy())),
        };
        if command.replace(chosen).is_some() {
            return Err("give at most one of --reload, --detach, --check, --status".into());
        }
    }
    let command = command.unwrap_or(Command::Run);
    if command == Command::Check && cgroup.is_some() {
        return Err("--check attaches nothing: it takes no --cgroup".into());
    }
    Ok(Options { command, cgroup })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Options, String> {
        parse(&args.iter().map(OsString::from).collect::<Vec<_>>())
    }

    #[test]
    fn commands() {
        assert_eq!(p(&[]).unwrap().command, Command::Run);
        let o = p(&["--reload", "--cgroup", "/x"]).unwrap();
        assert_eq!((o.command, o.cgroup), (Command::Reload, Some(PathBuf::from("/x"))));
        assert_eq!(p(&["--cgroup", "/x", "--detach"]).unwrap().command, Command::Detach);
        assert!(p(&["--reload", "--detach"]).is_err());
        assert!(p(&["--cgroup"]).is_err());
        assert!(p(&["--check", "--cgroup", "/x"]).is_err());
        assert!(p(&["--frob"]).is_err());
    }
}
