//! What kernel mode needs before anything is loaded, each missing piece
//! named in one line: root, Linux 5.12 or later (bind programs may grant
//! privileged ports from 5.12 on), BPF, cgroup BPF (the query of the
//! attach point tells: EINVAL without CONFIG_CGROUP_BPF, EPERM when BPF
//! is refused to us).

use crate::cgroup::Cgroup;
use crate::error::Error;

/// (major, minor) of a kernel release string such as `6.18.44-fc`.
pub fn version(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.trim().split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

pub fn root() -> Result<(), Error> {
    if nix::unistd::geteuid().is_root() {
        Ok(())
    } else {
        Err(Error::NotRoot)
    }
}

pub fn kernel() -> Result<(), Error> {
    let release = crate::read::small_file("/proc/sys/kernel/osrelease", 256)?;
    match version(&release) {
        Some(v) if v >= (5, 12) => Ok(()),
        _ => Err(Error::OldKernel(release.trim().to_string())),
    }
}

/// Asks the kernel what is attached to `cg`: fails as precisely as it can
/// when cgroup BPF is missing or refused.
pub fn cgroup_bpf(cg: &Cgroup) -> Result<(), Error> {
    crate::attach::attached(cg, syscalls::bpf::ATTACH_INET4_BIND).map(drop)
}

#[cfg(test)]
mod tests {
    use super::version;

    #[test]
    fn releases() {
        assert_eq!(version("6.18.44-fc-v857\n"), Some((6, 18)));
        assert_eq!(version("5.12.0"), Some((5, 12)));
        assert_eq!(version("5.4"), Some((5, 4)));
        assert!(version("5.4") < Some((5, 12)));
        assert_eq!(version("x"), None);
    }
}
