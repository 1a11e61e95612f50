//! A snapshot of the configuration folder: every entry of the folder itself
//! and of `byport/`, `byaddr/`, `byuid/` and `reserve/`, with what `lstat` says (read
//! as the one real tree reads a node: `host::fs`), where
//! symlinks lead, and the bytes of the files whose contents matter (byuid
//! files, read exactly as the helper opens them: never a FIFO or a device).
//! `check`, `list` and `export` work from this; nothing here judges.

use crate::mode::{Kind, Meta};
use crate::realtree::{RealNode, RealTree};
use crate::who::Creds;
use host::fs::Inode;
use model::Errno;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use tree::Follow;

/// How many bytes of a file are kept. A byuid file larger than this is
/// judged on these bytes only (check says so), and export refuses it.
pub const CONTENT_CAP: u64 = 1 << 20;

/// The name of apply's record of the files it manages. Top level, so the
/// helper (which reads only below byport/, byaddr/ and byuid/) never sees
/// it as policy.
pub const MANIFEST: &str = ".authbind-policy.manifest";

/// The three folders, in the helper's order.
pub const FOLDERS: [&str; 3] = ["byport", "byaddr", "byuid"];

/// Where a symlink leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Its text, as `readlink` gives it.
    pub target: String,
    /// What `stat` says at the end of it (or why it failed).
    pub resolved: Result<Meta, Errno>,
    /// The path it leads to relative to the configuration folder, when
    /// it stays inside it ([`inside`]).
    pub inside: Option<String>,
    /// The folders whose owners could change where it leads ([`route`]).
    pub route: Route,
}

/// A file's bytes, when they were read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    NotRead,
    /// The first [`CONTENT_CAP`] bytes at most (`truncated` if there was more).
    Bytes {
        data: Vec<u8>,
        truncated: bool,
    },
    /// Opening or reading it failed, as the helper would have opened it.
    Failed(Errno),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Relative to the configuration folder: `byuid/1000`.
    pub rel: String,
    pub meta: Meta,
    pub link: Option<Link>,
    pub content: Content,
}

impl Entry {
    /// What the name leads to: itself, or its symlink's end.
    pub fn effective(&self) -> Result<Meta, Errno> {
        match &self.link {
            Some(l) => l.resolved,
            None => Ok(self.meta),
        }
    }

    /// `byuid/1000` → (`byuid`, `1000`); top-level entries have no folder.
    pub fn folder_and_name(&self) -> (Option<&str>, &str) {
        match self.rel.split_once('/') {
            Some((f, n)) => (Some(f), n),
            None => (None, &self.rel),
        }
    }
}

/// The tree, as read by whoever runs the tool.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    /// The configuration folder's absolute path.
    pub root: PathBuf,
    /// `stat` of the configuration folder, and of each folder above it.
    pub root_meta: Option<Meta>,
    pub ancestors: Vec<(PathBuf, Meta)>,
    /// Every entry, by relative path.
    pub entries: BTreeMap<String, Entry>,
    /// Folders that could not be listed, and why.
    pub unlisted: Vec<(String, Errno)>,
}

impl Inventory {
    pub fn get(&self, rel: &str) -> Option<&Entry> {
        self.entries.get(rel)
    }

    /// The entries directly inside `folder` (`byuid`).
    pub fn children<'a>(&'a self, folder: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .values()
            .filter(move |e| e.folder_and_name().0 == Some(folder))
    }

    /// Reads the tree at `root`.
    pub fn read(root: &Path) -> Result<Inventory, Errno> {
        let root = absolute(root);
        let mut inv = Inventory {
            root_meta: Some(Inode::open_followed(&root)?.meta()),
            ..Inventory::default()
        };
        let mut up = root.parent();
        while let Some(dir) = up {
            if let Ok(node) = Inode::open_followed(dir) {
                inv.ancestors.push((dir.to_path_buf(), node.meta()));
            }
            up = dir.parent();
        }
        inv.root = root.clone();
        let mut conf = grant::ConfDir::open_at(&root.to_string_lossy()).ok();
        let top = list(&root, "", &mut inv.unlisted);
        for name in top {
            let entry = read_entry(&root, &name, conf.as_mut(), &mut inv.unlisted);
            let is_folder = (FOLDERS.contains(&name.as_str()) || name == model::Rule::Reserve.folder())
                && entry.effective().is_ok_and(|m| m.kind == Kind::Dir);
            inv.entries.insert(name.clone(), entry);
            if is_folder {
                for child in list(&root, &name, &mut inv.unlisted) {
                    let rel = format!("{name}/{child}");
                    let entry = read_entry(&root, &rel, conf.as_mut(), &mut inv.unlisted);
                    inv.entries.insert(rel, entry);
                }
            }
        }
        Ok(inv)
    }
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

