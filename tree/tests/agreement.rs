//! The walk against the kernel: random trees in a scratch folder (folder
//! and file modes, owners, symlinks relative and absolute, `..` after
//! symlinks, loops, files where folders are expected, trailing slashes),
//! and for each of many paths, `tree::access_x` over the real tree's
//! metadata (read with `lstat`/`readlink`) against `faccessat(X_OK)`, for
//! the user running the test: the same answer, errno included.
//!
//! Root passes almost every check, which would make the comparison weak:
//! as root, the trees get owners and groups among root, 4242 and 4243,
//! and the test binary runs itself again as uid 4242 (gid 4242, no other
//! groups; `setpriv`) to compare the same trees as that user. The root
//! test fails if that child fails or does not report its comparisons.
//!
//! The symlink rules: folders are sometimes sticky and world-writable,
//! links owned by any of the three (`fs.protected_symlinks`, read from the
//! machine, applies when it is on); and as root the test runs itself once
//! more in a mount namespace of its own (`unshare --mount`), where each
//! tree's `b` is a `nosymfollow` tmpfs, comparing there as root and as
//! uid 4242; the root test fails if that did not run, or if the mount
//! changed no answer.

use authbind_testkit::{Rng, Scratch};
use model::Errno;
use nix::unistd::AccessFlags;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{lchown, symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use tree::{access_x, Creds, Kind, Meta, Tree};

/// The scratch folder a child compares in (set by the root test).
const CHILD_DIR: &str = "AUTHBIND_TREE_AGREEMENT_DIR";
/// The scratch folder the child in a mount namespace builds its trees
/// in, with `nosymfollow` mounts (set by the root test).
const NAMESPACE_DIR: &str = "AUTHBIND_TREE_AGREEMENT_NOSYMFOLLOW_DIR";
const NAMESPACE_MARKER: &str = "authbind-tree agreement: nosymfollow trees compared";
const CHILD_UID: u32 = 4242;
const OTHER_UID: u32 = 4243;
const TREES: u64 = 60;
const PATHS: u64 = 80;
const MARKER: &str = "authbind-tree agreement: compared";

/// The real tree, as `lstat` and `readlink` show it to this process.
struct Real {
    /// The scratch folder's mount is `noexec`.
    noexec: bool,
    /// Each symlink's mount is asked whether it is `nosymfollow` (else
    /// taken as not: how much the flag matters).
    nosymfollow: bool,
    protected_symlinks: bool,
}

/// Is the folder `dir` (a symlink's: its mount) `nosymfollow`?
fn nosymfollow(dir: &Path) -> bool {
    use nix::fcntl::OFlag;
    let flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
    let fd = nix::fcntl::open(dir, flags, nix::sys::stat::Mode::empty()).expect("open a symlink's folder");
    let flags = syscalls::mountflags::mount_flags(syscalls::fd::borrow(&fd)).expect("fstatvfs");
    flags & syscalls::mountflags::ST_NOSYMFOLLOW != 0
}

#[derive(Clone, Debug)]
struct Node {
    path: PathBuf,
    meta: Meta,
}

impl PartialEq for Node {
    fn eq(&self, other: &Node) -> bool {
        self.path == other.path
    }
}
impl Eq for Node {}

impl Real {
    fn node(&self, path: PathBuf) -> Result<Node, Errno> {
        let md = std::fs::symlink_metadata(&path).map_err(|e| Errno::of(&e))?;
        let mut meta = Meta::of(&md);
        meta.noexec = self.noexec && meta.kind == Kind::File;
        meta.nosymfollow =
            self.nosymfollow && meta.kind == Kind::Symlink && nosymfollow(path.parent().unwrap_or(Path::new("/")));
        Ok(Node { path, meta })
    }
}

impl Tree for Real {
    type Node = Node;

    fn root(&self) -> Node {
        self.node("/".into()).expect("lstat /")
    }

    fn lookup(&self, dir: &Node, name: &[u8]) -> Result<Node, Errno> {
        // Nodes are reached by their real names only (symlinks are
        // followed by the walk), so a node's path has no symlink in it and
        // its parent is the path's.
        let path = if name == b".." {
            dir.path.parent().unwrap_or(Path::new("/")).to_path_buf()
        } else {
            dir.path.join(OsStr::from_bytes(name))
        };
        self.node(path)
    }

    fn meta(&self, node: &Node) -> Meta {
        node.meta
    }

    fn readlink(&self, node: &Node) -> Result<Vec<u8>, Errno> {
        std::fs::read_link(&node.path)
            .map(|t| t.as_os_str().as_bytes().to_vec())
            .map_err(|e| Errno::of(&e))
    }

    fn protected_symlinks(&self) -> bool {
        self.protected_symlinks
    }
}

/// Opens every folder below the scratch folder again before it goes
/// (modes 000 inside must not stop the removal when not root).
struct Reopen<'a>(&'a Path);

