//! The kernel's `access(X_OK)` answer for a user, as the helper gets it:
//! for the user running the tool, the very call the helper makes
//! (`grant::ConfDir`, `faccessat` with the real credentials); for anyone
//! else (root only), the same question to a child process that has taken
//! that user's file-access identity (`syscalls::asuser`: the user cannot
//! signal it, and each answer must come within [`ANSWER_PATIENCE`]).
//! Answers are cached.

use crate::error::AdminError;
use crate::who::Creds;
use model::Errno;
use policy::PolicyFs;
use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;
use syscalls::asuser::{AccessAs, Credentials};

/// How long the child asking the kernel as another user may take to
/// start or to answer one question (microseconds, normally) before it is
/// killed and the run fails: far less than the policy lock's patience,
/// so that a stalled child never keeps the lock from other runs for long.
pub const ANSWER_PATIENCE: Duration = Duration::from_secs(5);

/// Asks the kernel whether `who` may execute `path` (relative to the
/// configuration folder, or absolute).
pub trait Oracle {
    fn access_x(&mut self, who: &Creds, path: &str) -> Result<(), Errno>;
    /// Why an answer could not be had, if one could not (the answer given
    /// then was a refusal, and the caller must not trust it).
    fn broken(&self) -> Option<&AdminError>;
    /// [`Oracle::broken`], handed over (the oracle then starts afresh).
    fn take_broken(&mut self) -> Option<AdminError>;
}

pub struct Kernel {
    conf: grant::ConfDir,
    dir: OwnedFd,
    own: Creds,
    root: bool,
    child: Option<(Creds, AccessAs)>,
    /// [`ANSWER_PATIENCE`] (shorter in tests).
    patience: Duration,
    cache: HashMap<(Creds, String), Result<(), Errno>>,
    broken: Option<AdminError>,
}

/// This process's real uid, real gid and supplementary groups.
pub fn own_creds() -> Creds {
    let groups = nix::unistd::getgroups()
        .map(|g| g.into_iter().map(|g| g.as_raw()).collect())
        .unwrap_or_default();
    Creds::new(nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw(), groups)
}

pub fn am_root() -> bool {
    nix::unistd::geteuid().is_root()
}

impl Kernel {
    /// For the configuration folder at `confdir`.
    pub fn open(confdir: &str) -> Result<Kernel, AdminError> {
        let conf = grant::ConfDir::open_at(confdir).map_err(|e| AdminError::errno(confdir, e))?;
        let flags = nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC;
        let dir = nix::fcntl::open(confdir, flags, nix::sys::stat::Mode::empty())
            .map_err(|e| AdminError::errno(confdir, Errno(e as i32)))?;
        Ok(Kernel {
            conf,
            dir,
            own: own_creds(),
            root: am_root(),
            child: None,
            patience: ANSWER_PATIENCE,
            cache: HashMap::new(),
            broken: None,
        })
    }

    pub fn own(&self) -> &Creds {
        &self.own
    }

    fn ask_child(&mut self, who: &Creds, path: &str) -> Result<(), Errno> {
        if self.broken.is_some() {
            // The run fails anyway: start no child and wait for none (a
            // stalled child would cost the patience again and again).
            self.child = None;
            return Err(Errno::EIO);
        }
        if self.child.as_ref().is_none_or(|(c, _)| c != who) {
            // One child at a time: the previous one ends first.
            self.child = None;
            let creds = Credentials {
                uid: who.uid,
                gid: who.gid,
                groups: &who.groups,
            };
            match AccessAs::start(self.dir.as_fd().into(), &creds, self.patience) {
                Ok(c) => self.child = Some((who.clone(), c)),
                Err(e) => {
                    let e = conversation_failed(who.uid, "cannot take its credentials", e, self.patience);
                    self.broken = Some(e);
                    return Err(Errno::EPERM);
                }
            }
        }
        let (_, child) = self.child.as_mut().ok_or(Errno::EIO)?;
        match child.access_x(path.as_bytes()) {
            Ok(answer) => answer,
            Err(e) => {
                self.child = None;
                self.broken = Some(conversation_failed(who.uid, "asking it failed", e, self.patience));
                Err(Errno::EIO)
            }
        }
    }
}

/// Why the kernel could not be asked as `uid`; a child that did not answer
/// in time (ETIMEDOUT) is named as such.
fn conversation_failed(uid: u32, otherwise: &str, e: Errno, patience: Duration) -> AdminError {
    let why = if e == Errno::ETIMEDOUT {
        format!("its helper process stopped answering (killed after {patience:?})")
    } else {
        otherwise.to_string()
    };
    AdminError::errno(format!("the kernel could not be asked as uid {uid}: {why}"), e)
}