/// The names in `root/rel`, sorted (a folder that cannot be listed is
/// recorded, not fatal).
fn list(root: &Path, rel: &str, unlisted: &mut Vec<(String, Errno)>) -> Vec<String> {
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let mut names = Vec::new();
    match std::fs::read_dir(&dir) {
        Ok(rd) => {
            for e in rd.flatten() {
                names.push(e.file_name().to_string_lossy().into_owned());
            }
        }
        Err(e) => unlisted.push((if rel.is_empty() { ".".into() } else { rel.into() }, Errno::of(&e))),
    }
    names.sort();
    names
}

/// Every folder whose owner could change where the link at `path` (whose
/// text is `target`) leads, as the kernel walks it: the folders holding
/// each name on the way, the names of further links (and of folders that
/// are links) included, and their ancestors. With the folder where the
/// walk found a name missing (anyone who may write there can create it).
fn route(path: &Path, target: &str) -> Route {
    let mut r = Route::default();
    let real = RealTree::new();
    let Some(start) = path.parent().and_then(|p| std::fs::canonicalize(p).ok()) else {
        return r;
    };
    r.hold_ancestors(&start);
    let start = real.folder(&start);
    // Everyone's walk: who may search does not matter here, who may write does.
    let _ = tree::resolve_for_everyone(&real, &start, target.as_bytes(), Follow::Last, &mut r);
    r
}

/// What [`route`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Route {
    pub folders: Vec<(PathBuf, Meta)>,
    pub missing_in: Option<PathBuf>,
}

impl Route {
    fn hold(&mut self, dir: &Path) {
        if self.folders.iter().any(|(p, _)| p == dir) {
            return;
        }
        match std::fs::symlink_metadata(dir) {
            Ok(md) if md.is_dir() => self.folders.push((dir.to_path_buf(), Meta::of(&md))),
            _ => {}
        }
    }

    fn hold_ancestors(&mut self, dir: &Path) {
        for a in dir.ancestors() {
            self.hold(a);
        }
    }
}

/// The walk of a link's target, seen: each folder a name is looked up in
/// (and the folders above it: what a link leads to is held by them too),
/// and the folder where a name was not found.
impl tree::Observer<RealNode> for Route {
    fn lookup(&mut self, dir: &RealNode, name: &[u8], found: Result<&RealNode, Errno>) {
        // `dir`'s owner chooses what `name` is in it (`..` is not theirs
        // to choose).
        if name != b".." {
            self.hold_ancestors(&dir.path);
        }
        if found.is_err() {
            self.missing_in = Some(dir.path.clone());
        }
    }
}

/// Whether the bytes matter: byuid files, and top-level files (symlinks
/// may lead there; export mirrors them).
fn wants_content(rel: &str) -> bool {
    rel.starts_with("byuid/") || (!rel.contains('/') && rel != MANIFEST)
}

fn read_entry(root: &Path, rel: &str, conf: Option<&mut grant::ConfDir>, unlisted: &mut Vec<(String, Errno)>) -> Entry {
    let path = root.join(rel);
    let node = Inode::open(&path);
    let meta = match &node {
        Ok(node) => node.meta(),
        Err(e) => {
            unlisted.push((rel.to_string(), *e));
            Meta::new(Kind::File, 0, 0, 0)
        }
    };
    let link = (meta.kind == Kind::Symlink).then(|| {
        let target = node
            .as_ref()
            .ok()
            .and_then(|n| n.link_target().ok())
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .unwrap_or_default();
        Link {
            inside: inside(root, &path, &target),
            resolved: std::fs::metadata(&path)
                .map(|m| Meta::of(&m))
                .map_err(|e| Errno::of(&e)),
            route: route(&path, &target),
            target,
        }
    });
    let ends_regular = match &link {
        Some(l) => l.resolved.is_ok_and(|m| m.kind == Kind::File),
        None => meta.kind == Kind::File,
    };
    let content = if wants_content(rel) && ends_regular {
        read_content(conf, rel)
    } else {
        Content::NotRead
    };
    Entry {
        rel: rel.to_string(),
        meta,
        link,
        content,
    }
}

