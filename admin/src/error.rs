//! The one error type of the administration tool, and the exit status
//! each kind gives. Printed in one place (`main`).

use model::Errno;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The command line or a policy file is wrong (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The change cannot be made as asked: a conflict with the tree, or a
    /// policy the tree cannot express; nothing was written (exit 1).
    #[error("{0}")]
    Refused(String),
    /// A file could not be read or written (exit 3).
    #[error("{path}: {errno}")]
    Io { path: String, errno: Errno },
    /// Something only root may do (exit 3).
    #[error("{0}")]
    NeedRoot(String),
}

impl AdminError {
    pub fn io(path: impl Into<String>, e: &std::io::Error) -> AdminError {
        AdminError::Io {
            path: path.into(),
            errno: Errno::of(e),
        }
    }

    pub fn errno(path: impl Into<String>, errno: Errno) -> AdminError {
        AdminError::Io {
            path: path.into(),
            errno,
        }
    }

    pub fn usage(text: impl Into<String>) -> AdminError {
        AdminError::Usage(text.into())
    }

    /// The exit status (see authbind-policy(8), EXIT STATUS).
    pub fn status(&self) -> i32 {
        match self {
            AdminError::Refused(_) => 1,
            AdminError::Usage(_) => 2,
            AdminError::Io { .. } | AdminError::NeedRoot(_) => 3,
        }
    }
}

/// Output to stdout failing (a closed pipe) is an I/O error like any other.
impl From<std::io::Error> for AdminError {
    fn from(e: std::io::Error) -> AdminError {
        AdminError::io("standard output", &e)
    }
}

pub type Result<T> = std::result::Result<T, AdminError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_texts() {
        assert_eq!(AdminError::Refused("no".into()).status(), 1);
        assert_eq!(AdminError::usage("bad").status(), 2);
        let e = AdminError::errno("byuid/1000", Errno::EACCES);
        assert_eq!(e.status(), 3);
        assert_eq!(e.to_string(), "byuid/1000: Permission denied (EACCES)");
    }
}
