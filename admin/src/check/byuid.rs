//! byuid files: never consulted, not regular, changeable by others, too
//! large, and each line as the helper reads it (`for_each_chunk`,
//! `LineMeaning`): ignored (naming the token), ports in the wrong file,
//! sensitive ports in ranges, ports a flag file decides first.

use super::judge::Judge;
use super::sensitive::{within, words};
use super::{finding, Finding, Level};
use crate::inventory::{Content, Entry, Inventory};
use crate::lines::grants_of_chunk;
use crate::mode::{octal, Kind};
use crate::sim::Plan;
use crate::spec::{AddrSpec, PortRange};
use crate::view::{decided_first, DecidedFirst, Points};
use crate::who::UserDb;
use crate::who::Who;
use model::{ports_words, ByuidName, Ignored, Rule, MAX_BYUID_BYTES};
use policy::{for_each_chunk, LineMeaning, CHUNK};
use std::ops::ControlFlow;

fn fix_for(why: Ignored, line: &[u8]) -> String {
    match why {
        Ignored::NoComma => "write ADDRESS,PORT or ADDRESS,PORT-PORT (a comma before the ports)".into(),
        Ignored::BadAddress => "write a numeric address with nothing around it: no host names, no white space".into(),
        Ignored::SlashAndHyphen => "write either ADDRESS/LENGTH or ADDRESS-ADDRESS".into(),
        Ignored::BadPrefixLength | Ignored::PrefixTooLong => {
            "the length after / is 0 to 32 (IPv4) or 0 to 128 (IPv6)".into()
        }
        Ignored::HostBits => {
            let head = String::from_utf8_lossy(line);
            let head = head.split(',').next().unwrap_or("").trim();
            match AddrSpec::parse(head) {
                Err(e) if e.contains("write ") => format!(
                    "write the network's first address: {}",
                    e.rsplit("write ").next().unwrap_or("")
                ),
                _ => "write the network's first address".into(),
            }
        }
        Ignored::AddressesReversed => "put the lower address first".into(),
        Ignored::BadPorts => {
            "nothing may follow the ports, not even a comment: put comments on lines of their own, starting with #"
                .into()
        }
        Ignored::PortsReversed => "put the lower port first".into(),
        Ignored::PortsOutOfRange => "ports are 1 to 65535".into(),
        Ignored::ColonFormOutOfRange => "write ADDRESS/LENGTH,PORT-PORT".into(),
    }
}

fn shown(bytes: &[u8]) -> String {
    let t = policy::c_line(bytes);
    String::from_utf8_lossy(t.strip_suffix(b"\n").unwrap_or(t))
        .escape_debug()
        .to_string()
}

pub(super) fn check(inv: &Inventory, db: &UserDb, judge: &mut Judge, out: &mut Vec<Finding>) {
    let points = Points::after(inv, &Plan::default());
    for e in inv.children(Rule::ByUid.folder()) {
        one(db, judge, &points, e, out);
    }
}

