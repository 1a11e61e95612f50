//! Compile the tree and put it in force: under the swap lock, read the
//! tree, load a brand-new instance (new maps, filled, then programs
//! verified), switch both links to it, drop the old one. A bind during
//! the swap is decided by the old policy or the new, never by a
//! half-written one: the maps of a live program are never written.

use crate::attach::{self, Installed};
use crate::cgroup::Cgroup;
use crate::compile::{self, Compiled};
use crate::error::Error;
use crate::maps::load::{Groups, Instance};
use crate::pins;
use crate::reserved_ports::{self, Synced};
use std::path::Path;

pub struct Swapped {
    pub compiled: Compiled,
    pub installed: [Installed; 2],
    /// The reserved ports put in `ip_local_reserved_ports` (a failure
    /// there leaves the swap made: the grants do not depend on it).
    pub reserved: Result<Synced, Error>,
}

/// Compiles and loads, then, if `still_current` says the tree did not
/// change while it was read (a compile that straddles a change may mix
/// the tree before it with the tree after it), switches the links to the
/// new instance. `Ok(None)`: not switched.
pub fn swap_if(cg: &Cgroup, dir: &Path, still_current: &mut dyn FnMut() -> bool) -> Result<Option<Swapped>, Error> {
    let _lock = pins::swap_lock()?;
    let mut compiled = compile::compile(buildcfg::CONFDIR);
    // The state file is read only when the folder could not be.
    if compiled.reserved.unknown.is_some() {
        compiled.reserved.hold(&reserved_ports::held().0);
    }
    let instance = Instance::load(&compiled, Some(dir))?;
    if instance.groups != Groups::Process {
        crate::say::Say::with_syslog().warn(&instance.groups.describe());
    }
    match compiled.reserved.unknown_words() {
        Some(words) => crate::say::Say::with_syslog().warn(&words),
        None if !compiled.reserved.chains.is_empty() => {
            crate::say::Say::with_syslog().info(&instance.enforcing.describe())
        }
        None => {}
    }
    if !still_current() {
        return Ok(None);
    }
    let installed = attach::install(cg, dir, &instance)?;
    for old in crate::maps::load::RETIRED {
        let _ = std::fs::remove_file(dir.join(old));
    }
    pins::record_cgroup(dir, &cg.rel)?;
    pins::publish(dir, &cg.rel);
    // Still under the swap lock: one update of the sysctl at a time, and
    // in the order of the swaps.
    let reserved = reserved_ports::sync(buildcfg::CONFDIR);
    Ok(Some(Swapped {
        compiled,
        installed,
        reserved,
    }))
}

pub fn swap(cg: &Cgroup, dir: &Path) -> Result<Swapped, Error> {
    swap_if(cg, dir, &mut || true)?.ok_or_else(|| Error::Load("the swap was not made".into()))
}

/// `--reload`: swap on a cgroup that is already attached.
pub fn reload(cg: &Cgroup) -> Result<Swapped, Error> {
    let dir = pins::dir_for(cg);
    let attached = attach::HOOKS
        .iter()
        .any(|(pin, _, _)| matches!(attach::pinned(&dir.join(pin)), Ok(Some(_))));
    if !attached {
        return Err(Error::NotAttached(cg.path.display().to_string()));
    }
    swap(cg, &dir)
}
