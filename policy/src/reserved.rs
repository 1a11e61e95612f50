//! The step authbind 2.1 does not have, taken before its own: the
//! reservations that cover a bind (`reserve/PORT`, `reserve/ADDR,PORT`).
//! One that does not let the caller execute it refuses (the port is
//! someone else's); when every one lets it, a port below 1024 is granted
//! (owning a port includes binding it). With none, authbind's rules
//! decide, as if the folder were not there.

use crate::decide::{Observer, PolicyFs};
use alloc::string::ToString;
use alloc::vec::Vec;
use core::ops::ControlFlow;
use model::{Address, Decision, Errno, FileName, Reason, Reservation, MAX_RESERVATIONS};

/// The first port the kernel lets anyone bind (ip_unprivileged_port_start's
/// default): an owner is granted below it, and left to the kernel above.
pub const FIRST_UNPRIVILEGED_PORT: u16 = 1024;

/// Why the reservations cannot be known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unlisted {
    /// The folder cannot be read (not ENOENT nor ENOTDIR: those mean no
    /// reservations).
    Unreadable(Errno),
    /// It holds more than [`MAX_RESERVATIONS`] names (more than any
    /// reading of the folder takes).
    TooMany,
}

/// The reservations of the folder, as the rule reads them (and kernel
/// mode compiles them): each name that is one is given to `each` (names
/// that are not reserve nothing); no folder (or something else than one
/// where it would be) reserves nothing.
pub fn list<F: PolicyFs>(fs: &mut F, each: &mut dyn FnMut(Reservation)) -> Result<(), Unlisted> {
    let mut seen = 0usize;
    let listed = fs.reservations(&mut |entry| {
        seen += 1;
        if seen > MAX_RESERVATIONS {
            return ControlFlow::Break(());
        }
        if let Ok(r) = Reservation::parse(entry) {
            each(r);
        }
        ControlFlow::Continue(())
    });
    match listed {
        Err(Errno::ENOENT | Errno::ENOTDIR) => Ok(()),
        Err(e) => Err(Unlisted::Unreadable(e)),
        Ok(()) if seen > MAX_RESERVATIONS => Err(Unlisted::TooMany),
        Ok(()) => Ok(()),
    }
}

/// What the reservations say about real user `uid` binding `addr`:`port`:
/// `None` when none covers it (or the caller is root, whom no reservation
/// refuses) and authbind's rules decide.
pub(crate) fn judge<F: PolicyFs, O: Observer>(
    fs: &mut F,
    uid: u32,
    addr: &Address,
    port: u16,
    observer: &mut O,
) -> Option<Decision> {
    if uid == 0 {
        return None;
    }
    let mut covering = Vec::new();
    let listed = list(fs, &mut |r| {
        if r.covers(addr, port) {
            covering.push(r);
        }
    });
    if listed.is_err() {
        // Whose the port is, is unknown. The safe answer is the one a
        // reservation for someone else gives.
        return Some(refusal(Reservation::port(port), Reason::CheckFailed));
    }
    covering.sort_by(Reservation::rank);
    covering.dedup();
    for r in &covering {
        let result = fs.access_x(&r.to_string());
        observer.reservation(r, result);
        if result.is_err() {
            return Some(refusal(*r, Reason::Reserved));
        }
    }
    let first = covering.first()?;
    (port < FIRST_UNPRIVILEGED_PORT).then(|| Decision {
        file: file_name(first),
        reason: Reason::Owner,
        errno: Errno(0),
        line: 0,
        ignored: None,
        reservation: Some(*first),
    })
}

fn file_name(r: &Reservation) -> FileName {
    match r.addr {
        None => FileName::ReservePort,
        Some(_) => FileName::ReserveAddr,
    }
}

/// A refusal by reservation `r`: whatever the cause, the program is told
/// EACCES, the kernel's own answer for a port it may not bind (and the
/// one kernel mode gives).
fn refusal(r: Reservation, reason: Reason) -> Decision {
    Decision {
        file: file_name(&r),
        reason,
        errno: Errno::EACCES,
        line: 0,
        ignored: None,
        reservation: Some(r),
    }
}
