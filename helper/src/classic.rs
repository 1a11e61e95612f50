//! authbind 2.1's helper protocol: arguments in, exit status out.

use crate::error::{status_for, HelperError};
use crate::Settled;
use policy::parse_classic;

/// The socket is fd 0; the answer is the exit status (0 or an errno).
/// `uid`: the real user, who asks.
pub fn run(args: &[&[u8]], uid: u32) -> Result<Settled, HelperError> {
    let target = parse_classic(args).ok_or(HelperError::ClassicUsage)?;
    let verdict = crate::settle_on(&target, crate::STDIN, None, uid);
    crate::say::no_privilege(&verdict, &target);
    let status = match verdict.outcome {
        model::Outcome::Bound => 0,
        _ => status_for(verdict.errno),
    };
    Ok(Settled {
        reply: None,
        target: Some(target),
        verdict,
        status,
        // libauthbind forks the program and execs us from the copy.
        caller: Some(syscalls::sock::parent_pid()),
        proto: syscalls::sock::protocol(crate::STDIN).ok(),
    })
}