fn one(db: &UserDb, judge: &mut Judge, points: &Points, e: &Entry, out: &mut Vec<Finding>) {
    let rel = e.rel.as_str();
    let name = match ByuidName::parse(e.folder_and_name().1) {
        Ok(name) => name,
        Err(why) => {
            out.push(finding(
                Level::Error,
                rel,
                None,
                format!("never consulted: {why}"),
                "rename it byuid/UID or byuid/!UID, or remove it",
            ));
            return;
        }
    };
    let uid = name.uid;
    if db.user_by_uid(uid).is_none() {
        out.push(finding(
            Level::Warning,
            rel,
            None,
            format!("uid {uid} has no user in the database"),
            "remove it if the user is gone",
        ));
    }
    let m = match &e.link {
        None => e.meta,
        Some(l) => {
            out.push(finding(
                Level::Warning,
                rel,
                None,
                format!(
                    "is a symlink to {}: the helper reads whatever that leads to, as root",
                    l.target
                ),
                "replace it with the file itself",
            ));
            match l.resolved {
                Ok(m) => m,
                Err(_) => return,
            }
        }
    };
    match m.kind {
        Kind::File => {}
        Kind::Dir => {
            out.push(finding(
                Level::Error,
                rel,
                None,
                format!("is a folder: every bind of uid {uid} that reaches it is refused (EISDIR)"),
                format!("remove it, and put uid {uid}'s lines in a file"),
            ));
            return;
        }
        k => {
            out.push(finding(
                Level::Error,
                rel,
                None,
                format!(
                    "is a {}: the helper refuses every bind of uid {uid} that reaches it (authbind 2.1 would hang)",
                    k.noun()
                ),
                "replace it with a regular file",
            ));
            return;
        }
    }
    if m.uid != 0 {
        let whose = if m.uid == uid {
            format!("its own user, {}", db.user_label(uid))
        } else {
            db.user_label(m.uid)
        };
        out.push(finding(
            Level::Error,
            rel,
            None,
            format!("owned by {whose}, who can add lines granting uid {uid} any port"),
            format!("chown root:root {rel}"),
        ));
    } else if m.mode & 0o002 != 0 {
        out.push(finding(
            Level::Error,
            rel,
            None,
            format!(
                "every user can write it (mode {}), and so grant uid {uid} any port",
                octal(m.mode)
            ),
            format!("chmod o-w {rel}"),
        ));
    }
    if m.uid == 0 && m.mode & 0o020 != 0 && m.gid != 0 {
        out.push(finding(
            Level::Error,
            rel,
            None,
            format!(
                "members of group {} can write it (mode {})",
                db.group_label(m.gid),
                octal(m.mode)
            ),
            format!("chmod g-w {rel}"),
        ));
    }
    if m.size > MAX_BYUID_BYTES {
        out.push(finding(
            Level::Error,
            rel,
            None,
            format!("is {} bytes, more than the helper reads ({MAX_BYUID_BYTES}): binds that no line before the limit grants are refused", m.size),
            "keep the file small",
        ));
    }
    let data = match &e.content {
        Content::Bytes { data, truncated } => {
            if *truncated {
                out.push(finding(
                    Level::Note,
                    rel,
                    None,
                    "only its first MiB was checked".into(),
                    "",
                ));
            }
            data
        }
        Content::Failed(err) => {
            out.push(finding(
                Level::Warning,
                rel,
                None,
                format!("cannot be read ({err}): its lines were not checked"),
                "run check as root",
            ));
            return;
        }
        Content::NotRead => return,
    };
    // The helper reads through any link, as root; root's report must not
    // quote a file the user it judges could not read (a link whose end
    // that user chose: /etc/shadow's lines would go into CI logs).
    let quoted = e.link.is_none() || judge.may_read(rel, &Who::of(db, uid).creds);
    if !quoted {
        out.push(finding(
            Level::Note,
            rel,
            None,
            format!("its lines are judged but not quoted: it leads to a file uid {uid} cannot read"),
            "",
        ));
    }
    lines(db, judge, points, rel, name, data, quoted, out);
}

/// A line (or a part of one) as a finding quotes it: escaped, or not at
/// all for a file that is not quoted.
fn quote(quoted: bool, bytes: &[u8]) -> String {
    if quoted {
        shown(bytes)
    } else {
        "…".into()
    }
}

