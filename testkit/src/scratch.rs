//! A scratch folder under the temporary folder, readable by the test
//! users, removed when dropped.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// A new empty folder `authbind-NAME.PID.N` (NAME with anything but
    /// letters, digits, `-` and `.` made `_`), mode 0755: root writes, the
    /// test users read and run what is in it.
    pub fn create(name: &str) -> std::io::Result<Scratch> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "authbind-{}.{}.{}",
            file_name_part(name),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let error = |e: std::io::Error, path: &Path| std::io::Error::new(e.kind(), format!("{}: {e}", path.display()));
        std::fs::create_dir(&path).map_err(|e| error(e, &path))?;
        // Removed from here on, whatever happens.
        let scratch = Scratch { path };
        std::fs::set_permissions(&scratch.path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| error(e, &scratch.path))?;
        Ok(scratch)
    }

    /// [`Scratch::create`], panicking (failing the test) when it cannot.
    pub fn new(name: &str) -> Scratch {
        Scratch::create(name).unwrap_or_else(|e| panic!("cannot create a scratch folder: {e}"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `self.path().join(name)`
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// `name` as part of a file name: letters, digits, `-` and `.` kept,
/// anything else `_`.
pub(crate) fn file_name_part(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_folder_is_new_empty_0755_and_goes_when_dropped() {
        let a = Scratch::new("testkit/unit test");
        let b = Scratch::new("testkit/unit test");
        assert_ne!(a.path(), b.path());
        let name = a.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("authbind-testkit_unit_test."), "{name}");
        let meta = std::fs::metadata(a.path()).unwrap();
        assert!(meta.is_dir());
        assert_eq!(meta.permissions().mode() & 0o777, 0o755);
        assert_eq!(std::fs::read_dir(a.path()).unwrap().count(), 0);
        std::fs::write(a.join("f"), "x").unwrap();
        let path = a.path().to_path_buf();
        drop(a);
        assert!(!path.exists());
    }
}
