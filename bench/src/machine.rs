//! What the machine has: environment settings, programs, memory.

use std::env;
use std::fs;
use std::path::PathBuf;

pub fn env_num(name: &str, default: u64) -> u64 {
    match env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| {
            eprintln!("bench: ignoring {name}={v:?} (not a number)");
            default
        }),
        Err(_) => default,
    }
}

pub fn have(cmd: &str) -> bool {
    let path = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from))
        .any(|d| d.join(cmd).is_file())
}

pub fn mem_available_mib() -> Option<u64> {
    let s = fs::read_to_string("/proc/meminfo").ok()?;
    let line = s.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

pub fn read_trim(p: &str) -> String {
    fs::read_to_string(p)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into())
}
