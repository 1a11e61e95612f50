//! The daemon's own messages: on stderr, and in the foreground mode also
//! to syslog (facility daemon, ident `authbindd`).

use audit::{Sender, Severity, DAEMON};
use std::io::Write;

pub struct Say {
    syslog: Option<Sender>,
}

impl Say {
    pub fn with_syslog() -> Say {
        Say {
            syslog: Some(Sender::new()),
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
