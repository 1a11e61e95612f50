//! The daemon's own messages: on stderr, and in the foreground mode also
//! to syslog (facility daemon, ident `authbindd`).

use audit::{Sender, Severity, DAEMON};
use std::io::Write;

pub struct Say {
    syslog: Option<Sender>,
}

/// Whether stderr is systemd's journal stream (`JOURNAL_STREAM` names
/// its device and inode, and fd 2 is that very file): its lines then reach
/// the journal already, and sending them to syslog too would log each
/// twice. Only where the messages go depends on this.
fn stderr_is_the_journal() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let Some(stream) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let Ok(stderr) = std::io::stderr().as_fd().try_clone_to_owned() else {
        return false;
    };
    let Ok(meta) = std::fs::File::from(stderr).metadata() else {
        return false;
    };
    names_file(&stream.to_string_lossy(), meta.dev(), meta.ino())
}

/// `JOURNAL_STREAM`'s `DEV:INO` is this file's.
fn names_file(stream: &str, dev: u64, ino: u64) -> bool {
    stream
        .split_once(':')
        .is_some_and(|(d, i)| d.parse() == Ok(dev) && i.parse() == Ok(ino))
}

impl Say {
    /// On stderr, and to syslog unless stderr is the journal.
    pub fn with_syslog() -> Say {
        Say {
            syslog: (!stderr_is_the_journal()).then(Sender::new),
        }
    }

    fn say(&self, severity: Severity, message: &str) {
        // A closed stderr must not stop the daemon.
        let _ = writeln!(std::io::stderr(), "authbindd: {message}");
        if let Some(s) = &self.syslog {
            s.send(DAEMON, severity, "authbindd", std::process::id(), &message);
        }
    }

    pub fn info(&self, message: &str) {
        self.say(Severity::Info, message);
    }

    pub fn warn(&self, message: &str) {
        self.say(Severity::Warning, message);
    }

    pub fn error(&self, message: &str) {
        self.say(Severity::Err, message);
    }
}

#[cfg(test)]
mod tests {
    use super::names_file;

    #[test]
    fn journal_stream_names_its_file() {
        assert!(names_file("8:12345", 8, 12345));
        assert!(!names_file("8:12345", 8, 12346));
        assert!(!names_file("8:12345", 9, 12345));
        assert!(!names_file("", 8, 12345));
        assert!(!names_file("8", 8, 12345));
        assert!(!names_file("x:y", 8, 12345));
    }
}
