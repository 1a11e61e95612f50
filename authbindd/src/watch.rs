//! What makes the daemon reload, and what makes it stop.
//!
//! One inotify instance for the daemon's life: a reload adds and removes
//! watches in place, so an event queued while the tree is read is read
//! after the reload, never dropped with an old instance. Watched:
//! - every folder entry the configuration folder's path resolves through
//!   (`etc` in `/`, `authbind` in `/etc`, each symlink on the way), for
//!   that name only: a symlink swapped with `ln -sfn`, a folder removed and
//!   made again, are seen and the path resolved again ([`crate::resolve`]);
//! - the configuration folder and its three folders, as they resolve now
//!   (any event);
//! - every other inode a compiled decision depends on (symlink ends, the
//!   folders on their way, byuid links' ends), through the compile's
//!   `O_PATH` descriptors: their watches are added after the compile read
//!   them, so one that was not watched before and changed since the reload
//!   began (its ctime says) makes the daemon reload once more;
//! - `passwd` and `group` in /etc (tools replace them by renaming), and the
//!   files themselves (edits in place);
//! - the mounts on or above those paths and the inodes read
//!   ([`crate::mountwatch`]);
//! - the daemon's pin folder: its links being removed (`--detach`) stop it.

use crate::mountwatch::{self, MountWatch};
use crate::resolve::resolve;
use model::Rule;
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, WatchDescriptor};
use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const USER_DB: [&str; 2] = ["passwd", "group"];

/// How far an inode's ctime may lag the clock (timestamps are taken from
/// a clock that is coarser than the one read here).
const CTIME_SLACK: Duration = Duration::from_millis(20);

/// What the waiting events say.
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
pub struct Change {
    /// The tree, the user database or a mount changed: reload.
    pub policy: bool,
    /// A link pin was touched (removed by `--detach`?).
    pub pins: bool,
}

impl Change {
    const POLICY: Change = Change {
        policy: true,
        pins: false,
    };

    fn or(self, other: Change) -> Change {
        Change {
            policy: self.policy | other.policy,
            pins: self.pins | other.pins,
        }
    }
}

/// What one watch (one inode) is for.
#[derive(Debug, Default, Clone)]
struct Role {
    /// Any event.
    tree: bool,
    /// Events of these names in the folder.
    names: BTreeSet<OsString>,
    /// The pin folder.
    pins: bool,
}

impl Role {
    fn merge(&mut self, other: &Role) {
        self.tree |= other.tree;
        self.pins |= other.pins;
        self.names.extend(other.names.iter().cloned());
    }
}

/// The watches being set by a reload, from [`Watch::arm`] to
/// [`Watch::settle`].
pub struct Armed {
    roles: HashMap<WatchDescriptor, Role>,
    /// When the reload began, as inode timestamps count.
    began: Duration,
    /// The paths the tree is reached through (for the mounts).
    paths: Vec<PathBuf>,
}

pub struct Watch {
    inotify: Inotify,
    mounts: Option<MountWatch>,
    pin_dir: PathBuf,
    roles: HashMap<WatchDescriptor, Role>,
    /// The paths the tree was read through, for the mounts.
    paths: Vec<PathBuf>,
}

fn mask() -> AddWatchFlags {
    AddWatchFlags::IN_ATTRIB
        | AddWatchFlags::IN_CREATE
        | AddWatchFlags::IN_DELETE
        | AddWatchFlags::IN_DELETE_SELF
        | AddWatchFlags::IN_MODIFY
        | AddWatchFlags::IN_MOVE_SELF
        | AddWatchFlags::IN_MOVED_FROM
        | AddWatchFlags::IN_MOVED_TO
        | AddWatchFlags::IN_CLOSE_WRITE
}

fn now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

impl Watch {
    pub fn new(pin_dir: &Path) -> Result<Watch, nix::errno::Errno> {
        Ok(Watch {
            inotify: Inotify::init(InitFlags::IN_CLOEXEC | InitFlags::IN_NONBLOCK)?,
            mounts: MountWatch::open(),
            pin_dir: pin_dir.to_path_buf(),
            roles: HashMap::new(),
            paths: Vec::new(),
        })
    }

    /// Watches `target` (all with one mask, so that one inode watched for
    /// two reasons keeps both) for `role`.
    fn add(&self, roles: &mut HashMap<WatchDescriptor, Role>, target: &Path, role: Role) {
        // A missing one is seen appearing through its folder's watch.
        if let Ok(wd) = self.inotify.add_watch(target, mask()) {
            roles.entry(wd).or_default().merge(&role);
        }
    }