/// Opened as the helper opens byuid files (grant::ConfDir: never a FIFO).
fn read_content(conf: Option<&mut grant::ConfDir>, rel: &str) -> Content {
    use policy::{OpenError, PolicyFs};
    let Some(conf) = conf else {
        return Content::Failed(Errno::EIO);
    };
    match conf.open(rel) {
        Ok(file) => {
            let mut data = Vec::new();
            match file.take(CONTENT_CAP + 1).read_to_end(&mut data) {
                Ok(_) => {
                    let truncated = data.len() as u64 > CONTENT_CAP;
                    data.truncate(CONTENT_CAP as usize);
                    Content::Bytes { data, truncated }
                }
                Err(e) => Content::Failed(Errno::of(&e)),
            }
        }
        Err(OpenError::Failed(e)) => Content::Failed(e),
        Err(OpenError::Directory) => Content::Failed(Errno::EISDIR),
        Err(OpenError::NotRegular) => Content::Failed(Errno::EINVAL),
    }
}

/// Where `target` (the text of the link at `link`) leads, relative to
/// the folder `root`, if it stays inside: the kernel's walk from the
/// link's folder (symlinks on the way followed, `..` the real parent),
/// to the name the target ends at (not followed), which must exist.
pub fn inside(root: &Path, link: &Path, target: &str) -> Option<String> {
    let real = RealTree::new();
    let root = std::fs::canonicalize(root).ok()?;
    let start = real.folder(link.parent()?);
    let end = tree::resolve(
        &real,
        &start,
        target.as_bytes(),
        &Creds::root(),
        Follow::NotLast,
        &mut (),
    )
    .ok()?;
    let rel = end.path.strip_prefix(&root).ok()?;
    (!rel.as_os_str().is_empty()).then(|| rel.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    #[test]
    fn links_inside_and_out() {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        let root = base.join("conf");
        for d in ["conf/byport", "conf/byuid", "elsewhere/deep"] {
            std::fs::create_dir_all(base.join(d)).unwrap();
        }
        for f in ["conf/target", "conf/byport/81", "x", "elsewhere/target"] {
            std::fs::write(base.join(f), "").unwrap();
        }
        symlink("../byuid", root.join("byport/lnk")).unwrap();
        symlink(base.join("elsewhere/deep"), root.join("byport/away")).unwrap();
        let at = |rel: &str, target: &str| inside(&root, &root.join(rel), target);
        assert_eq!(at("byport/80", "../target"), Some("target".into()));
        assert_eq!(at("byport/80", "81"), Some("byport/81".into()));
        assert_eq!(at("byport/80", "../../x"), None);
        assert_eq!(
            at("byport/80", &format!("{}/byuid", root.display())),
            Some("byuid".into())
        );
        assert_eq!(at("byport/80", "/nonexistent/target"), None);
        assert_eq!(at("byport", ".."), None);
        // Where a name is missing, nothing is inside.
        assert_eq!(at("byport/80", "../missing"), None);
        // The end is not followed: a link to a link is to that link.
        assert_eq!(at("byport/80", "lnk"), Some("byport/lnk".into()));
        // `..` after a symlink is the parent of where it led: byuid/.. is
        // the folder (the text alone says byport/target), and away/.. is
        // outside (the text alone says byport/target too).
        assert_eq!(at("byport/80", "lnk/../target"), Some("target".into()));
        assert_eq!(at("byport/80", "away/../target"), None);
    }

    #[test]
    fn a_links_route_is_every_folder_on_the_way() {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        for d in ["far/away", "hops", "real/end-dir"] {
            std::fs::create_dir_all(base.join(d)).unwrap();
        }
        std::fs::write(base.join("real/end-dir/end"), "x").unwrap();
        // present -> hops/hop -> real/end-dir/end; via -> dirlink/end where
        // dirlink (in far/) -> ../real/end-dir.
        symlink(base.join("real/end-dir/end"), base.join("hops/hop")).unwrap();
        symlink("hops/hop", base.join("present")).unwrap();
        symlink("../real/end-dir", base.join("far/dirlink")).unwrap();
        symlink("far/dirlink/end", base.join("via")).unwrap();
        symlink("far/away/missing", base.join("missing")).unwrap();
        symlink("far/nodir/missing", base.join("nodir")).unwrap();
        let folders = |name: &str| {
            let r = route(
                &base.join(name),
                &std::fs::read_link(base.join(name)).unwrap().to_string_lossy(),
            );
            assert!(r.folders.iter().all(|(_, m)| m.kind == Kind::Dir));
            (r.folders.into_iter().map(|(p, _)| p).collect::<Vec<_>>(), r.missing_in)
        };
        let (present, missing_in) = folders("present");
        for want in ["hops", "real/end-dir", "real", ""] {
            assert!(present.contains(&base.join(want)), "present: {want} not in {present:?}");
        }
        assert!(present.contains(&PathBuf::from("/")));
        assert_eq!(missing_in, None);
        let (via, _) = folders("via");
        for want in ["far", "real/end-dir", "real"] {
            assert!(via.contains(&base.join(want)), "via: {want} not in {via:?}");
        }
        assert_eq!(folders("missing").1, Some(base.join("far/away")));
        // The nearest folder that exists holds the missing one.
        assert_eq!(folders("nodir").1, Some(base.join("far")));
    }

    #[test]
    fn reads_a_tree() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in FOLDERS {
            std::fs::create_dir(root.join(f)).unwrap();
        }
        std::fs::write(root.join("byuid/1000"), "127.0.0.1,80\n").unwrap();
        std::fs::write(root.join("byport/80"), "").unwrap();
        std::fs::set_permissions(root.join("byport/80"), std::fs::Permissions::from_mode(0o500)).unwrap();
        symlink("../target", root.join("byport/81")).unwrap();
        std::fs::write(root.join("target"), "x").unwrap();
        nix::unistd::mkfifo(
            &root.join("byuid/1001"),
            nix::sys::stat::Mode::from_bits_truncate(0o644),
        )
        .unwrap();
        let inv = Inventory::read(root).unwrap();
        let e = inv.get("byuid/1000").unwrap();
        assert_eq!(
            e.content,
            Content::Bytes {
                data: b"127.0.0.1,80\n".to_vec(),
                truncated: false
            }
        );
        assert_eq!(inv.get("byport/80").unwrap().meta.mode, 0o500);
        assert_eq!(inv.get("byport/80").unwrap().content, Content::NotRead);
        let l = inv.get("byport/81").unwrap().link.as_ref().unwrap();
        assert_eq!((l.target.as_str(), l.inside.as_deref()), ("../target", Some("target")));
        assert_eq!(l.resolved.unwrap().kind, Kind::File);
        // The FIFO is not opened (a read would hang).
        assert_eq!(inv.get("byuid/1001").unwrap().meta.kind, Kind::Fifo);
        assert_eq!(inv.get("byuid/1001").unwrap().content, Content::NotRead);
        assert_eq!(inv.children("byport").count(), 2);
        assert!(!inv.ancestors.is_empty());
    }

    /// The snapshot and the real tree read each node alike (one reader,
    /// `host::fs`): the same metadata, ACL presence and mount flags
    /// included, for a file with ACL entries, a FIFO, a symlink, a folder.
    #[test]
    #[ignore = "needs setfacl and a file system with ACLs (run with the root tests)"]
    fn the_snapshot_and_the_real_tree_read_nodes_alike() {
        use tree::Tree;
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        for f in FOLDERS {
            std::fs::create_dir(root.join(f)).unwrap();
        }
        std::fs::write(root.join("byport/80"), "").unwrap();
        std::fs::set_permissions(root.join("byport/80"), std::fs::Permissions::from_mode(0o711)).unwrap();
        let status = std::process::Command::new("setfacl")
            .args(["-m", "u:4242:r"])
            .arg(root.join("byport/80"))
            .status()
            .expect("run setfacl");
        assert!(status.success(), "setfacl: {status}");
        symlink("80", root.join("byport/81")).unwrap();
        nix::unistd::mkfifo(&root.join("byport/82"), nix::sys::stat::Mode::from_bits_truncate(0o755)).unwrap();
        let inv = Inventory::read(&root).unwrap();
        assert!(inv.get("byport/80").unwrap().meta.acl);
        let real = RealTree::new();
        let folder = real.folder(&root);
        for rel in ["byport", "byport/80", "byport/81", "byport/82"] {
            let node = rel
                .split('/')
                .try_fold(folder.clone(), |dir, name| real.lookup(&dir, name.as_bytes()))
                .unwrap();
            assert_eq!(real.meta(&node), inv.get(rel).unwrap().meta, "{rel}");
        }
    }
}
