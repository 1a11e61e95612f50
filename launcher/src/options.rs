//! Command-line parsing, kept apart so it is tested without exec'ing.

use std::ffi::OsString;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    Deep,
    Levels(u32),
}

/// Which mechanism the user asked for, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Force {
    Auto,
    Preload,
    Seccomp,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    Run {
        depth: Depth,
        force: Force,
        program: Vec<OsString>,
    },
    Help,
    Version,
    Usage(&'static str),
}

/// Options come first; `--` or a lone `-` ends them (authbind 2.1 takes
/// `-` that way); the first other argument is the program.
pub fn parse(args: &[OsString]) -> Parsed {
    let mut depth = Depth::Levels(1);
    let mut force = Force::Auto;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let Some(text) = arg.to_str() else { break };
        if !text.starts_with('-') {
            break;
        }
        i += 1;
        match text {
            "-" | "--" => break,
            "--deep" => depth = Depth::Deep,
            "--preload" => force = Force::Preload,
            "--seccomp" => force = Force::Seccomp,
            "--depth" => {
                let Some(value) = args.get(i).and_then(|v| v.to_str()) else {
                    return Parsed::Usage("--depth requires a value");
                };
                i += 1;
                match value.parse::<u32>() {
                    Ok(n) if (1..=100).contains(&n) && value.bytes().all(|b| b.is_ascii_digit()) => {
                        depth = Depth::Levels(n)
                    }
                    _ => return Parsed::Usage("--depth value is not valid (1 to 100)"),
                }
            }
            "--help" | "-h" => return Parsed::Help,
            "--version" => return Parsed::Version,
            _ => return Parsed::Usage("unknown option"),
        }
    }
    if i >= args.len() {
        return Parsed::Usage("need program name");
    }
    Parsed::Run {
        depth,
        force,
        program: args[i..].to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Parsed {
        parse(&args.iter().map(OsString::from).collect::<Vec<_>>())
    }

    fn run(depth: Depth, program: &[&str]) -> Parsed {
        Parsed::Run {
            depth,
            force: Force::Auto,
            program: program.iter().map(OsString::from).collect(),
        }
    }

    #[test]
    fn options() {
        assert_eq!(p(&["prog", "a"]), run(Depth::Levels(1), &["prog", "a"]));
        assert_eq!(p(&["--deep", "prog"]), run(Depth::Deep, &["prog"]));
        assert_eq!(
            p(&["--depth", "3", "prog", "--deep"]),
            run(Depth::Levels(3), &["prog", "--deep"])
        );
        assert_eq!(p(&["--", "-prog"]), run(Depth::Levels(1), &["-prog"]));
        assert_eq!(p(&["-", "prog"]), run(Depth::Levels(1), &["prog"]));
        assert_eq!(p(&["--depth", "2", "--deep", "prog"]), run(Depth::Deep, &["prog"]));
    }

    #[test]
    fn usage_errors() {
        assert_eq!(p(&[]), Parsed::Usage("need program name"));
        assert_eq!(p(&["--deep"]), Parsed::Usage("need program name"));
        assert_eq!(p(&["--depth"]), Parsed::Usage("--depth requires a value"));
        for bad in ["0", "101", "-1", "x", "+2", ""] {
            assert!(matches!(p(&["--depth", bad, "prog"]), Parsed::Usage(_)), "{bad}");
        }
        assert_eq!(p(&["--bogus", "prog"]), Parsed::Usage("unknown option"));
        assert_eq!(p(&["--help"]), Parsed::Help);
        assert_eq!(p(&["--version", "prog"]), Parsed::Version);
    }
}
