//! The audit lines kernel mode left out. The programs keep each user's
//! rate limit themselves, before the ring (`audit_budget`, see
//! bpf/authbind.bpf.c): at most [`audit::GRANTS_PER_WINDOW`] grant
//! records per [`audit::GRANT_WINDOW_SECONDS`] and
//! [`audit::REFUSALS_PER_WINDOW`] refusals by a reservation per
//! [`audit::WINDOW_SECONDS`], the helper's limits, so that one user's
//! flood can neither fill the ring nor crowd out another user's record.
//! Each budget counts the records it left out, for good (`suppressed`).
//!
//! The daemon reads the budgets and says each count's growth in one
//! `SUPPRESSED=` line once a window that left records out has ended
//! (the windows are the programs': aligned on CLOCK_MONOTONIC, index =
//! ns / length; the programs read its coarse form, a tick behind at most,
//! so a count said for a window just ended may grow by a record or two,
//! said in the next line), and adds it to the tally. What it has said is kept in
//! `audit_said`, pinned beside the budgets, so that neither a reload nor
//! a new daemon says a count twice or leaves one unsaid.

use std::collections::{BTreeMap, BTreeSet};

/// The two kinds of line a user has a budget for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Grants,
    /// Refusals by a reservation.
    Refusals,
}

impl Kind {
    /// The kind of the outcome code (`EV_*`) a budget is kept for.
    pub fn of(outcome: u32) -> Option<Kind> {
        match outcome {
            authbind_bpf_abi::EV_GRANTED => Some(Kind::Grants),
            authbind_bpf_abi::EV_REFUSED => Some(Kind::Refusals),
            _ => None,
        }
    }

    pub fn outcome(self) -> u32 {
        match self {
            Kind::Grants => authbind_bpf_abi::EV_GRANTED,
            Kind::Refusals => authbind_bpf_abi::EV_REFUSED,
        }
    }

    fn window_seconds(self) -> u64 {
        match self {
            Kind::Grants => audit::GRANT_WINDOW_SECONDS,
            Kind::Refusals => audit::WINDOW_SECONDS,
        }
    }
}

/// A window's length on the programs' clock.
pub fn window_ns(seconds: u64) -> u64 {
    seconds.saturating_mul(1_000_000_000)
}

/// One user's lines of one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub uid: u32,
    pub kind: Kind,
}

/// What the daemon reads of a budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counted {
    /// When the programs made it (a budget evicted and made anew counts
    /// from 0 again).
    pub born: u64,
    /// The records it left out since.
    pub suppressed: u64,
    /// The window of the last one.
    pub last: u64,
}

/// How much of a budget's count the daemon has said.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Said {
    pub born: u64,
    pub said: u64,
}

/// The records of `c` not yet said (`said`: what was said of it).
fn unsaid(c: &Counted, said: Option<Said>) -> u64 {
    let base = match said {
        Some(s) if s.born == c.born => s.said,
        // Nothing said of this budget: a budget made anew starts from 0.
        _ => 0,
    };
    c.suppressed.saturating_sub(base)
}

/// How many of `c`'s records to say in window `now` (of its kind), if
/// any: the unsaid ones, once a window that left some out has ended: the
/// window of the last one, or `first_seen`, the window in which the
/// daemon first saw some of them (a flood that goes on into the next
/// window is said once a window, not only when it stops).
pub fn due(c: &Counted, said: Option<Said>, first_seen: u64, now: u64) -> Option<u64> {
    let n = unsaid(c, said);
    (n > 0 && (c.last < now || first_seen < now)).then_some(n)
}

/// One `SUPPRESSED=` line to write, and what is then said of its budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    pub key: Key,
    pub suppressed: u64,
    pub said: Said,
}

/// The daemon's side: what it said of each budget, and in which window
/// it first saw the unsaid records of each.
#[derive(Default)]
pub struct Suppressions {
    said: BTreeMap<Key, Said>,
    first_seen: BTreeMap<Key, u64>,
}

impl Suppressions {
    /// As the pinned `audit_said` has it (a reload or a new daemon goes on
    /// where the last one was).
    pub fn new(said: impl IntoIterator<Item = (Key, Said)>) -> Suppressions {
        Suppressions {
            said: said.into_iter().collect(),
            first_seen: BTreeMap::new(),
        }
    }

    /// The lines due at `now_ns` (CLOCK_MONOTONIC) for the budgets read
    /// now, each then taken as said. Budgets no longer there (evicted)
    /// are forgotten.
    pub fn due(&mut self, budgets: &[(Key, Counted)], now_ns: u64) -> Vec<Summary> {
        let mut out = Vec::new();
        let mut first_seen = BTreeMap::new();
        for (key, c) in budgets {
            let now = now_ns / window_ns(key.kind.window_seconds()).max(1);
            let said = self.said.get(key).copied();
            let first = self.first_seen.get(key).copied().unwrap_or(now);
            match due(c, said, first, now) {
                Some(n) => {
                    let said = Said {
                        born: c.born,
                        said: c.suppressed,
                    };
                    self.said.insert(*key, said);
                    out.push(Summary {
                        key: *key,
                        suppressed: n,
                        said,
                    });
                }
                None if unsaid(c, said) > 0 => {
                    first_seen.insert(*key, first);
                }
                None => {}
            }
        }
        self.first_seen = first_seen;
        let present: BTreeSet<Key> = budgets.iter().map(|(k, _)| *k).collect();
        self.said.retain(|k, _| present.contains(k));
        out
    }

