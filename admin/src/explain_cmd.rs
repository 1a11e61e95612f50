//! `authbind-policy explain`: whose credentials, then the walk over the
//! real folder (the kernel's `access()` for that user, byuid files opened
//! as the helper opens them), for each address asked about.

use crate::error::{AdminError, Result};
use crate::explain::{render, status, Context, Stat};
use crate::oracle::{am_root, Kernel, Oracle};
use crate::realtree::RealTree;
use crate::sim::{Base, Plan, Sim};
use crate::spec::BindTarget;
use crate::walk::{walk, Step};
use crate::who::{Source, UserDb, Who};
use model::PolicyFile;
use policy::{for_each_chunk, LineMeaning, LineVerdict, PolicyFs};
use std::io::Write;
use std::ops::ControlFlow;
use std::path::Path;

/// Whom to explain for: yourself (your real credentials), or, as root,
/// anyone (the database's credentials).
pub fn whom(db: &UserDb, own: &crate::who::Creds, user: Option<&str>, root: bool) -> Result<Who> {
    let name_of = |uid| db.user_by_uid(uid).map(|u| u.name.clone());
    let yourself = || Who {
        name: name_of(own.uid),
        creds: own.clone(),
        source: Source::Own,
    };
    let Some(text) = user else {
        return Ok(yourself());
    };
    let who = Who::lookup(db, text).ok_or_else(|| AdminError::usage(format!("--user: no user named `{text}`")))?;
    if root && who.creds.uid != own.uid {
        return Ok(who);
    }
    if who.creds.uid == own.uid {
        return Ok(yourself());
    }
    Err(AdminError::NeedRoot(format!(
        "only root can explain for another user (you are uid {}); without --user it explains for you",
        own.uid
    )))
}

/// The line of the other-`!` byuid file that covers the request, if any.
fn sibling_line(conf: &mut grant::ConfDir, w: &crate::walk::Walk) -> Option<(String, u32)> {
    let file = w.steps.iter().find_map(|s| match s {
        Step::Byuid { file, .. } => Some(*file),
        _ => None,
    })?;
    let rel = file.to_string();
    let reader = conf.open(&file.other_bang().to_string()).ok()?;
    let mut found = None;
    let _ = for_each_chunk(reader, |n, chunk| {
        if LineMeaning::of(chunk).verdict(&w.addr, w.port) == LineVerdict::Grants {
            found = Some(n);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    found.map(|n| (rel, n))
}

pub fn run(
    confdir: &str,
    db: &UserDb,
    user: Option<&str>,
    udp: bool,
    target: &BindTarget,
    out: &mut dyn Write,
) -> Result<i32> {
    let mut kernel = Kernel::open(confdir)?;
    let root = am_root();
    let who = whom(db, kernel.own(), user, root)?;
    let mut conf = grant::ConfDir::open_at(confdir).map_err(|e| AdminError::errno(confdir, e))?;
    let plan = Plan::default();
    let stat = |rel: &str| Stat::of(&Path::new(confdir).join(rel));
    let mut verdicts = Vec::new();
    let unprivileged_start = crate::system::unprivileged_start();
    for (i, addr) in target.addrs.iter().enumerate() {
        let w = {
            let mut sim = Sim {
                root: confdir.into(),
                base: Base::Real {
                    oracle: &mut kernel,
                    conf: &mut conf,
                },
                plan: &plan,
                who: who.creds.clone(),
            };
            walk(&mut sim, who.creds.uid, *addr, target.port)
        };
        if let Some(e) = kernel.take_broken() {
            return Err(e);
        }
        let sibling = sibling_line(&mut conf, &w);
        let sibling_grants = |f: &PolicyFile| {
            sibling
                .as_ref()
                .filter(|(rel, _)| *rel == f.to_string())
                .map(|(_, n)| *n)
        };
        // Run as a user, explain reads the file as that user: what it
        // shows, they could read. Root reads through any link: a file at
        // a link's end is quoted only if the user could read it.
        let real = RealTree::new();
        let quotable = |f: &PolicyFile| {
            let rel = f.to_string();
            !root || stat(&rel).link.is_none() || crate::readable::may_read(&real, Path::new(confdir), &rel, &who.creds)
        };
        let cx = Context {
            who: &who,
            db,
            stat: &stat,
            as_root: root,
            udp,
            sibling_grants: &sibling_grants,
            quotable: &quotable,
            unprivileged_start,
        };
        let (text, v) = render(&cx, &w);
        if i > 0 {
            writeln!(out)?;
        }
        out.write_all(text.as_bytes())?;
        verdicts.push(v);
    }
    Ok(status(&verdicts))
}
