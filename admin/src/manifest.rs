//! apply's record of the files it manages: `CONFDIR/.authbind-policy.manifest`,
//! a small TOML file at the top of the configuration folder. The helper
//! reads only below `byport/`, `byaddr/` and `byuid/`, so this is never
//! taken for policy.

use crate::error::{AdminError, Result};
use crate::inventory::MANIFEST;
use crate::mode::{Kind, Meta};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestDoc {
    version: u32,
    managed: Vec<String>,
}

const HEADER: &str = "# Written by `authbind-policy apply`: the files it manages in this folder.\n\
# It removes them when the policy no longer has them. Do not edit.\n";

/// The managed paths (none when there is no manifest yet).
pub fn read(root: &Path) -> Result<BTreeSet<String>> {
    let path = root.join(MANIFEST);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(e) => return Err(AdminError::io(path.to_string_lossy(), &e)),
    };
    let doc: ManifestDoc = toml::from_str(&text).map_err(|e| {
        AdminError::Usage(format!(
            "{}: not apply's manifest ({e}); move it away and apply again with --prune",
            path.display()
        ))
    })?;
    Ok(doc.managed.into_iter().collect())
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
}
