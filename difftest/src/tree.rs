//! Random configuration trees around a request, written into the scratch
//! configuration folder.

use crate::lines;
use crate::names::byaddr_names;
use crate::request::{Request, USERS};
use authbind_testkit::Rng;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::os::unix::fs::{chown, symlink, PermissionsExt};
use std::path::Path;

#[derive(Clone, Debug)]
pub enum Node {
    File {
        owner: u32,
        group: u32,
        mode: u32,
        content: Vec<u8>,
    },
    Dir {
        mode: u32,
    },
    Symlink {
        target: String,
    },
}

/// Paths relative to the configuration folder, in creation order, and
/// the folder's own mode.
#[derive(Default, Debug)]
pub struct Tree {
    pub entries: Vec<(String, Node)>,
    pub root_mode: u32,
}

/// Mostly searchable by all; sometimes a folder the users cannot search
/// (every flag file in it is then refused, found or not), or only its
/// owner or group can.
pub(crate) fn folder_mode(rng: &mut Rng, percent_odd: u64) -> u32 {
    if rng.chance(percent_odd) {
        *rng.pick(&[0o700, 0o750, 0o711, 0o701, 0o710, 0o000, 0o100, 0o751])
    } else {
        0o755
    }
}

const MODES: &[u32] = &[
    0o755, 0o700, 0o500, 0o100, 0o644, 0o600, 0o000, 0o010, 0o001, 0o111, 0o4755, 0o070, 0o007,
];

fn mode(rng: &mut Rng) -> u32 {
    if rng.chance(60) {
        *rng.pick(MODES)
    } else {
        rng.below(0o1000) as u32
    }
}

fn owner(rng: &mut Rng) -> u32 {
    *rng.pick(&[USERS[0], USERS[1], 0])
}

/// What stands where authbind expects a flag file; with `outside_links`,
/// sometimes a link the kernel may refuse to follow (links.rs).
pub(crate) fn flag_node(rng: &mut Rng, outside_links: bool) -> Node {
    match rng.below(if outside_links { 12 } else { 10 }) {
        10 | 11 => Node::Symlink {
            target: (*rng.pick(crate::links::TARGETS)).into(),
        },
        0 => Node::Dir { mode: mode(rng) },
        1 => Node::Symlink {
            target: "/nonexistent/target".into(),
        },
        2 => Node::Symlink {
            target: "../target".into(),
        },
        _ => Node::File {
            owner: owner(rng),
            group: owner(rng),
            mode: mode(rng),
            content: Vec::new(),
        },
    }
}

fn bang(req: &Request, rng: &mut Rng) -> &'static str {
    // Mostly right for the port; sometimes the wrong way round.
    let wanted = req.port >= 512;
    if wanted != rng.chance(10) {
        "!"
    } else {
        ""
    }
}

/// A random tree around `req`. `outside_links`: flag files may be links
/// out of the folder to the ones links.rs makes (kernel mode's run; the
/// export round trip cannot follow a link out of the folder and back in,
/// nor tell a `nosymfollow` one).
pub fn random(rng: &mut Rng, req: &Request, outside_links: bool) -> Tree {
    let mut t = Tree {
        entries: Vec::new(),
        root_mode: folder_mode(rng, 8),
    };
    let dirs = ["byport", "byaddr", "byuid"];
    for d in dirs {
        if rng.chance(3) {
            // A missing folder, or a file where the folder should be.
            if rng.chance(50) {
                t.entries.push((
                    d.into(),
                    Node::File {
                        owner: 0,
                        group: 0,
                        mode: 0o644,
                        content: Vec::new(),
                    },
                ));
            }
        } else {
            let mode = folder_mode(rng, 12);
            t.entries.push((d.into(), Node::Dir { mode }));
        }
    }
    // The target of the "../target" symlinks.
    t.entries.push((
        "target".into(),
        Node::File {
            owner: owner(rng),
            group: owner(rng),
            mode: mode(rng),
            content: lines::file(rng, req),
        },
    ));

    if rng.chance(35) {
        let name = format!("byport/{}{}", bang(req, rng), req.port);
        let node = flag_node(rng, outside_links);
        t.entries.push((name, node));
    }
    if rng.chance(10) {
        let node = flag_node(rng, outside_links);
        t.entries.push((format!("byport/{}", req.port + 1), node));
    }
    if rng.chance(40) {
        let b = bang(req, rng) == "!";
        let names = byaddr_names(&req.addr, req.port, b);
        for name in names {
            if rng.chance(50) {
                let node = flag_node(rng, outside_links);
                t.entries.push((format!("byaddr/{name}"), node));
            }
        }
    }
    for uid in USERS {
        if !rng.chance(if uid == req.uid { 80 } else { 30 }) {
            continue;
        }
        let name = format!("byuid/{}{uid}", bang(req, rng));
        let node = match rng.below(20) {
            0 => Node::Dir { mode: 0o755 },
            1 => Node::Symlink {
                target: "/nonexistent/byuid".into(),
            },
            2 => Node::Symlink {
                target: "../target".into(),
            },
            3 if outside_links => Node::Symlink {
                target: (*rng.pick(crate::links::TARGETS)).into(),
            },
            _ => Node::File {
                owner: owner(rng),
                group: owner(rng),
                mode: mode(rng),
                content: lines::file(rng, req),
            },
        };
        t.entries.push((name, node));
    }
    t
}

/// Empties `root` and writes `tree` into it.
pub fn write(root: &Path, tree: &Tree) -> io::Result<()> {
    for entry in fs::read_dir(root)? {
        let path = entry?.path();
        if path.is_dir() && !path.is_symlink() {
            fs::remove_dir_all(&path)?;
        } else {
            fs::remove_file(&path)?;
        }
    }
    for (rel, node) in &tree.entries {
        let path = root.join(rel);
        if path.parent().is_some_and(|p| !p.is_dir()) || path.symlink_metadata().is_ok() {
            continue; // its folder is missing or a file, or a duplicate name
        }
        match node {
            Node::File {
                owner,
                group,
                mode,
                content,
            } => {
                fs::write(&path, content)?;
                chown(&path, Some(*owner), Some(*group))?;
                fs::set_permissions(&path, fs::Permissions::from_mode(*mode))?;
            }
            Node::Dir { mode } => {
                fs::create_dir(&path)?;
                fs::set_permissions(&path, fs::Permissions::from_mode(*mode))?;
            }
            Node::Symlink { target } => symlink(target, &path)?,
        }
    }
    fs::set_permissions(root, fs::Permissions::from_mode(tree.root_mode))
}

/// The tree as text, for a failure report.
pub fn describe(tree: &Tree) -> String {
    let mut s = format!("  .: dir mode={:o}\n", tree.root_mode);
    for (rel, node) in &tree.entries {
        let _ = match node {
            Node::File {
                owner,
                group,
                mode,
                content,
            } => writeln!(
                s,
                "  {rel}: file uid={owner} gid={group} mode={mode:o} content={:?}",
                String::from_utf8_lossy(content)
            ),
            Node::Dir { mode } => writeln!(s, "  {rel}: dir mode={mode:o}"),
            Node::Symlink { target } => writeln!(s, "  {rel}: symlink -> {target}"),
        };
    }
    s
}
