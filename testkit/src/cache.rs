//! A build folder under /tmp made once per content hash and reused while
//! its inputs are unchanged and it is trustworthy: root's, mode 0755 (the
//! unprivileged test users run what is in it), nothing in it writable by
//! group or others, no symlinks, and finished (a `.complete` marker written
//! last). `/tmp/PREFIX<16 hex digits of the hash>`.
//!
//! Builds of older inputs (same prefix, other hash) are removed first.
//! Test binaries may build at the same time: each builds in a folder of
//! its own and renames it into place; the loser uses the winner's (equal)
//! build.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Written last into a finished build folder.
const COMPLETE: &str = ".complete";

/// The folder for `inputs`, built by `build` (into the empty folder it is
/// given) unless a trustworthy build of the same inputs is there. Panics
/// when the build or the folder fails.
pub fn cached(prefix: &str, inputs: &impl Hash, build: impl FnOnce(&Path)) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    inputs.hash(&mut hasher);
    let dir = std::env::temp_dir().join(format!("{prefix}{:016x}", hasher.finish()));
    if trustworthy(&dir) {
        return dir;
    }
    remove_stale_builds(prefix, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    let tmp = dir.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).unwrap_or_else(|e| panic!("mkdir {}: {e}", tmp.display()));
    build(&tmp);
    std::fs::write(tmp.join(COMPLETE), "").expect("write .complete");
    let chmod = Command::new("chmod")
        .args(["-R", "u+rwX,go+rX,go-w"])
        .arg(&tmp)
        .status()
        .expect("chmod");
    assert!(chmod.success(), "chmod -R {} failed", tmp.display());
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).expect("chmod build folder");
    // Another test binary may have won the race: then use its (equal) build.
    if std::fs::rename(&tmp, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
        assert!(trustworthy(&dir), "{} is not usable", dir.display());
    }
    dir
}

/// Root's builds of older inputs (`PREFIX` and another hash) left by
/// earlier runs; `current` is left alone.
fn remove_stale_builds(prefix: &str, current: &Path) {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let owned_by_root = entry.metadata().map(|m| m.uid() == 0).unwrap_or(false);
        let hash_len = name.len().checked_sub(prefix.len());
        if name.starts_with(prefix) && hash_len == Some(16) && owned_by_root && entry.path() != current {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Root's, not writable by others, no symlink anywhere in it, finished.
fn trustworthy(dir: &Path) -> bool {
    let safe = |p: &Path| {
        std::fs::symlink_metadata(p)
            .map(|m| m.uid() == 0 && m.mode() & 0o022 == 0 && !m.file_type().is_symlink())
            .unwrap_or(false)
    };
    fn all_safe(dir: &Path, safe: &dyn Fn(&Path) -> bool) -> bool {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return false;
        };
        entries.flatten().all(|e| {
            let p = e.path();
            safe(&p) && (!p.is_dir() || all_safe(&p, safe))
        })
    }
    safe(dir) && safe(&dir.join(COMPLETE)) && all_safe(dir, &safe)
}
