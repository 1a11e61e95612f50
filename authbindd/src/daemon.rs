//! `authbindd [--cgroup PATH]`: attach (or adopt the pinned links), then
//! stay in the foreground: reload on a change of the tree, of what the
//! configuration folder's name resolves to, of the mounts it is read
//! through, or of the user database (in force within a second: changes
//! are gathered for 50 ms, at most 300 ms), or on SIGHUP; write one
//! syslog line per grant the users' audit budgets let through, and say
//! what they left out; on SIGTERM or SIGINT exit and leave the grants
//! attached; exit when the links are removed (`--detach`).

use crate::attach::Installed;
use crate::cgroup::Cgroup;
use crate::error::Error;
use crate::maps::kept::{Budgets, Events};
use crate::say::Say;
use crate::suppressed::Suppressions;
use crate::swap::{swap_if, Swapped};
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
/// How often the sysctl of reserved ports is checked for reserved ports
/// someone took out (nothing tells the daemon when it is written).
const RESTORE_EVERY: Duration = Duration::from_secs(1);
/// Audit lines written per turn of the loop (some 10 ms of work): a flood
/// of grants delays neither a reload nor a signal.
const LINES_PER_TURN: usize = 1000;
/// How often the users' audit budgets are read for the counts of what
/// their windows (10 s and more) left out: each is said within a second
/// of its window's end.
const SUMMARISE_EVERY: Duration = Duration::from_secs(1);

