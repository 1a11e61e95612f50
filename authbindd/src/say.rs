//! The daemon's own messages: on stderr, and in the foreground mode also
//! to syslog (facility daemon, ident `authbindd`).

use crate::syslog::{Severity, Syslog, DAEMON};
use std::io::Write;

pub struct Say {
    syslog: Option<Syslog>,
}

impl Say {
    pub fn with_syslog() -> Say {
        Say {
            syslog: Some(Syslog::new()),
        }
    }

    fn say(&self, severity: Severity, message: &str) {
        // A closed stderr must not stop the daemon.
        let _ = writeln!(std::io::stderr(), "authbindd: {message}");
        if let Some(s) = &self.syslog {
            s.send(DAEMON, severity, "authbindd", message);
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
