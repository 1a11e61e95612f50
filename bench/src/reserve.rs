//! The reserve folder of the reservation rows: [`COUNT`] names, as a
//! machine with many services might hold, made once in the bench's scratch
//! folder and copied into each run's policy tree (one `cp -a`: making the
//! names in the sandbox's shell would cost thousands of processes a run).
//! `reserve/80` is the reserved port the rows bind, its owner's and
//! another user's; the rest are on ports no row binds, port-wide and
//! address ones (IPv4 and IPv6) alike, so that the programs' maps hold
//! both kinds. None is in the kernel's ephemeral range (32768 on), where
//! `authbind-policy check` would warn about it, nor on HIGH_PORT.

use crate::{PRIV_PORT, SANDBOX_UID};
use std::fs::{self, File, Permissions};
use std::os::unix::fs::{chown, PermissionsExt};
use std::path::{Path, PathBuf};

/// How many names the folder holds, `reserve/80` included.
pub const COUNT: usize = 1000;
/// The first port of the port-wide reservations; the address ones follow.
const FIRST: u16 = 20000;

/// The names of the folder: `reserve/80`, then half of the rest port-wide,
/// half on one address (127.0.0.1 and ::1 in turn), each on its own port.
fn names() -> Vec<String> {
    let others = COUNT - 1;
    let whole = others / 2;
    let ports = (FIRST..).take(others);
    let mut v = vec![PRIV_PORT.to_string()];
    v.extend(ports.enumerate().map(|(i, port)| match i {
        i if i < whole => port.to_string(),
        i if i % 2 == 0 => format!("127.0.0.1,{port}"),
        _ => format!("::1,{port}"),
    }));
    v
}

/// Makes `dir/reserve` with [`COUNT`] names, each owned by the sandbox's
/// user, mode 0500 (that user's alone, as `authbind-policy reserve` writes
/// one); the folder root's, 0755. Returns the folder.
pub fn build(dir: &Path) -> Result<PathBuf, String> {
    let folder = dir.join("reserve");
    let fail = |what: &str, e: std::io::Error| format!("cannot make the bench's reserve folder: {what}: {e}");
    fs::create_dir(&folder).map_err(|e| fail("mkdir", e))?;
    fs::set_permissions(&folder, Permissions::from_mode(0o755)).map_err(|e| fail("chmod", e))?;
    for name in names() {
        let path = folder.join(&name);
        File::create(&path).map_err(|e| fail(&name, e))?;
        chown(&path, Some(SANDBOX_UID), Some(0)).map_err(|e| fail(&name, e))?;
        fs::set_permissions(&path, Permissions::from_mode(0o500)).map_err(|e| fail(&name, e))?;
    }
    Ok(folder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HIGH_PORT;
    use model::{Address, Reservation};

    #[test]
    fn the_names_are_count_reservations_of_both_kinds_none_on_the_high_port() {
        let names = names();
        assert_eq!(names.len(), COUNT);
        let parsed: Vec<Reservation> = names
            .iter()
            .map(|n| Reservation::parse(n).unwrap_or_else(|e| panic!("{n}: {e:?}")))
            .collect();
        let whole = parsed.iter().filter(|r| r.addr.is_none()).count();
        let v6 = parsed.iter().filter(|r| matches!(r.addr, Some(Address::V6(_)))).count();
        assert_eq!(whole, 1 + (COUNT - 1) / 2);
        assert!(v6 > 0 && v6 < COUNT - whole);
        assert!(parsed
            .iter()
            .all(|r| r.port != HIGH_PORT && (r.port == PRIV_PORT || r.port < 32768)));
        let mut ports: Vec<u16> = parsed.iter().map(|r| r.port).collect();
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), COUNT, "each name on its own port");
    }
}
