//! Editing one byuid file the way `grant` and `revoke` may: every byte of
//! the lines they do not touch kept, whole lines appended or removed,
//! never a file they cannot read as lines.

use crate::error::{AdminError, Result};
use crate::inventory::{Content, Entry};
use crate::lines::{grants_of_chunk, grants_of_line, line_for, raw_lines};
use crate::mode::{Kind, Meta};
use crate::spec::{AddrSpec, PortRange};

/// A byuid file as the tool may edit it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByuidFile {
    pub rel: String,
    pub meta: Meta,
    pub data: Vec<u8>,
    pub exists: bool,
}

impl ByuidFile {
    /// The file at `rel` (`None`: there is none yet), or why the tool will
    /// not edit it.
    pub fn open(rel: &str, entry: Option<&Entry>) -> Result<ByuidFile> {
        let Some(e) = entry else {
            return Ok(ByuidFile {
                rel: rel.into(),
                meta: Meta::new(Kind::File, 0, 0, 0o644),
                data: Vec::new(),
                exists: false,
            });
        };
        let refuse = |why: String| {
            AdminError::Refused(format!(
                "{rel} {why}: authbind-policy edits only regular files owned by root; fix it by hand (`authbind-policy check` says what is wrong)"
            ))
        };
        if let Some(l) = &e.link {
            return Err(refuse(format!("is a symlink to {}", l.target)));
        }
        if e.meta.kind != Kind::File {
            return Err(refuse(format!("is a {}", e.meta.kind.noun())));
        }
        if e.meta.uid != 0 {
            return Err(refuse(format!("is owned by uid {}", e.meta.uid)));
        }
        let data = match &e.content {
            Content::Bytes { data, truncated: false } => data.clone(),
            Content::Bytes { .. } => return Err(refuse("is too large to edit".into())),
            Content::Failed(errno) => return Err(AdminError::errno(rel, *errno)),
            Content::NotRead => return Err(AdminError::errno(rel, model::Errno::EIO)),
        };
        Ok(ByuidFile {
            rel: rel.into(),
            meta: e.meta,
            data,
            exists: true,
        })
    }

    /// The number of the first line that already grants all of `addrs` ×
    /// `ports`.
    pub fn covering_line(&self, addrs: &AddrSpec, ports: PortRange) -> Option<u32> {
        raw_lines(&self.data).into_iter().find_map(|l| {
            let gs = grants_of_line(l.bytes)?;
            gs.iter()
                .any(|(a, r)| a.covers(addrs) && r.min <= ports.min && ports.max <= r.max)
                .then_some(l.number)
        })
    }

    /// Appends `line` (a newline is first added after a last line that
    /// lacks one, when that does not change what the line means).
    pub fn append(&mut self, line: &str) -> Result<()> {
        if !self.data.is_empty() && !self.data.ends_with(b"\n") {
            let last = raw_lines(&self.data)
                .pop()
                .map(|l| l.bytes.to_vec())
                .unwrap_or_default();
            let mut with = last.clone();
            with.push(b'\n');
            if grants_of_chunk(&last) != grants_of_chunk(&with) {
                return Err(AdminError::Refused(format!(
                    "{}: its last line has no newline, and adding one would change what it means; fix it by hand",
                    self.rel
                )));
            }
            self.data.push(b'\n');
        }
        self.data.extend_from_slice(line.as_bytes());
        Ok(())
    }

