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
    /// What is wrong, naming the argument.
    Usage(String),
}

fn depth_value(value: Option<&str>) -> Result<Depth, Parsed> {
    let Some(value) = value else {
        return Err(Parsed::Usage("--depth requires a value".into()));
    };
    match value.parse::<u32>() {
        Ok(n) if (1..=100).contains(&n) && value.bytes().all(|b| b.is_ascii_digit()) => Ok(Depth::Levels(n)),
        _ => Err(Parsed::Usage(format!(
            "--depth value '{value}' is not valid (1 to 100)"
        ))),
    }
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
                let value = args.get(i).map(|v| v.to_str().unwrap_or("(not UTF-8)"));
                i += 1;
                match depth_value(value) {
                    Ok(d) => depth = d,
                    Err(usage) => return usage,
                }
            }
            "--help" | "-h" => return Parsed::Help,
            "--version" => return Parsed::Version,
            _ => match text.strip_prefix("--depth=") {
                // The usual GNU spelling, as a synonym.
                Some(value) => match depth_value(Some(value)) {
                    Ok(d) => depth = d,
                    Err(usage) => return usage,
                },
                None => return Parsed::Usage(format!("unknown option '{text}'")),
            },
        }
    }
    if i >= args.len() {
        return Parsed::Usage("need program name".into());
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
        assert_eq!(p(&["--depth=2", "prog"]), run(Depth::Levels(2), &["prog"]));
    }

    #[test]
    fn usage_errors() {
        let usage = |m: &str| Parsed::Usage(m.to_string());
        assert_eq!(p(&[]), usage("need program name"));
        assert_eq!(p(&["--deep"]), usage("need program name"));
        assert_eq!(p(&["--depth"]), usage("--depth requires a value"));
        for bad in ["0", "101", "-1", "x", "+2", ""] {
            let want = usage(&format!("--depth value '{bad}' is not valid (1 to 100)"));
            assert_eq!(p(&["--depth", bad, "prog"]), want, "{bad}");
            assert_eq!(p(&[&format!("--depth={bad}"), "prog"]), want, "{bad}");
        }
        assert_eq!(p(&["--bogus", "prog"]), usage("unknown option '--bogus'"));
        assert_eq!(p(&["--deep=2", "prog"]), usage("unknown option '--deep=2'"));
        assert_eq!(p(&["--help"]), Parsed::Help);
        assert_eq!(p(&["--version", "prog"]), Parsed::Version);
    }
}
