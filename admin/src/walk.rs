//! One decision with every step recorded: `policy::decide_observed` over a
//! tree, and what the observer saw (each flag file checked, the byuid
//! file opened, each line judged).

use model::{Address, Decision, Errno, PolicyFile, Reservation};
use policy::{decide_observed, LineVerdict, Observer, OpenError, PolicyFs};

/// One thing the helper did on its way to the decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A reservation covering the bind, checked with `access(X_OK)`.
    Reservation {
        reservation: Reservation,
        result: Result<(), Errno>,
    },
    Flag {
        file: PolicyFile,
        result: Result<(), Errno>,
    },
    Byuid {
        file: PolicyFile,
        result: Result<(), OpenError>,
    },
    Line {
        number: u32,
        text: Vec<u8>,
        verdict: LineVerdict,
    },
}

#[derive(Default)]
struct Recorder(Vec<Step>);

impl Observer for Recorder {
    fn reservation(&mut self, reservation: &Reservation, result: Result<(), Errno>) {
        self.0.push(Step::Reservation {
            reservation: *reservation,
            result,
        });
    }
    fn flag_file(&mut self, file: &PolicyFile, result: Result<(), Errno>) {
        self.0.push(Step::Flag { file: *file, result });
    }
    fn byuid_file(&mut self, file: &PolicyFile, result: Result<(), OpenError>) {
        self.0.push(Step::Byuid { file: *file, result });
    }
    fn line(&mut self, number: u32, text: &[u8], verdict: LineVerdict) {
        self.0.push(Step::Line {
            number,
            text: text.to_vec(),
            verdict,
        });
    }
}

/// A decision and the steps that led to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Walk {
    pub addr: Address,
    pub port: u16,
    pub steps: Vec<Step>,
    pub decision: Decision,
}

/// Decides `addr`:`port` for `uid` over `fs`, recording each step.
pub fn walk<F: PolicyFs>(fs: &mut F, uid: u32, addr: Address, port: u16) -> Walk {
    let mut rec = Recorder::default();
    let decision = decide_observed(fs, uid, &addr, port, &mut rec);
    Walk {
        addr,
        port,
        steps: rec.0,
        decision,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::{FileName, Reason};
    use policy::memfs::MemFs;

    #[test]
    fn every_step_is_recorded() {
        let mut fs = MemFs::new().text("byuid/7", "localhost,80\n::1,80\n127.0.0.1,80\n");
        let w = walk(&mut fs, 7, Address::V4([127, 0, 0, 1]), 80);
        assert_eq!(w.steps.len(), 3 + 1 + 3);
        assert!(matches!(w.steps[0], Step::Flag { file, result: Err(Errno::ENOENT) } if file.name == FileName::ByPort));
        assert!(matches!(w.steps[3], Step::Byuid { result: Ok(()), .. }));
        assert!(matches!(
            &w.steps[6],
            Step::Line {
                number: 3,
                verdict: LineVerdict::Grants,
                ..
            }
        ));
        assert_eq!((w.decision.reason, w.decision.line), (Reason::LineMatched, 3));
    }
}
