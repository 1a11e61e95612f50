//! The command line: `authbind-policy [--confdir DIR] COMMAND [OPTIONS]`.

use crate::error::AdminError;
use crate::spec::{bind_target, AddrSpec, BindTarget, Ports};

pub const USAGE: &str = "\
usage: authbind-policy [--confdir DIR] COMMAND [OPTIONS]

  check [--json]                       report every problem of the policy
  explain [--user NAME|UID] [--udp] [ADDR:]PORT
                                       the helper's walk for one bind ([ADDR]:PORT for IPv6;
                                       without ADDR: both 0.0.0.0 and ::)
  list [--user NAME|UID] [--json]      who may bind what, and which file grants it
  grant USER|@GROUP PORTS [--addr ADDR[/LEN]]... [--dry-run]
  revoke USER|@GROUP PORTS [--addr ADDR[/LEN]]... [--dry-run]
                                       PORTS: 80,443,8000-8080
  reserve USER|@GROUP PORTS [--addr ADDR]... [--dry-run]
  release USER|@GROUP PORTS [--addr ADDR]... [--dry-run]
                                       the ports are the user's (or group's) alone
  apply FILE.toml [--dry-run] [--prune] make the tree say what FILE says
  export                               print the tree as a TOML policy

Exit status: 0 granted / clean / done, 1 refused / warnings, 2 usage (check: errors),
3 could not tell or could not read or write. See authbind-policy(8).
";

/// Who a grant is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    User(String),
    Group(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Check {
        json: bool,
    },
    Explain {
        user: Option<String>,
        udp: bool,
        target: BindTarget,
    },
    List {
        user: Option<String>,
        json: bool,
    },
    Grant {
        revoke: bool,
        who: Principal,
        ports: Ports,
        addrs: Vec<AddrSpec>,
        dry_run: bool,
    },
    /// `reserve` and `release`.
    Reserve {
        release: bool,
        who: Principal,
        ports: Ports,
        addrs: Vec<AddrSpec>,
        dry_run: bool,
    },
    Apply {
        file: String,
        dry_run: bool,
        prune: bool,
    },
    Export,
    Help,
    Version,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    pub confdir: String,
    pub command: Command,
}

fn usage(msg: String) -> AdminError {
    AdminError::Usage(format!("{msg}\n{USAGE}"))
}

/// Options (`--x`, `--x VALUE`, `--x=VALUE`) and operands, in order.
struct Args {
    items: Vec<String>,
    pos: usize,
}

impl Args {
    fn next(&mut self) -> Option<String> {
        let a = self.items.get(self.pos).cloned();
        self.pos += 1;
        a
    }

    fn value(&mut self, opt: &str, inline: Option<String>) -> Result<String, AdminError> {
        match inline {
            Some(v) => Ok(v),
            None => self.next().ok_or_else(|| usage(format!("{opt} needs a value"))),
        }
    }
}