    /// Every line not yet said, whether its window has ended or not (the
    /// daemon is stopping): as if it were the end of time, when every
    /// window has ended.
    pub fn all(&mut self, budgets: &[(Key, Counted)]) -> Vec<Summary> {
        self.due(budgets, u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: u64 = audit::GRANT_WINDOW_SECONDS * 1_000_000_000;

    fn key(uid: u32) -> Key {
        Key {
            uid,
            kind: Kind::Grants,
        }
    }

    fn counted(suppressed: u64, last: u64) -> Counted {
        Counted {
            born: 7,
            suppressed,
            last,
        }
    }

    #[test]
    fn a_count_is_said_once_its_window_ended_and_only_its_growth() {
        let mut s = Suppressions::default();
        // Window 100: 1500 floods, 1501 binds within its budget.
        let read = [(key(1500), counted(1000, 100)), (key(1501), counted(0, 0))];
        assert_eq!(s.due(&read, 100 * W + 5), []);
        // The window ended: 1500's count is said, 1501 has none.
        let due = s.due(&read, 101 * W);
        assert_eq!(
            due,
            [Summary {
                key: key(1500),
                suppressed: 1000,
                said: Said { born: 7, said: 1000 }
            }]
        );
        // Nothing more left out: nothing more said.
        assert_eq!(s.due(&read, 102 * W), []);
        // More later: only the growth.
        let read = [(key(1500), counted(1300, 103))];
        assert_eq!(s.due(&read, 103 * W + 1), []);
        assert_eq!(s.due(&read, 104 * W)[0].suppressed, 300);
    }

    #[test]
    fn a_flood_that_goes_on_is_said_once_a_window() {
        let mut s = Suppressions::default();
        // Seen in window 100; at each read the flood is in the current
        // window (`last` is always now).
        assert_eq!(s.due(&[(key(1500), counted(500, 100))], 100 * W + 1), []);
        let due = s.due(&[(key(1500), counted(900, 101))], 101 * W + 1);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].suppressed, 900);
        assert_eq!(s.due(&[(key(1500), counted(950, 101))], 101 * W + 2), []);
        assert_eq!(
            s.due(&[(key(1500), counted(1400, 102))], 102 * W + 1)[0].suppressed,
            500
        );
    }

    #[test]
    fn a_new_daemon_goes_on_from_what_was_said_and_a_new_budget_from_zero() {
        // The pinned audit_said: 1000 of the budget born at 7 said.
        let mut s = Suppressions::new([(key(1500), Said { born: 7, said: 1000 })]);
        assert_eq!(s.due(&[(key(1500), counted(1000, 100))], 200 * W), []);
        assert_eq!(s.due(&[(key(1500), counted(1040, 100))], 200 * W)[0].suppressed, 40);
        // Evicted and made anew (born later): its whole count is new.
        let anew = Counted {
            born: 9,
            suppressed: 30,
            last: 300,
        };
        assert_eq!(s.due(&[(key(1500), anew)], 301 * W)[0].suppressed, 30);
        // Stopping: what a window that has not ended left out is said too.
        let later = Counted {
            born: 9,
            suppressed: 45,
            last: 301,
        };
        assert_eq!(s.due(&[(key(1500), later)], 301 * W + 1), []);
        assert_eq!(s.all(&[(key(1500), later)])[0].suppressed, 15);
        assert_eq!(s.all(&[(key(1500), later)]), []);
        // A budget gone from the map is forgotten.
        assert_eq!(s.due(&[], 302 * W), []);
        assert!(s.said.is_empty());
    }

    #[test]
    fn refusals_have_their_own_windows() {
        let mut s = Suppressions::default();
        let refusals = Key {
            uid: 1500,
            kind: Kind::Refusals,
        };
        let rw = audit::WINDOW_SECONDS * 1_000_000_000;
        let read = [(refusals, counted(5, 10)), (key(1500), counted(3, 10 * rw / W))];
        // The grants' window (shorter) has ended, the refusals' not yet.
        let due = s.due(&read, 10 * rw + W);
        assert_eq!(due.iter().map(|d| d.key).collect::<Vec<_>>(), [key(1500)]);
        assert_eq!(s.due(&read, 11 * rw)[0].key, refusals);
        assert_eq!(Kind::of(Kind::Refusals.outcome()), Some(Kind::Refusals));
        assert_eq!(Kind::of(Kind::Grants.outcome()), Some(Kind::Grants));
        assert_eq!(Kind::of(9), None);
    }
}
