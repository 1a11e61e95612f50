//! apply's record of the files it manages: `CONFDIR/.authbind-policy.manifest`,
//! a small TOML file at the top of the configuration folder. The helper
//! reads only below `byport/`, `byaddr/` and `byuid/`, so this is never
//! taken for policy.

use crate::error::{AdminError, Result};
use crate::inventory::MANIFEST;
use crate::mode::{Kind, Meta};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestDoc {
    version: u32,
    managed: Vec<String>,
}

const HEADER: &str = "# Written by `authbind-policy apply`: the files it manages in this folder.\n\
# It removes them when the policy no longer has them. Do not edit.\n";

/// A manifest far larger than any real one is not apply's.
const MAX_BYTES: u64 = 1 << 20;

/// The managed paths (none when there is no manifest yet).
///
/// Whoever can write the configuration folder (a tree delegated to a
/// group, a user's `--confdir` staging folder) can write this file, and
/// apply removes, as root, what it names: so it is read as the policy's
/// own `[[file]]` entries are — a regular file (never through a link),
/// bounded, every path a plain one inside the folder — or not at all.
pub fn read(root: &Path) -> Result<BTreeSet<String>> {
    let path = root.join(MANIFEST);
    let shown = path.to_string_lossy().into_owned();
    let damaged = |why: String| {
        AdminError::Usage(format!(
            "{shown}: not apply's manifest ({why}); nothing was written: move it away and apply again with --prune"
        ))
    };
    let file = match open_regular(&path) {
        Ok(f) => f,
        Err(e) if e.raw_os_error() == Some(nix::libc::ENOENT) => return Ok(BTreeSet::new()),
        Err(e) if e.raw_os_error() == Some(nix::libc::ELOOP) => return Err(damaged("a symlink".into())),
        Err(e) => return Err(AdminError::io(&shown, &e)),
    };
    if !file.metadata().map_err(|e| AdminError::io(&shown, &e))?.is_file() {
        return Err(damaged("not a regular file".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| AdminError::io(&shown, &e))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(damaged(format!("larger than {MAX_BYTES} bytes")));
    }
    let text = String::from_utf8(bytes).map_err(|_| damaged("not UTF-8".into()))?;
    let doc: ManifestDoc = toml::from_str(&text).map_err(|e| damaged(e.to_string()))?;
    for entry in &doc.managed {
        crate::declared::check_path(entry).map_err(|why| damaged(format!("it names {why}")))?;
    }
    Ok(doc.managed.into_iter().collect())
}

/// Opens `path` for reading unless it is a link (ELOOP) or would block
/// (a FIFO is refused by the caller's type check, not waited on).
fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let flags = nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_NONBLOCK;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits())
        .open(path)
}

/// Writes the managed paths (root's, 0644), atomically.
pub fn write(root: &Path, managed: &BTreeSet<String>) -> Result<()> {
    let doc = ManifestDoc {
        version: 1,
        managed: managed.iter().cloned().collect(),
    };
    let text = format!("{HEADER}{}", toml::to_string(&doc).unwrap_or_default());
    let me = (nix::unistd::geteuid().as_raw(), nix::unistd::getegid().as_raw());
    let owner = if me.0 == 0 { (0, 0) } else { me };
    crate::write::write_one(
        &root.join(MANIFEST),
        &Meta::new(Kind::File, owner.0, owner.1, 0o644),
        text.as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).unwrap().is_empty());
        let set: BTreeSet<String> = ["byuid/1000".to_string(), "byport/80".to_string()].into();
        write(dir.path(), &set).unwrap();
        assert_eq!(read(dir.path()).unwrap(), set);
        std::fs::write(dir.path().join(MANIFEST), "garbage").unwrap();
        let e = read(dir.path()).unwrap_err();
        assert_eq!(e.status(), 2);
        assert!(e.to_string().contains("not apply's manifest"), "{e}");
    }

    fn manifest_naming(entry: &str) -> String {
        format!("version = 1\nmanaged = [\"byport/80\", {entry:?}]\n")
    }

    /// apply removes what the manifest names, as root: a name outside the
    /// folder must never get that far (on 78e057e `../outside` and an
    /// absolute path were read as managed files, and removed).
    #[test]
    fn paths_outside_the_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for entry in [
            "../outside",
            "/etc/passwd",
            "byuid/../../x",
            "byport//80",
            "./byport/80",
            MANIFEST,
        ] {
            std::fs::write(dir.path().join(MANIFEST), manifest_naming(entry)).unwrap();
            let e = read(dir.path()).unwrap_err();
            assert_eq!(e.status(), 2, "{entry}");
            assert!(e.to_string().contains("nothing was written"), "{entry}: {e}");
        }
        std::fs::write(dir.path().join(MANIFEST), manifest_naming("byuid/1000")).unwrap();
        assert_eq!(read(dir.path()).unwrap().len(), 2);
    }

    #[test]
    fn a_link_a_folder_or_a_huge_file_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, manifest_naming("byuid/1")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.path().join(MANIFEST)).unwrap();
        assert!(read(dir.path()).unwrap_err().to_string().contains("a symlink"));
        std::fs::remove_file(dir.path().join(MANIFEST)).unwrap();
        std::fs::create_dir(dir.path().join(MANIFEST)).unwrap();
        assert!(read(dir.path()).unwrap_err().to_string().contains("not a regular file"));
        std::fs::remove_dir(dir.path().join(MANIFEST)).unwrap();
        let huge = format!("version = 1\nmanaged = []\n#{}\n", "x".repeat(MAX_BYTES as usize));
        std::fs::write(dir.path().join(MANIFEST), huge).unwrap();
        assert!(read(dir.path()).unwrap_err().to_string().contains("larger than"));
    }
}
