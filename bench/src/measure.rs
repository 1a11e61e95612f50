//! Measuring: small rows start one process per repetition, big rows keep
//! one process each (see [`crate::server`]); repetitions are interleaved
//! across rows.

use crate::kernel::Place;
use crate::row::{failure, Row, Who};
use crate::sandbox::{command, Sandbox};
use crate::server::Server;
use crate::PRIV_PORT;
use std::path::PathBuf;

/// What the rows run, and where.
pub struct Runner<'a> {
    /// Whether privileged rows run in the sandbox (root, and its tools).
    pub sandbox: bool,
    pub dirs: &'a Sandbox,
    /// Our launcher, Debian's launcher.
    pub ours: Option<PathBuf>,
    pub debian: PathBuf,
    /// The measured loop, dynamic and static (for the supervisor).
    pub bindloop: PathBuf,
    pub bindloop_static: Result<PathBuf, String>,
    /// The helpers-alone loop, our helper and Debian's.
    pub helperloop: Result<PathBuf, String>,
    pub ours_helper: Option<PathBuf>,
    pub debian_helper: PathBuf,
    /// Kernel mode's authbindd and scratch cgroup.
    pub kernel: Option<&'a Place>,
}

impl Runner<'_> {
    /// Measures every row that is not skipped, `reps` times, recording
    /// each run or the row's error. Returns whether the big rows' processes
    /// were kept side by side (`avail` MiB allowed it).
    pub fn measure(&self, rows: &mut [Row], reps: usize, avail: Option<u64>, big_mib: u64, gib: &str) -> bool {
        let Runner {
            sandbox,
            dirs,
            ours,
            debian,
            bindloop,
            bindloop_static,
            helperloop,
            ours_helper,
            debian_helper,
            kernel: kernel_place,
        } = self;
        let sandbox = *sandbox;
        // Small rows: one process per repetition, repetitions interleaved across
        // rows. Big rows: touching the memory costs seconds, so each big row has
        // one process, touched once and kept; it measures one block whenever its
        // turn comes, interleaved with the others. Without the memory for all of
        // them at once, each measures all its blocks in one go instead, during
        // the middle repetition.
        // SAFETY: isatty has no preconditions.
        let tty = unsafe { libc::isatty(2) } == 1;
        let big_rows = rows.iter().filter(|r| r.mem_mib > 0 && r.skip.is_none()).count() as u64;
        let kept = avail.is_none_or(|a| a >= big_rows * big_mib + 1024);
        let launcher_for = |who: Who| match who {
            Who::Native | Who::Kernel(_) => None,
            Who::Ours | Who::OursSeccomp => ours.clone(),
            Who::Debian => Some(debian.clone()),
            Who::OursHelper | Who::DebianHelper => helperloop.as_ref().ok().cloned(),
        };
        let program_for = |who: Who| match (who, &bindloop_static) {
            (Who::OursSeccomp, Ok(p)) => p.clone(),
            (Who::OursHelper, _) => ours_helper.clone().unwrap_or_default(),
            (Who::DebianHelper, _) => debian_helper.clone(),
            _ => bindloop.clone(),
        };
        let args_for = |r: &Row, blocks: usize| {
            let mut args = vec![
                "run".to_string(),
                r.port.to_string(),
                r.iterations.to_string(),
                r.max_ms.to_string(),
                r.mem_mib.to_string(),
                r.warmup.to_string(),
                blocks.to_string(),
            ];
            // Only a refused row says what its binds fail with: every
            // other row's command is what it always was.
            if r.errno != 0 {
                args.push(r.errno.to_string());
            }
            args
        };
        let mut servers: Vec<Option<Server>> = rows.iter().map(|_| None).collect();
        if kept && big_rows > 0 {
            if tty {
                eprint!("\rbench: touching {gib} in {big_rows} processes ");
            }
            for (r, slot) in rows.iter_mut().zip(servers.iter_mut()) {
                if r.mem_mib == 0 || r.skip.is_some() {
                    continue;
                }
                let mut cmd = command(
                    sandbox,
                    r.devlog,
                    dirs,
                    launcher_for(r.who).as_deref(),
                    &program_for(r.who),
                    &args_for(r, 0),
                );
                match Server::start(&mut cmd) {
                    Ok(s) => *slot = Some(s),
                    Err(e) => r.error = Some(e),
                }
            }
            // They touch their memory in parallel; wait until all are ready.
            for (r, slot) in rows.iter_mut().zip(servers.iter_mut()) {
                if let Some(s) = slot {
                    if let Err(e) = s.wait_ready() {
                        r.error = Some(e);
                        *slot = None;
                    }
                }
            }
        }
        for rep in 0..reps {
            if tty {
                eprint!(
                    "\rbench: repetition {}/{reps}            \rbench: repetition {}/{reps} ",
                    rep + 1,
                    rep + 1
                );
            }
            for (r, slot) in rows.iter_mut().zip(servers.iter_mut()) {
                if r.skip.is_some() || r.error.is_some() {
                    continue;
                }
                if let Some(server) = slot {
                    if tty {
                        eprint!("{}", r.tag);
                    }
                    match server.block() {
                        Ok(l) => r.record(&l),
                        Err(e) => r.error = Some(e),
                    }
                    continue;
                }
                let blocks = if r.mem_mib == 0 {
                    1
                } else if rep == reps / 2 {
                    reps
                } else {
                    continue;
                };
                if tty {
                    eprint!("{}", r.tag);
                }
                let mut cmd = match (r.who, kernel_place) {
                    (Who::Kernel(mode), Some(place)) => {
                        match place.command(mode, dirs, PRIV_PORT, &program_for(r.who), &args_for(r, blocks)) {
                            Ok(cmd) => cmd,
                            Err(e) => {
                                r.error = Some(e);
                                continue;
                            }
                        }
                    }
                    _ => command(
                        sandbox,
                        r.devlog,
                        dirs,
                        launcher_for(r.who).as_deref(),
                        &program_for(r.who),
                        &args_for(r, blocks),
                    ),
                };
                let out = cmd.output();
                let o = match out {
                    Ok(o) => o,
                    Err(e) => {
                        r.error = Some(format!("cannot run: {e}"));
                        continue;
                    }
                };
                let stdout = String::from_utf8_lossy(&o.stdout);
                let oks: Vec<&str> = stdout.lines().filter(|l| l.starts_with("ok ")).collect();
                for l in &oks {
                    r.record(l);
                }
                if oks.len() != blocks || !o.status.success() {
                    let line = stdout.lines().find(|l| l.starts_with("error "));
                    r.error = Some(failure(line, &o.status.to_string(), &o.stderr));
                }
            }
        }
        for s in servers.into_iter().flatten() {
            s.finish();
        }
        if tty {
            eprint!("\r{:40}\r", "");
        }
        kept
    }
}
