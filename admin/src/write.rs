//! Changing the tree so that no one ever sees half a change: every file is
//! written to a temporary name in its own folder, given its owner and mode,
//! flushed to disk, renamed over the old one, and the folder is flushed
//! too. The temporary names start with a dot and carry a suffix, so the
//! helper never mistakes one for a policy file.

use crate::error::{AdminError, Result};
use crate::mode::{octal, Kind, Meta};
use crate::sim::Planned;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// One path and what it becomes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub rel: String,
    pub to: Planned,
    /// `create`, `update` or `remove`, and why, for the printed plan.
    pub verb: &'static str,
    pub note: String,
}

impl Change {
    /// `create byuid/1000 (regular file, root:root 0644, 2 lines)`.
    pub fn describe(&self) -> String {
        let what = match &self.to {
            Planned::Absent => String::new(),
            Planned::Symlink { target } => format!(" (symlink to {target})"),
            Planned::Node { meta, content } => {
                let mut s = format!(" ({}, {}:{} {}", meta.kind.noun(), meta.uid, meta.gid, octal(meta.mode));
                if meta.kind == Kind::File && !content.is_empty() {
                    let lines = content.iter().filter(|&&b| b == b'\n').count();
                    s += &format!(", {lines} line{}", if lines == 1 { "" } else { "s" });
                }
                s + ")"
            }
        };
        let note = if self.note.is_empty() {
            String::new()
        } else {
            format!(": {}", self.note)
        };
        // The path may be one found on disk (a removal): anyone's text.
        crate::printable::printable(&format!("{} {}{what}{note}", self.verb, self.rel)).into_owned()
    }
}

fn io(path: &Path, e: std::io::Error) -> AdminError {
    AdminError::io(path.to_string_lossy(), &e)
}

const TEMP_SUFFIX: &str = ".authbind-policy-tmp.";

/// The longest name a change may give a file: its temporary name (a dot,
/// the name, [`TEMP_SUFFIX`], a pid of up to 10 digits) must fit the
/// kernel's NAME_MAX (255) too, or the write would fail half-way.
pub const MAX_NAME: usize = 255 - (1 + TEMP_SUFFIX.len() + 10);

/// The longest path a change may name below the configuration folder:
/// far beyond any policy name, and with the folder's own path it stays
/// within the kernel's PATH_MAX (4096, the NUL included).
pub const MAX_PATH: usize = 2048;

/// The longest symlink target (PATH_MAX, its NUL included).
pub const MAX_TARGET: usize = 4095;

fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}{TEMP_SUFFIX}{}", std::process::id()))
}

fn sync_folder(path: &Path) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("/"));
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io(dir, e))
}

/// Removes whatever is at `path` (a folder with what it holds).
fn remove(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(path, e)),
        Ok(md) if md.is_dir() => fs::remove_dir_all(path).map_err(|e| io(path, e))?,
        Ok(_) => fs::remove_file(path).map_err(|e| io(path, e))?,
    }
    sync_folder(path)
}

/// Puts `tmp` where `path` is, atomically (a folder in the way goes first).
fn replace(tmp: &Path, path: &Path) -> Result<()> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        remove(path)?;
    }
    fs::rename(tmp, path).map_err(|e| {
        let _ = fs::remove_file(tmp);
        io(path, e)
    })?;
    sync_folder(path)
}

fn owner_and_mode(path: &Path, meta: &Meta) -> Result<()> {
    std::os::unix::fs::lchown(path, Some(meta.uid), Some(meta.gid)).map_err(|e| io(path, e))?;
    // After chown, which clears set-id bits.
    fs::set_permissions(path, fs::Permissions::from_mode(meta.mode)).map_err(|e| io(path, e))
}

fn write_file(path: &Path, meta: &Meta, content: &[u8]) -> Result<()> {
    let tmp = temp_name(path);
    let _ = fs::remove_file(&tmp);
    let written = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
            .open(&tmp)?;
        f.write_all(content)?;
        std::os::unix::fs::fchown(&f, Some(meta.uid), Some(meta.gid))?;
        f.set_permissions(fs::Permissions::from_mode(meta.mode))?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io(path, e));
    }
    replace(&tmp, path)
}

