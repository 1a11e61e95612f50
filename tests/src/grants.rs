//! The policy a sandbox starts with, written into its private
//! `/etc/authbind` (a tmpfs) before any program runs.

use authbind_testkit::sh_quote;

/// Builder of `/etc/authbind/{byport,byaddr,byuid}` contents.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// (bash command, what it creates)
    setup: Vec<(String, String)>,
}

impl Policy {
    pub fn new() -> Policy {
        Policy::default()
    }

    /// `byport/NAME` (e.g. `"80"`, `"!600"`), executable by `uid` only
    /// (owner `uid`, mode 0500): a grant for `uid`, a refusal for others.
    pub fn byport(self, name: &str, uid: u32) -> Policy {
        self.exec_file("byport", name, uid)
    }

    /// `byaddr/NAME` (e.g. `"127.0.0.1:80"`, `"::1,80"`), executable by `uid` only.
    pub fn byaddr(self, name: &str, uid: u32) -> Policy {
        self.exec_file("byaddr", name, uid)
    }

    /// `byuid/NAME` (e.g. `"1500"`, `"!1500"`) holding `lines`, root's, mode 0644.
    pub fn byuid(mut self, name: &str, lines: &[&str]) -> Policy {
        let path = sh_quote(&format!("/etc/authbind/byuid/{name}"));
        let body: Vec<String> = lines.iter().map(|l| sh_quote(l)).collect();
        self.setup.push((
            format!("printf '%s\\n' {} > {path} && chmod 0644 {path}", body.join(" ")),
            path,
        ));
        self
    }

    fn exec_file(mut self, dir: &str, name: &str, uid: u32) -> Policy {
        let path = sh_quote(&format!("/etc/authbind/{dir}/{name}"));
        self.setup
            .push((format!("touch {path} && chown {uid} {path} && chmod 0500 {path}"), path));
        self
    }

    /// Bash lines creating the files (the folders already exist).
    pub fn script(&self) -> String {
        self.setup
            .iter()
            .map(|(line, path)| format!("{{ {line}; }} || fail policy {path}\n"))
            .collect()
    }
}