#[allow(clippy::too_many_arguments)]
fn lines(
    db: &UserDb,
    judge: &mut Judge,
    points: &Points,
    rel: &str,
    name: ByuidName,
    data: &[u8],
    quoted: bool,
    out: &mut Vec<Finding>,
) {
    let other = name.sibling();
    let range_words = format!("{} are read from", ports_words(other.bang));
    let split_at = *model::bang_ports(true).start();
    let who = Who::of(db, name.uid);
    let mut last_long = 0;
    let mut last_nul = 0;
    let mut any_grant = false;
    let mut wildcard = false;
    let _ = for_each_chunk(std::io::Cursor::new(data), |n, chunk| {
        if chunk.len() == CHUNK && !chunk.ends_with(b"\n") && last_long != n {
            last_long = n;
            out.push(finding(
                Level::Error,
                rel,
                Some(n),
                format!("is longer than {CHUNK} bytes: authbind reads it in pieces, each judged as a line of its own"),
                "split it into lines of their own",
            ));
        }
        if chunk.contains(&0) && last_nul != n {
            last_nul = n;
            out.push(finding(
                Level::Warning,
                rel,
                Some(n),
                "holds a NUL byte: authbind reads the line only up to it".into(),
                "remove the NUL byte",
            ));
        }
        let meaning = LineMeaning::of(chunk);
        if let Some(v) = meaning.mistake() {
            out.push(finding(
                Level::Error,
                rel,
                Some(n),
                format!(
                    "authbind ignores `{}`: {} (`{}`)",
                    quote(quoted, chunk),
                    v.why.describe(),
                    quote(quoted, v.token)
                ),
                fix_for(v.why, if quoted { policy::c_line(chunk) } else { b"" }),
            ));
            return ControlFlow::Continue(());
        }
        for (a, r) in grants_of_chunk(chunk) {
            let text = quote(quoted, chunk);
            any_grant = true;
            wildcard |= a.contains(&model::Address::UNSPECIFIED_V4) || a.contains(&model::Address::UNSPECIFIED_V6);
            match r.within(name.ports()) {
                None => out.push(finding(
                    Level::Error,
                    rel,
                    Some(n),
                    format!("`{text}` grants ports {r}, which are never read from {rel} ({range_words} {other})"),
                    format!("move the line to {other}"),
                )),
                Some(kept) if kept != r => out.push(finding(
                    Level::Warning,
                    rel,
                    Some(n),
                    format!(
                        "`{text}`: ports {} of {r} are never read from {rel} ({range_words} {other})",
                        outside(r, kept)
                    ),
                    format!("split the line at {split_at}: {kept} here, the rest in {other}"),
                )),
                Some(_) => {}
            }
            let Some(kept) = r.within(name.ports()) else { continue };
            let sensitive = within(kept);
            if kept.min != kept.max && !sensitive.is_empty() {
                out.push(finding(
                    Level::Warning,
                    rel,
                    Some(n),
                    format!(
                        "`{text}` grants the range {kept}, with sensitive ports {}",
                        words(&sensitive)
                    ),
                    "grant only the ports the service needs",
                ));
            }
            shadows(judge, points, rel, n, &text, &who, &a, kept, out);
        }
        ControlFlow::Continue(())
    });
    if any_grant && !wildcard {
        out.push(finding(
            Level::Note,
            rel,
            None,
            "no line covers the wildcard addresses 0.0.0.0 or ::, which most servers bind (Java and Go bind :: for both families)".into(),
            "add 0.0.0.0,PORT and ::,PORT lines if the service binds every address",
        ));
    }
}

/// `512-1023` or `1-511`: the part of `r` outside `kept`.
fn outside(r: PortRange, kept: PortRange) -> String {
    let parts: Vec<String> = [
        (r.min < kept.min).then(|| PortRange {
            min: r.min,
            max: kept.min - 1,
        }),
        (r.max > kept.max).then(|| PortRange {
            min: kept.max + 1,
            max: r.max,
        }),
    ]
    .into_iter()
    .flatten()
    .map(|p| p.to_string())
    .collect();
    parts.join(" and ")
}