fn make_dir(path: &Path, meta: &Meta) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(md) if md.is_dir() => {}
        Ok(_) => {
            remove(path)?;
            fs::create_dir(path).map_err(|e| io(path, e))?;
        }
        Err(_) => fs::create_dir(path).map_err(|e| io(path, e))?,
    }
    // A folder with entries is changed where it stands (see refolder.rs).
    crate::refolder::set(path, meta)?;
    sync_folder(path)
}

fn make_fifo(path: &Path, meta: &Meta) -> Result<()> {
    let tmp = temp_name(path);
    let _ = fs::remove_file(&tmp);
    nix::unistd::mkfifo(&tmp, nix::sys::stat::Mode::from_bits_truncate(0o600))
        .map_err(|e| AdminError::errno(tmp.to_string_lossy(), model::Errno(e as i32)))?;
    if let Err(e) = owner_and_mode(&tmp, meta) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    replace(&tmp, path)
}

fn make_symlink(path: &Path, target: &str) -> Result<()> {
    let tmp = temp_name(path);
    let _ = fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).map_err(|e| io(&tmp, e))?;
    replace(&tmp, path)
}

/// `root/rel`, once `rel` is known to stay inside the tree: a plain path
/// whose folders are real folders, not links (a link on the way would
/// have root create, replace or remove files wherever it points). A
/// folder that `earlier` changes make is taken as made; `missing_ok`
/// accepts a folder not there yet (checking a whole plan before it runs).
fn inside(root: &Path, rel: &str, earlier: &[Change], missing_ok: bool) -> Result<PathBuf> {
    crate::declared::check_path(rel).map_err(|why| AdminError::Refused(format!("nothing written: {why}")))?;
    let parents: Vec<&str> = rel.match_indices('/').map(|(at, _)| &rel[..at]).collect();
    for folder in parents {
        let refused = || {
            AdminError::Refused(format!(
                "nothing written for {rel}: {folder} is not a folder (a link is never followed to write)"
            ))
        };
        if let Some(last) = earlier.iter().rev().find(|c| c.rel == folder) {
            match &last.to {
                Planned::Node { meta, .. } if meta.kind == Kind::Dir => continue,
                _ => return Err(refused()),
            }
        }
        let path = root.join(folder);
        match fs::symlink_metadata(&path) {
            Ok(md) if md.is_dir() => {}
            Ok(_) => return Err(refused()),
            Err(e) if missing_ok && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&path, e)),
        }
    }
    Ok(root.join(rel))
}

/// Makes each change in order, under the configuration folder `root`.
/// Every change is checked before the first is made, and each again
/// just before it is made.
pub fn execute(root: &Path, changes: &[Change]) -> Result<()> {
    for (i, c) in changes.iter().enumerate() {
        inside(root, &c.rel, &changes[..i], true)?;
    }
    for c in changes {
        let path = inside(root, &c.rel, &[], false)?;
        match &c.to {
            Planned::Absent => remove(&path)?,
            Planned::Symlink { target } => make_symlink(&path, target)?,
            Planned::Node { meta, content } => match meta.kind {
                Kind::Dir => make_dir(&path, meta)?,
                Kind::Fifo => make_fifo(&path, meta)?,
                _ => write_file(&path, meta, content)?,
            },
        }
    }
    Ok(())
}

