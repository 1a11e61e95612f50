//! `authbindd [--cgroup PATH]`: attach (or adopt the pinned links), then
//! stay in the foreground: reload on a change of the tree or the user
//! database (in force within a second: changes are gathered for 50 ms,
//! at most 300 ms), or on SIGHUP; write one syslog line per grant; on
//! SIGTERM or SIGINT exit and leave the grants attached; exit when the
//! links are removed (`--detach`).

use crate::attach::Installed;
use crate::cgroup::Cgroup;
use crate::error::Error;
use crate::maps::kept::Events;
use crate::say::Say;
use crate::swap::{swap, Swapped};
use crate::watch::{Change, Watch};
use crate::{audit, pins, preflight};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use std::os::fd::AsFd;
use std::path::Path;
use std::time::{Duration, Instant};

const QUIET: Duration = Duration::from_millis(50);
const AT_MOST: Duration = Duration::from_millis(300);
/// The programs never wake the daemon (a wakeup would cost every granted
/// bind an IPI): it reads the ring this often.
const READ_EVERY: Duration = Duration::from_millis(100);
/// Audit lines written per turn of the loop (some 10 ms of work): a flood
/// of grants delays neither a reload nor a signal.
const LINES_PER_TURN: usize = 1000;

fn describe(s: &Swapped) -> String {
    let how = |i: Installed| match i {
        Installed::Created => "attached",
        Installed::Updated => "updated",
    };
    let c = &s.compiled;
    format!(
        "bind4 {}, bind6 {}: {} byport and {} byaddr entries, {} byuid prefixes{}",
        how(s.installed[0]),
        how(s.installed[1]),
        c.byport.len(),
        c.byaddr.len(),
        c.byuid4.len() + c.byuid6.len(),
        if c.notes.unexpressible.is_empty() {
            String::new()
        } else {
            format!(
                "; {} thing(s) kernel mode cannot express exactly (authbindd --check)",
                c.notes.unexpressible.len()
            )
        }
    )
}

fn links_present(dir: &Path) -> bool {
    [buildcfg::PIN_BIND4, buildcfg::PIN_BIND6]
        .iter()
        .all(|p| dir.join(p).symlink_metadata().is_ok())
}

/// A reload: new watches first (so no later change goes unseen), then the
/// swap; on failure the policy in force stays.
fn reload(cg: &Cgroup, dir: &Path, say: &Say, watch: &mut Watch) -> Result<(), Error> {
    let mut fresh = Watch::new(dir).map_err(|e| Error::sys("inotify", model::Errno(e as i32)))?;
    let swapped = swap(cg, dir)?;
    fresh.add_inodes(&swapped.compiled.watches.fds);
    *watch = fresh;
    say.info(&format!("reloaded {}: {}", cg.path.display(), describe(&swapped)));
    Ok(())
}

pub fn run(cgroup: Option<&Path>) -> Result<(), Error> {
    let say = Say::with_syslog();
    preflight::root()?;
    preflight::kernel()?;
    let cg = Cgroup::resolve(cgroup)?;
    preflight::cgroup_bpf(&cg)?;
    if pins::ensure_bpffs()? {
        say.info(&format!("mounted a bpffs at {}", buildcfg::BPFFS_DIR));
    }
    let dir = pins::dir_for(&cg);
    pins::create(&dir)?;
    let _daemon = pins::daemon_lock(&dir, &cg)?;

    let mut signals = SigSet::empty();
    for s in [Signal::SIGHUP, Signal::SIGTERM, Signal::SIGINT] {
        signals.add(s);
    }
    signals
        .thread_block()
        .map_err(|e| Error::sys("blocking signals", model::Errno(e as i32)))?;
    let signal_fd = SignalFd::with_flags(&signals, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
        .map_err(|e| Error::sys("signalfd", model::Errno(e as i32)))?;

    let mut watch = Watch::new(&dir).map_err(|e| Error::sys("inotify", model::Errno(e as i32)))?;
    let swapped = swap(&cg, &dir)?;
    watch.add_inodes(&swapped.compiled.watches.fds);
    say.info(&format!(
        "serving {} (cgroup {}): {}",
        cg.path.display(),
        cg.rel,
        describe(&swapped)
    ));
    for note in &swapped.compiled.notes.unexpressible {
        say.warn(&format!("cannot express exactly: {note}"));
    }
    drop(swapped);
    let mut events = Events::open(&dir)?;
    let mut names = audit::Names::default();

    // When a reload is due: (first change seen, last change seen).
    let mut pending: Option<(Instant, Instant)> = None;
    let mut backlog = false;
    loop {
        let wait = match pending {
            _ if backlog => Duration::ZERO,
            None => READ_EVERY,
            Some((first, last)) => {
                let due = (last + QUIET).min(first + AT_MOST);
                due.saturating_duration_since(Instant::now()).min(READ_EVERY)
            }
        };
        let timeout = PollTimeout::from(wait.as_millis() as u16);
        let mut fds = [
            PollFd::new(signal_fd.as_fd(), PollFlags::POLLIN),
            PollFd::new(watch.fd(), PollFlags::POLLIN),
        ];
        match poll(&mut fds, timeout) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(Error::sys("poll", model::Errno(e as i32))),
        }
        let ready = |i: usize| fds[i].revents().is_some_and(|r| !r.is_empty());
        let (sig_ready, watch_ready) = (ready(0), ready(1));

        if sig_ready {
            while let Ok(Some(info)) = signal_fd.read_signal() {
                match Signal::try_from(info.ssi_signo as i32) {
                    Ok(Signal::SIGHUP) => {
                        let now = Instant::now();
                        pending = Some((now - AT_MOST, now));
                    }
                    Ok(s) => {
                        say.info(&format!("{s} received: stopping; the grants stay attached"));
                        return Ok(());
                    }
                    Err(_) => {}
                }
            }
        }
        if watch_ready {
            match watch.read() {
                Change::None => {}
                Change::Policy => {
                    let now = Instant::now();
                    pending = Some(pending.map_or((now, now), |(first, _)| (first, now)));
                }
                Change::Pins if !links_present(&dir) => {
                    say.info(&format!(
                        "the links of {} were removed (detached): stopping",
                        cg.path.display()
                    ));
                    return Ok(());
                }
                Change::Pins => {}
            }
        }
        if let Some((first, last)) = pending {
            let now = Instant::now();
            if now >= last + QUIET || now >= first + AT_MOST {
                pending = None;
                if !links_present(&dir) {
                    say.info(&format!(
                        "the links of {} were removed (detached): stopping",
                        cg.path.display()
                    ));
                    return Ok(());
                }
                names.forget();
                if let Err(e) = reload(&cg, &dir, &say, &mut watch) {
                    say.error(&format!("reload failed, the previous policy stays in force: {e}"));
                }
            }
        }
        // Never woken by the ring: read some of it each time round, after
        // the signals and the reloads.
        let (lines, more) = events.drain(LINES_PER_TURN);
        backlog = more;
        for e in lines {
            audit::send(&mut names, &e);
        }
        names.turn(&dir);
    }
}