/// Binds of the line that a flag file decides, refusing this user, before
/// the line is read: `decide`'s answers at the points that stand for the
/// whole line (`view::line_points`).
#[allow(clippy::too_many_arguments)]
fn shadows(
    judge: &mut Judge,
    points: &Points,
    rel: &str,
    n: u32,
    text: &str,
    who: &Who,
    a: &AddrSpec,
    kept: PortRange,
    out: &mut Vec<Finding>,
) {
    let (probes, first) = decided_first(a, kept, points, &mut |addr, port| judge.flags(who, addr, port));
    let refused: Vec<&DecidedFirst> = first.iter().filter(|d| !d.decision.granted()).collect();
    if refused.is_empty() {
        return;
    }
    let all = refused.len() == probes;
    let mut files: Vec<String> = Vec::new();
    for d in &refused {
        let f = d.file();
        if !files.contains(&f) {
            files.push(f);
        }
    }
    files.truncate(5);
    let (level, what) = if all {
        (
            Level::Error,
            format!("`{text}` never grants anything to {}: ", who.short()),
        )
    } else {
        (Level::Warning, format!("`{text}` ({a}): "))
    };
    out.push(finding(
        level,
        rel,
        Some(n),
        format!(
            "{what}{} decide{} first and refuse{} {}",
            files.join(", "),
            if files.len() == 1 { "s" } else { "" },
            if files.len() == 1 { "s" } else { "" },
            who.short()
        ),
        if files.iter().all(|f| f.starts_with("byport/")) {
            "remove those byport files, or grant the user there"
        } else if files.iter().all(|f| f.starts_with("reserve/")) {
            "the port is reserved for someone else: remove the line, or release the reservation"
        } else {
            "remove or change those files, or grant the user there"
        },
    ));
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::check::check;
    use crate::mode::{Kind, Meta};
    use crate::who::fixtures::db;

    /// On 78e057e root's check quoted the lines of whatever a byuid link
    /// led to: a user who controls the link's end saw a root-only file's
    /// lines in root's report.
    #[test]
    fn a_file_its_user_cannot_read_is_judged_but_not_quoted() {
        use crate::inventory::Inventory;
        use crate::who::fixtures::{group, user};
        use crate::who::UserDb;
        use std::os::unix::fs::{symlink, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("conf");
        for d in ["byport", "byaddr", "byuid"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "root:$6$hash:19000:0:99999:7:::\n127.0.0.1,80\n").unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        let open = dir.path().join("open");
        std::fs::write(&open, "bad line here\n").unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        // Users that are not whoever runs the test (the files are theirs).
        let me = nix::unistd::getuid().as_raw();
        let (u1, u2) = (me.wrapping_add(4242), me.wrapping_add(4243));
        symlink(&secret, root.join(format!("byuid/{u1}"))).unwrap();
        symlink(&open, root.join(format!("byuid/{u2}"))).unwrap();
        let db = UserDb::of(
            vec![user("root", 0, 0), user("dave", u1, u1), user("erin", u2, u2)],
            vec![group("root", 0, &[]), group("dave", u1, &[]), group("erin", u2, &[])],
        );
        let inv = Inventory::read(&root).unwrap();
        let text = crate::check::text(&crate::check::check(&inv, &db));
        assert!(!text.contains("6$hash"), "{text}");
        assert!(
            text.contains(&format!("byuid/{u1}: its lines are judged but not quoted")),
            "{text}"
        );
        assert!(text.contains(&format!("byuid/{u1}:1: authbind ignores `…`")), "{text}");
        assert!(
            text.contains("bad line here"),
            "a file its user can read is quoted: {text}"
        );
    }

    fn findings(setup: impl FnOnce(&mut crate::inventory::Inventory)) -> Vec<(String, String)> {
        let mut inv = clean();
        setup(&mut inv);
        check(&inv, &db())
            .into_iter()
            .map(|f| {
                let at = match f.line {
                    Some(l) => format!("{} {}:{l}: {}", f.level.word(), f.file, f.message),
                    None => format!("{} {}: {}", f.level.word(), f.file, f.message),
                };
                (at, f.fix)
            })
            .collect()
    }

    #[test]
    fn the_issues_lines_each_found_with_the_token_and_a_fix() {
        let got = findings(|inv| {
            bytes(inv, "byuid/1000", file(0, 0, 0o644), "127.0.0.1:84\n127.0.0.1,85 # web\n 127.0.0.1,86\nlocalhost,87\n127.0.0.1/8,92\n127.0.0.1,95-94\n# a comment\n\n127.0.0.1,80\n");
        });
        let want: Vec<(&str, &str)> = vec![
            ("error byuid/1000:1: authbind ignores `127.0.0.1:84`: no comma between the addresses and the ports (`127.0.0.1:84`)", "write ADDRESS,PORT or ADDRESS,PORT-PORT (a comma before the ports)"),
            ("error byuid/1000:2: authbind ignores `127.0.0.1,85 # web`: the ports are not PORT or PORT-PORT (nothing may follow them, not even a comment) (`85 # web`)", "nothing may follow the ports, not even a comment: put comments on lines of their own, starting with #"),
            ("error byuid/1000:3: authbind ignores ` 127.0.0.1,86`: not an address inet_pton reads (no names, no white space) (` 127.0.0.1`)", "write a numeric address with nothing around it: no host names, no white space"),
            ("error byuid/1000:4: authbind ignores `localhost,87`: not an address inet_pton reads (no names, no white space) (`localhost`)", "write a numeric address with nothing around it: no host names, no white space"),
            ("error byuid/1000:5: authbind ignores `127.0.0.1/8,92`: host bits set past the prefix length (`127.0.0.1`)", "write the network's first address: 127.0.0.0/8"),
            ("error byuid/1000:6: authbind ignores `127.0.0.1,95-94`: the lowest port is above the highest (`95-94`)", "put the lower port first"),
            ("note byuid/1000: no line covers the wildcard addresses 0.0.0.0 or ::, which most servers bind (Java and Go bind :: for both families)", "add 0.0.0.0,PORT and ::,PORT lines if the service binds every address"),
        ];
        let got: Vec<(&str, &str)> = got.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn ports_in_the_wrong_file_ranges_and_shadows() {
        let got = findings(|inv| {
            bytes(
                inv,
                "byuid/1000",
                file(0, 0, 0o644),
                "127.0.0.1,636\n0.0.0.0/0,1-1023\n::1,80\n",
            );
            bytes(inv, "byuid/!1000", file(0, 0, 0o644), "::1,80\n");
            put(inv, "byport/80", file(33, 33, 0o500));
        });
        let got: Vec<&str> = got.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            got,
            vec![
                "error byuid/!1000:1: `::1,80` grants ports 80, which are never read from byuid/!1000 (ports below 512 are read from byuid/1000)",
                "error byuid/1000:1: `127.0.0.1,636` grants ports 636, which are never read from byuid/1000 (ports 512 and up are read from byuid/!1000)",
                "error byuid/1000:3: `::1,80` never grants anything to alice: byport/80 decides first and refuses alice",
                "warning byport/80: owned by www-data (33), who may bind port 80 through it and can chmod it to let every user do so",
                "warning byuid/1000:2: `0.0.0.0/0,1-1023`: ports 512-1023 of 1-1023 are never read from byuid/1000 (ports 512 and up are read from byuid/!1000)",
                "warning byuid/1000:2: `0.0.0.0/0,1-1023` grants the range 1-511, with sensitive ports 21 (ftp), 22 (ssh), 23 (telnet), 25 (smtp), 53 (dns), and 12 more",
                "warning byuid/1000:2: `0.0.0.0/0,1-1023` (0.0.0.0/0): byport/80 decides first and refuses alice",
                "note byuid/!1000: no line covers the wildcard addresses 0.0.0.0 or ::, which most servers bind (Java and Go bind :: for both families)",
            ]
        );
    }

    #[test]
    fn files_others_control_and_odd_kinds() {
        let got = findings(|inv| {
            bytes(inv, "byuid/1000", file(1000, 1000, 0o644), "127.0.0.1,80\n");
            bytes(inv, "byuid/1001", file(0, 2000, 0o666), "127.0.0.1,80\n");
            put(inv, "byuid/1002", Meta::new(Kind::Fifo, 0, 0, 0o644));
            put(inv, "byuid/1500", Meta::new(Kind::Dir, 0, 0, 0o755));
            put(inv, "byuid/alice", file(0, 0, 0o644));
            let mut big = file(0, 0, 0o644);
            big.size = model::MAX_BYUID_BYTES + 1;
            put(inv, "byuid/33", big);
            inv.entries.get_mut("byuid/33").unwrap().content = crate::inventory::Content::Failed(model::Errno::EACCES);
            bytes(inv, "byuid/!1000", file(0, 0, 0o644), &format!("{}\n", "9".repeat(400)));
        });
        let got: Vec<&str> = got.iter().map(|(a, _)| a.as_str()).collect();
        let ignored_nines = |n: usize| {
            let t = "9".repeat(n);
            format!("error byuid/!1000:1: authbind ignores `{t}`: no comma between the addresses and the ports (`{t}`)")
        };
        assert_eq!(
            got,
            vec![
                "error byuid/!1000:1: is longer than 298 bytes: authbind reads it in pieces, each judged as a line of its own",
                &ignored_nines(298),
                &ignored_nines(102),
                "error byuid/1000: owned by its own user, alice (1000), who can add lines granting uid 1000 any port",
                "error byuid/1001: every user can write it (mode 0666), and so grant uid 1001 any port",
                "error byuid/1001: members of group www (2000) can write it (mode 0666)",
                "error byuid/1002: is a FIFO: the helper refuses every bind of uid 1002 that reaches it (authbind 2.1 would hang)",
                "error byuid/1500: is a folder: every bind of uid 1500 that reaches it is refused (EISDIR)",
                "error byuid/33: is 134217729 bytes, more than the helper reads (134217728): binds that no line before the limit grants are refused",
                "error byuid/alice: never consulted: `alice` is not a uid as the helper writes it (decimal, no leading zeros)",
                "warning byuid/1500: uid 1500 has no user in the database",
                "warning byuid/33: cannot be read (Permission denied (EACCES)): its lines were not checked",
                "note byuid/1000: no line covers the wildcard addresses 0.0.0.0 or ::, which most servers bind (Java and Go bind :: for both families)",
                "note byuid/1001: no line covers the wildcard addresses 0.0.0.0 or ::, which most servers bind (Java and Go bind :: for both families)",
            ]
        );
    }

    /// The messages the other tests do not reach: a link, a NUL byte, a
    /// file judged on its first MiB, character and block devices.
    #[test]
    fn links_nul_bytes_large_files_and_devices() {
        let got = findings(|inv| {
            link(inv, "byuid/1000", "/srv/byuid-1000", Ok(file(0, 0, 0o644)));
            inv.entries.get_mut("byuid/1000").unwrap().content = crate::inventory::Content::Bytes {
                data: b"0.0.0.0,80\n::,80\n".to_vec(),
                truncated: false,
            };
            bytes(
                inv,
                "byuid/1001",
                file(0, 0, 0o644),
                "0.0.0.0,80\n::,80\n127.0.0.1,81\x00junk\n",
            );
            bytes(inv, "byuid/1002", file(0, 0, 0o644), "0.0.0.0,80\n::,80\n");
            if let crate::inventory::Content::Bytes { truncated, .. } =
                &mut inv.entries.get_mut("byuid/1002").unwrap().content
            {
                *truncated = true;
            }
            put(inv, "byuid/33", Meta::new(Kind::CharDev, 0, 0, 0o644));
            put(inv, "byuid/!33", Meta::new(Kind::BlockDev, 0, 0, 0o644));
        });
        let got: Vec<&str> = got.iter().map(|(a, _)| a.as_str()).collect();
        for want in [
            "warning byuid/1000: is a symlink to /srv/byuid-1000: the helper reads whatever that leads to, as root",
            "warning byuid/1001:3: holds a NUL byte: authbind reads the line only up to it",
            "note byuid/1002: only its first MiB was checked",
        ] {
            assert!(got.contains(&want), "missing `{want}` in {got:#?}");
        }
        for want in [
            "error byuid/!33: is a block device: the helper refuses every bind of uid 33 that reaches it (authbind 2.1 would hang)",
            "error byuid/33: is a character device: the helper refuses every bind of uid 33 that reaches it (authbind 2.1 would hang)",
        ] {
            assert!(got.contains(&want), "missing `{want}` in {got:#?}");
        }
    }
}
