//! Paths fixed when the project is built (see build.rs).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

include!(concat!(env!("OUT_DIR"), "/paths.rs"));

#[cfg(feature = "std")]
extern crate std;
#[cfg(feature = "std")]
pub mod attached;

/// Kernel mode: where a bpffs is expected (`authbindd` mounts one there
/// when nothing is mounted) and the folder below it where `authbindd`
/// pins its links and maps, one subfolder per cgroup it serves.
pub const BPFFS_DIR: &str = "/sys/fs/bpf";
pub const KERNEL_PIN_DIR: &str = "/sys/fs/bpf/authbind";
/// In each per-cgroup pin folder: the bind4 and bind6 links, and a
/// symlink whose target is the cgroup's path in the cgroup2 hierarchy (as
/// `/proc/PID/cgroup` writes it), which `authbind` reads to know whether
/// kernel mode covers it.
pub const PIN_BIND4: &str = "bind4";
pub const PIN_BIND6: &str = "bind6";
pub const PIN_CGROUP: &str = "cgroup";
/// Beside the pins, what a user can read: systemd mounts bpffs 0700, so
/// `authbind` may not see the pins. For each cgroup served, a symlink
/// `cgroup-ID` whose target is the cgroup's path, made when the links are
/// attached and removed with them (root's folder, mode 0755; /run is
/// emptied at boot, as bpffs is).
pub const KERNEL_RUN_DIR: &str = "/run/authbindd";

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn helper_path_is_nul_terminated_and_under_libdir() {
        assert_eq!(HELPER_PATH_C.last(), Some(&0));
        assert_eq!(&HELPER_PATH_C[..HELPER_PATH_C.len() - 1], HELPER_PATH.as_bytes());
        assert!(HELPER_PATH.starts_with(LIBDIR));
        assert!(SHIM_PATH.ends_with("/libauthbind.so.1"));
    }
}
