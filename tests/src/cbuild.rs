//! Builds a named set of C sources with gcc, once per content hash, into a
//! trustworthy cached folder ([`crate::cache`]).

use std::path::PathBuf;
use std::process::Command;

/// One program: (output name, C source, extra gcc flags). The source is
/// written next to its output as `NAME.c`.
pub(crate) type CSource = (&'static str, &'static str, &'static [&'static str]);

/// The folder holding every output of `sources`, built now unless a
/// trustworthy build of the same sources is already there. Panics when gcc
/// fails or the folder cannot be made.
pub(crate) fn build(prefix: &str, sources: &[CSource]) -> PathBuf {
    crate::cache::cached(prefix, &sources, |dir| {
        for (name, source, flags) in sources {
            let src = dir.join(format!("{name}.c"));
            std::fs::write(&src, source).unwrap_or_else(|e| panic!("write {}: {e}", src.display()));
            let out = Command::new("gcc")
                .args(["-O2", "-Wall", "-Wextra", "-o"])
                .arg(dir.join(name))
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
    })
}