    /// Before the tree is read: watches on every name and folder it is
    /// reached through as it resolves now, so that no later change of them
    /// goes unseen.
    pub fn arm(&mut self) -> Armed {
        let began = now().saturating_sub(CTIME_SLACK);
        if let Some(m) = &mut self.mounts {
            m.arm();
        }
        let mut roles = HashMap::new();
        let named = |name: &OsString| Role {
            names: BTreeSet::from([name.clone()]),
            ..Role::default()
        };
        let tree = Role {
            tree: true,
            ..Role::default()
        };
        let conf = resolve(Path::new(buildcfg::CONFDIR));
        let mut paths = Vec::new();
        for (dir, name) in &conf.lookups {
            self.add(&mut roles, dir, named(name));
            paths.push(dir.join(name));
        }
        paths.push(conf.end.clone());
        let conf_dir = PathBuf::from(buildcfg::CONFDIR);
        self.add(&mut roles, &conf_dir, tree.clone());
        for rule in [Rule::ByPort, Rule::ByAddr, Rule::ByUid] {
            self.add(&mut roles, &conf_dir.join(rule.folder()), tree.clone());
        }
        for file in USER_DB {
            let name = OsString::from(file);
            let path = Path::new("/etc").join(file);
            self.add(&mut roles, Path::new("/etc"), named(&name));
            self.add(&mut roles, &path, tree.clone());
            paths.push(path);
        }
        let pins = Role {
            pins: true,
            ..Role::default()
        };
        self.add(&mut roles, &self.pin_dir.clone(), pins);
        Armed { roles, began, paths }
    }

    /// After the tree was read (`fds`: what the compile depended on;
    /// `None` if it failed, and the old watches stay): adds their watches,
    /// removes those nothing depends on any more. Says whether an inode
    /// watched only now changed after the reload began: the compile may
    /// have read it before that change, so the caller reloads again.
    pub fn settle(&mut self, armed: Armed, fds: Option<&[OwnedFd]>) -> bool {
        let Armed {
            mut roles,
            began,
            mut paths,
        } = armed;
        let tree = Role {
            tree: true,
            ..Role::default()
        };
        let mut changed_unwatched = false;
        match fds {
            Some(fds) => {
                for fd in fds {
                    let proc_path = format!("/proc/self/fd/{}", fd.as_raw_fd());
                    let Ok(wd) = self.inotify.add_watch(proc_path.as_str(), mask()) else {
                        continue;
                    };
                    let new = !self.roles.contains_key(&wd) && !roles.contains_key(&wd);
                    roles.entry(wd).or_default().merge(&tree);
                    if new && changed_since(fd.as_fd(), began) {
                        changed_unwatched = true;
                    }
                    paths.extend(mountwatch::path_of(fd.as_fd()));
                }
            }
            None => {
                for (wd, role) in &self.roles {
                    roles.entry(*wd).or_default().merge(role);
                }
                paths.extend(self.paths.iter().cloned());
            }
        }
        for wd in self.roles.keys() {
            if !roles.contains_key(wd) {
                // Its events still queued are read as a change (unknown
                // watch): one reload too many at worst.
                let _ = self.inotify.rm_watch(*wd);
            }
        }
        self.roles = roles;
        paths.sort();
        paths.dedup();
        if let Some(m) = &mut self.mounts {
            m.settle(&paths);
        }
        self.paths = paths;
        changed_unwatched
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.inotify.as_fd()
    }

    /// /proc/self/mountinfo, to poll for POLLPRI.
    pub fn mounts_fd(&self) -> Option<BorrowedFd<'_>> {
        self.mounts.as_ref().map(MountWatch::fd)
    }

    /// After POLLPRI on [`Watch::mounts_fd`].
    pub fn read_mounts(&self) -> Change {
        match &self.mounts {
            Some(m) if m.changed(&self.paths) => Change::POLICY,
            _ => Change::default(),
        }
    }

    /// What the waiting events say, together. At most some 64 reads of
    /// them at a time: a folder that never stops changing must not keep
    /// the daemon from its signals (what is left wakes the next poll).
    pub fn read(&mut self) -> Change {
        let mut change = Change::default();
        for _ in 0..64 {
            let Ok(events) = self.inotify.read_events() else { break };
            if events.is_empty() {
                break;
            }
            for e in events {
                change = change.or(self.judge(&e));
            }
        }
        change
    }

    fn judge(&self, e: &nix::sys::inotify::InotifyEvent) -> Change {
        let ignored = e.mask.contains(AddWatchFlags::IN_IGNORED);
        let Some(role) = self.roles.get(&e.wd) else {
            // A queue overflow (no watch), or a watch just removed.
            return Change {
                policy: !ignored,
                pins: false,
            };
        };
        let link = e
            .name
            .as_ref()
            .is_some_and(|n| n == buildcfg::PIN_BIND4 || n == buildcfg::PIN_BIND6);
        Change {
            policy: !ignored && (role.tree || e.name.as_ref().is_some_and(|n| role.names.contains(n))),
            pins: role.pins && (link || e.mask.contains(AddWatchFlags::IN_DELETE_SELF)),
        }
    }
}

/// Whether the inode of `fd` changed (its ctime) at or after `since`.
fn changed_since(fd: BorrowedFd<'_>, since: Duration) -> bool {
    match nix::sys::stat::fstat(fd) {
        Ok(st) => {
            let ctime = Duration::new(st.st_ctime.max(0) as u64, st.st_ctime_nsec.clamp(0, 999_999_999) as u32);
            ctime >= since
        }
        Err(_) => true,
    }
}
