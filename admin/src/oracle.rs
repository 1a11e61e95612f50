//! The kernel's `access(X_OK)` answer for a user, as the helper gets it:
//! for the user running the tool, the very call the helper makes
//! (`grant::ConfDir`, `faccessat` with the real credentials); for anyone
//! else (root only), the same call from a child process that has taken
//! that user's credentials (`syscalls::asuser`). Answers are cached.

use crate::error::AdminError;
use crate::who::Creds;
use model::Errno;
use policy::PolicyFs;
use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd};
use syscalls::asuser::{AccessAs, Credentials};

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
            cache: HashMap::new(),
            broken: None,
        })
    }

    pub fn own(&self) -> &Creds {
        &self.own
    }

    fn ask_child(&mut self, who: &Creds, path: &str) -> Result<(), Errno> {
        if self.child.as_ref().is_none_or(|(c, _)| c != who) {
            // One child at a time: the previous one ends first.
            self.child = None;
            let creds = Credentials {
                uid: who.uid,
                gid: who.gid,
                groups: &who.groups,
            };
            match AccessAs::start(self.dir.as_fd().into(), &creds) {
                Ok(c) => self.child = Some((who.clone(), c)),
                Err(e) => {
                    self.broken.get_or_insert(AdminError::errno(
                        format!("cannot take the credentials of uid {} to ask the kernel", who.uid),
                        e,
                    ));
                    return Err(Errno::EPERM);
                }
            }
        }
        let (_, child) = self.child.as_mut().ok_or(Errno::EIO)?;
        match child.access_x(path.as_bytes()) {
            Ok(answer) => answer,
            Err(e) => {
                self.child = None;
                self.broken
                    .get_or_insert(AdminError::errno(format!("asking the kernel as uid {}", who.uid), e));
                Err(Errno::EIO)
            }
        }
    }
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
}
