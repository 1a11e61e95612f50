//! authbindd's one error type. Every failure is one line naming what is
//! missing or what failed; main prints it.

use model::Errno;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    #[error("must be run as root (it loads BPF programs and attaches them to cgroups)")]
    NotRoot,
    #[error("kernel {0} is older than 5.12: its cgroup bind programs cannot grant privileged ports")]
    OldKernel(String),
    #[error(
        "no cgroup2 file system is mounted (see /proc/self/mountinfo): kernel mode attaches to a cgroup v2 folder"
    )]
    NoCgroup2,
    #[error("{0} is not a folder of a cgroup2 file system")]
    NotCgroup2(String),
    #[error("the kernel has no BPF system call (CONFIG_BPF_SYSCALL is off)")]
    NoBpf,
    #[error("the kernel has no cgroup BPF programs (CONFIG_CGROUP_BPF is off)")]
    NoCgroupBpf,
    #[error("BPF refused ({what}: EPERM): kernel lockdown, or no CAP_BPF/CAP_SYS_ADMIN/CAP_NET_ADMIN (a container?)")]
    BpfRefused { what: String },
    #[error("{what}: {errno}")]
    Sys { what: String, errno: Errno },
    #[error("loading the BPF programs: {0}")]
    Load(String),
    #[error("kernel mode is not attached to {0} (start `authbindd --cgroup {0}` first)")]
    NotAttached(String),
    #[error("another authbindd already serves {0}")]
    Busy(String),
    /// A folder of root's that someone else could change.
    #[error("{0}")]
    Unsafe(String),
}

impl Error {
    /// A failed call: EPERM from BPF means BPF is refused to us.
    pub fn sys(what: impl Into<String>, errno: Errno) -> Error {
        let what = what.into();
        if errno == Errno::EPERM {
            Error::BpfRefused { what }
        } else {
            Error::Sys { what, errno }
        }
    }

    /// For std::io errors.
    pub fn io(what: impl Into<String>, e: &std::io::Error) -> Error {
        Error::Sys {
            what: what.into(),
            errno: Errno(e.raw_os_error().unwrap_or(libc::EIO)),
        }
    }

    /// For aya's errors: the kernel's EPERM anywhere in the chain means
    /// BPF is refused; otherwise aya's own text (with the verifier's log,
    /// when there is one, cut to its last lines).
    pub fn aya(what: &str, e: &(dyn std::error::Error + 'static)) -> Error {
        let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
        let mut text = String::new();
        while let Some(err) = cur {
            if let Some(io) = err.downcast_ref::<std::io::Error>() {
                if io.raw_os_error() == Some(libc::EPERM) {
                    return Error::BpfRefused { what: what.to_string() };
                }
            }
            let here = err.to_string();
            if !text.contains(&here) {
                if !text.is_empty() {
                    text.push_str(": ");
                }
                text.push_str(&here);
            }
            cur = err.source();
        }
        // Verifier logs are long; their end says why.
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(6)..].join(" | ");
        Error::Load(format!("{what}: {tail}"))
    }
}
