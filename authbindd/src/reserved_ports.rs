//! Never handed out by accident: every port a reservation names
//! (`reserve/PORT`, `reserve/ADDR,PORT`) is kept in
//! `net.ipv4.ip_local_reserved_ports` of the network namespace kernel mode
//! runs in (the sysctl rules IPv4 and IPv6 alike), so that bind(0) and
//! connect() never pick it: a reserved port is not taken by an outgoing
//! connection while its owner is down.
//!
//! The sysctl is the administrator's too: what is there is kept, and only
//! the entries kernel mode added are taken away again (a reservation
//! removed from the tree, `--detach`). Which entries are ours is written
//! down, root's alone, in [`STATE_DIR`] of KERNEL_RUN_DIR (one file per
//! network namespace), so that a daemon restarted after `kill -9` still
//! knows; a port the administrator had listed before kernel mode reserved
//! it is never ours. The file is written before the sysctl when entries are
//! added, so that it never counts fewer entries than we added: a crash
//! between the two can at worst leave a port listed as ours that is not in
//! the sysctl yet, never make one of ours look like the administrator's.
//! /run and the sysctl both start empty at boot.
//!
//! Writing the sysctl can fail (a read-only /proc/sys): the grants do not
//! depend on it; the failure is logged and kept for `--status`/`--check`.

use crate::error::Error;
use grant::ConfDir;
use model::{Errno, MAX_RESERVATIONS};
use policy::Unlisted;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The sysctl, as the process's own network namespace shows it.
pub const SYSCTL: &str = "/proc/sys/net/ipv4/ip_local_reserved_ports";
/// The folder, in KERNEL_RUN_DIR, of the lists of entries we added.
pub const STATE_DIR: &str = ".reserved-ports";

/// The longest the sysctl reads back (every other port of 65,536 is some
/// 192 KiB). The kernel answers a read at offset 0 only, in one piece, cut
/// to the buffer: it must be read with one read(2) large enough.
const READ_LIMIT: usize = 256 * 1024;

/// A set of ports, read and written as the sysctl does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ports(pub BTreeSet<u16>);

impl Ports {
    /// Reads `8080,9000-9010` (the sysctl's own format; spaces and a final
    /// newline allowed, an empty list too).
    pub fn parse(text: &str) -> Option<Ports> {
        let mut set = BTreeSet::new();
        for item in text.split(',').map(str::trim) {
            if item.is_empty() {
                continue;
            }
            let (a, b) = match item.split_once('-') {
                Some((a, b)) => (a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?),
                None => {
                    let p = item.parse::<u16>().ok()?;
                    (p, p)
                }
            };
            if a > b {
                return None;
            }
            set.extend(a..=b);
        }
        Some(Ports(set))
    }

    /// Runs of consecutive ports as `a-b` (any run of two or more), as the
    /// kernel writes them: what is written reads back the same.
    pub fn format(&self) -> String {
        let mut out = String::new();
        let mut ports = self.0.iter().copied().peekable();
        while let Some(first) = ports.next() {
            let mut last = first;
            while ports.next_if(|&p| Some(p) == last.checked_add(1)).is_some() {
                last += 1;
            }
            if !out.is_empty() {
                out.push(',');
            }
            let _ = write!(out, "{first}");
            if last != first {
                let _ = write!(out, "-{last}");
            }
        }
        out
    }

    fn minus(&self, other: &Ports) -> Ports {
        Ports(self.0.difference(&other.0).copied().collect())
    }

    fn and(&self, other: &Ports) -> Ports {
        Ports(self.0.intersection(&other.0).copied().collect())
    }

