//! Sending one line to syslog: a datagram to `/dev/log` in the form the C
//! library's `syslog()` uses (`<PRI>ident[pid]: message`, the receiver
//! stamps the time), from a non-blocking socket, errors ignored.

use std::os::unix::net::UnixDatagram;
use std::path::Path;

/// Where syslog listens; fixed (nothing is taken from the environment).
pub const DEV_LOG: &str = "/dev/log";

/// `LOG_AUTHPRIV`: security messages, readable by root only on most systems.
const FACILITY_AUTHPRIV: u8 = 10;

/// A line longer than this is cut (a datagram must stay small).
const MAX_LINE: usize = 2048;

/// Syslog severities used here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Warning = 4,
    Notice = 5,
    Info = 6,
}

/// Sends `message` to [`DEV_LOG`] as process `pid` (see [`send_to`]).
pub fn send(message: &dyn std::fmt::Display, severity: Severity, pid: u32) {
    send_to(Path::new(DEV_LOG), message, severity, pid);
}

/// Sends `message` to the syslog socket at `socket`, ident `authbind`,
/// facility authpriv. Never blocks (a full queue drops the line), never
/// fails (no socket, or something else there, drops it), never raises
/// SIGPIPE.
pub fn send_to(socket: &Path, message: &dyn std::fmt::Display, severity: Severity, pid: u32) {
    let pri = FACILITY_AUTHPRIV * 8 + severity as u8;
    let mut datagram = format!("<{pri}>authbind[{pid}]: {message}");
    if datagram.len() > MAX_LINE {
        let mut cut = MAX_LINE;
        while !datagram.is_char_boundary(cut) {
            cut -= 1;
        }
        datagram.truncate(cut);
    }
    let Ok(sock) = UnixDatagram::unbound() else {
        return;
    };
    if sock.set_nonblocking(true).is_err() {
        return;
    }
    let _ = sock.send_to(datagram.as_bytes(), socket);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_datagram_in_syslogs_form_and_nothing_when_nobody_listens() {
        let dir = std::env::temp_dir().join(format!("audit-syslog-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join("log");
        let receiver = UnixDatagram::bind(&path).unwrap();
        send_to(&path, &"RESULT=granted UID=1 BY=helper", Severity::Info, 42);
        let mut buf = [0u8; 4096];
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"<86>authbind[42]: RESULT=granted UID=1 BY=helper");
        // Long lines are cut to one small datagram.
        send_to(&path, &"x".repeat(10_000), Severity::Notice, 1);
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(n, MAX_LINE);
        // A full queue: the sender never blocks.
        receiver.set_nonblocking(true).unwrap();
        for _ in 0..2000 {
            send_to(&path, &"flood", Severity::Notice, 1);
        }
        drop(receiver);
        // Nobody there, or a plain file there: silently nothing.
        send_to(&path, &"gone", Severity::Info, 1);
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, "").unwrap();
        send_to(&path, &"file", Severity::Info, 1);
        send_to(&dir.join("missing"), &"missing", Severity::Info, 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
