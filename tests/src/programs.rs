//! The C test programs (tests/c/*.c), compiled once with gcc into a folder
//! under /tmp named after a hash of their sources, owned by root, mode 0755,
//! so the unprivileged test users can run them. Reused while the sources are
//! unchanged; rebuilt when the folder is not root's or is writable by others.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// (name, source, extra gcc flags)
const SOURCES: &[(&str, &str, &[&str])] = &[
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
    let mut hasher = DefaultHasher::new();
    SOURCES.hash(&mut hasher);
    let dir = std::env::temp_dir().join(format!("authbind-e2e-progs-{:016x}", hasher.finish()));
    if trustworthy(&dir) {
        return Programs { dir };
    }
    remove_stale_builds(&dir);
    let _ = std::fs::remove_dir_all(&dir);

    let tmp = dir.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).unwrap_or_else(|e| panic!("mkdir {}: {e}", tmp.display()));
    for (name, source, flags) in SOURCES {
        let src = tmp.join(format!("{name}.c"));
        std::fs::write(&src, source).unwrap_or_else(|e| panic!("write {}: {e}", src.display()));
        let out = Command::new("gcc")
            .args(["-O2", "-Wall", "-Wextra", "-o"])
            .arg(tmp.join(name))
            .arg(&src)
            .args(*flags)
            .output()
            .unwrap_or_else(|e| panic!("cannot run gcc (install gcc and libc6-dev): {e}"));
        assert!(
            out.status.success(),
            "gcc failed on {name}.c:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    chmod_tree(&tmp);
    // Another test binary may have won the race: then use its (equal) build.
    if std::fs::rename(&tmp, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
        assert!(trustworthy(&dir), "{} is not usable", dir.display());
    }
    Programs { dir }
}

/// Builds of older sources (other hashes) left by earlier runs.
fn remove_stale_builds(current: &Path) {
    let Some(name) = current.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let prefix = &name[..name.len() - 16];
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let other = entry.file_name();
        let other = other.to_string_lossy();
        let owned_by_root = entry.metadata().map(|m| m.uid() == 0).unwrap_or(false);
        if other.starts_with(prefix) && other.len() == name.len() && owned_by_root {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Root's, not writable by others, every program present.
fn trustworthy(dir: &Path) -> bool {
    let safe = |p: &Path| {
        std::fs::symlink_metadata(p)
            .map(|m| m.uid() == 0 && m.mode() & 0o022 == 0 && !m.file_type().is_symlink())
            .unwrap_or(false)
    };
    safe(dir) && SOURCES.iter().all(|(name, _, _)| safe(&dir.join(name)))
}

fn chmod_tree(dir: &Path) {
    let set = |p: &Path, mode| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", p.display()))
    };
    set(dir, 0o755);
    for (name, _, _) in SOURCES {
        set(&dir.join(name), 0o755);
        set(&dir.join(format!("{name}.c")), 0o644);
    }
}
