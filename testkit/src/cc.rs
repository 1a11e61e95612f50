//! C fixtures: small programs compiled with gcc for the tests, the
//! benchmark and the differential test.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One program: (output name, C source, extra gcc flags).
pub type CSource = (&'static str, &'static str, &'static [&'static str]);

/// Writes `source` to `DIR/NAME.c` and compiles it to `DIR/NAME` (`gcc -O2
/// -Wall -Wextra FLAGS`), modes 0644 and 0755 whatever the umask (the test
/// users read and run them): the program's path, or what went wrong
/// (gcc's messages included).
pub fn compile(dir: &Path, (name, source, flags): CSource) -> Result<PathBuf, String> {
    let src = dir.join(format!("{name}.c"));
    let out = dir.join(name);
    std::fs::write(&src, source).map_err(|e| format!("write {}: {e}", src.display()))?;
    let gcc = Command::new("gcc")
        .args(["-O2", "-Wall", "-Wextra", "-o"])
        .arg(&out)
        .arg(&src)
        .args(flags)
        .output()
        .map_err(|e| format!("cannot run gcc (install gcc and libc6-dev): {e}"))?;
    if !gcc.status.success() {
        return Err(format!(
            "gcc failed on {name}.c:\n{}",
            String::from_utf8_lossy(&gcc.stderr)
        ));
    }
    for (path, mode) in [(&src, 0o644), (&out, 0o755)] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("chmod {}: {e}", path.display()))?;
    }
    Ok(out)
}

/// The folder holding every program of `sources`, built now unless a
/// trustworthy build of the same sources is already there
/// ([`crate::cache::cached`]: `/tmp/PREFIX<hash>`). Panics (fails the test)
/// when gcc fails or the folder cannot be made.
pub fn build_cached(prefix: &str, sources: &[CSource]) -> PathBuf {
    crate::cache::cached(prefix, &sources, |dir| {
        for &source in sources {
            compile(dir, source).unwrap_or_else(|e| panic!("{e}"));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scratch;

    #[test]
    fn a_program_is_compiled_and_runs() {
        let dir = Scratch::new("testkit-cc");
        let source: CSource = (
            "hello",
            "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 3; }\n",
            &[],
        );
        let bin = compile(dir.path(), source).unwrap();
        let out = Command::new(&bin).output().unwrap();
        assert_eq!(out.stdout, b"hi\n");
        assert_eq!(out.status.code(), Some(3));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join("hello.c")), 0o644);
        assert_eq!(mode(&bin), 0o755);
    }

    #[test]
    fn a_compile_error_says_what_gcc_said() {
        let dir = Scratch::new("testkit-cc");
        let err = compile(dir.path(), ("broken", "int main(void) { return x; }\n", &[])).unwrap_err();
        assert!(err.starts_with("gcc failed on broken.c:") && err.contains('x'), "{err}");
    }
}
