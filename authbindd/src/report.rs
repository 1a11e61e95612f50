//! `authbindd --check`: what a compile of the tree would load, in words,
//! and what kernel mode cannot express exactly.

use crate::compile::check::{Check, ACL, DIR, MEMBERS, NOEXEC};
use crate::compile::{Chain, Compiled, End, FileState};
use model::PolicyFile;
use std::fmt::Write as _;

fn check(k: &Check) -> String {
    let mut s = format!(
        "{} {:03o} uid {} gid {}",
        if k.flags & DIR != 0 { "search" } else { "exec" },
        k.mode,
        k.owner,
        k.group
    );
    if k.flags & NOEXEC != 0 {
        s.push_str(" noexec");
    }
    if k.flags & ACL != 0 {
        s.push_str(" acl");
    }
    if k.flags & MEMBERS != 0 {
        s.push_str(" members");
    }
    s
}

fn chain(c: &Chain) -> String {
    let end = match c.end {
        End::Continue => "absent: on to the next name".to_string(),
        End::Grant(_) => "granted".to_string(),
        End::Refuse => "refused for everyone".to_string(),
    };
    if c.checks.is_empty() {
        return end;
    }
    let checks: Vec<String> = c.checks.iter().map(check).collect();
    format!("{end} if the user passes [{}], else refused", checks.join("; "))
}

/// The reservations, each with who may bind its port (its chain); what
/// is compiled in the safe direction is among the notes.
fn reservations(s: &mut String, c: &Compiled) {
    if let Some(words) = c.reserved.unknown_words() {
        // "reservations: UNKNOWN (…)" first, as scripts look for it.
        let _ = writeln!(
            s,
            "{}",
            words.replacen("reservations UNKNOWN", "reservations: UNKNOWN", 1)
        );
        return;
    }
    let _ = writeln!(
        s,
        "reservations: {} (enforced for non-root users binding in the daemon's network namespace; \
         a covering reservation the user may not execute refuses the bind with EACCES)",
        c.reserved.chains.len()
    );
    for (r, ch) in &c.reserved.chains {
        let who = match ch.end {
            End::Grant(_) if ch.checks.is_empty() => "every user may bind it".to_string(),
            End::Grant(_) => format!(
                "whoever passes [{}] may bind it, every other non-root user is refused",
                ch.checks.iter().map(check).collect::<Vec<_>>().join("; ")
            ),
            End::Continue | End::Refuse => "refused to every non-root user".to_string(),
        };
        let below = if r.port < 1024 {
            " (granted to them: a port below 1024)"
        } else {
            ""
        };
        let _ = writeln!(s, "  {r}: {who}{below}");
    }
    for (port, p) in &c.reserved.ports {
        if p.overflows() {
            let _ = writeln!(
                s,
                "  port {port}: {} address reservations: wildcard binds refused to non-root users (safe direction)",
                p.addrs.len()
            );
        }
    }
}

pub fn report(c: &Compiled) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "policy in {}", c.confdir);
    let _ = writeln!(s, "a byport name of no entry: {}", chain(&c.folders[0]));
    let _ = writeln!(s, "a byaddr name of no entry: {}", chain(&c.folders[1]));
    let _ = writeln!(s, "byport entries: {}", c.byport.len());
    for (port, ch) in &c.byport {
        let name = PolicyFile::new(model::FileName::ByPort, model::Address::UNSPECIFIED_V4, *port, 0);
        let _ = writeln!(
            s,
            "  {}: {}",
            name.map(|n| n.to_string()).unwrap_or_default(),
            chain(ch)
        );
    }
    let _ = writeln!(s, "byaddr entries: {}", c.byaddr.len());
    for ((addr, port), ch) in &c.byaddr {
        let _ = writeln!(s, "  {addr} port {port}: {}", chain(ch));
    }
    let _ = writeln!(s, "byuid files: {}", c.byuid_files.len());
    for f in &c.byuid_files {
        let name = f.name;
        let state = match &f.state {
            FileState::Read { chunks, stopped } => format!(
                "{chunks} lines, {} IPv4 and {} IPv6 rules{}{}",
                f.v4.len(),
                f.v6.len(),
                stopped.as_ref().map(|w| format!(" ({w})")).unwrap_or_default(),
                f.cut
                    .map(|cut| format!(
                        " (kernel mode takes {} of its prefixes: lines from {} on are refused)",
                        f.prefixes(),
                        cut.line
                    ))
                    .unwrap_or_default()
            ),
            FileState::Refused(why) => format!("refuses: {why}"),
            FileState::Unexpressible(why) => format!("refused by kernel mode: it {why}"),
        };
        let _ = writeln!(s, "  {name}: {state}");
    }
    for (family, trie) in [("IPv4", &c.byuid4), ("IPv6", &c.byuid6)] {
        let _ = writeln!(s, "byuid {family} prefixes: {}", trie.len());
        for e in trie {
            let _ = writeln!(
                s,
                "  uid {} {}/{}: ports {}",
                e.uid,
                e.prefix_text(),
                e.len,
                e.ports.describe()
            );
        }
    }
    reservations(&mut s, c);
    // The programs judge groups by the binding process's own (the
    // loaded object says how: `groups:` below, once loaded).
    let _ = writeln!(
        s,
        "group memberships in the user database (for reference): {}",
        c.members.len()
    );
    let _ = writeln!(s, "cannot express exactly ({}):", c.notes.unexpressible.len());
    for n in &c.notes.unexpressible {
        let _ = writeln!(s, "  - {n}");
    }
    s
}