    fn or(&self, other: &Ports) -> Ports {
        Ports(self.0.union(&other.0).copied().collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `none` for an empty list (where the sysctl writes nothing).
fn shown(p: &Ports) -> String {
    if p.is_empty() {
        "none".into()
    } else {
        p.format()
    }
}

/// What an update writes: the sysctl's new value, and which of its
/// entries are ours afterwards.
#[derive(Debug, PartialEq, Eq)]
pub struct Plan {
    pub value: Ports,
    pub ours: Ports,
}

/// The update from `current` (the sysctl now), `ours` (the entries we
/// added) and `wanted` (the ports reserved now): ours no longer wanted
/// go, every wanted port is there; a wanted port already there and not
/// ours is the administrator's, and stays theirs.
pub fn plan(current: &Ports, ours: &Ports, wanted: &Ports) -> Plan {
    let dropped = ours.minus(wanted);
    Plan {
        value: current.minus(&dropped).or(wanted),
        ours: ours.and(wanted).or(&wanted.minus(current)),
    }
}

/// Which entries are ours after a write that failed, from what the
/// sysctl holds then (`reread`): ours still there, and whatever appeared
/// since `current` was read (a partial write of ours).
pub fn after_failed_write(current: &Ports, ours: &Ports, reread: &Ports) -> Ports {
    reread.and(ours).or(&reread.minus(current))
}

/// The ports the reservations of the tree at `confdir` name, listed as
/// the helper lists them (`policy::list_reservations`; names it never
/// consults are no reservation).
/// No `reserve` folder: none. A folder that cannot be listed, or has
/// more than [`MAX_RESERVATIONS`] names (which the helper takes as
/// unreadable too), is an error: what is reserved is not known.
pub fn wanted(confdir: &str) -> Result<Ports, Error> {
    let what = format!("listing {confdir}/reserve");
    let mut conf = ConfDir::open_at(confdir).map_err(|e| Error::sys(format!("opening {confdir}"), e))?;
    let mut ports = BTreeSet::new();
    match policy::list_reservations(&mut conf, &mut |r| {
        ports.insert(r.port);
    }) {
        Ok(()) => Ok(Ports(ports)),
        Err(Unlisted::Unreadable(errno)) => Err(Error::Sys { what, errno }),
        Err(Unlisted::TooMany) => Err(Error::Sys {
            what: format!("{what}: more than {MAX_RESERVATIONS} names"),
            errno: Errno(libc::E2BIG),
        }),
    }
}

/// The sysctl file (a plain file standing for it in the tests).
pub struct Sysctl {
    path: PathBuf,
    /// The kernel's file: a write at an offset other than 0 adds to the
    /// list, one at 0 replaces it (a plain file is rewritten whole).
    proc: bool,
}

impl Sysctl {
    pub fn here() -> Sysctl {
        Sysctl {
            path: SYSCTL.into(),
            proc: true,
        }
    }

    pub fn read(&self) -> Result<Ports, Error> {
        let shown = self.path.display().to_string();
        let mut file = std::fs::File::open(&self.path).map_err(|e| Error::io(format!("opening {shown}"), &e))?;
        let mut buf = vec![0u8; READ_LIMIT];
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::io(format!("reading {shown}"), &e))?;
        let text = std::str::from_utf8(&buf[..n]).ok().filter(|_| n < READ_LIMIT);
        text.and_then(Ports::parse).ok_or_else(|| Error::Sys {
            what: format!("{shown}: not a list of ports"),
            errno: Errno::EINVAL,
        })
    }

    fn put(&self, text: &str, at: u64) -> Result<(), Error> {
        let shown = self.path.display().to_string();
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .truncate(!self.proc)
            .open(&self.path)
            .map_err(|e| Error::io(format!("opening {shown} to write"), &e))?;
        if at != 0 {
            file.seek(SeekFrom::Start(at))
                .map_err(|e| Error::io(format!("seeking in {shown}"), &e))?;
        }
        file.write_all(format!("{text}\n").as_bytes())
            .map_err(|e| Error::io(format!("writing {shown}"), &e))
    }

    /// Adds `added` to `current` (the list now). The kernel's file takes
    /// it as an addition (written at offset 1): no entry is ever out of
    /// the list meanwhile.
    pub fn add(&self, current: &Ports, added: &Ports) -> Result<(), Error> {
        if self.proc {
            self.put(&added.format(), 1)
        } else {
            self.put(&current.or(added).format(), 0)
        }
    }

    /// Replaces the whole list with `ports` (a newline alone empties it),
    /// `first` written first. The kernel reads a list longer than a page
    /// in pieces, the first replacing the list and the others added to
    /// it: between two pieces an entry of a later one is out of the list
    /// (as with any `sysctl -w` that long). `first` (the reserved ports)
    /// goes into the first piece whenever it fits in it.
    pub fn replace(&self, ports: &Ports, first: &Ports) -> Result<(), Error> {
        let first = ports.and(first);
        let rest = ports.minus(&first);
        let text = match (self.proc, first.is_empty(), rest.is_empty()) {
            (true, false, false) => format!("{},{}", first.format(), rest.format()),
            _ => ports.format(),
        };
        self.put(&text, 0)
    }
}

/// What is written down for one network namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    /// The entries we added.
    pub ours: Ports,
    /// Why the last update failed, if it did.
    pub error: Option<String>,
    /// The ports reserved when the reserve folder was last listed: kept
    /// in the sysctl meanwhile (put back if someone takes them out), and
    /// refused to every user but root while the folder cannot be listed.
    pub known: Option<Ports>,
    /// The cookie of the network namespace the file is for: the file is
    /// named by the namespace's inode, which a later namespace may reuse
    /// (a file whose cookie is another's is not ours).
    pub netns: Option<u64>,
}

impl State {
    fn text(&self) -> String {
        let mut s = format!(
            "# authbindd: the entries of {SYSCTL} it added (it removes no other)\nours={}\n",
            self.ours.format()
        );
        if let Some(e) = &self.error {
            let _ = writeln!(s, "error={}", e.replace('\n', " "));
        }
        if let Some(k) = &self.known {
            let _ = writeln!(s, "known={}", k.format());
        }
        if let Some(n) = self.netns {
            let _ = writeln!(s, "netns={n}");
        }
        s
    }

