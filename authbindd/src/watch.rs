//! What makes the daemon reload: inotify on the configuration folder and
//! its three folders, on every other folder and file a compiled decision
//! depends on (symlink targets), and on /etc for `passwd` and `group`
//! (tools replace them by renaming, so the folder is watched, and the
//! files too, for edits in place); and what
//! makes it stop: its link pins being removed (`--detach`).

use model::Rule;
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, WatchDescriptor};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

const USER_DB: [&str; 2] = ["passwd", "group"];

#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    None,
    Policy,
    /// A link pin was removed.
    Pins,
}

pub struct Watch {
    inotify: Inotify,
    etc: Option<WatchDescriptor>,
    pins: Option<WatchDescriptor>,
}

fn policy_mask() -> AddWatchFlags {
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

impl Watch {
    /// Watches set before the tree is read, so that no change after the
    /// read goes unseen.
    pub fn new(pin_dir: &Path) -> Result<Watch, nix::errno::Errno> {
        let inotify = Inotify::init(InitFlags::IN_CLOEXEC | InitFlags::IN_NONBLOCK)?;
        let conf = PathBuf::from(buildcfg::CONFDIR);
        for dir in [
            conf.clone(),
            conf.join(Rule::ByPort.folder()),
            conf.join(Rule::ByAddr.folder()),
            conf.join(Rule::ByUid.folder()),
        ] {
            // A folder that is missing now is seen appearing in its parent.
            let _ = inotify.add_watch(&dir, policy_mask());
        }
        let etc = inotify
            .add_watch(
                "/etc",
                AddWatchFlags::IN_MOVED_TO
                    | AddWatchFlags::IN_CREATE
                    | AddWatchFlags::IN_CLOSE_WRITE
                    | AddWatchFlags::IN_MODIFY
                    | AddWatchFlags::IN_DELETE,
            )
            .ok();
        for file in USER_DB {
            let _ = inotify.add_watch(Path::new("/etc").join(file).as_path(), policy_mask());
        }
        let pins = inotify
            .add_watch(
                pin_dir,
                AddWatchFlags::IN_DELETE | AddWatchFlags::IN_DELETE_SELF | AddWatchFlags::IN_MOVED_FROM,
            )
            .ok();
        Ok(Watch { inotify, etc, pins })
    }

    /// Watches the inodes a compile depended on, through their `O_PATH`
    /// descriptors.
    pub fn add_inodes(&mut self, fds: &[OwnedFd]) {
        for fd in fds {
            let path = format!("/proc/self/fd/{}", fd.as_raw_fd());
            let _ = self.inotify.add_watch(path.as_str(), policy_mask());
        }
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.inotify.as_fd()
    }

    /// The strongest change among the waiting events.
    pub fn read(&mut self) -> Change {
        let mut change = Change::None;
        while let Ok(events) = self.inotify.read_events() {
            if events.is_empty() {
                break;
            }
            for e in events {
                let name = e.name.as_ref().map(|n| n.to_string_lossy().into_owned());
                if Some(e.wd) == self.pins {
                    let link = name
                        .as_deref()
                        .is_some_and(|n| n == buildcfg::PIN_BIND4 || n == buildcfg::PIN_BIND6);
                    if link || e.mask.contains(AddWatchFlags::IN_DELETE_SELF) {
                        change = Change::Pins;
                    }
                } else if Some(e.wd) == self.etc {
                    if name.as_deref().is_some_and(|n| USER_DB.contains(&n)) && change == Change::None {
                        change = Change::Policy;
                    }
                } else if change == Change::None && !e.mask.contains(AddWatchFlags::IN_IGNORED) {
                    change = Change::Policy;
                }
            }
        }
        change
    }
}