impl Drop for Reopen<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chmod")
            .arg("-R")
            .arg("u+rwx")
            .arg(self.0)
            .status();
    }
}

/// Sticky world-writable ones among them (/tmp's 1777), and sticky ones
/// that others may not write.
const DIR_MODES: &[u32] = &[
    0o755, 0o755, 0o711, 0o700, 0o100, 0o010, 0o001, 0o000, 0o750, 0o705, 0o070, 0o1777, 0o1777, 0o1733, 0o1755,
];
const FILE_MODES: &[u32] = &[0o755, 0o700, 0o100, 0o010, 0o001, 0o644, 0o000, 0o070, 0o007, 0o4755];
const DIRS: &[&str] = &["a", "b", "a/c"];
const FILES: &[&str] = &["f", "a/g", "b/h", "a/c/i"];
const LINKS: &[&str] = &["s1", "a/s2", "b/s3", "a/c/s4", "self"];
/// Symlink targets; `@` stands for the tree's absolute path.
const TARGETS: &[&str] = &[
    "f",
    "a",
    "../f",
    "..",
    ".",
    "a/c",
    "../s1",
    "s1",
    "a/../b",
    "c/..",
    "s2/..",
    "../a/s2/../g",
    "@/a",
    "@/a/c/../g",
    "@/b/s3/../f",
    "/nonexistent/authbind-x",
    "f/",
    "g/x",
    "../../f",
    "../../../..",
    "/",
    "",
];
/// First names: what the tree's top holds, mostly.
const TOP: &[&str] = &["a", "a", "b", "f", "s1", "s1", "self", ".", ".."];
/// Names below: what the folders and symlinks to them hold, mostly.
const BELOW: &[&str] = &[
    "c", "c", "g", "h", "i", "s2", "s2", "s3", "s4", "f", "a", ".", "..", "missing",
];

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A random tree at `root`; with `nosymfollow_b`, its folder `b` is a
/// `nosymfollow` tmpfs (in the mount namespace of the caller, root).
fn build(rng: &mut Rng, root: &Path, as_root: bool, nosymfollow_b: bool) {
    std::fs::create_dir(root).expect("mkdir tree");
    for d in DIRS {
        std::fs::create_dir(root.join(d)).expect("mkdir");
    }
    if nosymfollow_b {
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "nosymfollow,mode=755", "tmpfs"])
            .arg(root.join("b"))
            .status()
            .expect("run mount");
        assert!(status.success(), "mount -o nosymfollow: {status}");
    }
    for f in FILES {
        std::fs::write(root.join(f), "").expect("write");
        chmod(&root.join(f), *rng.pick(FILE_MODES));
    }
    let abs = root.to_str().expect("utf-8 scratch path");
    for l in LINKS {
        let target = if *l == "self" {
            "self".to_string()
        } else {
            rng.pick(TARGETS).replace('@', abs)
        };
        if target.is_empty() {
            // symlink(2) refuses an empty target: leave the name missing.
            continue;
        }
        symlink(&target, root.join(l)).expect("symlink");
    }
    let mut owned: Vec<PathBuf> = DIRS.iter().chain(FILES).chain(LINKS).map(|p| root.join(p)).collect();
    owned.push(root.to_path_buf());
    if as_root {
        for p in &owned {
            if p.symlink_metadata().is_ok() {
                let uid = *rng.pick(&[0, CHILD_UID, OTHER_UID]);
                let gid = *rng.pick(&[0, CHILD_UID, OTHER_UID]);
                lchown(p, Some(uid), Some(gid)).expect("lchown");
            }
        }
    }
    // Folders last, deepest first (a closed folder stops nothing for root,
    // but keep the order right for anyone).
    for d in DIRS.iter().rev() {
        chmod(&root.join(d), *rng.pick(DIR_MODES));
    }
    if rng.below(5) == 0 {
        chmod(root, *rng.pick(DIR_MODES));
    } else {
        chmod(root, 0o755);
    }
}

