//! Sending lines to syslog: datagrams to `/dev/log` in the form the C
//! library's `syslog()` uses (`<PRI>ident[pid]: message`, the receiver
//! stamps the time), from a non-blocking socket, errors ignored. One
//! sender for the helper's audit lines and for the kernel-mode daemon's
//! lines (its grants, and its own messages).

use alloc::string::String;
use alloc::vec::Vec;
use syscalls::Fd;

/// What became of a datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Taken,
    /// The receiver's queue is full (a datagram socket's holds
    /// `net.unix.max_dgram_qlen`, 10 by default): it may take it later.
    Full,
    /// No socket, nobody there, or something else: it never will.
    Failed,
}

/// Where syslog listens; fixed (nothing is taken from the environment).
pub const DEV_LOG: &str = "/dev/log";

/// `LOG_AUTHPRIV`: security messages, readable by root only on most
/// systems. The audit lines go there.
pub const AUTHPRIV: u8 = 10;
/// `LOG_DAEMON`: the kernel-mode daemon's own messages.
pub const DAEMON: u8 = 3;

/// The ident of the audit lines.
pub const IDENT: &str = "authbind";

/// A line longer than this is cut (a datagram must stay small).
const MAX_LINE: usize = 2048;

/// Syslog severities used here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Err = 3,
    Warning = 4,
    Notice = 5,
    Info = 6,
}

/// A socket kept for many lines (the daemon's), or made for one.
pub struct Sender {
    sock: Option<Fd>,
    path: Vec<u8>,
}

impl Sender {
    /// To [`DEV_LOG`].
    pub fn new() -> Sender {
        Sender::to(DEV_LOG)
    }

    /// To the syslog socket at `path`.
    pub fn to(path: &str) -> Sender {
        let kind = libc::SOCK_DGRAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK;
        Sender {
            sock: syscalls::sock::socket(libc::AF_UNIX, kind).ok(),
            path: path.as_bytes().to_vec(),
        }
    }

    /// Sends `message` as `ident[pid]` with this facility and severity;
    /// says whether the receiver's queue took it. Never blocks (a full
    /// queue drops the line), never fails (no socket, or something else
    /// there, drops it), never raises SIGPIPE.
    pub fn send(
        &self,
        facility: u8,
        severity: Severity,
        ident: &str,
        pid: u32,
        message: &dyn core::fmt::Display,
    ) -> bool {
        self.try_send(&format(facility, severity, ident, pid, message)) == Delivery::Taken
    }

    /// Sends one datagram made by [`format`], and says what became of it.
    pub fn try_send(&self, datagram: &str) -> Delivery {
        let Some(sock) = &self.sock else {
            return Delivery::Failed;
        };
        match syscalls::sock::send_to_unix(sock.as_fd(), &self.path, datagram.as_bytes()) {
            Ok(_) => Delivery::Taken,
            Err(e) if e.0 == libc::EAGAIN => Delivery::Full,
            Err(_) => Delivery::Failed,
        }
    }
}

impl Default for Sender {
    fn default() -> Sender {
        Sender::new()
    }
}

/// `<PRI>IDENT[PID]: MESSAGE`, cut to one small datagram.
pub fn format(facility: u8, severity: Severity, ident: &str, pid: u32, message: &dyn core::fmt::Display) -> String {
    let pri = facility * 8 + severity as u8;
    let mut datagram = alloc::format!("<{pri}>{ident}[{pid}]: {message}");
    if datagram.len() > MAX_LINE {
        let mut cut = MAX_LINE;
        while !datagram.is_char_boundary(cut) {
            cut -= 1;
        }
        datagram.truncate(cut);
    }
    datagram
}

/// Sends an audit line to [`DEV_LOG`] as process `pid`.
pub fn send(message: &dyn core::fmt::Display, severity: Severity, pid: u32) {
    send_to(DEV_LOG, message, severity, pid);
}

/// Sends an audit line (authpriv, ident `authbind`) to the syslog socket
/// at `socket`.
pub fn send_to(socket: &str, message: &dyn core::fmt::Display, severity: Severity, pid: u32) {
    Sender::to(socket).send(AUTHPRIV, severity, IDENT, pid, message);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixDatagram;

    #[test]
    fn a_datagram_in_syslogs_form_and_nothing_when_nobody_listens() {
        let dir = std::env::temp_dir().join(format!("audit-syslog-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join("log");
        let receiver = UnixDatagram::bind(&path).unwrap();
        let path = path.to_str().unwrap();
        send_to(path, &"RESULT=granted UID=1 BY=helper", Severity::Info, 42);
        let mut buf = [0u8; 4096];
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"<86>authbind[42]: RESULT=granted UID=1 BY=helper");
        // A kept sender, another facility and ident.
        let kept = Sender::to(path);
        kept.send(DAEMON, Severity::Err, "authbindd", 7, &"reloaded");
        kept.send(DAEMON, Severity::Info, "authbindd", 7, &"again");
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"<27>authbindd[7]: reloaded");
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"<30>authbindd[7]: again");
        // Long lines are cut to one small datagram.
        send_to(path, &"x".repeat(10_000), Severity::Notice, 1);
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(n, MAX_LINE);
        // A full queue: the sender never blocks, and says what it lost.
        receiver.set_nonblocking(true).unwrap();
        let taken = (0..2000)
            .filter(|_| kept.send(AUTHPRIV, Severity::Notice, IDENT, 1, &"flood"))
            .count();
        let mut queued = 0;
        while receiver.recv(&mut buf).is_ok() {
            queued += 1;
        }
        assert_eq!(queued, taken);
        assert!(taken < 2000, "the queue never filled");
        // A full queue says so; once drained, it takes lines again.
        let line = format(AUTHPRIV, Severity::Info, IDENT, 1, &"more");
        while kept.try_send(&line) == Delivery::Taken {}
        assert_eq!(kept.try_send(&line), Delivery::Full);
        while receiver.recv(&mut buf).is_ok() {}
        assert_eq!(kept.try_send(&line), Delivery::Taken);
        drop(receiver);
        assert_eq!(kept.try_send(&line), Delivery::Failed);
        assert!(!kept.send(AUTHPRIV, Severity::Notice, IDENT, 1, &"gone"));
        // Nobody there, or a plain file there: silently nothing.
        send_to(path, &"gone", Severity::Info, 1);
        std::fs::remove_file(path).unwrap();
        std::fs::write(path, "").unwrap();
        send_to(path, &"file", Severity::Info, 1);
        send_to(dir.join("missing").to_str().unwrap(), &"missing", Severity::Info, 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
