//! `authbindd --status`: every pin folder (or the one of `--cgroup`):
//! the cgroup, its links and the programs they run, whether the kernel
//! lists them on the cgroup (and nothing else of ours), the refusal
//! counts (privileged binds not granted; binds refused by each
//! reservation, per user) and lost audit records.

use crate::attach::{self, HOOKS};
use crate::cgroup::{self, Cgroup};
use crate::error::Error;
use crate::maps::kept;
use crate::pins;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The report, and whether something (the `--cgroup` one, if given) is attached.
pub fn status(cgroup: Option<&Path>) -> Result<(String, bool), Error> {
    let wanted = match cgroup {
        Some(p) => Some(Cgroup::resolve(Some(p))?),
        None => None,
    };
    let mounts = cgroup::mounts().unwrap_or_default();
    let mut out = String::new();
    let mut attached = false;
    for (dir, rel) in pins::all() {
        let cg = rel
            .as_deref()
            .and_then(|r| absolute(r, &mounts))
            .and_then(|p| Cgroup::resolve(Some(&p)).ok());
        if let Some(w) = &wanted {
            if pins::dir_for(w) != dir {
                continue;
            }
        }
        let shown = cg.as_ref().map_or_else(
            || format!("{} (its cgroup is gone)", rel.as_deref().unwrap_or("?")),
            |c| c.path.display().to_string(),
        );
        let _ = writeln!(out, "{shown}: pins in {}", dir.display());
        let mut all_links = true;
        for (pin, attach_type, prog_name) in HOOKS {
            match attach::pinned(&dir.join(pin)) {
                Ok(Some((_, info))) => {
                    let on_cgroup = match &cg {
                        Some(c) => {
                            let ids = attach::attached(c, attach_type).unwrap_or_default();
                            let ours = ids.iter().filter(|&&id| id == info.prog_id).count();
                            format!("attached to the cgroup: {}", if ours == 1 { "yes" } else { "NO" })
                        }
                        None => "cgroup gone".into(),
                    };
                    let _ = writeln!(
                        out,
                        "  {pin}: link {}, program {} ({prog_name}), {on_cgroup}",
                        info.id, info.prog_id
                    );
                    all_links &= info.cgroup_id != 0;
                }
                Ok(None) => {
                    let _ = writeln!(out, "  {pin}: no link");
                    all_links = false;
                }
                Err(e) => {
                    let _ = writeln!(out, "  {pin}: {e}");
                    all_links = false;
                }
            }
        }
        attached |= all_links && cg.is_some();
        match kept::lost(&dir) {
            Ok(n) => {
                let _ = writeln!(out, "  audit records lost (ring full): {n}");
            }
            Err(e) => {
                let _ = writeln!(out, "  audit records lost: unknown ({e})");
            }
        }
        out.push_str(&crate::audit_tally::status(&dir));
        match kept::refusals(&dir) {
            Ok(counts) if counts.is_empty() => {
                let _ = writeln!(out, "  privileged binds not granted: none");
            }
            Ok(counts) => {
                let _ = writeln!(out, "  privileged binds not granted (uid port count):");
                for ((uid, port), n) in counts {
                    let _ = writeln!(out, "    {uid} {port} {n}");
                }
            }
            Err(e) => {
                let _ = writeln!(out, "  refusal counts: unknown ({e})");
            }
        }
        out.push_str(&reservations(&dir));
    }
    if out.is_empty() {
        out = match &wanted {
            Some(w) => format!("{}: not attached\n", w.path.display()),
            None => "kernel mode is not attached anywhere\n".into(),
        };
    }
    Ok((out, attached))
}

/// The reservations in force in the tree, each with the binds it refused
/// per user (since the programs were first attached).
fn reservations(dir: &Path) -> String {
    let mut out = String::new();
    let compiled = crate::compile::compile(buildcfg::CONFDIR);
    let counts = kept::reserve_refusals(dir);
    if let Some(words) = compiled.reserved.unknown_words() {
        let _ = writeln!(
            out,
            "  {}",
            words.replacen("reservations UNKNOWN", "reservations: UNKNOWN", 1)
        );
    }
    let mut listed: Vec<model::Reservation> = compiled.reserved.chains.iter().map(|(r, _)| *r).collect();
    if let Ok(counts) = &counts {
        // Refusals of a reservation removed since are shown too.
        for (r, _, _) in counts {
            if !listed.contains(r) {
                listed.push(*r);
            }
        }
    }
    listed.sort_by(model::Reservation::rank);
    if listed.is_empty() {
        let _ = writeln!(out, "  reservations: none");
        return out;
    }
    let _ = writeln!(out, "  reservations (binds refused: user count):");
    for r in &listed {
        let gone = if compiled.reserved.chain(r).is_none() {
            " (no longer in the tree)"
        } else {
            ""
        };
        let refused: Vec<String> = match &counts {
            Ok(c) => c
                .iter()
                .filter(|(x, _, _)| x == r)
                .map(|(_, uid, n)| format!("{} {n}", user(*uid)))
                .collect(),
            Err(_) => Vec::new(),
        };
        let refused = match &counts {
            Err(e) => format!("unknown ({e})"),
            Ok(_) if refused.is_empty() => "none".into(),
            Ok(_) => refused.join(", "),
        };
        let _ = writeln!(out, "    {r}{gone}: {refused}");
    }
    out
}

/// A uid with its name, where the user database has one.
fn user(uid: u32) -> String {
    match audit::user_name(uid) {
        Some(name) => format!("{name}({uid})"),
        None => uid.to_string(),
    }
}

/// A hierarchy path (`/x/y`) through the first cgroup2 mount showing it.
fn absolute(rel: &str, mounts: &[cgroup::Mount]) -> Option<PathBuf> {
    mounts.iter().find_map(|m| {
        let root = Path::new(&m.root);
        let below = Path::new(rel).strip_prefix(root).ok()?;
        Some(m.point.join(below))
    })
}
