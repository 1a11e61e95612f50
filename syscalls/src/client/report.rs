//! What the shim and the supervisor say about a request to the helper:
//! the texts, in one place, written without allocating.

use super::{Answer, Asked};
use model::{Decision, Outcome, PolicyFile, Reason, Target};

/// A line about `asked` (without the `authbind: ` in front and the
/// newline), for the real user `uid`.
pub struct Report<'a> {
    pub asked: &'a Asked<'a>,
    pub uid: u32,
}

/// Whether `asked` is worth a line: always when the helper could not be
/// asked (an installation problem), else only under AUTHBIND_DEBUG (the
/// helper itself reports a faulty configuration).
pub fn worth_saying(asked: &Asked, debug: bool) -> bool {
    debug || matches!(asked.answer, Answer::Unavailable(_))
}

fn helper_name(helper: &[u8]) -> &str {
    let bytes = helper.strip_suffix(&[0]).unwrap_or(helper);
    core::str::from_utf8(bytes).unwrap_or("the helper")
}

fn file(d: &Decision, target: &Target, uid: u32) -> PolicyFile {
    d.file_for(target.addr, target.port, uid)
}

/// Why `d` decided, after the file's name.
struct Why<'a>(&'a Decision, &'a Target);

impl core::fmt::Display for Why<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (d, t) = (self.0, self.1);
        match d.reason {
            Reason::Executable => f.write_str("executable for you")?,
            Reason::LineMatched => write!(f, "line {}", d.line)?,
            Reason::NotExecutable => f.write_str("exists but is not executable for you")?,
            Reason::CheckFailed => write!(f, "cannot be checked: {}", d.errno)?,
            Reason::NoByuidFile => {
                f.write_str("no such file")?;
                if model::needs_bang(t.port) {
                    f.write_str(" (ports 512–1023 use the \"!\" names)")?;
                }
            }
            Reason::OpenFailed => write!(f, "cannot be opened: {}", d.errno)?,
            Reason::NotRegular => f.write_str("not a regular file, so never read")?,
            Reason::NoMatchingLine => f.write_str("no line covers it")?,
            Reason::ReadFailed => write!(f, "cannot be read: {}", d.errno)?,
            Reason::TooLarge => write!(f, "larger than the {} bytes the helper reads", model::MAX_BYUID_BYTES)?,
            Reason::Reserved => f.write_str("the port is reserved for someone else (not executable for you)")?,
            Reason::Owner => f.write_str("reserved for you (executable for you)")?,
        }
        if let Some(i) = d.ignored {
            write!(f, " (line {} is ignored by authbind: {})", i.line, i.why.describe())?;
        }
        Ok(())
    }
}

impl core::fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (a, t) = (self.asked, &self.asked.target);
        let v = match a.answer {
            Answer::Unavailable(e) => {
                return write!(
                    f,
                    "could not run {} ({e}); {t} refused with EACCES",
                    helper_name(a.helper)
                )
            }
            Answer::Verdict(v) => v,
        };
        let explain = |f: &mut core::fmt::Formatter<'_>| write!(f, "; run: authbind-policy explain {t}");
        match (v.outcome, v.decision) {
            (Outcome::Bound, Some(d)) => write!(f, "{t} granted by {}: {}", file(&d, t, self.uid), Why(&d, t)),
            (Outcome::BindFailed, Some(d)) => write!(
                f,
                "{t} granted by {}, but the bind failed: {}",
                file(&d, t, self.uid),
                v.errno
            ),
            (Outcome::Refused | Outcome::ConfigError, Some(d)) => {
                write!(f, "{t} refused: {}: {}", file(&d, t, self.uid), Why(&d, t))?;
                explain(f)
            }
            (Outcome::BadRequest, Some(d)) => write!(
                f,
                "{t} granted by {}, but the helper would not bind this socket: {}; returning EACCES",
                file(&d, t, self.uid),
                v.errno
            ),
            (Outcome::NoPrivilege, Some(d)) => {
                write!(
                    f,
                    "{t} granted by {}, but the helper cannot act as root",
                    file(&d, t, self.uid)
                )?;
                if let Some(cause) = a.cause {
                    write!(f, ": {}", cause.describe())?;
                }
                write!(f, "; returning EACCES; {}", crate::privilege::REMEDY)
            }
            (_, None) => write!(
                f,
                "{t} refused: the helper could not decide: {}; returning EACCES",
                v.errno
            ),
        }
    }
}
