//! Whether reservations (`reserve/` in the configuration folder) exist
//! that nothing enforces for this process: without kernel mode, only the
//! privileged binds (ports below 1024) of programs run through authbind
//! reach the helper, which honours them; any other program, and any bind
//! of a port from 1024 up, is the kernel's alone. Said under
//! AUTHBIND_DEBUG, so that "why could someone else take my port?" has its
//! answer where the user looks first.

use std::path::Path;
use supervisor::say::say;

/// The first reservation found in the folder (listed as this user: the
/// folder is root's and normally readable by all; one that cannot be
/// listed says nothing).
fn first_reservation(confdir: &Path) -> Option<model::Reservation> {
    let folder = confdir.join(model::Rule::Reserve.folder());
    std::fs::read_dir(folder)
        .ok()?
        .flatten()
        .find_map(|e| model::Reservation::parse(e.file_name().to_str()?).ok())
}

/// The debug line, when reservations exist and kernel mode does not cover
/// this process.
pub fn say_if_unenforced() {
    let Some(example) = first_reservation(Path::new(buildcfg::CONFDIR)) else {
        return;
    };
    if crate::kernel_mode::covering().is_some() {
        return;
    }
    say(format_args!(
        "reservations in {}/{} (such as {example}) are not enforced: kernel mode (authbindd) does not \
         cover this process; only the binds of ports below 1024 by programs run through authbind \
         honour them, and other programs, or any program binding a port from 1024 up, may take a \
         reserved port",
        buildcfg::CONFDIR,
        model::Rule::Reserve.folder()
    ));
}

#[cfg(test)]
mod tests {
    use super::first_reservation;
    use authbind_testkit::Scratch;
    use std::fs;

    /// Only names a reservation has count: a folder of others says
    /// nothing, nor does a missing one.
    #[test]
    fn only_reservation_names_count() {
        let scratch = Scratch::new("launcher-reserve");
        let dir = scratch.path();
        assert_eq!(first_reservation(dir), None, "no reserve folder");
        let reserve = dir.join("reserve");
        fs::create_dir(&reserve).unwrap();
        for name in ["!80", "0.0.0.0,80", "080", "notes.txt"] {
            fs::write(reserve.join(name), b"").unwrap();
        }
        assert_eq!(first_reservation(dir), None, "names no reservation has");
        fs::write(reserve.join("127.0.0.1,5432"), b"").unwrap();
        assert_eq!(
            first_reservation(dir).map(|r| r.to_string()),
            Some("reserve/127.0.0.1,5432".to_string())
        );
    }
}