fn paths(seed: u64, root: &Path) -> Vec<String> {
    let mut rng = Rng::new(seed ^ 0x5eed_0f9a_75c3);
    let abs = root.to_str().expect("utf-8 scratch path");
    (0..PATHS)
        .map(|_| {
            let n = 1 + rng.below(4);
            let mut p: Vec<&str> = (0..n)
                .map(|i| if i == 0 { *rng.pick(TOP) } else { *rng.pick(BELOW) })
                .collect();
            if rng.below(5) == 0 {
                p.insert(0, abs);
            }
            let mut s = p.join("/");
            if rng.below(10) == 0 {
                s.push('/');
            }
            s
        })
        .collect()
}

fn own_creds() -> Creds {
    let groups = nix::unistd::getgroups()
        .expect("getgroups")
        .into_iter()
        .map(|g| g.as_raw())
        .collect();
    Creds::new(nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw(), groups)
}

fn noexec(path: &Path) -> bool {
    let vfs = nix::sys::statvfs::statvfs(path).expect("statvfs");
    vfs.flags().contains(nix::sys::statvfs::FsFlags::ST_NOEXEC)
}

/// Compares every path of every tree under `base`; how many, and for how
/// many the mounts' `nosymfollow` changed the walk's answer.
fn compare_all(base: &Path) -> (usize, usize) {
    let who = own_creds();
    let protected_symlinks = syscalls::mountflags::protected_symlinks().expect("read fs.protected_symlinks");
    let real = Real {
        noexec: noexec(base),
        nosymfollow: true,
        protected_symlinks,
    };
    let blind = Real {
        nosymfollow: false,
        ..real
    };
    let mut mattered = 0;
    let mut compared = 0;
    let mut mismatches = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
    for seed in 0..TREES {
        let root = base.join(format!("t{seed}"));
        let dirfd = nix::fcntl::open(
            &root,
            nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .expect("open tree");
        let start = real.node(root.clone()).expect("lstat tree");
        for path in paths(seed, &root) {
            let kernel = nix::unistd::faccessat(&dirfd, path.as_str(), AccessFlags::X_OK, nix::fcntl::AtFlags::empty())
                .map_err(|e| Errno(e as i32));
            let ours = access_x(&real, &start, path.as_bytes(), &who, &mut ()).map(|_| ());
            if access_x(&blind, &start, path.as_bytes(), &who, &mut ()).map(|_| ()) != ours {
                mattered += 1;
            }
            if kernel != ours {
                mismatches.push(format!("t{seed} {path:?}: kernel {kernel:?}, walk {ours:?}"));
            }
            *seen.entry(kernel.err()).or_insert(0) += 1;
            compared += 1;
        }
    }
    println!(
        "uid {}: answers {seen:?}; fs.protected_symlinks {protected_symlinks}; nosymfollow changed {mattered}",
        who.uid
    );
    assert!(
        mismatches.is_empty(),
        "uid {}: {} of {compared} paths disagree:\n{}",
        who.uid,
        mismatches.len(),
        mismatches.join("\n")
    );
    // Every answer the walk can give was met (else the trees are too tame).
    for want in [
        None,
        Some(Errno::EACCES),
        Some(Errno::ENOENT),
        Some(Errno::ENOTDIR),
        Some(Errno::ELOOP),
    ] {
        assert!(seen.contains_key(&want), "uid {}: no {want:?} among {seen:?}", who.uid);
    }
    (compared, mattered)
}

/// Runs this very test again as uid 4242, over the trees in `base`.
fn compare_as_child(base: &Path) {
    // The child may not reach the build folder: it runs a copy.
    let exe = std::env::current_exe().expect("current_exe");
    let copy = base.join("agreement-test");
    std::fs::copy(&exe, &copy).expect("copy the test binary");
    chmod(&copy, 0o755);
    let out = std::process::Command::new("setpriv")
        .arg(format!("--reuid={CHILD_UID}"))
        .arg(format!("--regid={CHILD_UID}"))
        .arg("--clear-groups")
        .arg(&copy)
        .args([
            "--exact",
            "walk_agrees_with_faccessat",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, base)
        .current_dir(base)
        .output()
        .expect("run setpriv");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the comparison as uid {CHILD_UID} failed: {}\n{stdout}\n{stderr}",
        out.status
    );
    let want = format!("{MARKER} {} paths as uid {CHILD_UID}", TREES * PATHS);
    assert!(
        stdout.contains(&want),
        "the comparison as uid {CHILD_UID} did not run ({want:?} not said):\n{stdout}\n{stderr}"
    );
}

/// In the mount namespace the root test made: trees with `nosymfollow`
/// mounts in `base`, compared as root and as uid 4242.
fn compare_in_namespace(base: &Path) {
    let _reopen = Reopen(base);
    for seed in 0..TREES {
        build(
            &mut Rng::new(seed ^ 0x0005_f011),
            &base.join(format!("t{seed}")),
            true,
            true,
        );
    }
    let (n, mattered) = compare_all(base);
    assert_eq!(n, (TREES * PATHS) as usize);
    assert!(
        mattered > 0,
        "the nosymfollow mounts changed no answer: the trees are too tame"
    );
    compare_as_child(base);
    println!("{NAMESPACE_MARKER}: {n} paths, {mattered} answers changed by nosymfollow");
}

/// Runs this very test again, as root, in a mount namespace of its own
/// (the mounts vanish with it), over trees it builds in `base`.
fn run_in_namespace(base: &Path) {
    let exe = std::env::current_exe().expect("current_exe");
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private"])
        .arg(&exe)
        .args([
            "--exact",
            "walk_agrees_with_faccessat",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(NAMESPACE_DIR, base)
        .env_remove(CHILD_DIR)
        .output()
        .expect("run unshare");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the comparison in a mount namespace failed: {}\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains(NAMESPACE_MARKER),
        "the comparison in a mount namespace did not run ({NAMESPACE_MARKER:?} not said):\n{stdout}\n{stderr}"
    );
}

#[test]
fn walk_agrees_with_faccessat() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        let (n, _) = compare_all(Path::new(&dir));
        println!("{MARKER} {n} paths as uid {}", nix::unistd::getuid());
        return;
    }
    if let Some(dir) = std::env::var_os(NAMESPACE_DIR) {
        compare_in_namespace(Path::new(&dir));
        return;
    }
    let as_root = nix::unistd::getuid().is_root();
    // Mode 0755: the child reaches it.
    let scratch = Scratch::new("tree-agreement");
    let base = scratch.path();
    let _reopen = Reopen(base);
    for seed in 0..TREES {
        build(&mut Rng::new(seed), &base.join(format!("t{seed}")), as_root, false);
    }
    assert_eq!(compare_all(base).0, (TREES * PATHS) as usize);
    if as_root {
        compare_as_child(base);
        let nosymfollow = Scratch::new("tree-agreement-nosymfollow");
        run_in_namespace(nosymfollow.path());
    }
}