/// Writes one file atomically (the manifest).
pub fn write_one(path: &Path, meta: &Meta, content: &[u8]) -> Result<()> {
    write_file(path, meta, content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    /// On 78e057e a change below a folder that is a link (or a path with
    /// `..`) was made wherever it led.
    #[test]
    fn never_writes_or_removes_through_a_link_or_outside() {
        let dir = tempfile::tempdir().unwrap();
        let (root, outside) = (dir.path().join("conf"), dir.path().join("outside"));
        fs::create_dir_all(root.join("byport")).unwrap();
        fs::create_dir(&outside).unwrap();
        fs::write(outside.join("victim"), "keep").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("byuid")).unwrap();
        for rel in ["byuid/victim", "../outside/victim", "byport/../../outside/victim"] {
            let remove = [Change {
                rel: rel.into(),
                to: Planned::Absent,
                verb: "remove",
                note: String::new(),
            }];
            let e = execute(&root, &remove).unwrap_err();
            assert_eq!(e.status(), 1, "{rel}: {e}");
            assert!(e.to_string().starts_with("nothing written"), "{rel}: {e}");
            let (uid, gid) = (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw());
            let create = [Change {
                rel: rel.into(),
                to: Planned::Node {
                    meta: Meta::new(Kind::File, uid, gid, 0o644),
                    content: b"x\n".to_vec(),
                },
                verb: "create",
                note: String::new(),
            }];
            assert!(execute(&root, &create).is_err(), "{rel}");
        }
        assert_eq!(fs::read(outside.join("victim")).unwrap(), b"keep");
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 1);
        // A plan whose later change would go through the link writes
        // nothing at all, not even its first change.
        let (uid, gid) = (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw());
        // A folder searchable by its owner: the test may run as a user,
        // whom a 0644 folder would keep out (root is not kept out).
        let node = |kind, rel: &str| Change {
            rel: rel.into(),
            to: Planned::Node {
                meta: Meta::new(kind, uid, gid, if kind == Kind::Dir { 0o755 } else { 0o644 }),
                content: Vec::new(),
            },
            verb: "create",
            note: String::new(),
        };
        let plan = [node(Kind::File, "byport/80"), node(Kind::File, "byuid/x")];
        assert!(execute(&root, &plan).is_err());
        assert!(!root.join("byport/80").exists());
        // A link replaced by a folder earlier in the same plan is fine.
        let plan = [node(Kind::Dir, "byuid"), node(Kind::File, "byuid/1000")];
        execute(&root, &plan).unwrap();
        assert!(root.join("byuid/1000").is_file() && !outside.join("1000").exists());
    }

    #[test]
    fn changes_are_made_and_leave_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let (uid, gid) = (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw());
        let file = |mode, content: &str| Planned::Node {
            meta: Meta::new(Kind::File, uid, gid, mode),
            content: content.as_bytes().to_vec(),
        };
        let change = |rel: &str, to| Change {
            rel: rel.into(),
            to,
            verb: "create",
            note: String::new(),
        };
        let changes = vec![
            change(
                "byuid",
                Planned::Node {
                    meta: Meta::new(Kind::Dir, uid, gid, 0o755),
                    content: vec![],
                },
            ),
            change("byuid/1000", file(0o644, "127.0.0.1,80\n")),
            change("byuid/1000", file(0o640, "::1,80\n")),
            change(
                "link",
                Planned::Symlink {
                    target: "byuid/1000".into(),
                },
            ),
            change(
                "fifo",
                Planned::Node {
                    meta: Meta::new(Kind::Fifo, uid, gid, 0o600),
                    content: vec![],
                },
            ),
        ];
        execute(root, &changes).unwrap();
        assert_eq!(fs::read(root.join("byuid/1000")).unwrap(), b"::1,80\n");
        assert_eq!(fs::metadata(root.join("byuid/1000")).unwrap().mode() & 0o7777, 0o640);
        assert_eq!(
            fs::read_link(root.join("link")).unwrap().to_string_lossy(),
            "byuid/1000"
        );
        assert_eq!(
            Kind::of_mode(fs::symlink_metadata(root.join("fifo")).unwrap().mode()),
            Kind::Fifo
        );
        // A folder in the way of a file is replaced.
        execute(root, &[change("byuid", file(0o644, "x"))]).unwrap();
        assert!(fs::metadata(root.join("byuid")).unwrap().is_file());
        execute(
            root,
            &[change("byuid", Planned::Absent), change("gone", Planned::Absent)],
        )
        .unwrap();
        let left: Vec<_> = fs::read_dir(root).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 2, "{left:?}");
        assert_eq!(
            change("byuid/1000", file(0o644, "a\nb\n")).describe(),
            format!("create byuid/1000 (regular file, {uid}:{gid} 0644, 2 lines)")
        );
    }
}
