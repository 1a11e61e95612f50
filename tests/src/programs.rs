//! The C test programs (tests/c/*.c), compiled once with gcc into a folder
//! under /tmp named after a hash of their sources, owned by root, mode 0755,
//! so the unprivileged test users can run them. Reused while the sources are
//! unchanged; rebuilt when the folder is not root's or is writable by others
//! (see [`authbind_testkit::cc`]).

use authbind_testkit::cc::{self, CSource};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const SOURCES: &[CSource] = &[
    ("bindtest", include_str!("../c/bindtest.c"), &[]),
    ("bindstorm", include_str!("../c/bindstorm.c"), &["-pthread"]),
    ("robust", include_str!("../c/robust.c"), &[]),
    ("sysbind", include_str!("../c/sysbind.c"), &["-static", "-pthread"]),
    ("envprobe", include_str!("../c/envprobe.c"), &[]),
    (
        "libmarker.so",
        include_str!("../c/libmarker.so.c"),
        &["-shared", "-fPIC"],
    ),
    (
        "bindstorm-static",
        include_str!("../c/bindstorm.c"),
        &["-static", "-pthread"],
    ),
];

pub struct Programs {
    dir: PathBuf,
}

impl Programs {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `bindtest 4|6 ADDR PORT tcp|udp` → `ok` | `errno=N`
    pub fn bindtest(&self) -> PathBuf {
        self.dir.join("bindtest")
    }

    /// `bindstorm plain|sigign|waiter BASEPORT REFUSEDPORT` → key=value lines
    pub fn bindstorm(&self) -> PathBuf {
        self.dir.join("bindstorm")
    }

    /// `robust null | storage PORT | errno PORT | fds PORT`
    pub fn robust(&self) -> PathBuf {
        self.dir.join("robust")
    }

    /// Statically linked, binds with `syscall(SYS_bind)`:
    /// `sysbind grid PORT | passthrough | errors PORT | granted PORT |
    /// timer PORT N restart|norestart` → key=value lines
    pub fn sysbind(&self) -> PathBuf {
        self.dir.join("sysbind")
    }

    /// `envprobe PORT [PROGRAM ARGS…]` → one line: the bind's result and
    /// the preload environment it sees, then execs the next level
    pub fn envprobe(&self) -> PathBuf {
        self.dir.join("envprobe")
    }

    /// A do-nothing shared library for LD_PRELOAD (envprobe reports it)
    pub fn marker_lib(&self) -> PathBuf {
        self.dir.join("libmarker.so")
    }

    /// bindstorm linked statically (its binds reach only the supervisor)
    pub fn bindstorm_static(&self) -> PathBuf {
        self.dir.join("bindstorm-static")
    }
}

/// The compiled programs (built on first use; panics when gcc fails).
pub fn programs() -> &'static Programs {
    static PROGRAMS: OnceLock<Programs> = OnceLock::new();
    PROGRAMS.get_or_init(build)
}

fn build() -> Programs {
    Programs {
        dir: cc::build_cached("authbind-e2e-progs-", SOURCES),
    }
}
