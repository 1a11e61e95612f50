//! The shim's lines on stderr: what the client's report says, written
//! with a single write(2) from a stack buffer (no allocation, no stdio
//! lock). Under AUTHBIND_DEBUG=1 one per request to the helper; without
//! it only when the helper could not be run.

use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};
use syscalls::client::report::{worth_saying, Report};
use syscalls::client::Asked;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Set once by the constructor from AUTHBIND_DEBUG.
pub fn enable(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

struct Line {
    buf: [u8; 512],
    len: usize,
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.buf.len() - 1 - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

fn emit(args: core::fmt::Arguments) {
    let mut line = Line { buf: [0; 512], len: 0 };
    let _ = line.write_fmt(args);
    line.buf[line.len] = b'\n';
    syscalls::sock::write_stderr(&line.buf[..line.len + 1]);
}

pub fn report(asked: &Asked) {
    if worth_saying(asked, ENABLED.load(Ordering::Relaxed)) {
        let uid = syscalls::sock::real_uid();
        emit(format_args!("authbind: {}", Report { asked, uid }));
    }
}
