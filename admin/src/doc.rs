//! The TOML policy file, as written: `[[grant]]` tables (who, ports,
//! addresses), `[[reserve]]` tables (whose, ports, addresses) and `[[file]]` tables (one file of the tree, mirrored
//! exactly). authbind-policy(8) documents the schema; `export` writes it
//! and `apply` reads it.

use serde::{Deserialize, Serialize};

pub const VERSION: u32 = 1;

fn version_one() -> u32 {
    VERSION
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDoc {
    #[serde(default = "version_one")]
    pub version: u32,
    #[serde(default, rename = "grant", skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<GrantDoc>,
    #[serde(default, rename = "reserve", skip_serializing_if = "Vec::is_empty")]
    pub reservations: Vec<ReserveDoc>,
    #[serde(default, rename = "file", skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileDoc>,
}

/// Ports that are one user's or one group's alone. Exactly one of `user`,
/// `uid`, `group`, `gid`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReserveDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    pub ports: Vec<PortItem>,
    /// Single addresses, either family; none: every address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
}

/// A port (`80`) or a range (`"8000-8080"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PortItem {
    Number(i64),
    Text(String),
}

/// Who may bind which ports on which addresses. Exactly one of `user`,
/// `uid`, `group`, `gid`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    pub ports: Vec<PortItem>,
    /// `ADDR`, `ADDR/LEN` or `MIN-MAX`, either family; none: every address
    /// of both families.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    Fifo,
}

/// A mode: `"0755"` or an integer (`0o755`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ModeItem {
    Number(i64),
    Text(String),
}

/// One path of the tree, exactly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDoc {
    /// Relative to the configuration folder: `byport/80`.
    pub path: String,
    pub kind: FileKind,
    /// uid and gid (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ModeItem>,
    /// A file's bytes, as text…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// …or in hexadecimal, when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hex: Option<String>,
    /// A symlink's target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl PolicyDoc {
    pub fn parse(text: &str) -> Result<PolicyDoc, String> {
        let doc: PolicyDoc = toml::from_str(text).map_err(|e| e.to_string())?;
        if doc.version != VERSION {
            return Err(format!("version {} (this tool reads version {VERSION})", doc.version));
        }
        Ok(doc)
    }

    pub fn to_text(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# cannot be written as TOML: {e}\n"))
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(text: &str) -> Option<Vec<u8>> {
    let t: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if t.len() & 1 == 1 {
        return None;
    }
    t.chunks(2)
        .map(|p| std::str::from_utf8(p).ok().and_then(|s| u8::from_str_radix(s, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_forms() {
        let doc = PolicyDoc::parse(
            r#"
version = 1
[[grant]]
user = "alice"
ports = [80, "8000-8080"]
addresses = ["127.0.0.1", "2001:db8::/32"]

[[grant]]
group = "www"
ports = [443]

[[reserve]]
user = "postgres"
ports = [5432]
addresses = ["10.0.0.1"]

[[file]]
path = "byport/22"
kind = "file"
mode = 0o000
"#,
        )
        .unwrap();
        assert_eq!(doc.grants.len(), 2);
        assert_eq!(
            doc.grants[0].ports,
            vec![PortItem::Number(80), PortItem::Text("8000-8080".into())]
        );
        assert_eq!(doc.files[0].mode, Some(ModeItem::Number(0)));
        assert_eq!(doc.reservations[0].user.as_deref(), Some("postgres"));
        assert_eq!(PolicyDoc::parse(&doc.to_text()).unwrap(), doc);
        let e = PolicyDoc::parse("[[grant]]\nusr = \"x\"\nports = [1]\n").unwrap_err();
        assert!(e.contains("unknown field `usr`"), "{e}");
        assert_eq!(
            PolicyDoc::parse("version = 2").unwrap_err(),
            "version 2 (this tool reads version 1)"
        );
        assert_eq!(unhex(&hex(b"\0\xffa")), Some(b"\0\xffa".to_vec()));
        assert_eq!(unhex("0"), None);
    }
}