    /// Takes `addrs` × `ports` out: lines inside it go, lines that also
    /// grant other ports of the same addresses are replaced by lines for
    /// those ports. Returns what was done, one entry per line; refuses a
    /// line that grants the addresses only in part.
    pub fn revoke(&mut self, addrs: &AddrSpec, ports: PortRange) -> Result<Vec<String>> {
        let mut kept: Vec<u8> = Vec::new();
        let mut added: Vec<String> = Vec::new();
        let mut done = Vec::new();
        for l in raw_lines(&self.data) {
            let text = String::from_utf8_lossy(l.bytes).trim_end().to_string();
            let Some(gs) = grants_of_line(l.bytes) else {
                let unread = crate::lines::grants_of_chunk(&l.bytes[..l.bytes.len().min(policy::CHUNK)]);
                if unread
                    .iter()
                    .any(|(a, r)| a.overlaps(addrs) && r.clip(ports.min, ports.max).is_some())
                {
                    return Err(AdminError::Refused(format!(
                        "{}:{}: the line is longer than {} bytes or holds a NUL byte; authbind-policy does not edit it: fix it by hand",
                        self.rel,
                        l.number,
                        policy::CHUNK
                    )));
                }
                kept.extend_from_slice(l.bytes);
                continue;
            };
            let hit: Vec<&(AddrSpec, PortRange)> = gs
                .iter()
                .filter(|(a, r)| a.overlaps(addrs) && r.clip(ports.min, ports.max).is_some())
                .collect();
            if hit.is_empty() {
                kept.extend_from_slice(l.bytes);
                continue;
            }
            for (a, r) in &hit {
                if !addrs.covers(a) {
                    return Err(AdminError::Refused(format!(
                        "{}:{} `{text}` grants {a}, more than {addrs}: authbind-policy removes whole lines only; revoke {a}, or edit {} by hand",
                        self.rel, l.number, self.rel
                    )));
                }
                let rest = [
                    (r.min < ports.min).then(|| PortRange {
                        min: r.min,
                        max: ports.min - 1,
                    }),
                    (r.max > ports.max).then(|| PortRange {
                        min: ports.max + 1,
                        max: r.max,
                    }),
                ];
                let rest: Vec<String> = rest.into_iter().flatten().map(|p| line_for(a, p)).collect();
                done.push(if rest.is_empty() {
                    format!("remove line {} `{text}`", l.number)
                } else {
                    format!(
                        "replace line {} `{text}` by {}",
                        l.number,
                        rest.iter()
                            .map(|r| format!("`{}`", r.trim_end()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
                added.extend(rest);
            }
        }
        self.data = kept;
        for line in added {
            self.append(&line)?;
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> ByuidFile {
        ByuidFile {
            rel: "byuid/1000".into(),
            meta: Meta::new(Kind::File, 0, 0, 0o644),
            data: text.as_bytes().to_vec(),
            exists: true,
        }
    }

    fn spec(t: &str) -> AddrSpec {
        AddrSpec::parse(t).unwrap()
    }

    #[test]
    fn appends_keep_every_byte() {
        let mut f = file("# mine\n127.0.0.1,85 # web\n10.0.0.0/8,80");
        assert_eq!(f.covering_line(&spec("10.1.0.0/16"), PortRange::one(80)), Some(3));
        assert_eq!(f.covering_line(&spec("10.1.0.0/16"), PortRange::one(81)), None);
        f.append("::/0,80\n").unwrap();
        assert_eq!(f.data, b"# mine\n127.0.0.1,85 # web\n10.0.0.0/8,80\n::/0,80\n");
        // "1,80-" + newline: still the same (nothing), so a newline may go.
        let mut f = file("x,80-");
        f.append("::1,80\n").unwrap();
        assert_eq!(f.data, b"x,80-\n::1,80\n");
    }

    #[test]
    fn revokes_whole_lines_and_splits_ports() {
        let mut f = file("# keep\n127.0.0.1-127.0.0.9,80-88\n0.0.0.0/0,80\n::1,80\n");
        let done = f.revoke(&spec("0.0.0.0/0"), PortRange::one(80)).unwrap();
        assert_eq!(
            done,
            vec![
                "replace line 2 `127.0.0.1-127.0.0.9,80-88` by `127.0.0.1-127.0.0.9,81-88`".to_string(),
                "remove line 3 `0.0.0.0/0,80`".to_string()
            ]
        );
        assert_eq!(f.data, b"# keep\n::1,80\n127.0.0.1-127.0.0.9,81-88\n");
        let e = file("10.0.0.0/8,80\n")
            .revoke(&spec("10.1.2.3"), PortRange::one(80))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "byuid/1000:1 `10.0.0.0/8,80` grants 10.0.0.0/8, more than 10.1.2.3: authbind-policy removes whole lines only; revoke 10.0.0.0/8, or edit byuid/1000 by hand"
        );
    }

    #[test]
    fn files_it_will_not_edit() {
        let entry = Entry {
            rel: "byuid/1000".into(),
            meta: Meta::new(Kind::File, 1000, 1000, 0o644),
            link: None,
            content: Content::Bytes {
                data: vec![],
                truncated: false,
            },
        };
        let e = ByuidFile::open("byuid/1000", Some(&entry)).unwrap_err();
        assert_eq!(e.to_string(), "byuid/1000 is owned by uid 1000: authbind-policy edits only regular files owned by root; fix it by hand (`authbind-policy check` says what is wrong)");
        let fifo = Entry {
            meta: Meta::new(Kind::Fifo, 0, 0, 0o644),
            ..entry
        };
        assert!(ByuidFile::open("byuid/1000", Some(&fifo))
            .unwrap_err()
            .to_string()
            .starts_with("byuid/1000 is a FIFO"));
        assert!(!ByuidFile::open("byuid/1000", None).unwrap().exists);
    }
}
