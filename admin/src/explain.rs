//! `explain`: the helper's walk for one bind, step by step, in words.
//!
//! The walk itself is `policy::decide_observed` over the real folder with
//! the kernel's answers (see [`crate::sim`], [`crate::oracle`]); this
//! module adds what each file is (`stat`), why `access()` answered as it
//! did (the class of mode bits that applied), each byuid line's verdict,
//! hints about files that are never read, and the last line:
//! `granted by FILE[:LINE]` or `refused: REASON`.

use crate::mode::{may_search_or_execute, octal, rwx, Class, Kind, Meta};
use crate::walk::{Step, Walk};
use crate::who::{Source, UserDb, Who};
use model::{needs_bang, ports_words, Errno, FileName, PolicyFile, Reason, Target};
use policy::{LineMeaning, LineVerdict, Miss, OpenError};
use std::fmt::Write as _;

/// What `lstat` and `stat` say of a path, as the tool sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stat {
    pub lstat: Result<Meta, Errno>,
    pub link: Option<String>,
    pub stat: Result<Meta, Errno>,
}

impl Stat {
    pub fn of(path: &std::path::Path) -> Stat {
        let m = |r: std::io::Result<std::fs::Metadata>| r.map(|m| Meta::of(&m)).map_err(|e| Errno::of(&e));
        Stat {
            lstat: m(std::fs::symlink_metadata(path)),
            link: std::fs::read_link(path).ok().map(|t| t.to_string_lossy().into_owned()),
            stat: m(std::fs::metadata(path)),
        }
    }
}

/// How a walk ended, for the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Granted,
    Refused,
    /// The tool could not see what the helper (root) would see.
    CannotTell,
}

/// Everything the text needs besides the walk.
pub struct Context<'a> {
    pub who: &'a Who,
    pub db: &'a UserDb,
    /// `stat` of a path relative to the configuration folder.
    pub stat: &'a dyn Fn(&str) -> Stat,
    /// The tool runs as root (it reads byuid files as the helper does).
    pub as_root: bool,
    pub udp: bool,
    /// Does the other-`!` sibling of a byuid file grant this? (a hint)
    pub sibling_grants: &'a dyn Fn(&PolicyFile) -> Option<u32>,
    /// May this byuid file's lines be quoted to whoever runs explain for
    /// [`Context::who`]? Not when root explains for a user a file that
    /// user could not read (a link whose end the user chose).
    pub quotable: &'a dyn Fn(&PolicyFile) -> bool,
    /// The first port the kernel lets anyone bind
    /// (net.ipv4.ip_unprivileged_port_start): from there, authbind is
    /// not asked.
    pub unprivileged_start: u16,
}

/// `reserved for postgres by reserve/5432`.
fn reserved_by(cx: &Context, rel: &str) -> String {
    let st = (cx.stat)(rel);
    let whose = crate::reserve::whose_file(cx.db, st.link.as_deref(), st.stat);
    format!("reserved for {whose} by {rel}")
}

fn pronoun(who: &Who) -> String {
    who.short()
}

fn describe_meta(db: &UserDb, m: &Meta) -> String {
    let mut s = format!(
        "{}, owner {}, group {}, mode {}",
        m.kind.noun(),
        db.user_label(m.uid),
        db.group_label(m.gid),
        octal(m.mode)
    );
    if m.kind == Kind::File {
        let _ = write!(s, ", {} bytes", m.size);
    }
    s
}

/// `byport/80: regular file, owner root (0), …` or `no such file`.
fn describe_file(cx: &Context, rel: &str) -> String {
    let st = (cx.stat)(rel);
    match (&st.lstat, &st.link) {
        (Err(Errno::ENOENT), _) => "no such file".into(),
        (Err(e), _) => format!("cannot be looked at: {e}"),
        (Ok(l), Some(target)) if l.kind == Kind::Symlink => match &st.stat {
            Ok(m) => format!("a symlink to {target}: {}", describe_meta(cx.db, m)),
            Err(e) => format!("a symlink to {target}, which cannot be followed: {e}"),
        },
        (Ok(m), _) => describe_meta(cx.db, m),
    }
}

