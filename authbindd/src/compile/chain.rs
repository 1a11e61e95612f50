//! What looking up one flag file (or several, in authbind's order) means
//! for every user: a set of checks that must all pass, else the helper
//! refuses (EACCES on the way, or on the file), and how the lookup ends
//! when they do. Order does not matter within a chain: any failed check
//! is a refusal, whichever it is.

use super::check::Check;
use model::FileName;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The name is absent (ENOENT): authbind goes on to the next one.
    Continue,
    /// The file is there: granted (the checks include the file's own).
    Grant(FileName),
    /// The lookup fails otherwise (ENOTDIR, ELOOP…): refused.
    Refuse,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub checks: BTreeSet<Check>,
    pub end: End,
}

impl Chain {
    pub fn new(checks: BTreeSet<Check>, end: End) -> Chain {
        // A refusal does not depend on who asks: keep it in one form. A
        // check that everyone passes (x for owner, group and others, no
        // ACL, not noexec: the usual 0755 folders) decides nothing: left
        // out, so the programs do less for every bind.
        let checks = if end == End::Refuse {
            BTreeSet::new()
        } else {
            checks.into_iter().filter(|k| !k.always_passes()).collect()
        };
        Chain { checks, end }
    }

    pub fn refuse() -> Chain {
        Chain::new(BTreeSet::new(), End::Refuse)
    }

    /// This name, then `next` if this one is absent.
    pub fn then(self, next: Chain) -> Chain {
        if self.end != End::Continue {
            return self;
        }
        let mut checks = self.checks;
        checks.extend(next.checks);
        Chain::new(checks, next.end)
    }

    /// What the helper does for this user (the program's `run`).
    #[cfg(test)]
    pub fn decide(&self, uid: u32, gid: u32, member: impl Fn(u32) -> bool) -> End {
        if self.checks.iter().all(|c| c.allows(uid, gid, &member)) {
            self.end
        } else {
            End::Refuse
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(owner: u32, mode: u16) -> Check {
        Check {
            owner,
            group: owner,
            mode,
            flags: super::super::check::DIR,
        }
    }

    #[test]
    fn an_absent_name_passes_its_checks_on() {
        let folder = Chain::new([dir(0, 0o750)].into(), End::Continue);
        let file = Chain::new([dir(0, 0o711), dir(7, 0o500)].into(), End::Grant(FileName::ByAddrComma));
        // 0711 passes for everyone: not kept.
        assert_eq!(file.checks.len(), 1);
        let both = folder.clone().then(file);
        assert_eq!(both.checks.len(), 2);
        assert_eq!(both.decide(0, 0, |_| false), End::Grant(FileName::ByAddrComma));
        assert_eq!(both.decide(7, 0, |_| false), End::Grant(FileName::ByAddrComma));
        assert_eq!(both.decide(7, 7, |_| false), End::Refuse);
        assert_eq!(both.decide(8, 8, |_| false), End::Refuse);
        // A refusal stops the run, whatever follows.
        let stop = Chain::refuse().then(folder.clone());
        assert_eq!(stop, Chain::refuse());
        assert_eq!(folder.decide(1, 0, |_| false), End::Continue);
        // A folder the user may not search refuses at the first name.
        let closed = Chain::new([dir(0, 0o700)].into(), End::Continue);
        assert_eq!(closed.decide(1, 1, |_| false), End::Refuse);
    }
}