    /// Reads [`State::text`] back; a list that cannot be read counts as
    /// none of ours (entries left in the sysctl, none of the
    /// administrator's taken).
    fn from_text(text: &str) -> State {
        let mut state = State::default();
        for line in text.lines() {
            if let Some(list) = line.strip_prefix("ours=") {
                state.ours = Ports::parse(list).unwrap_or_default();
            } else if let Some(e) = line.strip_prefix("error=") {
                state.error = Some(e.to_string());
            } else if let Some(list) = line.strip_prefix("known=") {
                state.known = Ports::parse(list);
            } else if let Some(n) = line.strip_prefix("netns=") {
                state.netns = n.parse().ok();
            }
        }
        state
    }
}

/// Where the [`State`] of one network namespace is kept.
pub struct Store {
    path: PathBuf,
    /// The cookie of this process's network namespace (`None` where the
    /// kernel gives none: then the inode alone names it).
    netns: Option<u64>,
}

impl Store {
    /// The file of this process's network namespace, in `run`'s
    /// [`STATE_DIR`] (created, root's alone).
    pub fn in_run_dir(run: &Path) -> Result<Store, Error> {
        crate::pins::private_dir(run, STATE_DIR)?;
        Store::look_in(run)
    }

    /// The same file, its folder neither created nor checked (to read).
    fn look_in(run: &Path) -> Result<Store, Error> {
        let ns = std::fs::metadata("/proc/self/ns/net").map_err(|e| Error::io("/proc/self/ns/net", &e))?;
        Ok(Store {
            path: run.join(STATE_DIR).join(format!("net-{}", ns.ino())),
            netns: syscalls::sock::netns_cookie().ok(),
        })
    }

    pub fn here() -> Result<Store, Error> {
        Store::in_run_dir(Path::new(buildcfg::KERNEL_RUN_DIR))
    }

    /// The state written down; none when there is no file.
    pub fn load(&self) -> Result<State, Error> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&self.path);
        let mut text = String::new();
        match file {
            Ok(f) => f
                .take(READ_LIMIT as u64 * 2)
                .read_to_string(&mut text)
                .map_err(|e| Error::io(format!("reading {}", self.path.display()), &e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::default()),
            Err(e) => return Err(Error::io(format!("opening {}", self.path.display()), &e)),
        };
        let state = State::from_text(&text);
        // Left by a daemon of an earlier namespace that had this inode:
        // none of its entries are ours here.
        if state.netns.is_some() && self.netns.is_some() && state.netns != self.netns {
            return Ok(State::default());
        }
        Ok(state)
    }