/// Why `access(X_OK)` said what it said, from the mode bits.
fn why_access(cx: &Context, rel: &str, result: Result<(), Errno>) -> String {
    let who = pronoun(cx.who);
    let st = (cx.stat)(rel);
    let Ok(m) = st.stat else {
        return match result {
            Ok(()) => "allowed".into(),
            Err(e) => format!("{e}"),
        };
    };
    let creds = &cx.who.creds;
    let class = Class::of(&m, creds);
    let bits = rwx(class.bits(m.mode));
    let why = match class {
        Class::Owner => format!("{who} is the owner: the owner bits {bits} apply"),
        Class::Group => format!(
            "{who} is not the owner but is in group {}: the group bits {bits} apply",
            cx.db.group_label(m.gid)
        ),
        Class::Other => format!(
            "{who} is neither the owner ({}) nor in group {}: the other bits {bits} apply",
            cx.db.user_label(m.uid),
            cx.db.group_label(m.gid)
        ),
        Class::Root => format!("root needs an x bit anywhere: {}", rwx(class.bits(m.mode))),
    };
    let by_bits = may_search_or_execute(&m, creds);
    match result {
        Ok(()) if by_bits => format!("allowed: {why}"),
        Ok(()) => format!("allowed by the kernel although {why} (an ACL?)"),
        Err(Errno::EACCES) if !by_bits => format!("refused (EACCES): {why}"),
        Err(e) => {
            let folder = rel.rsplit_once('/').map(|(f, _)| f).unwrap_or(".");
            match (cx.stat)(folder).stat {
                Ok(f) if !may_search_or_execute(&f, creds) => format!(
                    "refused ({}): {folder}/ ({}) is not searchable for {who}",
                    e.name().unwrap_or("error"),
                    describe_meta(cx.db, &f)
                ),
                _ => format!("refused: {e}, although {why} (an ACL or a security module?)"),
            }
        }
    }
}

fn line_text(text: &[u8]) -> String {
    let t = policy::c_line(text);
    let t = t.strip_suffix(b"\n").unwrap_or(t);
    String::from_utf8_lossy(t).escape_debug().to_string()
}

fn verdict_text(text: &[u8], verdict: LineVerdict, target: &Target) -> String {
    match verdict {
        LineVerdict::Grants => "grants".into(),
        LineVerdict::Misses(Miss::OtherFamily) => {
            format!(
                "a line for the other family: not for {} binds",
                target.addr.family().name()
            )
        }
        LineVerdict::Misses(Miss::Address) => format!("address {} is outside its addresses", target.addr),
        LineVerdict::Misses(Miss::Port) => format!("port {} is outside its ports", target.port),
        LineVerdict::Ignored(why) => {
            let m = LineMeaning::of(text);
            if m.blank {
                "blank".into()
            } else if m.comment {
                "a comment: authbind has no comments, but it grants nothing".into()
            } else {
                let token = m.ignored().map(|v| line_text(v.token)).unwrap_or_default();
                format!("ignored by authbind: {} (`{token}`)", why.describe())
            }
        }
    }
}

/// The last line for a decision.
pub fn conclusion(d: &model::Decision, file: &PolicyFile, target: &Target, who: &Who) -> String {
    let f = file.to_string();
    match d.reason {
        Reason::Executable => format!("granted by {f}"),
        Reason::LineMatched => format!("granted by {f}:{}", d.line),
        Reason::NotExecutable => format!("refused: {f} exists and is not executable for {}", who.short()),
        Reason::CheckFailed => format!("refused: checking {f} failed: {}", d.errno),
        Reason::NoByuidFile => format!("refused: there is no {f}, and no byport or byaddr file for {target}"),
        Reason::OpenFailed => format!("refused: {f} cannot be opened: {}", d.errno),
        Reason::NotRegular => format!("refused: {f} is not a regular file (a FIFO, a device or a socket)"),
        Reason::NoMatchingLine => format!("refused: no line of {f} covers {target}"),
        Reason::ReadFailed => format!("refused: reading {f} failed: {}", d.errno),
        Reason::TooLarge => format!(
            "refused: {f} is larger than the helper reads ({} bytes)",
            model::MAX_BYUID_BYTES
        ),
        Reason::Reserved => format!(
            "refused: {f} reserves port {} and is not executable for {}: the port is someone else's",
            target.port,
            who.short()
        ),
        Reason::Owner => format!("granted by {f}: port {} is reserved for {}", target.port, who.short()),
    }
}

