//! The daemon's own messages to the system log (`/dev/log`, facility
//! daemon, ident `authbindd`), in the form the `audit` crate uses for the
//! grants (which go to authpriv as `authbind`), never blocking: a slow or
//! absent syslog daemon loses lines, it never stalls kernel mode.

use std::os::unix::net::UnixDatagram;

pub const DAEMON: u8 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Err = 3,
    Warning = 4,
    Info = 6,
}

pub struct Syslog {
    sock: Option<UnixDatagram>,
}

impl Syslog {
    pub fn new() -> Syslog {
        let sock = UnixDatagram::unbound().ok().filter(|s| s.set_nonblocking(true).is_ok());
        Syslog { sock }
    }

    /// `<PRI>IDENT[PID]: MESSAGE`
    pub fn format(facility: u8, severity: Severity, ident: &str, message: &str) -> String {
        let pri = u32::from(facility) * 8 + severity as u32;
        format!("<{pri}>{ident}[{}]: {message}", std::process::id())
    }

    pub fn send(&self, facility: u8, severity: Severity, ident: &str, message: &str) {
        if let Some(s) = &self.sock {
            let _ = s.send_to(
                Syslog::format(facility, severity, ident, message).as_bytes(),
                "/dev/log",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_and_ident() {
        let line = Syslog::format(DAEMON, Severity::Info, "authbindd", "reloaded");
        assert!(line.starts_with("<30>authbindd["), "{line}");
        assert!(line.ends_with("]: reloaded"), "{line}");
        assert!(Syslog::format(DAEMON, Severity::Err, "authbindd", "x").starts_with("<27>"));
    }
}
