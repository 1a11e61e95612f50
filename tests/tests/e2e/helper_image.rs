//! The installed helper as the kernel runs it, without a C library
//! (helper/src/start.rs does a static-pie start-up's work itself): an
//! executable with no interpreter, loaded at a random address each time,
//! whose relocated read-only data (PT_GNU_RELRO) is read-only by the time
//! it waits for a request. Were its own relocation wrong it would crash
//! before it waits (every e2e test would fail); were RELRO left writable,
//! or the image not position-independent, this test fails.

use authbind_e2e::ready;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ET_DYN: u16 = 3;
const PT_INTERP: u32 = 3;
const PT_GNU_RELRO: u32 = 0x6474_e552;

/// The ELF type and the program headers (type, vaddr, memsz) of `path`.
fn program_headers(path: &Path) -> (u16, Vec<(u32, u64, u64)>) {
    let elf = std::fs::read(path).unwrap();
    assert_eq!(&elf[..4], b"\x7fELF", "{} is not an ELF file", path.display());
    let u16_at = |at: usize| u16::from_le_bytes(elf[at..at + 2].try_into().unwrap());
    let u32_at = |at: usize| u32::from_le_bytes(elf[at..at + 4].try_into().unwrap());
    let u64_at = |at: usize| u64::from_le_bytes(elf[at..at + 8].try_into().unwrap());
    let (phoff, phentsize, phnum) = (u64_at(32) as usize, usize::from(u16_at(54)), usize::from(u16_at(56)));
    let headers = (0..phnum)
        .map(|i| {
            let ph = phoff + i * phentsize;
            (u32_at(ph), u64_at(ph + 16), u64_at(ph + 40))
        })
        .collect();
    (u16_at(16), headers)
}

/// The helper's mappings of its own file (start, end, permissions), read
/// while it waits for a request that never comes.
fn mappings_while_waiting(helper: &Path) -> Vec<(u64, u64, String)> {
    // A real channel (anything else is refused at once), whose peer never
    // writes: the helper waits in its receive.
    let (_peer, channel) = seqpacket_pair();
    let mut child: Child = Command::new(helper)
        .arg("--native")
        .stdin(Stdio::from(channel))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stat = format!("/proc/{}/stat", child.id());
    let deadline = Instant::now() + Duration::from_secs(4);
    // Asleep in its receive (state S) once its start-up is over.
    while !std::fs::read_to_string(&stat).is_ok_and(|s| s.rsplit(") ").next().is_some_and(|r| r.starts_with('S'))) {
        assert!(Instant::now() < deadline, "the helper never waited for its request");
        std::thread::sleep(Duration::from_millis(5));
    }
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", child.id())).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let name = helper.to_str().unwrap();
    maps.lines()
        .filter(|l| l.ends_with(name))
        .map(|l| {
            let mut f = l.split_whitespace();
            let (range, perms) = (f.next().unwrap(), f.next().unwrap());
            let (a, b) = range.split_once('-').unwrap();
            (
                u64::from_str_radix(a, 16).unwrap(),
                u64::from_str_radix(b, 16).unwrap(),
                perms.to_string(),
            )
        })
        .collect()
}

/// A SOCK_SEQPACKET pair (std makes none).
fn seqpacket_pair() -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    use std::os::fd::FromRawFd;
    let mut fds = [-1; 2];
    // SAFETY: fds has room for the two descriptors socketpair writes.
    let r = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    assert_eq!(r, 0, "socketpair: {}", std::io::Error::last_os_error());
    // SAFETY: socketpair just made both; they are ours.
    unsafe {
        (
            std::os::fd::OwnedFd::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        )
    }
}

#[test]
#[ignore = "needs root: make e2e"]
fn the_helper_is_position_independent_with_its_relocated_data_read_only() {
    let install = ready("the_helper_is_position_independent_with_its_relocated_data_read_only");
    let helper = install.helper();
    let (kind, headers) = program_headers(&helper);
    assert_eq!(kind, ET_DYN, "not position-independent: loaded at a fixed address");
    assert!(
        headers.iter().all(|&(t, _, _)| t != PT_INTERP),
        "it names a dynamic loader"
    );
    let &(_, relro, relro_size) = headers
        .iter()
        .find(|&&(t, _, _)| t == PT_GNU_RELRO)
        .expect("no PT_GNU_RELRO: nothing is made read-only after relocation");
    let (first, second) = (mappings_while_waiting(&helper), mappings_while_waiting(&helper));
    let base = |maps: &[(u64, u64, String)]| maps.iter().map(|m| m.0).min().expect("no mapping of the helper");
    assert_ne!(base(&first), base(&second), "loaded at the same address twice");
    // The pages wholly inside RELRO, as the start-up protects them.
    let page = 4096;
    let (start, end) = (base(&first) + relro, base(&first) + relro + relro_size);
    let (start, end) = (start / page * page, end / page * page);
    assert!(end > start, "RELRO shorter than a page: nothing to check");
    let covering: Vec<_> = first.iter().filter(|m| m.0 < end && m.1 > start).collect();
    assert!(!covering.is_empty(), "RELRO not mapped: {first:?}");
    for m in &covering {
        assert!(!m.2.contains('w'), "relocated data still writable: {m:?} of {first:?}");
    }
}