fn describe(s: &Swapped) -> String {
    let how = |i: Installed| match i {
        Installed::Created => "attached",
        Installed::Updated => "updated",
    };
    let c = &s.compiled;
    format!(
        "bind4 {}, bind6 {}: {} byport and {} byaddr entries, {} byuid prefixes, {}{}",
        how(s.installed[0]),
        how(s.installed[1]),
        c.byport.len(),
        c.byaddr.len(),
        c.byuid4.len() + c.byuid6.len(),
        match c.reserved.unknown_words() {
            Some(words) => words,
            None => format!("{} reservations", c.reserved.chains.len()),
        },
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

/// What the swap did to `ip_local_reserved_ports`: said when it wrote
/// it, or failed (never fatal: the grants are in force without it). A
/// failure is said once, not again at each reload while it lasts
/// (`last_error`); `--status` shows it meanwhile.
fn say_reserved(say: &Say, s: &Swapped, last_error: &mut Option<String>) {
    match &s.reserved {
        Ok(synced) => {
            if synced.changed || last_error.is_some() {
                say.info(&format!("{}: {}", crate::reserved_ports::SYSCTL, synced.describe()));
            }
            *last_error = None;
        }
        Err(e) => {
            let text = e.to_string();
            if last_error.as_deref() != Some(text.as_str()) {
                say.error(&format!(
                    "reserved ports not kept from automatic assignment (bind(0), connect() may pick them): {text}"
                ));
            }
            *last_error = Some(text);
        }
    }
}

/// Compiles read while the tree changed, not swapped in, in a row: the
/// next one is swapped in whatever happens (a tree that never stops
/// changing must not keep an old policy in force for ever).
const SKIPS: u32 = 3;

/// What one compile-and-swap did, and what it saw meanwhile.
struct Turn {
    /// `Ok(None)`: the tree changed while it was read; not swapped in.
    result: Result<Option<Swapped>, Error>,
    /// Reload again (a change was seen while the tree was read).
    again: bool,
    /// The events read while it ran (a `--detach` among them).
    seen: Change,
}

/// Compile and swap between arming the watches (before the tree is
/// read) and settling them (the compile's own, after): no change after
/// the read goes unseen, and the one inotify instance is never replaced,
/// so no queued event is lost. The events that came while the tree was
/// read are read before the links are switched: a change among them may
/// have made the compile mix the tree before it with the tree after it,
/// so the compile is not swapped in (unless `force`), and is done again.
fn swap_watched(cg: &Cgroup, dir: &Path, watch: &mut Watch, force: bool) -> Turn {
    let armed = watch.arm();
    let mut seen = Change::default();
    let result = swap_if(cg, dir, &mut || {
        seen = watch.read();
        force || !seen.policy
    });
    let again = match &result {
        Ok(Some(swapped)) => watch.settle(armed, Some(&swapped.compiled.watches.fds)),
        Ok(None) | Err(_) => {
            watch.settle(armed, None);
            false
        }
    };
    Turn {
        again: again || seen.policy,
        result,
        seen,
    }
}

fn say_detached(say: &Say, cg: &Cgroup) {
    say.info(&format!(
        "the links of {} were removed (detached): stopping",
        cg.path.display()
    ));
}

/// Says what the users' windows that ended (`all`: every window, ended
/// or not) left out (the programs' counts), and records it as said in the
/// pins. A failure is said once, not again each second while it lasts
/// (`last_error`).
fn summarise(
    say: &Say,
    budgets: &mut Budgets,
    s: &mut Suppressions,
    names: &mut audit::Names,
    last_error: &mut Option<String>,
    all: bool,
) {
    let read = match budgets.read() {
        Ok(read) => read,
        Err(e) => {
            let text = format!("audit lines left out: the counts cannot be read: {e}");
            if last_error.as_deref() != Some(text.as_str()) {
                say.error(&text);
            }
            *last_error = Some(text);
            return;
        }
    };
    *last_error = None;
    let due = if all {
        s.all(&read)
    } else {
        s.due(&read, syscalls::clock::monotonic_ns())
    };
    names.say_suppressed(&due);
    for d in &due {
        // Unrecorded, a new daemon would say the count again: better than
        // not at all.
        if let Err(e) = budgets.set_said(d.key, d.said) {
            say.error(&format!("audit lines left out: {e}"));
        }
    }
}

/// Schedules a reload for a change seen now.
fn note(pending: &mut Option<(Instant, Instant)>) {
    let now = Instant::now();
    *pending = Some(pending.map_or((now, now), |(first, _)| (first, now)));
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
    let first = swap_watched(&cg, &dir, &mut watch, true);
    let again = first.again;
    let swapped = first
        .result?
        .ok_or_else(|| Error::Load("the first swap was not made".into()))?;
    say.info(&format!(
        "serving {} (cgroup {}): {}",
        cg.path.display(),
        cg.rel,
        describe(&swapped)
    ));
    let mut reserved_error = None;
    say_reserved(&say, &swapped, &mut reserved_error);
    for note in &swapped.compiled.notes.unexpressible {
        say.warn(&format!("cannot express exactly: {note}"));
    }
    drop(swapped);
    let mut events = Events::open(&dir)?;
    let mut names = audit::Names::default();
    let mut budgets = Budgets::open(&dir)?;
    let mut suppressions = Suppressions::new(budgets.said()?);
    let mut summarised_at = Instant::now();
    let mut budgets_error = None;

    // When a reload is due: (first change seen, last change seen).
    let mut pending: Option<(Instant, Instant)> = None;
    // Compiles not swapped in, in a row (see SKIPS).
    let mut skipped = 0;
    if again {
        note(&mut pending);
    }
    let mut backlog = false;
    let mut restored_at = Instant::now();
    'serve: loop {
        let wait = match pending {
            _ if backlog => Duration::ZERO,
            None => READ_EVERY,
            Some((first, last)) => {
                let due = (last + QUIET).min(first + AT_MOST);
                due.saturating_duration_since(Instant::now()).min(READ_EVERY)
            }
        };
        let timeout = PollTimeout::from(wait.as_millis() as u16);
        let mut fds = vec![
            PollFd::new(signal_fd.as_fd(), PollFlags::POLLIN),
            PollFd::new(watch.fd(), PollFlags::POLLIN),
        ];
        // The kernel marks mountinfo with POLLPRI (and POLLERR) when the
        // namespace's mounts change.
        fds.extend(watch.mounts_fd().map(|fd| PollFd::new(fd, PollFlags::POLLPRI)));
        match poll(&mut fds, timeout) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(Error::sys("poll", model::Errno(e as i32))),
        }
        let ready = |i: usize| fds.get(i).and_then(PollFd::revents).is_some_and(|r| !r.is_empty());
        let (sig_ready, watch_ready, mounts_ready) = (ready(0), ready(1), ready(2));
        drop(fds);

        if sig_ready {
            while let Ok(Some(info)) = signal_fd.read_signal() {
                match Signal::try_from(info.ssi_signo as i32) {
                    Ok(Signal::SIGHUP) => {
                        let now = Instant::now();
                        pending = Some((now - AT_MOST, now));
                    }
                    Ok(s) => {
                        say.info(&format!("{s} received: stopping; the grants stay attached"));
                        break 'serve;
                    }
                    Err(_) => {}
                }
            }
        }
        let mut change = if watch_ready { watch.read() } else { Change::default() };
        if mounts_ready {
            change.policy |= watch.read_mounts().policy;
        }
        if change.pins && !buildcfg::attached::linked(&dir) {
            say_detached(&say, &cg);
            break 'serve;
        }
        if change.policy {
            note(&mut pending);
        }
        if let Some((first, last)) = pending {
            let now = Instant::now();
            if now >= last + QUIET || now >= first + AT_MOST {
                pending = None;
                if !buildcfg::attached::linked(&dir) {
                    say_detached(&say, &cg);
                    break 'serve;
                }
                names.forget();
                let turn = swap_watched(&cg, &dir, &mut watch, skipped >= SKIPS);
                match turn.result {
                    Ok(Some(swapped)) => {
                        skipped = 0;
                        say.info(&format!("reloaded {}: {}", cg.path.display(), describe(&swapped)));
                        say_reserved(&say, &swapped, &mut reserved_error);
                    }
                    Ok(None) => skipped += 1,
                    Err(e) => say.error(&format!("reload failed, the previous policy stays in force: {e}")),
                }
                if turn.again {
                    note(&mut pending);
                }
                if turn.seen.pins && !buildcfg::attached::linked(&dir) {
                    say_detached(&say, &cg);
                    break 'serve;
                }
            }
        }
        if restored_at.elapsed() >= RESTORE_EVERY {
            restored_at = Instant::now();
            match crate::reserved_ports::restore() {
                Ok(Some(put)) => say.warn(&format!(
                    "{}: reserved ports {} had been taken out; put back",
                    crate::reserved_ports::SYSCTL,
                    put.format()
                )),
                Ok(None) => {}
                // Said once per failure, as the reloads' failures are.
                Err(e) => {
                    let text = e.to_string();
                    if reserved_error.as_deref() != Some(text.as_str()) {
                        say.error(&format!("reserved ports not kept from automatic assignment: {text}"));
                    }
                    reserved_error = Some(text);
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
        if summarised_at.elapsed() >= SUMMARISE_EVERY {
            summarised_at = Instant::now();
            summarise(
                &say,
                &mut budgets,
                &mut suppressions,
                &mut names,
                &mut budgets_error,
                false,
            );
        }
        names.turn(&dir);
    }
    // Stopping: what the windows left out so far is said now, before they
    // end, so that a daemon stopped for good leaves nothing unsaid (a new
    // one goes on from audit_said).
    summarise(
        &say,
        &mut budgets,
        &mut suppressions,
        &mut names,
        &mut budgets_error,
        true,
    );
    names.finish(&dir);
    Ok(())
}
