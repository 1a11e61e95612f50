//! Where kernel mode is attached, as the files described above say: the
//! daemon's public marks in [`KERNEL_RUN_DIR`] (readable by anyone, where
//! a 0700 bpffs hides the pins) and its pin folders in [`KERNEL_PIN_DIR`]
//! (both links there, and the `cgroup` link naming the attach point).
//! One reading for `authbind`, `authbind-policy` and `authbindd --check`.

use crate::{KERNEL_PIN_DIR, KERNEL_RUN_DIR, PIN_BIND4, PIN_BIND6, PIN_CGROUP};
use std::path::Path;
use std::string::{String, ToString};
use std::vec::Vec;

/// Whether the pin folder `dir` holds both programs' links (attached).
pub fn linked(dir: &Path) -> bool {
    [PIN_BIND4, PIN_BIND6]
        .iter()
        .all(|p| dir.join(p).symlink_metadata().is_ok())
}

/// The attach points (cgroup paths as `/proc/PID/cgroup` writes them, `/`
/// for the root) that the marks name, then those the pins name that no
/// mark did; none when kernel mode is attached nowhere (or nothing here
/// can be read).
pub fn attach_points() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(KERNEL_RUN_DIR)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .filter_map(|t| t.to_str().map(ToString::to_string))
        .collect();
    let pinned = std::fs::read_dir(KERNEL_PIN_DIR)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|dir| linked(dir))
        .filter_map(|dir| std::fs::read_link(dir.join(PIN_CGROUP)).ok())
        .filter_map(|t| t.to_str().map(ToString::to_string));
    for attach in pinned {
        if !out.contains(&attach) {
            out.push(attach);
        }
    }
    out
}
