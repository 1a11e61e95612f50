//! Test programs in other languages (tests/progs/): a Go HTTP server built
//! with Debian's golang-go (with cgo, a dynamic executable; with
//! `CGO_ENABLED=0`, a static one), a Java HTTP server compiled with javac,
//! and a node script. Like [`crate::programs`], each is built once into a
//! cached folder ([`crate::cache`]), reused while the sources are unchanged.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const GOSERVER: &str = include_str!("../progs/goserver.go");
const HELLO_SERVER: &str = include_str!("../progs/HelloServer.java");
const SERVER_JS: &str = include_str!("../progs/server.js");

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

/// `/tmp/authbind-e2e-TAG-HASH`, built by `build` unless a trustworthy
/// build of the same sources is there.
fn cached(tag: &str, sources: &[&str], build: impl FnOnce(&Path)) -> PathBuf {
    authbind_testkit::cache::cached(&format!("authbind-e2e-{tag}-"), &sources, build)
}