/// The credentials line.
fn credentials(who: &Who) -> String {
    let c = &who.creds;
    let groups: Vec<String> = c.groups.iter().map(u32::to_string).collect();
    let groups = if groups.is_empty() {
        "none".into()
    } else {
        groups.join(",")
    };
    let whose = match who.source {
        Source::Own => "your own real credentials, as the helper would see them".to_string(),
        Source::Database => format!(
            "{}'s groups from the user database (root, --user; a login session may carry others)",
            who.short()
        ),
        Source::NotInDatabase => format!(
            "uid {} is not in the user database: judged with gid {} and no supplementary groups",
            c.uid, c.gid
        ),
    };
    format!("credentials: uid {}, gid {}, groups {groups}: {whose}", c.uid, c.gid)
}

/// The text of one walk, and how it ended.
pub fn render(cx: &Context, w: &Walk) -> (String, Verdict) {
    let target = Target::new(w.addr, w.port);
    let mut out = String::new();
    let proto = if cx.udp { "UDP" } else { "TCP" };
    let _ = writeln!(out, "explain: bind {target} ({proto}) as {}", cx.who.label());
    let _ = writeln!(out, "  {}", credentials(cx.who));
    let mut n = 0;
    let mut hints = Vec::new();
    let mut last_file = None;
    // Not refused by a reservation, at a port the kernel lets anyone
    // bind: the helper is never asked, so its walk is not shown.
    let kernel_decides = w.port >= cx.unprivileged_start && (w.decision.reservation.is_none() || w.decision.granted());
    let mut reservations = Vec::new();
    for step in &w.steps {
        if kernel_decides && !matches!(step, Step::Reservation { .. }) {
            continue;
        }
        match step {
            Step::Reservation { reservation, result } => {
                n += 1;
                let rel = reservation.to_string();
                let on = match reservation.addr {
                    Some(a) => format!("on {a}"),
                    None => "on every address".into(),
                };
                let _ = writeln!(
                    out,
                    "  {n}. {rel}: {}; reserves port {} {on}",
                    describe_file(cx, &rel),
                    reservation.port
                );
                let _ = writeln!(
                    out,
                    "     access(X_OK) for {}: {}",
                    cx.who.short(),
                    why_access(cx, &rel, *result)
                );
                reservations.push(rel);
            }
            Step::Flag { file, result } => {
                n += 1;
                let rel = file.to_string();
                last_file = Some(*file);
                let _ = writeln!(out, "  {n}. {rel}: {}", describe_file(cx, &rel));
                if *result != Err(Errno::ENOENT) {
                    let _ = writeln!(
                        out,
                        "     access(X_OK) for {}: {}",
                        cx.who.short(),
                        why_access(cx, &rel, *result)
                    );
                } else if (cx.stat)(&file.other_bang().to_string()).lstat.is_ok() {
                    hints.push(format!(
                        "note: {} exists but is never read for port {}: {} are looked up as {rel}",
                        file.other_bang(),
                        w.port,
                        ports_words(needs_bang(w.port)),
                    ));
                }
            }
            Step::Byuid { file, result } => {
                n += 1;
                let rel = file.to_string();
                last_file = Some(*file);
                let how = if cx.as_root {
                    "read as root, as the helper reads it"
                } else {
                    "read as you"
                };
                match result {
                    Ok(()) => {
                        let _ = writeln!(out, "  {n}. {rel}: {}; {how}", describe_file(cx, &rel));
                    }
                    Err(OpenError::Failed(Errno::ENOENT)) => {
                        let _ = writeln!(out, "  {n}. {rel}: {}", describe_file(cx, &rel));
                    }
                    Err(e) => {
                        let why = match e {
                            OpenError::Failed(errno) => errno.to_string(),
                            OpenError::Directory => "it is a folder (EISDIR)".into(),
                            OpenError::NotRegular => "not a regular file: the helper never opens it".into(),
                        };
                        let _ = writeln!(out, "  {n}. {rel}: {}; cannot be read: {why}", describe_file(cx, &rel));
                    }
                }
                if let Some(line) = (cx.sibling_grants)(file) {
                    hints.push(format!(
                        "note: {}:{line} covers {target}, but {} are read from {rel}",
                        file.other_bang(),
                        ports_words(needs_bang(w.port)),
                    ));
                }
            }
            Step::Line { number, text, verdict } => {
                let quoted = last_file.is_none_or(|f| (cx.quotable)(&f));
                let shown = if quoted {
                    line_text(text)
                } else {
                    format!("(not quoted: {} cannot read the file)", cx.who.short())
                };
                let judged = match verdict {
                    LineVerdict::Ignored(why) if !quoted => format!("ignored by authbind: {}", why.describe()),
                    _ => verdict_text(text, *verdict, &target),
                };
                let _ = writeln!(out, "     line {number}: {shown}: {judged}");
            }
        }
    }
    // Run as a user, a byuid file only root can read says nothing.
    if let (
        false,
        Some(Step::Byuid {
            file,
            result: Err(OpenError::Failed(e)),
        }),
    ) = (cx.as_root, w.steps.last())
    {
        if matches!(*e, Errno::EACCES | Errno::EPERM) {
            let _ = writeln!(
                out,
                "cannot tell: {file} cannot be read by you ({e}), and the helper reads it as root; ask root to run: authbind-policy explain --user {} {target}",
                cx.who.creds.uid
            );
            return (out, Verdict::CannotTell);
        }
    }
    // Run as a user, a reservations' folder only root can list says
    // nothing either (the helper lists it as root).
    if !cx.as_root && w.decision.reason == Reason::CheckFailed && w.decision.reservation.is_some() {
        let _ = writeln!(
            out,
            "cannot tell: {}/ cannot be listed by you, and the helper lists it as root; ask root to run: authbind-policy explain --user {} {target}",
            model::Rule::Reserve.folder(),
            cx.who.creds.uid
        );
        return (out, Verdict::CannotTell);
    }
    for h in hints {
        let _ = writeln!(out, "  {h}");
    }
    if kernel_decides {
        let open = format!(
            "the kernel lets any user bind port {} (ports from {} need no privilege: net.ipv4.ip_unprivileged_port_start); authbind is not asked",
            w.port, cx.unprivileged_start
        );
        let _ = match reservations.first() {
            Some(rel) => writeln!(out, "granted: {}, and {open}", reserved_by(cx, rel)),
            None => writeln!(out, "granted: no reservation covers {target}: {open}"),
        };
        return (out, Verdict::Granted);
    }
    if let Some(r) = w.decision.reservation {
        let rel = r.to_string();
        match w.decision.reason {
            Reason::Reserved => {
                let _ = writeln!(
                    out,
                    "refused: port {} is {} (not executable for {})",
                    w.port,
                    reserved_by(cx, &rel),
                    cx.who.short()
                );
                if w.port >= cx.unprivileged_start {
                    let _ = writeln!(
                        out,
                        "  note: only kernel mode (authbindd) enforces this: without it the kernel lets any user bind port {}",
                        w.port
                    );
                }
                return (out, Verdict::Refused);
            }
            Reason::Owner => {
                let _ = writeln!(out, "granted: port {} is {}", w.port, reserved_by(cx, &rel));
                return (out, Verdict::Granted);
            }
            _ => {}
        }
    }
    let file = w
        .decision
        .reservation
        .map(|r| PolicyFile::reservation(&r))
        .or(last_file)
        .unwrap_or(PolicyFile {
            name: FileName::ByUid,
            addr: w.addr,
            port: w.port,
            uid: cx.who.creds.uid,
        });
    let _ = writeln!(out, "{}", conclusion(&w.decision, &file, &target, cx.who));
    let v = if w.decision.granted() {
        Verdict::Granted
    } else {
        Verdict::Refused
    };
    (out, v)
}

