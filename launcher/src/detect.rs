//! Which mechanism can reach a program's binds: the LD_PRELOAD shim needs
//! the dynamic loader and libc's `bind`; static executables and Go
//! programs (whose net package makes the system call itself) need the
//! seccomp supervisor. Scripts are judged by their `#!` interpreter.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mechanism {
    Preload,
    Seccomp,
}

/// The chosen mechanism and why (for AUTHBIND_DEBUG).
pub fn choose(program: &OsStr) -> (Mechanism, String) {
    match resolve(program) {
        Some(path) => judge(&path, 0),
        None => (Mechanism::Preload, "not found on PATH (exec will say why)".into()),
    }
}

/// execvp's search: a name with a slash is used as it is.
pub fn resolve(program: &OsStr) -> Option<PathBuf> {
    if program.as_bytes().contains(&b'/') {
        return Some(PathBuf::from(program));
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/bin:/usr/bin"));
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable_file(p))
}

fn is_executable_file(p: &Path) -> bool {
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Opens `path` for reading only if it is a regular file, and without
/// blocking: a FIFO (or a terminal, a device) as the program or as an
/// interpreter must not hang us before exec, which gives the kernel's own
/// answer for it.
fn open_regular(path: &Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .ok()?;
    // It may have been swapped for something else in between.
    file.metadata().ok()?.is_file().then_some(file)
}

fn judge(path: &Path, depth: u32) -> (Mechanism, String) {
    let shown = path.display();
    let Some(mut file) = open_regular(path) else {
        return (
            Mechanism::Preload,
            format!("{shown}: not a regular file that can be read"),
        );
    };
    let mut head = [0u8; 256];
    let n = read_up_to(&mut file, &mut head);
    let head = &head[..n];
    if head.starts_with(b"#!") {
        if depth >= 4 {
            return (Mechanism::Preload, format!("{shown}: interpreters nest too deep"));
        }
        return match interpreter(head) {
            Some(interp) => {
                let (m, why) = judge(&interp, depth + 1);
                (m, format!("{shown} is a script for {}; {why}", interp.display()))
            }
            None => (Mechanism::Preload, format!("{shown}: unreadable #! line")),
        };
    }
    match elf_facts(&mut file, head) {
        Some(f) if f.go => (
            Mechanism::Seccomp,
            format!("{shown} is a Go program (makes bind system calls itself)"),
        ),
        Some(f) if !f.interp => (
            Mechanism::Seccomp,
            format!("{shown} is statically linked (no PT_INTERP)"),
        ),
        Some(_) => (Mechanism::Preload, format!("{shown} is dynamically linked")),
        None => (
            Mechanism::Preload,
            format!("{shown} is not a 64-bit little-endian ELF file"),
        ),
    }
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    n
}

/// `#!/path/interp [arg]`; `#!/usr/bin/env NAME` looks NAME up on PATH.
fn interpreter(head: &[u8]) -> Option<PathBuf> {
    match shebang(head)? {
        Shebang::Direct(interp) => Some(interp),
        Shebang::Env(name) => resolve(&name),
    }
}

enum Shebang {
    Direct(PathBuf),
    /// `#!/usr/bin/env NAME`: env is the interpreter, and runs NAME.
    Env(OsString),
}

fn shebang(head: &[u8]) -> Option<Shebang> {
    let line = head.strip_prefix(b"#!")?.split(|&b| b == b'\n').next()?;
    let mut words = line.split(|&b| b == b' ' || b == b'\t').filter(|w| !w.is_empty());
    let interp = PathBuf::from(OsStr::from_bytes(words.next()?));
    if interp.file_name() == Some(OsStr::new("env")) {
        let name = words.find(|w| !w.starts_with(b"-"))?;
        return Some(Shebang::Env(OsStr::from_bytes(name).to_os_string()));
    }
    Some(Shebang::Direct(interp))
}

/// For a script started through `#!/usr/bin/env NAME` (at any depth of
/// scripts): the program that will do the work, and how many programs run
/// before it, each taking one `--depth` level (the script's interpreter,
/// env, …). `None` when no env stands in the way.
pub fn env_chain(program: &OsStr) -> Option<(PathBuf, u32)> {
    let mut path = resolve(program)?;
    let mut before = 0;
    let mut through_env = false;
    for _ in 0..4 {
        let mut head = [0u8; 256];
        let n = read_up_to(&mut open_regular(&path)?, &mut head);
        let next = match shebang(&head[..n]) {
            None => break,
            Some(Shebang::Direct(interp)) => interp,
            Some(Shebang::Env(name)) => {
                through_env = true;
                // env itself is one program, then NAME another.
                before += 1;
                resolve(&name)?
            }
        };
        path = next;
    }
    through_env.then_some((path, before))
}

struct ElfFacts {
    interp: bool,
    go: bool,
}

const PT_INTERP: u32 = 3;
/// Bounds on what is read from a header table, whatever the file says.
const MAX_TABLE: u64 = 1 << 20;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn read_at(file: &mut File, offset: u64, len: u64) -> Option<Vec<u8>> {
    if len > MAX_TABLE {
        return None;
    }
    file.seek(SeekFrom::Start(offset)).ok()?;
    let mut v = vec![0u8; len as usize];
    file.read_exact(&mut v).ok()?;
    Some(v)
}

fn elf_facts(file: &mut File, head: &[u8]) -> Option<ElfFacts> {
    if head.len() < 64 || &head[..4] != b"\x7fELF" || head[4] != 2 || head[5] != 1 {
        return None;
    }
    let (phoff, phentsize, phnum) = (u64_at(head, 0x20)?, u16_at(head, 0x36)?, u16_at(head, 0x38)?);
    let phdrs = read_at(file, phoff, u64::from(phentsize) * u64::from(phnum))?;
    let interp = (0..usize::from(phnum)).any(|i| u32_at(&phdrs, i * usize::from(phentsize)) == Some(PT_INTERP));
    Some(ElfFacts {
        interp,
        go: has_go_section(file, head).unwrap_or(false),
    })
}

/// Go binaries keep `.go.buildinfo` (and usually `.note.go.buildid`),
/// stripped or not.
fn has_go_section(file: &mut File, head: &[u8]) -> Option<bool> {
    let (shoff, shentsize, shnum, shstrndx) = (
        u64_at(head, 0x28)?,
        u16_at(head, 0x3A)?,
        u16_at(head, 0x3C)?,
        u16_at(head, 0x3E)?,
    );
    let (entsize, count) = (usize::from(shentsize), usize::from(shnum));
    if shoff == 0 || entsize < 64 || usize::from(shstrndx) >= count {
        return Some(false);
    }
    let shdrs = read_at(file, shoff, (entsize * count) as u64)?;
    let strtab_hdr = usize::from(shstrndx) * entsize;
    let names = read_at(
        file,
        u64_at(&shdrs, strtab_hdr + 0x18)?,
        u64_at(&shdrs, strtab_hdr + 0x20)?,
    )?;
    Some((0..count).any(|i| {
        let start = u32_at(&shdrs, i * entsize).unwrap_or(u32::MAX) as usize;
        let name = names
            .get(start..)
            .map(|s| s.split(|&b| b == 0).next().unwrap_or_default());
        matches!(name, Some(b".go.buildinfo" | b".note.go.buildid"))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamic_programs_use_the_preload() {
        let (m, why) = choose(OsStr::new("/bin/sh"));
        assert_eq!(m, Mechanism::Preload, "{why}");
        assert!(why.contains("dynamically linked"), "{why}");
    }

    #[test]
    fn scripts_are_judged_by_their_interpreter() {
        let dir = std::env::temp_dir().join(format!("authbind-detect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("s");
        std::fs::write(&script, "#!/usr/bin/env sh\necho hi\n").unwrap();
        let (m, why) = choose(script.as_os_str());
        assert_eq!(m, Mechanism::Preload);
        assert!(why.contains("is a script for"), "{why}");
        let junk = dir.join("junk");
        std::fs::write(&junk, "not elf").unwrap();
        assert_eq!(choose(junk.as_os_str()).0, Mechanism::Preload);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn env_stands_between_a_script_and_its_interpreter() {
        let dir = std::env::temp_dir().join(format!("authbind-envchain-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let direct = dir.join("direct");
        std::fs::write(&direct, "#!/bin/sh\necho hi\n").unwrap();
        assert_eq!(env_chain(direct.as_os_str()), None);
        let via_env = dir.join("via-env");
        std::fs::write(&via_env, "#!/usr/bin/env sh\necho hi\n").unwrap();
        let (last, before) = env_chain(via_env.as_os_str()).unwrap();
        assert_eq!(before, 1);
        assert_eq!(last.file_name(), Some(OsStr::new("sh")));
        assert_eq!(env_chain(OsStr::new("/bin/sh")), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_programs_fall_back_to_the_preload() {
        assert_eq!(choose(OsStr::new("surely-no-such-program-here")).0, Mechanism::Preload);
    }
}
