//! Facts from /proc/PID/status, read with a bound.

use std::io::Read;

/// The fields of /proc/PID/status we use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    pub tgid: i32,
    pub euid: u32,
    pub cap_eff: u64,
    pub no_new_privs: bool,
    /// The Uid, Gid, Groups and CapEff lines as they stand: two processes
    /// with the same text here have the same credentials for bind.
    pub credentials: String,
}

pub fn parse(text: &str) -> Option<Status> {
    let mut s = Status::default();
    let mut seen = 0;
    for line in text.lines() {
        let (key, value) = line.split_once(':')?;
        if matches!(key, "Uid" | "Gid" | "Groups" | "CapEff") {
            s.credentials.push_str(line);
            s.credentials.push('\n');
        }
        let value = value.trim();
        match key {
            "Tgid" => {
                s.tgid = value.parse().ok()?;
                seen += 1;
            }
            "Uid" => {
                s.euid = value.split_whitespace().nth(1)?.parse().ok()?;
                seen += 1;
            }
            "CapEff" => {
                s.cap_eff = u64::from_str_radix(value, 16).ok()?;
                seen += 1;
            }
            "NoNewPrivs" => s.no_new_privs = value == "1",
            _ => {}
        }
    }
    (seen == 3).then_some(s)
}

/// `/proc/PID/status`, read with a bound; InvalidData when its fields
/// are not all there.
pub fn read(pid: &str) -> std::io::Result<Status> {
    let mut text = String::new();
    std::fs::File::open(format!("/proc/{pid}/status"))?
        .take(64 * 1024)
        .read_to_string(&mut text)?;
    parse(&text).ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidData))
}

/// The process's security label (AppArmor, SELinux…), "" if none can be
/// read.
pub fn label(pid: &str) -> String {
    let mut text = String::new();
    if let Ok(f) = std::fs::File::open(format!("/proc/{pid}/attr/current")) {
        let _ = f.take(4096).read_to_string(&mut text);
    }
    text
}

pub fn self_has_no_new_privs() -> bool {
    read("self").is_ok_and(|s| s.no_new_privs)
}

/// CAP_NET_BIND_SERVICE, or root: the kernel lets such a caller bind any port.
pub fn may_bind_privileged(s: &Status) -> bool {
    const CAP_NET_BIND_SERVICE: u32 = 10;
    s.euid == 0 || s.cap_eff & (1 << CAP_NET_BIND_SERVICE) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_fields_we_need() {
        let text =
            "Name:\tx\nTgid:\t42\nPid:\t43\nUid:\t1500\t1500\t1500\t1500\nCapEff:\t0000000000000400\nNoNewPrivs:\t1\n";
        let s = parse(text).unwrap();
        assert_eq!(
            s,
            Status {
                tgid: 42,
                euid: 1500,
                cap_eff: 0x400,
                no_new_privs: true,
                credentials: "Uid:\t1500\t1500\t1500\t1500\nCapEff:\t0000000000000400\n".to_string(),
            }
        );
        assert!(may_bind_privileged(&s));
        assert!(!may_bind_privileged(&Status {
            euid: 1500,
            ..Default::default()
        }));
        assert!(parse("Name:\tx\n").is_none());
        assert!(read("self").is_ok());
    }
}
