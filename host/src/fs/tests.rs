//! The tree over `O_PATH` descriptors against `tree::MemTree` built to
//! the same shape: the same walk gives the same answers (the node's
//! metadata, or the errno) for the same paths and users. Symlink loops,
//! `..` after a symlink (the real parent, not the path's text), a FIFO
//! (never opened), files where folders are expected; as root, the same
//! in a mount namespace of its own over a `noexec,nosymfollow` tmpfs.

use super::{FdTree, Inode, Node};
use authbind_testkit::Scratch;
use model::Errno;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use tree::{access_x, resolve, Creds, Follow, Kind, MemTree, Meta, Tree};

/// One node of a test tree, by its path below the tree's base.
enum Spec {
    Dir(&'static str, u32),
    File(&'static str, u32),
    Fifo(&'static str, u32),
    Link(&'static str, &'static str),
}
use Spec::*;

const SHAPE: &[Spec] = &[
    Dir("a", 0o755),
    File("a/f", 0o755),
    File("a/g", 0o644),
    Fifo("a/fifo", 0o755),
    Dir("a/inner", 0o755),
    File("a/inner/h", 0o711),
    Dir("b", 0o711),
    File("b/x", 0o700),
    Dir("closed", 0o700),
    File("closed/y", 0o755),
    Link("up", "a/inner"),
    Link("toB", "b"),
    Link("loop1", "loop2"),
    Link("loop2", "loop1"),
    Link("self", "self"),
    Link("dangling", "nowhere"),
    Link("a/inner/back", "../../b/x"),
    Link("tofifo", "a/fifo"),
];

/// Paths from the base, each one asked of both trees.
const PATHS: &[&str] = &[
    "a",
    "a/f",
    "a/g",
    "a/fifo",
    "tofifo",
    "a/inner/h",
    "up/h",
    // The real parent of a/inner: a, where g is (b/g is not).
    "up/../g",
    "up/../../b/x",
    "up/..",
    "up/back",
    "up/back/",
    "toB/x",
    "toB/../a/f",
    "loop1",
    "loop1/x",
    "self",
    "dangling",
    "a/f/x",
    "a/f/",
    "a/fifo/x",
    "closed/y",
    "b/x",
    "b/nothing",
    "a/./f",
    "a//inner/./h",
];

fn build_real(base: &Path, shape: &[Spec]) {
    for spec in shape {
        match spec {
            Dir(p, mode) => {
                std::fs::create_dir(base.join(p)).unwrap();
                std::fs::set_permissions(base.join(p), std::fs::Permissions::from_mode(*mode)).unwrap();
            }
            File(p, mode) => {
                std::fs::write(base.join(p), "").unwrap();
                std::fs::set_permissions(base.join(p), std::fs::Permissions::from_mode(*mode)).unwrap();
            }
            Fifo(p, mode) => {
                nix::unistd::mkfifo(&base.join(p), nix::sys::stat::Mode::from_bits_truncate(*mode)).unwrap();
                std::fs::set_permissions(base.join(p), std::fs::Permissions::from_mode(*mode)).unwrap();
            }
            Link(p, target) => symlink(target, base.join(p)).unwrap(),
        }
    }
}

/// How the real base's mount is: its nodes get these flags in the model.
struct Mount {
    noexec: bool,
    nosymfollow: bool,
}

/// The same shape at `/s` (owned by this process's user, as the real
/// nodes are), on a mount flagged as `mount` says.
fn build_mem(shape: &[Spec], mount: &Mount) -> MemTree {
    let (uid, gid) = (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw());
    let mut mem = MemTree::new();
    let flagged = |mut meta: Meta| {
        meta.noexec = meta.kind == Kind::File && mount.noexec;
        meta.nosymfollow = matches!(meta.kind, Kind::Dir | Kind::Symlink) && mount.nosymfollow;
        meta
    };
    let s = mem.dir("/s", uid, gid, 0o755).unwrap();
    mem.set_meta(s, flagged(Meta::new(Kind::Dir, uid, gid, 0o755)));
    for spec in shape {
        let (node, meta) = match spec {
            Dir(p, mode) => (
                mem.dir(&format!("/s/{p}"), uid, gid, *mode),
                Meta::new(Kind::Dir, uid, gid, *mode),
            ),
            File(p, mode) => (
                mem.file(&format!("/s/{p}"), uid, gid, *mode),
                Meta::new(Kind::File, uid, gid, *mode),
            ),
            Fifo(p, mode) => {
                let meta = Meta::new(Kind::Fifo, uid, gid, *mode);
                (mem.put(&format!("/s/{p}"), meta), meta)
            }
            Link(p, target) => (
                mem.symlink(&format!("/s/{p}"), target),
                Meta::new(Kind::Symlink, uid, gid, 0o777),
            ),
        };
        mem.set_meta(node.unwrap(), flagged(meta));
    }
    mem
}

/// What a walk's answer says, comparable across trees (identities and
/// folder sizes differ).
fn seen(meta: Result<Meta, Errno>) -> Result<Meta, Errno> {
    meta.map(|m| Meta {
        id: (0, 0),
        size: 0,
        ..m
    })
}

/// Asks every path of both trees, for root and for a user who is neither
/// the owner nor in the group; the number of answers compared.
fn compare(base: &Path, shape: &[Spec], paths: &[&str]) -> usize {
    let real = FdTree::new(false).unwrap();
    let start = real.open_dir(base).unwrap();
    let here = Inode::open_dir(base).unwrap();
    let mount = Mount {
        noexec: here.noexec().unwrap(),
        nosymfollow: here.nosymfollow().unwrap(),
    };
    let mem = build_mem(shape, &mount);
    let mstart = mem.node("/s").unwrap();
    let users = [Creds::root(), Creds::new(4242, 4242, vec![])];
    let mut n = 0;
    for path in paths {
        for who in &users {
            for follow in [Follow::Last, Follow::NotLast] {
                let r = resolve(&real, &start, path.as_bytes(), who, follow, &mut ()).map(|x| real.meta(&x));
                let m = resolve(&mem, &mstart, path.as_bytes(), who, follow, &mut ()).map(|x| mem.meta(&x));
                assert_eq!(seen(r), seen(m), "resolve {path:?} for {who:?}, {follow:?}");
                n += 1;
            }
            let r = access_x(&real, &start, path.as_bytes(), who, &mut ()).map(|x| real.meta(&x));
            let m = access_x(&mem, &mstart, path.as_bytes(), who, &mut ()).map(|x| mem.meta(&x));
            assert_eq!(seen(r), seen(m), "access_x {path:?} for {who:?}");
            n += 1;
        }
    }
    n
}

fn node(tree: &FdTree, start: &Node, path: &str) -> Result<Node, Errno> {
    resolve(tree, start, path.as_bytes(), &Creds::root(), Follow::NotLast, &mut ())
}

#[test]
fn the_fd_tree_agrees_with_a_memory_tree_of_the_same_shape() {
    let scratch = Scratch::new("host-fdtree");
    build_real(scratch.path(), SHAPE);
    assert_eq!(compare(scratch.path(), SHAPE, PATHS), PATHS.len() * 2 * 3);
}

#[test]
fn dot_dot_is_the_real_parent_and_the_same_inode_is_the_same_node() {
    let scratch = Scratch::new("host-fdtree-parent");
    build_real(scratch.path(), SHAPE);
    let real = FdTree::new(false).unwrap();
    let start = real.open_dir(scratch.path()).unwrap();
    let a = node(&real, &start, "a").unwrap();
    assert!(node(&real, &start, "up/..").unwrap() == a);
    assert!(node(&real, &start, "a/inner/..").unwrap() == a);
    assert!(node(&real, &start, "a").unwrap() != node(&real, &start, "b").unwrap());
    // `/`'s parent is `/`.
    assert!(real.lookup(&real.root(), b"..").unwrap() == real.root());
}

#[test]
fn a_fifo_is_read_without_being_opened() {
    let scratch = Scratch::new("host-fdtree-fifo");
    build_real(scratch.path(), SHAPE);
    let real = FdTree::new(false).unwrap();
    let start = real.open_dir(scratch.path()).unwrap();
    // No reader or writer on the other end: an open would block.
    let fifo = node(&real, &start, "a/fifo").unwrap();
    assert_eq!(real.meta(&fifo).kind, Kind::Fifo);
    let link = node(&real, &start, "tofifo").unwrap();
    assert_eq!(real.meta(&link).kind, Kind::Symlink);
    assert_eq!(real.readlink(&link).unwrap(), b"a/fifo");
    assert_eq!(real.readlink(&fifo), Err(Errno::EINVAL));
}

/// The scratch folder the child in a mount namespace compares in.
const NAMESPACE_DIR: &str = "AUTHBIND_HOST_FDTREE_MOUNT_DIR";
const NAMESPACE_MARKER: &str = "authbind-host fdtree: noexec,nosymfollow compared";

/// Below `m`, a tmpfs mounted `noexec,nosymfollow`.
const MOUNTED: &[Spec] = &[
    Dir("a", 0o755),
    File("a/f", 0o755),
    File("m/f", 0o755),
    Dir("m/d", 0o755),
    File("m/d/h", 0o755),
    Link("m/l", "f"),
    Link("m/out", "../a/f"),
    Link("m/d/back", ".."),
    Link("into", "m/f"),
];

const MOUNTED_PATHS: &[&str] = &[
    "m",
    "m/f",
    "m/l",
    "m/out",
    "m/d/h",
    "m/d/back",
    "m/d/back/f",
    "into",
    "m/../a/f",
    "a/f",
];

fn compare_in_namespace(base: &Path) {
    build_real(base, &MOUNTED[..2]);
    std::fs::create_dir(base.join("m")).unwrap();
    let status = std::process::Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            "noexec,nosymfollow,mode=0755",
            "authbind-host-test",
        ])
        .arg(base.join("m"))
        .status()
        .expect("run mount");
    assert!(status.success(), "mount a noexec,nosymfollow tmpfs: {status}");
    build_real(base, &MOUNTED[2..]);
    let real = FdTree::new(false).unwrap();
    let start = real.open_dir(base).unwrap();
    let at = |p: &str| real.meta(&node(&real, &start, p).unwrap());
    assert!(at("m/f").noexec && at("m/l").nosymfollow && at("m").nosymfollow && at("m/d").nosymfollow);
    assert!(!at("a/f").noexec && !at("a").nosymfollow && !at("into").nosymfollow);
    // The model: the mount's nodes flagged, the others not.
    let mount = Mount {
        noexec: true,
        nosymfollow: true,
    };
    let mut mem = build_mem(
        &[],
        &Mount {
            noexec: false,
            nosymfollow: false,
        },
    );
    let (uid, gid) = (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw());
    let flag = |p: &str, mut meta: Meta| {
        if p.starts_with("m") {
            meta.noexec = meta.kind == Kind::File && mount.noexec;
            meta.nosymfollow = matches!(meta.kind, Kind::Dir | Kind::Symlink) && mount.nosymfollow;
        }
        meta
    };
    let m = mem.dir("/s/m", 0, 0, 0o755).unwrap();
    mem.set_meta(m, flag("m", Meta::new(Kind::Dir, 0, 0, 0o755)));
    for spec in MOUNTED {
        let (p, node, meta) = match spec {
            Dir(p, mode) => (
                p,
                mem.dir(&format!("/s/{p}"), uid, gid, *mode),
                Meta::new(Kind::Dir, uid, gid, *mode),
            ),
            File(p, mode) => (
                p,
                mem.file(&format!("/s/{p}"), uid, gid, *mode),
                Meta::new(Kind::File, uid, gid, *mode),
            ),
            Fifo(..) => unreachable!("no FIFO here"),
            Link(p, target) => (
                p,
                mem.symlink(&format!("/s/{p}"), target),
                Meta::new(Kind::Symlink, uid, gid, 0o777),
            ),
        };
        mem.set_meta(node.unwrap(), flag(p, meta));
    }
    let mstart = mem.node("/s").unwrap();
    let users = [Creds::root(), Creds::new(4242, 4242, vec![])];
    let mut changed = 0;
    for path in MOUNTED_PATHS {
        for who in &users {
            let r = access_x(&real, &start, path.as_bytes(), who, &mut ()).map(|x| real.meta(&x));
            let m = access_x(&mem, &mstart, path.as_bytes(), who, &mut ()).map(|x| mem.meta(&x));
            if matches!(r, Err(Errno::ELOOP) | Err(Errno::EACCES)) {
                changed += 1;
            }
            assert_eq!(seen(r), seen(m), "access_x {path:?} for {who:?} over the mount");
        }
    }
    // m/f, m/l, m/out, into, m/d/h, m/d/back/f: refused for both users.
    assert!(changed >= 12, "the mount's flags changed too few answers ({changed})");
    println!("{NAMESPACE_MARKER}: {changed} refusals");
}

#[test]
#[ignore = "needs root: mounts a tmpfs in a mount namespace of its own"]
fn the_fd_tree_reads_noexec_and_nosymfollow_mounts() {
    if let Some(dir) = std::env::var_os(NAMESPACE_DIR) {
        compare_in_namespace(Path::new(&dir));
        return;
    }
    let scratch = Scratch::new("host-fdtree-mount");
    let exe = std::env::current_exe().expect("current_exe");
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private"])
        .arg(&exe)
        .args([
            "--exact",
            "fs::tests::the_fd_tree_reads_noexec_and_nosymfollow_mounts",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(NAMESPACE_DIR, scratch.path())
        .output()
        .expect("run unshare");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the comparison in a mount namespace failed: {}\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains(NAMESPACE_MARKER),
        "the comparison in a mount namespace did not run:\n{stdout}\n{stderr}"
    );
}

#[test]
#[ignore = "needs setfacl and a file system with ACLs (run with the root tests)"]
fn acl_entries_and_readlink_of_a_non_link_are_read_as_the_kernel_has_them() {
    let scratch = Scratch::new("host-fdtree-acl");
    build_real(scratch.path(), SHAPE);
    let status = std::process::Command::new("setfacl")
        .args(["-m", "u:4242:r"])
        .arg(scratch.join("a/inner/h"))
        .status()
        .expect("run setfacl");
    assert!(status.success(), "setfacl: {status}");
    let real = FdTree::new(false).unwrap();
    let start = real.open_dir(scratch.path()).unwrap();
    let with = node(&real, &start, "a/inner/h").unwrap();
    let without = node(&real, &start, "a/f").unwrap();
    assert!(real.meta(&with).acl && !real.meta(&without).acl);
    // Its mode lets others execute it (0711, now 0751), its entry for
    // uid 4242 does not: the kernel refuses 4242, and so does the model
    // (only the owner passes a node with ACL entries), where reading the
    // mode alone would let 4242 through.
    let stranger = Creds::new(4242, 4242, vec![]);
    assert_eq!(real.meta(&with).mode & 0o001, 0o001);
    assert_eq!(
        access_x(&real, &start, b"a/inner/h", &stranger, &mut ()).err(),
        Some(Errno::EACCES)
    );
    // `readlink(2)` on a name that is not a symlink: EINVAL (not the
    // ENOENT `readlinkat(fd, "")` gives), as the memory tree says.
    assert_eq!(real.readlink(&without), Err(Errno::EINVAL));
}