    /// Replaces the file at once (written beside it, then renamed): a
    /// crash leaves the old list or the new one.
    pub fn save(&self, state: &State) -> Result<(), Error> {
        let new = self.path.with_extension("new");
        let _ = std::fs::remove_file(&new);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&new)
            .map_err(|e| Error::io(format!("creating {}", new.display()), &e))?;
        let state = State {
            netns: self.netns,
            ..state.clone()
        };
        file.write_all(state.text().as_bytes())
            .map_err(|e| Error::io(format!("writing {}", new.display()), &e))?;
        std::fs::rename(&new, &self.path).map_err(|e| Error::io(format!("renaming {}", new.display()), &e))
    }

    fn remove(&self) -> Result<(), Error> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Error::io(format!("removing {}", self.path.display()), &e))
            }
            _ => Ok(()),
        }
    }
}

/// What an update left in place.
#[derive(Debug)]
pub struct Synced {
    /// The ports reserved by the tree (all of them in the sysctl now).
    pub wanted: Ports,
    /// Which of them are our entries.
    pub ours: Ports,
    /// Whether the sysctl was written.
    pub changed: bool,
}

impl Synced {
    /// For the daemon's line about a swap.
    pub fn describe(&self) -> String {
        format!(
            "{} reserved port(s) kept from automatic assignment ({} added by authbindd)",
            self.wanted.0.len(),
            self.ours.0.len()
        )
    }
}

/// Puts the ports the tree reserves into the sysctl, and takes out ours
/// that it no longer reserves. Run under the swap lock (one update at a
/// time). A failure is also written down for `--status`.
pub fn sync(confdir: &str) -> Result<Synced, Error> {
    sync_with(&Store::here()?, &Sysctl::here(), confdir)
}

fn sync_with(store: &Store, sysctl: &Sysctl, confdir: &str) -> Result<Synced, Error> {
    let before = store.load()?;
    let step = || -> Result<Synced, (Error, Ports)> {
        let keep = |e| (e, before.ours.clone());
        let wanted = wanted(confdir).map_err(keep)?;
        let current = sysctl.read().map_err(keep)?;
        let plan = plan(&current, &before.ours, &wanted);
        let changed = plan.value != current;
        if changed {
            // Ours before the sysctl says so (see the module's comment).
            let intent = State {
                ours: before.ours.or(&plan.ours),
                error: None,
                known: Some(wanted.clone()),
                netns: None,
            };
            store.save(&intent).map_err(keep)?;
            let written = if plan.value.0.is_superset(&current.0) {
                sysctl.add(&current, &plan.value.minus(&current))
            } else {
                sysctl.replace(&plan.value, &wanted)
            };
            if let Err(e) = written {
                let ours = match sysctl.read() {
                    Ok(reread) => after_failed_write(&current, &before.ours, &reread),
                    Err(_) => intent.ours,
                };
                return Err((e, ours));
            }
        }
        Ok(Synced {
            wanted,
            ours: plan.ours,
            changed,
        })
    };
    match step() {
        Ok(synced) => {
            store.save(&State {
                ours: synced.ours.clone(),
                error: None,
                known: Some(synced.wanted.clone()),
                netns: None,
            })?;
            Ok(synced)
        }
        Err((e, ours)) => {
            // What was known stays known: an unreadable folder changes
            // nothing (see `held`).
            let _ = store.save(&State {
                ours,
                error: Some(e.to_string()),
                known: before.known.clone(),
                netns: None,
            });
            Err(e)
        }
    }
}

/// The ports reserved when the reserve folder was last listed in this
/// network namespace (none known: none), for a compile that cannot list
/// it: they stay refused to every user but root meanwhile, as they stay
/// in the sysctl.
pub fn held() -> Ports {
    Store::here()
        .and_then(|s| s.load())
        .ok()
        .and_then(|st| st.known)
        .unwrap_or_default()
}

/// Puts back into the sysctl the reserved ports someone took out of it
/// since the last update (`sysctl --system`, a configuration run writing
/// the whole list), as ours; checked by the daemon every few seconds, so
/// that bind(0) and connect() are not handed a reserved port for long.
/// `Ok(None)`: nothing was missing.
pub fn restore() -> Result<Option<Ports>, Error> {
    // Under the swap lock, as every update; a swap in progress syncs the
    // sysctl itself.
    let Some(_lock) = crate::pins::try_swap_lock()? else {
        return Ok(None);
    };
    restore_with(&Store::here()?, &Sysctl::here())
}

