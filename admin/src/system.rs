//! What the running system says beside the tree: the first port the
//! kernel lets anyone bind, the range it picks ports from for bind(0) and
//! connect(), and whether kernel mode (`authbindd`) runs, as its public
//! marks or its pins say (the paths are buildcfg's, as `authbind` and
//! `authbindd` use them).

use std::path::Path;

/// What `check` and `explain` learn from the system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct System {
    /// net.ipv4.ip_unprivileged_port_start.
    pub unprivileged_start: u16,
    /// net.ipv4.ip_local_port_range, if it could be read.
    pub ephemeral: Option<(u16, u16)>,
    /// The cgroups kernel mode serves (none: it does not run).
    pub kernel_mode: Vec<String>,
    /// Why this kernel cannot enforce reservations, if it cannot: kernel
    /// mode enforces them in its own network namespace, which it knows by
    /// the namespace's cookie (SO_NETNS_COOKIE, Linux 5.14); without it
    /// the daemon loads its programs with reservations enforced nowhere.
    pub cannot_enforce: Option<String>,
}

impl Default for System {
    /// The kernel's defaults, kernel mode serving the whole machine.
    fn default() -> System {
        System {
            unprivileged_start: policy::FIRST_UNPRIVILEGED_PORT,
            ephemeral: Some((32768, 60999)),
            kernel_mode: vec!["/".into()],
            cannot_enforce: None,
        }
    }
}

fn sysctl(name: &str) -> Option<Vec<u32>> {
    let text = std::fs::read_to_string(Path::new("/proc/sys/net/ipv4").join(name)).ok()?;
    text.split_whitespace().map(|w| w.parse().ok()).collect()
}

/// net.ipv4.ip_unprivileged_port_start (the kernel's default when it
/// cannot be read).
pub fn unprivileged_start() -> u16 {
    sysctl("ip_unprivileged_port_start")
        .and_then(|v| v.first().copied())
        .map(|p| p.min(65535) as u16)
        .unwrap_or(policy::FIRST_UNPRIVILEGED_PORT)
}

impl System {
    pub fn read() -> System {
        let ephemeral = sysctl("ip_local_port_range").and_then(|v| match v[..] {
            [lo, hi] if lo <= hi && hi <= 65535 => Some((lo as u16, hi as u16)),
            _ => None,
        });
        System {
            unprivileged_start: unprivileged_start(),
            ephemeral,
            kernel_mode: buildcfg::attached::attach_points(),
            // The very call authbindd makes for the cookie it serves.
            cannot_enforce: syscalls::sock::netns_cookie()
                .err()
                .map(|e| format!("this kernel gives no network namespace cookie (SO_NETNS_COOKIE, Linux 5.14): {e}")),
        }
    }

    /// Kernel mode serves every process (attached at the cgroup root).
    pub fn enforced_everywhere(&self) -> bool {
        self.kernel_mode.iter().any(|a| a.trim_end_matches('/').is_empty())
    }
}
