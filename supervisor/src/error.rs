//! Why the supervisor cannot run a program; printed in one place
//! (`run`'s caller sees the process exit 255 after one line).

use model::Errno;

#[derive(Debug, thiserror::Error)]
pub enum SupervisorError {
    #[error(
        "already running under authbind's seccomp supervisor: only one seccomp listener can exist in a process \
         tree, so --seccomp cannot nest; the outer authbind already handles this program's binds"
    )]
    Nested,
    #[error(
        "no_new_privs is set for this process (e.g. systemd NoNewPrivileges=yes, or a container), so the setuid \
         helper could not gain root; the seccomp supervisor cannot work here; {}",
        syscalls::privilege::REMEDY
    )]
    NoNewPrivs,
    #[error("cannot block signals: {0}")]
    BlockSignals(Errno),
    #[error("signalfd: {0}")]
    Signalfd(Errno),
    #[error("socketpair: {0}")]
    Channel(Errno),
    #[error("this process already has a seccomp listener (nested authbind --seccomp?): only one can exist")]
    AlreadyListening,
    #[error("{program}: {error}")]
    Spawn { program: String, error: Errno },
    #[error("no seccomp listener from the child: {0}")]
    NoListener(Errno),
    #[error("poll: {0}")]
    Poll(Errno),
}