impl Oracle for Kernel {
    fn access_x(&mut self, who: &Creds, path: &str) -> Result<(), Errno> {
        let key = (who.clone(), path.to_string());
        if let Some(r) = self.cache.get(&key) {
            return *r;
        }
        let answer = if *who == self.own {
            // Exactly the helper's call, with our own real credentials.
            self.conf.access_x(path)
        } else if self.root {
            self.ask_child(who, path)
        } else {
            self.broken.get_or_insert(AdminError::NeedRoot(format!(
                "only root can ask the kernel for uid {} (you are uid {})",
                who.uid, self.own.uid
            )));
            Err(Errno::EPERM)
        };
        if self.broken.is_none() {
            self.cache.insert(key, answer);
        }
        answer
    }

    fn broken(&self) -> Option<&AdminError> {
        self.broken.as_ref()
    }

    fn take_broken(&mut self) -> Option<AdminError> {
        self.broken.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn own_answers_are_the_kernels() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x"), "").unwrap();
        std::fs::write(dir.path().join("n"), "").unwrap();
        std::fs::set_permissions(dir.path().join("x"), std::fs::Permissions::from_mode(0o100)).unwrap();
        std::fs::set_permissions(dir.path().join("n"), std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut k = Kernel::open(&dir.path().to_string_lossy()).unwrap();
        let me = k.own().clone();
        assert_eq!(k.access_x(&me, "x"), Ok(()));
        assert_eq!(k.access_x(&me, "missing"), Err(Errno::ENOENT));
        assert_eq!(k.access_x(&me, "x/y"), Err(Errno::ENOTDIR));
        // root's X_OK needs an x bit somewhere; anyone else needs theirs.
        assert_eq!(k.access_x(&me, "n"), Err(Errno::EACCES));
        assert!(k.broken().is_none());
        let other = Creds::new(me.uid.wrapping_add(4242), 4242, vec![]);
        let r = k.access_x(&other, "n");
        if am_root() {
            assert_eq!(r, Err(Errno::EACCES));
            assert!(k.broken().is_none());
        } else {
            assert_eq!(r, Err(Errno::EPERM));
            assert!(matches!(k.broken(), Some(AdminError::NeedRoot(_))));
        }
    }

    /// A child that stops answering (stopped here by root; the user cannot
    /// stop it) costs one patience: the question is answered as unknown
    /// (a refusal the oracle reports as broken, never a grant), with a
    /// clear reason, and no other child is started or waited for.
    #[test]
    fn a_child_that_stops_answering_breaks_the_oracle_within_its_patience() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x"), "").unwrap();
        std::fs::set_permissions(dir.path().join("x"), std::fs::Permissions::from_mode(0o111)).unwrap();
        let mut k = Kernel::open(&dir.path().to_string_lossy()).unwrap();
        k.patience = Duration::from_millis(300);
        let other = Creds::new(4242, 4242, vec![]);
        if !am_root() {
            // No child can be had: the oracle says so and starts none.
            assert_eq!(k.access_x(&other, "x"), Err(Errno::EPERM));
            assert!(matches!(k.take_broken(), Some(AdminError::NeedRoot(_))));
            assert!(k.child.is_none());
            return;
        }
        assert_eq!(k.access_x(&other, "x"), Ok(()));
        let pid = k.child.as_ref().map(|(_, c)| c.pid()).unwrap();
        syscalls::process::kill(pid, nix::libc::SIGSTOP).unwrap();
        let started = std::time::Instant::now();
        assert_eq!(k.access_x(&other, "x/.."), Err(Errno::EIO));
        assert_eq!(k.access_x(&Creds::new(4243, 4243, vec![]), "x"), Err(Errno::EIO));
        let took = started.elapsed();
        assert!(took < Duration::from_secs(3), "took {took:?}");
        let e = k.take_broken().expect("the oracle says it is broken").to_string();
        assert!(
            e.starts_with("the kernel could not be asked as uid 4242: its helper process stopped answering"),
            "{e}"
        );
        assert!(k.child.is_none());
        // Taken, the oracle starts afresh, with a new child (a question
        // not in the cache).
        assert_eq!(k.access_x(&other, "./x"), Ok(()));
        assert!(k.child.as_ref().is_some_and(|(_, c)| c.pid() != pid));
    }
}