fn restore_with(store: &Store, sysctl: &Sysctl) -> Result<Option<Ports>, Error> {
    let before = store.load()?;
    let Some(known) = &before.known else {
        return Ok(None);
    };
    let current = sysctl.read()?;
    let missing = known.minus(&current);
    if missing.is_empty() {
        return Ok(None);
    }
    // Ours before the sysctl says so, as in `sync_with`.
    store.save(&State {
        ours: before.ours.or(&missing),
        ..before.clone()
    })?;
    sysctl.add(&current, &missing)?;
    Ok(Some(missing))
}

/// `--detach`: takes our entries out of the sysctl and forgets them.
/// Returns the entries removed.
pub fn release() -> Result<Ports, Error> {
    release_with(&Store::here()?, &Sysctl::here())
}

fn release_with(store: &Store, sysctl: &Sysctl) -> Result<Ports, Error> {
    let state = store.load()?;
    let step = || -> Result<Ports, (Error, Ports)> {
        let current = sysctl.read().map_err(|e| (e, state.ours.clone()))?;
        let value = current.minus(&state.ours);
        if value != current {
            sysctl.replace(&value, &Ports::default()).map_err(|e| {
                let ours = sysctl
                    .read()
                    .map(|reread| reread.and(&state.ours))
                    .unwrap_or_else(|_| state.ours.clone());
                (e, ours)
            })?;
        }
        Ok(current.and(&state.ours))
    };
    match step() {
        Ok(removed) => {
            store.remove()?;
            Ok(removed)
        }
        Err((e, ours)) => {
            let _ = store.save(&State {
                ours,
                error: Some(e.to_string()),
                ..state.clone()
            });
            Err(e)
        }
    }
}

