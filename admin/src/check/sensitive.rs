//! Ports whose broad grant lets a local user pose as a system service
//! (a fake sshd collecting passwords, a resolver, a directory server).

use crate::spec::PortRange;

pub const SENSITIVE: &[(u16, &str)] = &[
    (21, "ftp"),
    (22, "ssh"),
    (23, "telnet"),
    (25, "smtp"),
    (53, "dns"),
    (88, "kerberos"),
    (110, "pop3"),
    (111, "rpcbind"),
    (123, "ntp"),
    (135, "msrpc"),
    (139, "netbios"),
    (143, "imap"),
    (161, "snmp"),
    (389, "ldap"),
    (445, "smb"),
    (464, "kpasswd"),
    (465, "smtps"),
    (514, "syslog"),
    (587, "submission"),
    (636, "ldaps"),
    (749, "kerberos-adm"),
    (853, "dns-over-tls"),
    (873, "rsync"),
    (993, "imaps"),
    (995, "pop3s"),
];

/// The sensitive ports in `r`.
pub fn within(r: PortRange) -> Vec<(u16, &'static str)> {
    SENSITIVE.iter().copied().filter(|(p, _)| r.contains(*p)).collect()
}

/// `22 (ssh), 25 (smtp)`; at most five, then `…`.
pub fn words(ports: &[(u16, &str)]) -> String {
    let mut v: Vec<String> = ports.iter().take(5).map(|(p, n)| format!("{p} ({n})")).collect();
    if ports.len() > 5 {
        v.push(format!("and {} more", ports.len() - 5));
    }
    v.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_ports() {
        assert_eq!(
            words(&within(PortRange { min: 20, max: 25 })),
            "21 (ftp), 22 (ssh), 23 (telnet), 25 (smtp)"
        );
        assert_eq!(
            words(&within(PortRange { min: 1, max: 1023 })),
            "21 (ftp), 22 (ssh), 23 (telnet), 25 (smtp), 53 (dns), and 20 more"
        );
        assert!(within(PortRange::one(80)).is_empty());
    }
}
