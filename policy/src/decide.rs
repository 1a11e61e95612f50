//! The decision procedure of authbind 2.1's helper, in its order:
//! byport, then byaddr (every name form), then byuid; after the
//! reservations, which authbind 2.1 does not have (see reserved.rs).

use crate::byuid::ByuidRead;
use crate::byuid::{for_each_chunk, ReadEnd};
use crate::line::{LineMeaning, LineVerdict};
use alloc::string::ToString;
use core::ops::ControlFlow;
use model::{flag_files, Address, Decision, Errno, FileName, IgnoredLine, PolicyFile, Reason, Reservation};

/// Why a byuid file could not be read as one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenError {
    /// Opening it failed with this errno (ENOENT: there is none).
    Failed(Errno),
    /// It is a folder: authbind opens it, then fails to read it (EISDIR).
    Directory,
    /// A FIFO, a device or a socket: never opened for reading (authbind
    /// would hang on a FIFO).
    NotRegular,
}

/// How the procedure sees the configuration folder. Paths are relative to
/// it (`byport/80`).
pub trait PolicyFs {
    type File: ByuidRead;
    /// `access(path, X_OK)` as the real user, with the real user's groups.
    fn access_x(&mut self, path: &str) -> Result<(), Errno>;
    /// Opens a byuid file for reading (as root).
    fn open(&mut self, path: &str) -> Result<Self::File, OpenError>;
    /// Calls `each` with the name of every entry of the `reserve` folder
    /// (read as root: the names say which ports are kept, not for whom),
    /// until it breaks. ENOENT or ENOTDIR: there is no such folder.
    fn reservations(&mut self, each: &mut dyn FnMut(&str) -> ControlFlow<()>) -> Result<(), Errno>;
}

/// Sees each step of a decision, for `authbind-policy explain`. Every
/// method has a default that ignores it.
pub trait Observer {
    /// A flag file was checked with `access(X_OK)`.
    fn flag_file(&mut self, _file: &PolicyFile, _result: Result<(), Errno>) {}
    /// The byuid file was opened (or not).
    fn byuid_file(&mut self, _file: &PolicyFile, _result: Result<(), OpenError>) {}
    /// One line (one `fgets` chunk) of the byuid file was judged.
    fn line(&mut self, _number: u32, _text: &[u8], _verdict: LineVerdict) {}
    /// A reservation covering the request was checked with `access(X_OK)`.
    fn reservation(&mut self, _reservation: &Reservation, _result: Result<(), Errno>) {}
}

/// An observer that sees nothing.
pub struct Unobserved;
impl Observer for Unobserved {}

/// May real user `uid` bind `addr`:`port`?
pub fn decide<F: PolicyFs>(fs: &mut F, uid: u32, addr: &Address, port: u16) -> Decision {
    decide_observed(fs, uid, addr, port, &mut Unobserved)
}

fn refusal(file: FileName, reason: Reason, errno: Errno) -> Decision {
    Decision {
        file,
        reason,
        errno,
        line: 0,
        ignored: None,
        reservation: None,
    }
}

/// [`decide`], telling `observer` each step.
pub fn decide_observed<F: PolicyFs, O: Observer>(
    fs: &mut F,
    uid: u32,
    addr: &Address,
    port: u16,
    observer: &mut O,
) -> Decision {
    if let Some(decision) = crate::reserved::judge(fs, uid, addr, port, observer) {
        return decision;
    }
    let path = |name| PolicyFile {
        name,
        addr: *addr,
        port,
        uid,
    };
    for name in flag_files(addr.family()) {
        let file = path(name);
        let result = fs.access_x(&file.to_string());
        observer.flag_file(&file, result);
        match result {
            Ok(()) => {
                return Decision {
                    file: name,
                    reason: Reason::Executable,
                    errno: Errno(0),
                    line: 0,
                    ignored: None,
                    reservation: None,
                }
            }
            Err(Errno::ENOENT) => {}
            Err(Errno::EACCES) => return refusal(name, Reason::NotExecutable, Errno::EACCES),
            Err(e) => return refusal(name, Reason::CheckFailed, e),
        }
    }
    let file = path(FileName::ByUid);
    let opened = fs.open(&file.to_string());
    observer.byuid_file(&file, opened.as_ref().map(|_| ()).map_err(|e| *e));
    let reader = match opened {
        Ok(r) => r,
        Err(OpenError::Failed(Errno::ENOENT)) => return refusal(FileName::ByUid, Reason::NoByuidFile, Errno::EPERM),
        Err(OpenError::Failed(e)) => return refusal(FileName::ByUid, Reason::OpenFailed, e),
        Err(OpenError::Directory) => return refusal(FileName::ByUid, Reason::ReadFailed, Errno::EISDIR),
        Err(OpenError::NotRegular) => return refusal(FileName::ByUid, Reason::NotRegular, Errno::EINVAL),
    };
    let mut granting_line = None;
    let mut ignored = None;
    let read = for_each_chunk(reader, |number, chunk| {
        let meaning = LineMeaning::of(chunk);
        let verdict = meaning.verdict(addr, port);
        observer.line(number, chunk, verdict);
        if ignored.is_none() {
            ignored = meaning.mistake().map(|v| IgnoredLine {
                line: number,
                why: v.why,
            });
        }
        if verdict == LineVerdict::Grants {
            granting_line = Some(number);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    let mut decision = match (granting_line, read) {
        (Some(line), _) => Decision {
            file: FileName::ByUid,
            reason: Reason::LineMatched,
            errno: Errno(0),
            line,
            ignored: None,
            reservation: None,
        },
        (None, Ok(_)) => refusal(FileName::ByUid, Reason::NoMatchingLine, Errno::ENOENT),
        (None, Err(ReadEnd::Failed(e))) => refusal(FileName::ByUid, Reason::ReadFailed, e),
        (None, Err(ReadEnd::TooLarge)) => refusal(FileName::ByUid, Reason::TooLarge, Errno::EFBIG),
    };
    if !decision.granted() {
        decision.ignored = ignored;
    }
    decision
}