/// For `--check` and `--status`: the ports the tree reserves, whether the
/// sysctl holds them, which entries are ours, and the last failure.
pub fn report(confdir: &str) -> String {
    let mut s = format!("reserved ports kept from automatic assignment ({SYSCTL}):\n");
    let wanted = wanted(confdir);
    let current = Sysctl::here().read();
    // --check creates nothing.
    let state = Store::look_in(Path::new(buildcfg::KERNEL_RUN_DIR)).and_then(|st| st.load());
    match &wanted {
        Ok(w) => {
            let _ = writeln!(s, "  reserved by the tree: {}", shown(w));
        }
        Err(e) => {
            let _ = writeln!(s, "  reserved by the tree: unknown ({e})");
        }
    }
    // The sysctl itself may be long: only what concerns the tree.
    match (&current, &wanted) {
        (Ok(c), Ok(w)) => {
            let missing = w.minus(c);
            if !missing.is_empty() {
                let _ = writeln!(
                    s,
                    "  MISSING from the sysctl (bind(0) and connect() may pick them): {}",
                    missing.format()
                );
            }
        }
        (Ok(_), Err(_)) => {}
        (Err(e), _) => {
            let _ = writeln!(s, "  the sysctl: unknown ({e})");
        }
    }
    match &state {
        Ok(st) => {
            let _ = writeln!(s, "  entries added by authbindd: {}", shown(&st.ours));
            if let (Ok(c), Ok(w)) = (&current, &wanted) {
                let theirs = w.and(c).minus(&st.ours);
                if !theirs.is_empty() {
                    let _ = writeln!(
                        s,
                        "  listed by the administrator too (never removed): {}",
                        theirs.format()
                    );
                }
            }
            if let Some(e) = &st.error {
                let _ = writeln!(s, "  the last update FAILED: {e}");
            }
        }
        Err(e) => {
            let _ = writeln!(s, "  entries added by authbindd: unknown ({e})");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn p(text: &str) -> Ports {
        Ports::parse(text).unwrap()
    }

    #[test]
    fn the_sysctls_format_reads_and_writes_back() {
        assert_eq!(p(""), Ports::default());
        assert_eq!(p("\n"), Ports::default());
        assert_eq!(
            p("8080,9000-9003\n").0.into_iter().collect::<Vec<_>>(),
            [8080, 9000, 9001, 9002, 9003]
        );
        assert_eq!(p(" 1 , 3 - 4 ").format(), "1,3-4");
        // As the kernel writes it: any run of two or more as a range.
        assert_eq!(p("7,8").format(), "7-8");
        assert_eq!(p("1,3,4,5,7,8,10").format(), "1,3-5,7-8,10");
        assert_eq!(p("0,65535").format(), "0,65535");
        assert_eq!(p("65534-65535").format(), "65534-65535");
        assert_eq!(p("0-65535").0.len(), 65_536);
        assert_eq!(p("0-65535").format(), "0-65535");
        // Overlaps merge.
        assert_eq!(p("5-9,7,8-12").format(), "5-12");
        for bad in ["x", "1-", "-1", "5-3", "65536", "1,,x", "1-2-3"] {
            assert_eq!(Ports::parse(bad), None, "{bad}");
        }
        // Every other port, the longest value there is, fits the read.
        let sparse = Ports((0..=65535).step_by(2).collect());
        assert!(sparse.format().len() < READ_LIMIT);
        assert_eq!(p(&sparse.format()), sparse);
    }

    #[test]
    fn the_administrators_entries_are_kept_and_ours_alone_removed() {
        // The administrator listed 40003, 40008 and 50000; the tree
        // reserves 40001, 40003, 40004, 40005.
        let admin = p("40003,40008,50000");
        let first = plan(&admin, &Ports::default(), &p("40001,40003-40005"));
        assert_eq!(first.value, p("40001,40003-40005,40008,50000"));
        // 40003 was there already: the administrator's, never ours.
        assert_eq!(first.ours, p("40001,40004-40005"));

        // reserve/40004 and reserve/40003 removed: ours goes, theirs stays.
        let second = plan(&first.value, &first.ours, &p("40001,40005"));
        assert_eq!(second.value, p("40001,40003,40005,40008,50000"));
        assert_eq!(second.ours, p("40001,40005"));

        // Nothing changes: nothing to write.
        let again = plan(&second.value, &second.ours, &p("40001,40005"));
        assert_eq!(again.value, second.value);
        assert_eq!(again.ours, second.ours);

        // An entry of ours someone took out by hand is put back, ours still.
        let taken = plan(&p("40003,40005,40008,50000"), &second.ours, &p("40001,40005"));
        assert_eq!(taken.value, second.value);
        assert_eq!(taken.ours, p("40001,40005"));

        // The administrator listing 40006 meanwhile changes nothing of ours;
        // releasing takes ours out and nothing else.
        let value = second.value.or(&p("40006"));
        assert_eq!(value.minus(&second.ours), p("40003,40006,40008,50000"));
    }

    #[test]
    fn ours_after_a_write_that_failed() {
        let current = p("10,20");
        let ours = p("10,30");
        // Nothing written: ours is what is still there of ours.
        assert_eq!(after_failed_write(&current, &ours, &current), p("10"));
        // Part written (40 appeared): ours too.
        assert_eq!(after_failed_write(&current, &ours, &p("10,20,40")), p("10,40"));
        // 10 taken out by the write: no longer there, no longer ours.
        assert_eq!(after_failed_write(&current, &ours, &p("20")), Ports::default());
    }

    #[test]
    fn the_state_reads_back() {
        let st = State {
            ours: p("1,3-5"),
            error: Some("writing x: EROFS\nmore".into()),
            known: Some(p("1,3-5,9")),
            netns: Some(4096),
        };
        let back = State::from_text(&st.text());
        assert_eq!(back.ours, st.ours);
        assert_eq!(back.error.as_deref(), Some("writing x: EROFS more"));
        assert_eq!((back.known, back.netns), (st.known, st.netns));
        assert_eq!(State::from_text(""), State::default());
        // A list that cannot be read is none of ours.
        assert_eq!(State::from_text("ours=x\n").ours, Ports::default());
    }

    /// A scratch folder with a policy folder, a file standing for the
    /// sysctl and a state file, removed when dropped.
    struct Scratch(PathBuf);
    impl Scratch {
        fn new() -> Scratch {
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "authbindd-reserved-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(p.join("conf/reserve")).unwrap();
            Scratch(p)
        }
        fn conf(&self) -> String {
            self.0.join("conf").to_str().unwrap().to_string()
        }
        fn reserve(&self, name: &str) {
            std::fs::write(self.0.join("conf/reserve").join(name), b"").unwrap();
        }
        fn unreserve(&self, name: &str) {
            std::fs::remove_file(self.0.join("conf/reserve").join(name)).unwrap();
        }
        fn sysctl(&self) -> Sysctl {
            Sysctl {
                path: self.0.join("sysctl"),
                proc: false,
            }
        }
        fn store(&self) -> Store {
            self.store_in(Some(1))
        }
        /// The store as a process of namespace cookie `netns` sees it.
        fn store_in(&self, netns: Option<u64>) -> Store {
            Store {
                path: self.0.join("state"),
                netns,
            }
        }
        fn value(&self) -> String {
            std::fs::read_to_string(self.0.join("sysctl")).unwrap()
        }
    }
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn reservations_are_read_as_the_helper_reads_them() {
        let s = Scratch::new();
        for name in [
            "5432",
            "127.0.0.1,40005",
            "2001:db8::1,443",
            "!80",
            "0.0.0.0,81",
            "junk",
            "5432.txt",
        ] {
            s.reserve(name);
        }
        // `!80` and `0.0.0.0,81` are never consulted (the helper names
        // the reservation meant instead); `junk` is no reservation.
        assert_eq!(wanted(&s.conf()).unwrap(), p("443,5432,40005"));
        std::fs::remove_dir_all(s.0.join("conf/reserve")).unwrap();
        assert_eq!(wanted(&s.conf()).unwrap(), Ports::default());
        std::fs::write(s.0.join("conf/reserve"), b"").unwrap();
        assert_eq!(wanted(&s.conf()).unwrap(), Ports::default());
    }

    #[test]
    fn updates_and_release_remember_what_is_ours() {
        let s = Scratch::new();
        std::fs::write(s.0.join("sysctl"), "40003,40008,50000\n").unwrap();
        for name in ["40001", "40003", "40004", "127.0.0.1,40005"] {
            s.reserve(name);
        }
        let synced = sync_with(&s.store(), &s.sysctl(), &s.conf()).unwrap();
        assert!(synced.changed);
        assert_eq!(s.value(), "40001,40003-40005,40008,50000\n");
        assert_eq!(s.store().load().unwrap().ours, p("40001,40004-40005"));

        // A new store (a restarted daemon) reads the same list.
        s.unreserve("40004");
        s.unreserve("40003");
        let synced = sync_with(&s.store(), &s.sysctl(), &s.conf()).unwrap();
        assert_eq!(s.value(), "40001,40003,40005,40008,50000\n");
        assert_eq!(synced.ours, p("40001,40005"));
        assert!(!sync_with(&s.store(), &s.sysctl(), &s.conf()).unwrap().changed);

        // The administrator adds 40006 by hand; release takes ours alone.
        std::fs::write(s.0.join("sysctl"), "40001,40003,40005-40006,40008,50000\n").unwrap();
        assert_eq!(release_with(&s.store(), &s.sysctl()).unwrap(), p("40001,40005"));
        assert_eq!(s.value(), "40003,40006,40008,50000\n");
        assert_eq!(s.store().load().unwrap(), State::default());
        // Released twice: nothing more goes.
        assert_eq!(release_with(&s.store(), &s.sysctl()).unwrap(), Ports::default());
        assert_eq!(s.value(), "40003,40006,40008,50000\n");
    }

    /// Reserved ports someone takes out of the sysctl are put back, as
    /// ours, whatever else the new list holds; with nothing missing,
    /// nothing is written.
    #[test]
    fn reserved_ports_taken_out_are_put_back() {
        let s = Scratch::new();
        std::fs::write(s.0.join("sysctl"), "40003\n").unwrap();
        for name in ["40001", "40003", "127.0.0.1,40005"] {
            s.reserve(name);
        }
        sync_with(&s.store(), &s.sysctl(), &s.conf()).unwrap();
        assert_eq!(restore_with(&s.store(), &s.sysctl()).unwrap(), None);
        // `sysctl --system` with a list of its own.
        std::fs::write(s.0.join("sysctl"), "9999\n").unwrap();
        assert_eq!(
            restore_with(&s.store(), &s.sysctl()).unwrap(),
            Some(p("40001,40003,40005"))
        );
        assert_eq!(s.value(), "9999,40001,40003,40005\n");
        // 40003 is ours now: the administrator's entry went with the list.
        assert_eq!(s.store().load().unwrap().ours, p("40001,40003,40005"));
        assert_eq!(restore_with(&s.store(), &s.sysctl()).unwrap(), None);
    }

    /// While the reserve folder cannot be listed, what it last reserved
    /// stays known (and in the sysctl); a state file left by another
    /// network namespace with the same inode is not ours.
    #[test]
    fn what_was_reserved_outlives_an_unreadable_folder_and_no_other_namespace_inherits_it() {
        let s = Scratch::new();
        std::fs::write(s.0.join("sysctl"), "").unwrap();
        s.reserve("40001");
        sync_with(&s.store(), &s.sysctl(), &s.conf()).unwrap();
        for i in 0..=MAX_RESERVATIONS {
            s.reserve(&format!("10.{}.{}.{},40100", i >> 16, (i >> 8) & 255, i & 255));
        }
        assert!(sync_with(&s.store(), &s.sysctl(), &s.conf()).is_err());
        let st = s.store().load().unwrap();
        assert_eq!((st.known, st.ours), (Some(p("40001")), p("40001")));
        assert!(st.error.is_some_and(|e| e.contains("more than")));
        assert_eq!(s.value(), "40001\n");
        // Another namespace, the same inode: none of this is its own.
        assert_eq!(s.store_in(Some(2)).load().unwrap(), State::default());
        assert_eq!(
            release_with(&s.store_in(Some(2)), &s.sysctl()).unwrap(),
            Ports::default()
        );
        assert_eq!(s.value(), "40001\n");
    }

    /// The kernel's own file, in a network namespace of this test
    /// thread's own: additions written at offset 1 keep every entry; a
    /// list longer than a page is taken whole, in pieces.
    #[test]
    #[ignore = "needs root: a network namespace"]
    fn the_kernels_file_takes_additions_and_long_lists() {
        std::thread::spawn(|| {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
            let sysctl = Sysctl::here();
            assert_eq!(sysctl.read().unwrap(), Ports::default());
            // Every other port from 20001 to 39999: some 60 kB.
            let admin = Ports((20001..=39999).step_by(2).collect());
            sysctl.replace(&admin, &Ports::default()).unwrap();
            assert_eq!(sysctl.read().unwrap(), admin);
            sysctl.add(&admin, &p("40001,40003-40005")).unwrap();
            let added = admin.or(&p("40001,40003-40005"));
            assert_eq!(sysctl.read().unwrap(), added);
            // Reserved ports first; the rest in later pieces.
            let value = added.minus(&p("40004"));
            sysctl.replace(&value, &p("40001,40003,40005")).unwrap();
            assert_eq!(sysctl.read().unwrap(), value);
            sysctl.replace(&Ports::default(), &Ports::default()).unwrap();
            assert_eq!(sysctl.read().unwrap(), Ports::default());
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_failed_update_is_written_down_and_changes_nothing_of_ours() {
        let s = Scratch::new();
        std::fs::write(s.0.join("sysctl"), "7\n").unwrap();
        s.reserve("5432");
        sync_with(&s.store(), &s.sysctl(), &s.conf()).unwrap();
        // A sysctl that cannot be understood is not written.
        std::fs::write(s.0.join("sysctl"), "5432,junk\n").unwrap();
        let e = sync_with(&s.store(), &s.sysctl(), &s.conf()).unwrap_err();
        assert!(e.to_string().contains("not a list of ports"), "{e}");
        assert_eq!(s.value(), "5432,junk\n");
        let state = s.store().load().unwrap();
        assert_eq!(state.ours, p("5432"));
        assert!(state.error.is_some_and(|e| e.contains("not a list of ports")));
        // The next update that works clears the failure.
        std::fs::write(s.0.join("sysctl"), "5432,7\n").unwrap();
        sync_with(&s.store(), &s.sysctl(), &s.conf()).unwrap();
        assert_eq!(s.store().load().unwrap().error, None);
    }
}
