//! One audit line per grant the programs report, in the helper's format
//! (facility authpriv, ident `authbind`, key=value fields). Kept in this
//! one module, with one function taking the fields, until the shared
//! audit crate lands; switching to it changes only [`send`].

use crate::maps::layout::Event;
use crate::syslog::{Severity, Syslog, AUTHPRIV};
use model::PolicyFile;

/// `tcp`, `udp`, or the protocol number.
fn proto(e: &Event) -> String {
    match e.protocol as i32 {
        libc::IPPROTO_TCP => "tcp".into(),
        libc::IPPROTO_UDP => "udp".into(),
        libc::IPPROTO_SCTP => "sctp".into(),
        n => n.to_string(),
    }
}

/// The fields of one grant.
pub fn line(e: &Event) -> String {
    let rule = e.rule.map_or("unknown", |r| r.folder());
    let file = e
        .file
        .and_then(|name| PolicyFile::new(name, e.addr, e.port, e.uid))
        .map_or_else(|| "unknown".to_string(), |f| f.to_string());
    format!(
        "RESULT=granted UID={} PID={} PROTO={} ADDR={} PORT={} RULE={rule} FILE={file}",
        e.uid,
        e.pid,
        proto(e),
        e.addr,
        e.port
    )
}

pub fn send(log: &Syslog, e: &Event) {
    log.send(AUTHPRIV, Severity::Info, "authbind", &line(e));
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::{Address, FileName, Rule};

    #[test]
    fn fields_in_order() {
        let e = Event {
            uid: 1500,
            gid: 1500,
            pid: 42,
            port: 636,
            addr: Address::V4([127, 0, 0, 1]),
            rule: Some(Rule::ByAddr),
            file: Some(FileName::ByAddrColon),
            sock_type: libc::SOCK_STREAM as u32,
            protocol: libc::IPPROTO_TCP as u32,
        };
        assert_eq!(
            line(&e),
            "RESULT=granted UID=1500 PID=42 PROTO=tcp ADDR=127.0.0.1 PORT=636 RULE=byaddr \
             FILE=byaddr/!127.0.0.1:636"
        );
        let u = Event {
            rule: Some(Rule::ByUid),
            file: Some(FileName::ByUid),
            protocol: libc::IPPROTO_UDP as u32,
            port: 53,
            ..e
        };
        assert!(line(&u).contains("PROTO=udp ADDR=127.0.0.1 PORT=53 RULE=byuid FILE=byuid/1500"));
    }
}
