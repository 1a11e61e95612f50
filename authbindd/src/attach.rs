//! The two links that attach the programs to a cgroup, pinned so that
//! they outlive the daemon. Installing an instance switches existing
//! links to it with `BPF_LINK_UPDATE` (one step per hook: every bind is
//! decided by the old programs or the new), or creates and pins the links
//! the first time; any other attachment of our programs to the same
//! cgroup (a stale copy) is detached, so that one copy runs, never two.

use crate::cgroup::Cgroup;
use crate::error::Error;
use crate::maps::load::{Instance, BIND4, BIND6};
use model::Errno;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use syscalls::bpf::{self, LinkInfo, ATTACH_INET4_BIND, ATTACH_INET6_BIND, LINK_TYPE_CGROUP};
use syscalls::Fd;

/// (pin file, attach type, program name) of each hook.
pub const HOOKS: [(&str, u32, &str); 2] = [
    (buildcfg::PIN_BIND4, ATTACH_INET4_BIND, BIND4),
    (buildcfg::PIN_BIND6, ATTACH_INET6_BIND, BIND6),
];

fn c_path(p: &Path) -> Result<CString, Error> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| Error::sys(p.display().to_string(), Errno::EINVAL))
}

fn std_fd(fd: std::os::fd::BorrowedFd<'_>) -> syscalls::BorrowedFd<'_> {
    fd.into()
}

/// The pinned link at `path`, if any, and what the kernel says of it.
pub fn pinned(path: &Path) -> Result<Option<(Fd, LinkInfo)>, Error> {
    match bpf::obj_get(&c_path(path)?) {
        Ok(fd) => {
            let info =
                bpf::link_info(fd.as_fd()).map_err(|e| Error::sys(format!("describing {}", path.display()), e))?;
            Ok(Some((fd, info)))
        }
        Err(Errno::ENOENT) => Ok(None),
        Err(e) => Err(Error::sys(format!("opening {}", path.display()), e)),
    }
}

/// What [`install`] did per hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    Created,
    Updated,
}

/// Makes `cg`'s links (pinned in `dir`) run `instance`'s programs.
pub fn install(cg: &Cgroup, dir: &Path, instance: &Instance) -> Result<[Installed; 2], Error> {
    let mut done = [Installed::Created; 2];
    for (i, (pin, attach_type, prog_name)) in HOOKS.iter().enumerate() {
        let path = dir.join(pin);
        let prog = std_fd(instance.program(prog_name)?);
        let ours = match pinned(&path)? {
            Some((link, info))
                if info.link_type == LINK_TYPE_CGROUP
                    && info.cgroup_id == cg.id
                    && info.attach_type == *attach_type =>
            {
                bpf::link_update(link.as_fd(), prog, None)
                    .map_err(|e| Error::sys(format!("switching {} to the new program", path.display()), e))?;
                done[i] = Installed::Updated;
                info.id
            }
            stale => {
                // A link of a cgroup that is gone (or not ours): replace it.
                if let Some((link, _)) = stale {
                    let _ = bpf::link_detach(link.as_fd());
                    let _ = std::fs::remove_file(&path);
                }
                let link = bpf::link_create_cgroup(prog, std_fd(std::os::fd::AsFd::as_fd(&cg.fd)), *attach_type)
                    .map_err(|e| link_error(cg, e))?;
                bpf::obj_pin(link.as_fd(), &c_path(&path)?)
                    .map_err(|e| Error::sys(format!("pinning {}", path.display()), e))?;
                bpf::link_info(link.as_fd())
                    .map_err(|e| Error::sys("describing the new link", e))?
                    .id
            }
        };
        for stray in strays(cg, *attach_type, prog_name, Some(ours))? {
            let _ = bpf::link_detach(stray.as_fd());
        }
    }
    Ok(done)
}

fn link_error(cg: &Cgroup, e: Errno) -> Error {
    match e {
        Errno::EINVAL => Error::NoCgroupBpf,
        e => Error::sys(format!("attaching to {}", cg.path.display()), e),
    }
}

/// Links of our program `prog_name` on `cg` for `attach_type`, other than
/// the link `keep`.
fn strays(cg: &Cgroup, attach_type: u32, prog_name: &str, keep: Option<u32>) -> Result<Vec<Fd>, Error> {
    let mut out = Vec::new();
    let mut id = 0;
    while let Some(next) = bpf::link_next_id(id).map_err(|e| Error::sys("listing links", e))? {
        id = next;
        if Some(id) == keep {
            continue;
        }
        // Links come and go while we look: skip those that vanished.
        let Ok(link) = bpf::link_fd_by_id(id) else { continue };
        let Ok(info) = bpf::link_info(link.as_fd()) else {
            continue;
        };
        if info.link_type != LINK_TYPE_CGROUP || info.cgroup_id != cg.id || info.attach_type != attach_type {
            continue;
        }
        let Ok(prog) = bpf::prog_fd_by_id(info.prog_id) else {
            continue;
        };
        let Ok((_, name)) = bpf::prog_id_and_name(prog.as_fd()) else {
            continue;
        };
        let name = name.split(|&b| b == 0).next().unwrap_or_default();
        if name == prog_name.as_bytes() {
            out.push(link);
        }
    }
    Ok(out)
}

/// Detaches every copy of our programs from `cg` and removes its pins.
/// Returns how many links were detached.
pub fn detach(cg: &Cgroup, dir: &Path) -> Result<usize, Error> {
    let mut n = 0;
    for (pin, attach_type, prog_name) in HOOKS {
        let path = dir.join(pin);
        if let Some((link, _)) = pinned(&path)? {
            bpf::link_detach(link.as_fd()).map_err(|e| Error::sys(format!("detaching {}", path.display()), e))?;
            n += 1;
        }
        for stray in strays(cg, attach_type, prog_name, None)? {
            if bpf::link_detach(stray.as_fd()).is_ok() {
                n += 1;
            }
        }
    }
    crate::pins::unpublish(dir);
    remove_pins(dir)?;
    Ok(n)
}

/// Removes a pin folder and everything in it.
pub fn remove_pins(dir: &Path) -> Result<(), Error> {
    let entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(e) => e.flatten().map(|e| e.path()).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(format!("reading {}", dir.display()), &e)),
    };
    for p in entries {
        std::fs::remove_file(&p).map_err(|e| Error::io(format!("removing {}", p.display()), &e))?;
    }
    match std::fs::remove_dir(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("removing {}", dir.display()), &e)),
    }
}

/// The programs attached to `cg` itself for a hook (ids), for `--status`
/// and the tests' "one copy" checks.
pub fn attached(cg: &Cgroup, attach_type: u32) -> Result<Vec<u32>, Error> {
    let mut ids = [0u32; 64];
    let n = bpf::prog_query(std_fd(std::os::fd::AsFd::as_fd(&cg.fd)), attach_type, &mut ids).map_err(|e| match e {
        Errno::EINVAL => Error::NoCgroupBpf,
        Errno::ENOSYS => Error::NoBpf,
        e => Error::sys(format!("querying {}", cg.path.display()), e),
    })?;
    Ok(ids[..n.min(ids.len())].to_vec())
}