pub fn parse(argv: &[String], default_confdir: &str) -> Result<Invocation, AdminError> {
    let mut args = Args {
        items: argv.to_vec(),
        pos: 0,
    };
    let mut confdir = default_confdir.to_string();
    let mut command: Option<String> = None;
    let mut operands: Vec<String> = Vec::new();
    let (mut json, mut udp, mut dry_run, mut prune) = (false, false, false, false);
    let mut user = None;
    let mut addrs = Vec::new();
    let mut only_operands = false;
    while let Some(a) = args.next() {
        if only_operands || !a.starts_with("--") || a == "--" {
            if a == "--" && !only_operands {
                only_operands = true;
                continue;
            }
            match command {
                None => command = Some(a),
                Some(_) => operands.push(a),
            }
            continue;
        }
        let (opt, inline) = match a.split_once('=') {
            Some((o, v)) => (o.to_string(), Some(v.to_string())),
            None => (a.clone(), None),
        };
        let flag = |inline: &Option<String>| match inline {
            Some(_) => Err(usage(format!("{opt} takes no value"))),
            None => Ok(true),
        };
        match opt.as_str() {
            "--confdir" => confdir = args.value(&opt, inline)?,
            "--json" => json = flag(&inline)?,
            "--udp" => udp = flag(&inline)?,
            "--dry-run" => dry_run = flag(&inline)?,
            "--prune" => prune = flag(&inline)?,
            "--user" => user = Some(args.value(&opt, inline)?),
            "--addr" => {
                let v = args.value(&opt, inline)?;
                addrs.push(AddrSpec::parse(&v).map_err(|e| usage(format!("--addr: {e}")))?);
            }
            "--help" => {
                return Ok(Invocation {
                    confdir,
                    command: Command::Help,
                })
            }
            "--version" => {
                return Ok(Invocation {
                    confdir,
                    command: Command::Version,
                })
            }
            _ => return Err(usage(format!("unknown option '{a}'"))),
        }
    }
    let Some(name) = command else {
        return Err(usage("no command".into()));
    };
    let allowed: &[&str] = match name.as_str() {
        "check" => &["json"],
        "explain" => &["user", "udp"],
        "list" => &["user", "json"],
        "grant" | "revoke" | "reserve" | "release" => &["addr", "dry-run"],
        "apply" => &["dry-run", "prune"],
        "export" | "help" => &[],
        _ => return Err(usage(format!("unknown command '{name}'"))),
    };
    let given = [
        ("json", json),
        ("udp", udp),
        ("dry-run", dry_run),
        ("prune", prune),
        ("user", user.is_some()),
        ("addr", !addrs.is_empty()),
    ];
    if let Some((o, _)) = given.iter().find(|(o, set)| *set && !allowed.contains(o)) {
        return Err(usage(format!("{name} takes no --{o}")));
    }
    let want = |n: usize, what: &str| {
        if operands.len() == n {
            Ok(())
        } else {
            Err(usage(format!("{name} takes {what}, not {:?}", operands)))
        }
    };
    let command = match name.as_str() {
        "check" => {
            want(0, "no operand")?;
            Command::Check { json }
        }
        "explain" => {
            want(1, "one [ADDR:]PORT")?;
            Command::Explain {
                user,
                udp,
                target: bind_target(&operands[0]).map_err(usage)?,
            }
        }
        "list" => {
            want(0, "no operand")?;
            Command::List { user, json }
        }
        "grant" | "revoke" | "reserve" | "release" => {
            want(2, "USER|@GROUP PORTS")?;
            let who = match operands[0].strip_prefix('@') {
                Some(g) if !g.is_empty() => Principal::Group(g.into()),
                Some(_) => return Err(usage("`@` needs a group name".into())),
                None => Principal::User(operands[0].clone()),
            };
            let ports = Ports::parse(&operands[1]).map_err(usage)?;
            match name.as_str() {
                "grant" | "revoke" => Command::Grant {
                    revoke: name == "revoke",
                    who,
                    ports,
                    addrs,
                    dry_run,
                },
                _ => {
                    // A reservation names one address (or none: every one).
                    if let Some(a) = addrs.iter().find(|a| !matches!(a, AddrSpec::Host(_))) {
                        return Err(usage(format!(
                            "--addr: {name} takes one address at a time, not {a} (without --addr: every address)"
                        )));
                    }
                    Command::Reserve {
                        release: name == "release",
                        who,
                        ports,
                        addrs,
                        dry_run,
                    }
                }
            }
        }
        "apply" => {
            want(1, "one FILE.toml")?;
            Command::Apply {
                file: operands[0].clone(),
                dry_run,
                prune,
            }
        }
        "export" => {
            want(0, "no operand")?;
            Command::Export
        }
        _ => Command::Help,
    };
    Ok(Invocation { confdir, command })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Invocation, AdminError> {
        let v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&v, "/etc/authbind")
    }

    fn err(args: &[&str]) -> String {
        let e = p(args).unwrap_err();
        assert_eq!(e.status(), 2);
        e.to_string().lines().next().unwrap().to_string()
    }

    #[test]
    fn commands_and_options() {
        let i = p(&["--confdir", "/tmp/x", "explain", "--user=alice", "[::1]:80"]).unwrap();
        assert_eq!(i.confdir, "/tmp/x");
        assert!(matches!(i.command, Command::Explain { user: Some(ref u), udp: false, .. } if u == "alice"));
        let i = p(&["grant", "@www", "80,443", "--addr", "127.0.0.1", "--dry-run"]).unwrap();
        assert!(matches!(
            i.command,
            Command::Grant { revoke: false, who: Principal::Group(ref g), ref addrs, dry_run: true, .. }
                if g == "www" && addrs.len() == 1
        ));
        assert_eq!(p(&["check", "--json"]).unwrap().command, Command::Check { json: true });
        let i = p(&["release", "@www", "80", "--addr=::1", "--dry-run"]).unwrap();
        assert!(matches!(
            i.command,
            Command::Reserve { release: true, who: Principal::Group(ref g), ref addrs, dry_run: true, .. }
                if g == "www" && addrs.len() == 1
        ));
        assert_eq!(p(&["--help"]).unwrap().command, Command::Help);
        let i = p(&["apply", "p.toml", "--prune", "--confdir=/c"]).unwrap();
        assert_eq!(i.confdir, "/c");
    }

    #[test]
    fn usage_errors_name_the_argument() {
        assert_eq!(err(&["explain", "--depth=2", "80"]), "unknown option '--depth=2'");
        assert_eq!(err(&["frobnicate"]), "unknown command 'frobnicate'");
        assert_eq!(err(&[]), "no command");
        assert_eq!(err(&["check", "--prune"]), "check takes no --prune");
        assert_eq!(err(&["explain"]), "explain takes one [ADDR:]PORT, not []");
        assert_eq!(err(&["grant", "alice", "0"]), "`0` is not a port (1 to 65535)");
        assert_eq!(
            err(&["grant", "alice", "80", "--addr", "10.0.0.1/8"]),
            "--addr: `10.0.0.1/8` has host bits set past /8 (authbind would ignore the line): write 10.0.0.0/8"
        );
        assert_eq!(err(&["check", "--json=yes"]), "--json takes no value");
        assert_eq!(
            err(&["reserve", "postgres", "5432", "--addr", "10.0.0.0/8"]),
            "--addr: reserve takes one address at a time, not 10.0.0.0/8 (without --addr: every address)"
        );
        assert_eq!(
            err(&["release", "postgres"]),
            "release takes USER|@GROUP PORTS, not [\"postgres\"]"
        );
        assert_eq!(err(&["list", "--user"]), "--user needs a value");
    }
}
