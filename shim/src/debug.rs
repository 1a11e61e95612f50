//! AUTHBIND_DEBUG=1: one line on stderr per refusal, written with a single
//! write(2) from a stack buffer (no allocation, no stdio lock).

use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};
use wire::{Request, Target};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Set once by the constructor from AUTHBIND_DEBUG.
pub fn enable(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

struct Line {
    buf: [u8; 256],
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
    let mut line = Line { buf: [0; 256], len: 0 };
    let _ = line.write_fmt(args);
    line.buf[line.len] = b'\n';
    syscalls::sock::write_stderr(&line.buf[..line.len + 1]);
}

/// The policy (or the helper's checks) refused.
pub fn refused(req: &Request, rule: &str, helper_errno: i32) {
    if ENABLED.load(Ordering::Relaxed) {
        emit(format_args!(
            "authbind: bind to {} refused by {rule} (helper errno {helper_errno}); returning EACCES",
            Target(req)
        ));
    }
}

/// The helper could not be asked: always worth saying, as authbind does
/// for an installation problem.
pub fn helper_failed(errno: i32) {
    emit(format_args!(
        "authbind: could not run {} (errno {errno}); returning EACCES",
        buildcfg::HELPER_PATH
    ));
}
