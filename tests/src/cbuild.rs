//! Builds a named set of C sources with gcc, once per content hash, into a
//! root-owned folder under /tmp, mode 0755, so that the unprivileged test
//! users can run what is in it: `/tmp/PREFIX<16 hex digits of the hash>`.
//!
//! A build is reused while the sources are unchanged and trustworthy (the
//! folder and every output root's, not writable by group or others, no
//! symlinks); otherwise it is thrown away and made again. Builds of older
//! sources (same prefix, other hash) are removed first. Test binaries may
//! build at the same time: each builds in a folder of its own and renames it
//! into place; the loser uses the winner's (equal) build.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One program: (output name, C source, extra gcc flags). The source is
/// written next to its output as `NAME.c`.
pub(crate) type CSource = (&'static str, &'static str, &'static [&'static str]);

/// The folder holding every output of `sources`, built now unless a
/// trustworthy build of the same sources is already there. Panics when gcc
/// fails or the folder cannot be made.
pub(crate) fn build(prefix: &str, sources: &[CSource]) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    sources.hash(&mut hasher);
    let dir = std::env::temp_dir().join(format!("{prefix}{:016x}", hasher.finish()));
    if trustworthy(&dir, sources) {
        return dir;
    }
    remove_stale_builds(prefix, &dir);
    let _ = std::fs::remove_dir_all(&dir);

    let tmp = dir.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).unwrap_or_else(|e| panic!("mkdir {}: {e}", tmp.display()));
    for (name, source, flags) in sources {
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
    chmod_tree(&tmp, sources);
    // Another test binary may have won the race: then use its (equal) build.
    if std::fs::rename(&tmp, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
        assert!(trustworthy(&dir, sources), "{} is not usable", dir.display());
    }
    dir
}

/// Root's builds of older sources (`PREFIX` and another hash) left by
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

/// Root's, not writable by others, not a symlink, every output present
/// and likewise.
fn trustworthy(dir: &Path, sources: &[CSource]) -> bool {
    let safe = |p: &Path| {
        std::fs::symlink_metadata(p)
            .map(|m| m.uid() == 0 && m.mode() & 0o022 == 0 && !m.file_type().is_symlink())
            .unwrap_or(false)
    };
    safe(dir) && sources.iter().all(|(name, _, _)| safe(&dir.join(name)))
}

/// The folder and the outputs 0755, the sources 0644.
fn chmod_tree(dir: &Path, sources: &[CSource]) {
    let set = |p: &Path, mode| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", p.display()))
    };
    set(dir, 0o755);
    for (name, _, _) in sources {
        set(&dir.join(name), 0o755);
        set(&dir.join(format!("{name}.c")), 0o644);
    }
}
