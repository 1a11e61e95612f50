//! Test programs in other languages (tests/progs/): a Go HTTP server built
//! with Debian's golang-go (with cgo, a dynamic executable; with
//! `CGO_ENABLED=0`, a static one), a Java HTTP server compiled with javac,
//! and a node script. Like [`crate::programs`], each is built once into a
//! root-owned folder under /tmp named after a hash of its sources, mode
//! 0755, reused while the sources are unchanged.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const GOSERVER: &str = include_str!("../progs/goserver.go");
const HELLO_SERVER: &str = include_str!("../progs/HelloServer.java");
const SERVER_JS: &str = include_str!("../progs/server.js");

/// Written last into a finished build folder.
const COMPLETE: &str = ".complete";

pub struct GoPrograms {
    dir: PathBuf,
}

impl GoPrograms {
    /// `goserver serve ADDR CODE | listen ADDR`, built with cgo: dynamically
    /// linked, with a `.go.buildinfo` section.
    pub fn dynamic(&self) -> PathBuf {
        self.dir.join("goserver")
    }

    /// The same built with `CGO_ENABLED=0`: statically linked.
    pub fn static_(&self) -> PathBuf {
        self.dir.join("goserver-static")
    }
}

/// The Go programs (built on first use; panics when `go build` fails).
pub fn go_programs() -> &'static GoPrograms {
    static GO: OnceLock<GoPrograms> = OnceLock::new();
    GO.get_or_init(|| GoPrograms {
        dir: cached("go", &[GOSERVER], |dir| {
            std::fs::write(dir.join("goserver.go"), GOSERVER).expect("write goserver.go");
            // A cache that survives the build folder: a changed source
            // then rebuilds in seconds, not a quarter of a minute.
            let cache = std::env::temp_dir().join("authbind-e2e-gocache");
            let home = dir.join("home");
            for (out, cgo) in [("goserver", "1"), ("goserver-static", "0")] {
                run(Command::new("go")
                    .args(["build", "-o", out, "goserver.go"])
                    .current_dir(dir)
                    .env("HOME", &home)
                    .env("GOPATH", home.join("go"))
                    .env("GOCACHE", &cache)
                    .env("GOFLAGS", "")
                    .env("GOPROXY", "off")
                    .env("CGO_ENABLED", cgo));
            }
            let _ = std::fs::remove_dir_all(&home);
        }),
    })
}

/// The folder holding `HelloServer.class` (run it with `java -cp DIR HelloServer PORT`).
pub fn java_classes() -> &'static Path {
    static JAVA: OnceLock<PathBuf> = OnceLock::new();
    JAVA.get_or_init(|| {
        cached("java", &[HELLO_SERVER], |dir| {
            std::fs::write(dir.join("HelloServer.java"), HELLO_SERVER).expect("write HelloServer.java");
            run(Command::new("javac")
                .args(["-d", ".", "HelloServer.java"])
                .current_dir(dir)
                .env("HOME", dir));
        })
    })
}

/// `server.js` (run it with `node FILE PORT`).
pub fn node_server() -> &'static Path {
    static NODE: OnceLock<PathBuf> = OnceLock::new();
    NODE.get_or_init(|| {
        cached("node", &[SERVER_JS], |dir| {
            std::fs::write(dir.join("server.js"), SERVER_JS).expect("write server.js");
        })
        .join("server.js")
    })
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?} (see .ci/run for the packages): {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `/tmp/authbind-e2e-TAG-HASH`, built by `build` in a temporary folder
/// unless a complete, root-owned build is already there.
fn cached(tag: &str, sources: &[&str], build: impl FnOnce(&Path)) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    sources.hash(&mut hasher);
    let dir = std::env::temp_dir().join(format!("authbind-e2e-{tag}-{:016x}", hasher.finish()));
    if trustworthy(&dir) {
        return dir;
    }
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

/// Root's, not writable by others, finished.
fn trustworthy(dir: &Path) -> bool {
    let safe = |p: &Path| {
        std::fs::symlink_metadata(p)
            .map(|m| m.uid() == 0 && m.mode() & 0o022 == 0 && !m.file_type().is_symlink())
            .unwrap_or(false)
    };
    safe(dir) && safe(&dir.join(COMPLETE))
}
