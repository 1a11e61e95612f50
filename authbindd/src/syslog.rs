//! Datagrams to the system log (`/dev/log`), RFC 3164 style without a
//! timestamp (the receiver stamps them), never blocking: a slow or absent
//! syslog daemon loses lines, it never stalls kernel mode.

use std::os::unix::net::UnixDatagram;

pub const AUTHPRIV: u8 = 10;
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
        let line = Syslog::format(AUTHPRIV, Severity::Info, "authbind", "RESULT=granted");
        assert!(line.starts_with("<86>authbind["), "{line}");
        assert!(line.ends_with("]: RESULT=granted"), "{line}");
        assert!(Syslog::format(DAEMON, Severity::Err, "authbindd", "x").starts_with("<27>"));
    }
}
