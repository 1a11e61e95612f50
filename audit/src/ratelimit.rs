//! A user's refusals must not flood the log: at most
//! [`REFUSALS_PER_WINDOW`] lines per user per [`WINDOW_SECONDS`]; the
//! first line after a quiet spell says how many were left out. One rule
//! for a window ([`Window`]), kept in two places:
//!
//! The helper is a new process for every bind, so the count lives in a
//! small file per uid under a folder only root may write (`/run/authbind`,
//! baked in, made mode 0700): `WINDOW_START COUNT SUPPRESSED`. The file is
//! locked without waiting; when it cannot be used at once (not root, busy,
//! unreadable) the line is written: a lost count is better than a lost line.
//!
//! Kernel mode's BPF programs count in the kernel, before their ring
//! buffer (authbindd's loader gives them these limits, so that there is
//! one definition): at most [`GRANTS_PER_WINDOW`] grant lines per user
//! per [`GRANT_WINDOW_SECONDS`], and [`REFUSALS_PER_WINDOW`] refusals by a
//! reservation per [`WINDOW_SECONDS`], as the helper's; the daemon says
//! what a window left out as soon as the window ends.

use syscalls::file;

pub const REFUSALS_PER_WINDOW: u32 = 10;
pub const WINDOW_SECONDS: u64 = 60;

/// Kernel mode's grant lines (counted by its programs, per user): a
/// server starting binds a few ports, a loop of binds thousands a second.
pub const GRANTS_PER_WINDOW: u32 = 50;
pub const GRANT_WINDOW_SECONDS: u64 = 10;

/// Whether to write a refusal line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allowance {
    /// Write it; `n` lines were left out before it (0: none).
    Write { suppressed: u32 },
    /// Leave it out (it is counted).
    Suppress,
}

/// One user's window: when it started, the lines written in it, the
/// lines left out since the last one written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub start: u64,
    pub count: u32,
    pub suppressed: u32,
}

impl Window {
    /// Whether a window of `seconds` that started at `start` is over at
    /// `now` (a clock gone back ends it too).
    fn over(&self, now: u64, seconds: u64) -> bool {
        now < self.start || now - self.start >= seconds
    }

    /// Counts one line at `now`, at most `per_window` written per window
    /// of `seconds`.
    pub fn admit(&mut self, now: u64, per_window: u32, seconds: u64) -> Allowance {
        if self.over(now, seconds) {
            self.start = now;
            self.count = 0;
        }
        if self.count < per_window {
            self.count += 1;
            Allowance::Write {
                suppressed: core::mem::take(&mut self.suppressed),
            }
        } else {
            self.suppressed = self.suppressed.saturating_add(1);
            Allowance::Suppress
        }
    }
}

/// The per-uid counts in a folder.
pub struct RateLimit<'a> {
    dir: &'a str,
}

impl RateLimit<'_> {
    pub fn at(dir: &str) -> RateLimit<'_> {
        RateLimit { dir }
    }

    /// Counts one refusal of `uid` at `now` (seconds since the epoch).
    pub fn refusal(&self, uid: u32, now: u64) -> Allowance {
        self.try_refusal(uid, now).unwrap_or(Allowance::Write { suppressed: 0 })
    }

    pub fn refusal_now(&self, uid: u32) -> Allowance {
        self.refusal(uid, syscalls::clock::epoch_seconds())
    }

    fn try_refusal(&self, uid: u32, now: u64) -> Option<Allowance> {
        // Made 0700 if missing; an existing one is used as it is (root's
        // folder, from a baked-in path).
        match file::mkdir_at(None, self.dir.as_bytes(), 0o700) {
            Ok(()) => {}
            Err(e) if e.0 == libc::EEXIST => {}
            Err(_) => return None,
        }
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
        let dir = file::open_at(None, self.dir.as_bytes(), flags, 0).ok()?;
        // Never a link: someone else's file must not be written through it.
        let flags = libc::O_RDWR | libc::O_CREAT | libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK;
        let fd = file::open_at(Some(dir.as_fd()), alloc::format!("{uid}").as_bytes(), flags, 0o600).ok()?;
        if file::stat(fd.as_fd()).ok()?.st_mode & libc::S_IFMT != libc::S_IFREG {
            return None;
        }
        file::lock_now(fd.as_fd()).ok()?;
        let mut text = [0u8; 256];
        let n = file::read(fd.as_fd(), &mut text).ok()?;
        let text = core::str::from_utf8(&text[..n]).ok()?;
        let mut fields = text.split_whitespace().map(|w| w.parse::<u64>().ok());
        let mut window = match (fields.next(), fields.next(), fields.next()) {
            (Some(Some(start)), Some(Some(count)), Some(Some(suppressed))) => Window {
                start,
                count: count as u32,
                suppressed: suppressed as u32,
            },
            _ => Window {
                start: now,
                ..Window::default()
            },
        };
        let allowance = window.admit(now, REFUSALS_PER_WINDOW, WINDOW_SECONDS);
        let Window {
            start,
            count,
            suppressed,
        } = window;
        file::truncate(fd.as_fd(), 0).ok()?;
        let line = alloc::format!("{start} {count} {suppressed}\n");
        file::write_all_at(fd.as_fd(), line.as_bytes(), 0).ok()?;
        Some(allowance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_lines_a_minute_then_a_count() {
        let dir = std::env::temp_dir().join(format!("audit-rate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let r = RateLimit::at(dir.to_str().unwrap());
        for i in 0..REFUSALS_PER_WINDOW {
            assert_eq!(r.refusal(7, 1000 + u64::from(i)), Allowance::Write { suppressed: 0 });
        }
        assert_eq!(r.refusal(7, 1020), Allowance::Suppress);
        assert_eq!(r.refusal(7, 1030), Allowance::Suppress);
        // Another user has a count of its own.
        assert_eq!(r.refusal(8, 1030), Allowance::Write { suppressed: 0 });
        // A new window: the first line says how many were left out.
        assert_eq!(r.refusal(7, 1000 + WINDOW_SECONDS), Allowance::Write { suppressed: 2 });
        assert_eq!(
            r.refusal(7, 1000 + WINDOW_SECONDS + 1),
            Allowance::Write { suppressed: 0 }
        );
        // The clock going back starts a new window too.
        assert_eq!(r.refusal(7, 10), Allowance::Write { suppressed: 0 });
        // A link where the count file belongs is not followed: the line
        // is written anyway, and what the link points to is untouched.
        let victim = dir.with_extension("victim");
        std::fs::write(&victim, "keep me").unwrap();
        std::os::unix::fs::symlink(&victim, dir.join("9")).unwrap();
        assert_eq!(r.refusal(9, 1000), Allowance::Write { suppressed: 0 });
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        std::fs::remove_file(&victim).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
