//! The installed copy under test: `$P/bin/authbind`,
//! `$P/lib/authbind/libauthbind.so.1`, `$P/lib/authbind/helper`.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Install {
    prefix: PathBuf,
}

impl Install {
    /// The installation at `prefix`; panics when it is incomplete, since a
    /// requested but missing installation is a broken test setup, not a skip.
    pub fn at(prefix: PathBuf) -> Install {
        let install = Install { prefix };
        for file in [install.launcher(), install.shim(), install.helper()] {
            assert!(
                file.is_file(),
                "AUTHBIND_E2E_PREFIX={}: {} is missing (did `make install PREFIX=...` run?)",
                install.prefix.display(),
                file.display()
            );
        }
        install
    }

    /// `$P/sbin/authbindd` (kernel mode); panics when it is not installed.
    pub fn authbindd(&self) -> PathBuf {
        let path = self.prefix.join("sbin/authbindd");
        assert!(
            path.is_file(),
            "{} is missing (did `make install PREFIX=...` run?)",
            path.display()
        );
        path
    }

    pub fn prefix(&self) -> &Path {
        &self.prefix
    }

    /// `$P/bin/authbind`
    pub fn launcher(&self) -> PathBuf {
        self.prefix.join("bin/authbind")
    }

    /// `$P/lib/authbind/libauthbind.so.1`
    pub fn shim(&self) -> PathBuf {
        self.prefix.join("lib/authbind/libauthbind.so.1")
    }

    /// `$P/bin/authbind-policy`, the administration tool.
    pub fn policy_tool(&self) -> PathBuf {
        self.prefix.join("bin/authbind-policy")
    }

    /// `$P/lib/authbind/helper`
    pub fn helper(&self) -> PathBuf {
        self.prefix.join("lib/authbind/helper")
    }
}