/// 0 when every walk granted, 3 when one could not tell, else 1.
pub fn status(verdicts: &[Verdict]) -> i32 {
    if verdicts.contains(&Verdict::CannotTell) {
        3
    } else if verdicts.iter().all(|v| *v == Verdict::Granted) {
        0
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::who::{fixtures::db, Creds};
    use model::Address;
    use policy::memfs::MemFs;

    fn stat_table(entries: &'static [(&'static str, Meta)]) -> impl Fn(&str) -> Stat {
        move |rel: &str| match entries.iter().find(|(p, _)| *p == rel) {
            Some((_, m)) => Stat {
                lstat: Ok(*m),
                link: None,
                stat: Ok(*m),
            },
            None => Stat {
                lstat: Err(Errno::ENOENT),
                link: None,
                stat: Err(Errno::ENOENT),
            },
        }
    }

    fn alice() -> Who {
        Who {
            name: Some("alice".into()),
            creds: Creds::new(1000, 1000, vec![1000]),
            source: Source::Database,
        }
    }

    const LO: Address = Address::V4([127, 0, 0, 1]);

    #[test]
    fn a_refusing_byport_file_in_words() {
        static FILES: &[(&str, Meta)] = &[
            (
                "byport/80",
                Meta {
                    kind: Kind::File,
                    uid: 33,
                    gid: 2000,
                    mode: 0o510,
                    size: 0,
                    noexec: false,
                    nosymfollow: false,
                    acl: false,
                    id: (0, 0),
                },
            ),
            (
                "byport",
                Meta {
                    kind: Kind::Dir,
                    uid: 0,
                    gid: 0,
                    mode: 0o755,
                    size: 0,
                    noexec: false,
                    nosymfollow: false,
                    acl: false,
                    id: (0, 0),
                },
            ),
        ];
        let stat = stat_table(FILES);
        let db = db();
        let who = alice();
        let cx = Context {
            who: &who,
            db: &db,
            stat: &stat,
            as_root: true,
            udp: false,
            sibling_grants: &|_| None,
            quotable: &|_| true,
            unprivileged_start: 1024,
        };
        let mut fs = MemFs::new().flag("byport/80", false);
        let w = crate::walk::walk(&mut fs, 1000, LO, 80);
        let (text, v) = render(&cx, &w);
        assert_eq!(v, Verdict::Refused);
        assert_eq!(
            text,
            "explain: bind 127.0.0.1:80 (TCP) as alice (uid 1000)\n\
             \x20 credentials: uid 1000, gid 1000, groups 1000: alice's groups from the user database (root, --user; a login session may carry others)\n\
             \x20 1. byport/80: regular file, owner www-data (33), group www (2000), mode 0510, 0 bytes\n\
             \x20    access(X_OK) for alice: refused (EACCES): alice is neither the owner (www-data (33)) nor in group www (2000): the other bits --- apply\n\
             refused: byport/80 exists and is not executable for alice\n"
        );
    }

    #[test]
    fn byuid_lines_and_hints_in_words() {
        static FILES: &[(&str, Meta)] = &[
            (
                "byport/636",
                Meta {
                    kind: Kind::File,
                    uid: 1000,
                    gid: 1000,
                    mode: 0o500,
                    size: 0,
                    noexec: false,
                    nosymfollow: false,
                    acl: false,
                    id: (0, 0),
                },
            ),
            (
                "byuid/!1000",
                Meta {
                    kind: Kind::File,
                    uid: 0,
                    gid: 0,
                    mode: 0o644,
                    size: 40,
                    noexec: false,
                    nosymfollow: false,
                    acl: false,
                    id: (0, 0),
                },
            ),
        ];
        let stat = stat_table(FILES);
        let db = db();
        let who = alice();
        let cx = Context {
            who: &who,
            db: &db,
            stat: &stat,
            as_root: true,
            udp: true,
            sibling_grants: &|f| (f.to_string() == "byuid/!1000").then_some(2),
            quotable: &|_| true,
            unprivileged_start: 1024,
        };
        let mut fs = MemFs::new().text("byuid/!1000", "localhost,636\n::1,636\n127.0.0.1,600\n# x\n");
        let w = crate::walk::walk(&mut fs, 1000, LO, 636);
        let (text, v) = render(&cx, &w);
        assert_eq!(v, Verdict::Refused);
        let want = "explain: bind 127.0.0.1:636 (UDP) as alice (uid 1000)\n\
             \x20 credentials: uid 1000, gid 1000, groups 1000: alice's groups from the user database (root, --user; a login session may carry others)\n\
             \x20 1. byport/!636: no such file\n\
             \x20 2. byaddr/!127.0.0.1:636: no such file\n\
             \x20 3. byaddr/!127.0.0.1,636: no such file\n\
             \x20 4. byuid/!1000: regular file, owner root (0), group root (0), mode 0644, 40 bytes; read as root, as the helper reads it\n\
             \x20    line 1: localhost,636: ignored by authbind: not an address inet_pton reads (no names, no white space) (`localhost`)\n\
             \x20    line 2: ::1,636: a line for the other family: not for IPv4 binds\n\
             \x20    line 3: 127.0.0.1,600: port 636 is outside its ports\n\
             \x20    line 4: # x: a comment: authbind has no comments, but it grants nothing\n\
             \x20 note: byport/636 exists but is never read for port 636: ports 512 and up are looked up as byport/!636\n\
             \x20 note: byuid/1000:2 covers 127.0.0.1:636, but ports 512 and up are read from byuid/!1000\n\
             refused: no line of byuid/!1000 covers 127.0.0.1:636\n";
        assert_eq!(text, want);
    }

    #[test]
    fn a_user_who_cannot_read_their_byuid_file_is_told_so() {
        let stat = stat_table(&[]);
        let db = db();
        let who = Who {
            source: Source::Own,
            ..alice()
        };
        let cx = Context {
            who: &who,
            db: &db,
            stat: &stat,
            as_root: false,
            udp: false,
            sibling_grants: &|_| None,
            quotable: &|_| true,
            unprivileged_start: 1024,
        };
        let mut fs = MemFs::new().failing("byuid/1000", libc_eacces());
        let w = crate::walk::walk(&mut fs, 1000, LO, 80);
        let (text, v) = render(&cx, &w);
        assert_eq!(v, Verdict::CannotTell);
        assert!(text.contains(
            "credentials: uid 1000, gid 1000, groups 1000: your own real credentials, as the helper would see them"
        ));
        assert!(text.ends_with("cannot tell: byuid/1000 cannot be read by you (Permission denied (EACCES)), and the helper reads it as root; ask root to run: authbind-policy explain --user 1000 127.0.0.1:80\n"), "{text}");
        assert_eq!(status(&[Verdict::Granted, Verdict::CannotTell]), 3);
        assert_eq!(status(&[Verdict::Granted, Verdict::Refused]), 1);
        assert_eq!(status(&[Verdict::Granted, Verdict::Granted]), 0);
    }

    fn libc_eacces() -> i32 {
        Errno::EACCES.0
    }

    #[test]
    fn granted_lines() {
        let stat = stat_table(&[]);
        let db = db();
        let who = alice();
        let cx = Context {
            who: &who,
            db: &db,
            stat: &stat,
            as_root: true,
            udp: false,
            sibling_grants: &|_| None,
            quotable: &|_| true,
            unprivileged_start: 1024,
        };
        let mut fs = MemFs::new().text("byuid/1000", "0.0.0.0/0,80\n");
        let (text, v) = render(&cx, &crate::walk::walk(&mut fs, 1000, LO, 80));
        assert_eq!(v, Verdict::Granted);
        assert!(
            text.ends_with("     line 1: 0.0.0.0/0,80: grants\ngranted by byuid/1000:1\n"),
            "{text}"
        );
        let mut fs = MemFs::new().flag("byaddr/127.0.0.1,80", true);
        let (text, _) = render(&cx, &crate::walk::walk(&mut fs, 1000, LO, 80));
        assert!(text.ends_with("granted by byaddr/127.0.0.1,80\n"), "{text}");
    }

    fn meta(uid: u32, gid: u32, mode: u32) -> Meta {
        Meta {
            kind: Kind::File,
            uid,
            gid,
            mode,
            size: 0,
            noexec: false,
            nosymfollow: false,
            acl: false,
            id: (0, 0),
        }
    }

    /// A reservation decides first and is named with its owner; a port
    /// the kernel lets anyone bind is not walked through authbind's files.
    #[test]
    fn reservations_and_unprivileged_ports_in_words() {
        let table = |rel: &str| {
            let m = match rel {
                "reserve/5432" => meta(1000, 0, 0o500),
                "reserve/80" => meta(0, 2000, 0o010),
                _ => {
                    return Stat {
                        lstat: Err(Errno::ENOENT),
                        link: None,
                        stat: Err(Errno::ENOENT),
                    }
                }
            };
            Stat {
                lstat: Ok(m),
                link: None,
                stat: Ok(m),
            }
        };
        let db = db();
        let bob = Who {
            name: Some("bob".into()),
            creds: Creds::new(1001, 1001, vec![1001, 2000]),
            source: Source::Database,
        };
        let text_for = |who: &Who, fs: &mut MemFs, port: u16| {
            let cx = Context {
                who,
                db: &db,
                stat: &table,
                as_root: true,
                udp: false,
                sibling_grants: &|_| None,
                quotable: &|_| true,
                unprivileged_start: 1024,
            };
            render(&cx, &crate::walk::walk(fs, who.creds.uid, LO, port))
        };
        let mut fs = MemFs::new().flag("reserve/5432", false).flag("reserve/80", true);
        let (text, v) = text_for(&bob, &mut fs, 5432);
        assert_eq!(v, Verdict::Refused);
        assert!(
            text.contains("  1. reserve/5432: regular file, owner alice (1000), group root (0), mode 0500, 0 bytes; reserves port 5432 on every address
"),
            "{text}"
        );
        assert!(
            text.ends_with(
                "refused: port 5432 is reserved for alice by reserve/5432 (not executable for bob)
  note: only kernel mode (authbindd) enforces this: without it the kernel lets any user bind port 5432
"
            ),
            "{text}"
        );
        let (text, v) = text_for(&bob, &mut fs, 80);
        assert_eq!(v, Verdict::Granted);
        assert!(
            text.ends_with(
                "granted: port 80 is reserved for @www by reserve/80
"
            ),
            "{text}"
        );
        // No reservation, port 8080: not "refused" after byport/!8080.
        let (text, v) = text_for(&bob, &mut fs, 8080);
        assert_eq!(v, Verdict::Granted);
        assert!(!text.contains("byport"), "{text}");
        assert!(text.ends_with("granted: no reservation covers 127.0.0.1:8080: the kernel lets any user bind port 8080 (ports from 1024 need no privilege: net.ipv4.ip_unprivileged_port_start); authbind is not asked
"), "{text}");
        // As a user who may not list the folder: cannot tell.
        let mut fs = MemFs::new().failing("reserve", Errno::EACCES.0);
        let cx = Context {
            who: &bob,
            db: &db,
            stat: &table,
            as_root: false,
            udp: false,
            sibling_grants: &|_| None,
            quotable: &|_| true,
            unprivileged_start: 1024,
        };
        let (text, v) = render(&cx, &crate::walk::walk(&mut fs, 1001, LO, 8080));
        assert_eq!(v, Verdict::CannotTell);
        assert!(text.ends_with("cannot tell: reserve/ cannot be listed by you, and the helper lists it as root; ask root to run: authbind-policy explain --user 1001 127.0.0.1:8080\n"), "{text}");
        let mut fs = MemFs::new().flag("reserve/5432", true);
        let alice = alice();
        let (text, v) = text_for(&alice, &mut fs, 5432);
        assert_eq!(v, Verdict::Granted);
        assert!(text.ends_with("granted: reserved for alice by reserve/5432, and the kernel lets any user bind port 5432 (ports from 1024 need no privilege: net.ipv4.ip_unprivileged_port_start); authbind is not asked
"), "{text}");
    }

    /// On 78e057e `explain --user` as root quoted every line of the file
    /// a byuid link led to, whoever chose its end.
    #[test]
    fn lines_the_user_could_not_read_are_judged_not_quoted() {
        let stat = stat_table(&[]);
        let db = db();
        let who = alice();
        let cx = Context {
            who: &who,
            db: &db,
            stat: &stat,
            as_root: true,
            udp: false,
            sibling_grants: &|_| None,
            quotable: &|f| f.to_string() != "byuid/1000",
            unprivileged_start: 1024,
        };
        let mut fs = MemFs::new().text("byuid/1000", "root:$6$hash:1::\n0.0.0.0/0,80\n");
        let (text, v) = render(&cx, &crate::walk::walk(&mut fs, 1000, LO, 80));
        assert_eq!(v, Verdict::Granted);
        assert!(!text.contains("6$hash") && !text.contains("0.0.0.0/0"), "{text}");
        assert!(
            text.contains("     line 1: (not quoted: alice cannot read the file): ignored by authbind: "),
            "{text}"
        );
        assert!(
            text.ends_with("     line 2: (not quoted: alice cannot read the file): grants\ngranted by byuid/1000:2\n"),
            "{text}"
        );
    }
}
