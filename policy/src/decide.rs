//! The decision procedure of authbind 2.1's helper, in its order:
//! byport, then byaddr (every name form), then byuid.

use crate::addr::{uncompressed6, Address};
use crate::byuid::{scan_file, ScanEnd};
use std::io::BufRead;

/// errno values the procedure itself produces (Linux numbering).
pub mod errno {
    pub const EPERM: i32 = 1;
    pub const ENOENT: i32 = 2;
    pub const EFBIG: i32 = 27;
}

/// What is asked: may real user `uid` bind `addr`:`port`?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub uid: u32,
    pub addr: Address,
    pub port: u16,
}

/// Which rule settled the question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    ByPort,
    ByAddr,
    /// No byuid file for the user.
    ByUidMissing,
    /// The byuid file was read (or could not be).
    ByUid,
}

/// The answer, with the errno authbind's helper would exit with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Grant {
        rule: Rule,
        file: String,
    },
    Refuse {
        rule: Rule,
        errno: i32,
        file: String,
        fault: Option<Fault>,
    },
}

/// A refusal that is the configuration's fault, worth a message on stderr
/// (authbind prints one for these too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    ReadError,
    TooLarge,
}

/// How the procedure sees the configuration folder. Paths are relative to
/// it (`byport/80`). Errors are errno values.
pub trait PolicyFs {
    type File: BufRead;
    /// `access(path, X_OK)` as the real user.
    fn access_x(&mut self, path: &str) -> Result<(), i32>;
    /// Opens a byuid file for reading (as root).
    fn open(&mut self, path: &str) -> Result<Self::File, i32>;
}

/// The names authbind tries, in order, before falling back to byuid.
pub fn flag_files(req: &Request) -> Vec<(Rule, String)> {
    let bang = if req.port >= 512 { "!" } else { "" };
    let port = req.port;
    let text = req.addr.ntop();
    let mut names = vec![(Rule::ByPort, format!("byport/{bang}{port}"))];
    match req.addr {
        Address::V4(_) => {
            names.push((Rule::ByAddr, format!("byaddr/{bang}{text}:{port}")));
            names.push((Rule::ByAddr, format!("byaddr/{bang}{text},{port}")));
        }
        Address::V6(b) => {
            names.push((Rule::ByAddr, format!("byaddr/{bang}{text},{port}")));
            names.push((Rule::ByAddr, format!("byaddr/{bang}{},{port}", uncompressed6(&b))));
        }
    }
    names
}

/// The byuid file consulted last.
pub fn byuid_file(req: &Request) -> String {
    let bang = if req.port >= 512 { "!" } else { "" };
    format!("byuid/{bang}{}", req.uid)
}

pub fn decide<F: PolicyFs>(fs: &mut F, req: &Request) -> Decision {
    for (rule, file) in flag_files(req) {
        match fs.access_x(&file) {
            Ok(()) => return Decision::Grant { rule, file },
            Err(errno::ENOENT) => {}
            Err(errno) => {
                return Decision::Refuse {
                    rule,
                    errno,
                    file,
                    fault: None,
                }
            }
        }
    }
    let file = byuid_file(req);
    let reader = match fs.open(&file) {
        Ok(r) => r,
        Err(errno::ENOENT) => {
            return Decision::Refuse {
                rule: Rule::ByUidMissing,
                errno: errno::EPERM,
                file,
                fault: None,
            }
        }
        Err(errno) => {
            return Decision::Refuse {
                rule: Rule::ByUid,
                errno,
                file,
                fault: None,
            }
        }
    };
    match scan_file(reader, &req.addr, req.port) {
        Ok(()) => Decision::Grant {
            rule: Rule::ByUid,
            file,
        },
        Err(ScanEnd::NoMatch) => Decision::Refuse {
            rule: Rule::ByUid,
            errno: errno::ENOENT,
            file,
            fault: None,
        },
        Err(ScanEnd::ReadError(errno)) => Decision::Refuse {
            rule: Rule::ByUid,
            errno,
            file,
            fault: Some(Fault::ReadError),
        },
        Err(ScanEnd::TooLarge) => Decision::Refuse {
            rule: Rule::ByUid,
            errno: errno::EFBIG,
            file,
            fault: Some(Fault::TooLarge),
        },
    }
}
