//! The user database through the C library's NSS (`/etc/passwd` and
//! `/etc/group`, LDAP, systemd's userdb…): every user, every group, and a
//! user's groups. Read only through authbind-host's `UserDb`, which holds
//! the one membership rule; never used by the shim or the helper.
//!
//! getpwent and getgrent keep their position in the C library: call these
//! from one thread at a time.

extern crate std;
use std::ffi::{CStr, CString};
use std::string::String;
use std::vec::Vec;

/// One user of the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
    /// The primary group the database gives.
    pub gid: u32,
}

/// One group of the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    /// Its supplementary members, by name.
    pub members: Vec<String>,
}

fn text(p: *const libc::c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: a non-null NUL-terminated string of the entry libc returned,
    // valid until the next call.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Every user, in the database's order (a uid may appear twice).
pub fn users() -> Vec<User> {
    let mut out = Vec::new();
    // SAFETY: setpwent/getpwent/endpwent walk libc's own iterator; each
    // entry is read before the next call, which may overwrite it.
    unsafe {
        libc::setpwent();
        loop {
            let pw = libc::getpwent();
            if pw.is_null() {
                break;
            }
            out.push(User {
                name: text((*pw).pw_name),
                uid: (*pw).pw_uid,
                gid: (*pw).pw_gid,
            });
        }
        libc::endpwent();
    }
    out
}

/// Every group, in the database's order.
pub fn groups() -> Vec<Group> {
    let mut out = Vec::new();
    // SAFETY: as in `users`; gr_mem is a NULL-terminated array of strings.
    unsafe {
        libc::setgrent();
        loop {
            let gr = libc::getgrent();
            if gr.is_null() {
                break;
            }
            let mut members = Vec::new();
            let mut m = (*gr).gr_mem;
            while !m.is_null() && !(*m).is_null() {
                members.push(text(*m));
                m = m.add(1);
            }
            out.push(Group {
                name: text((*gr).gr_name),
                gid: (*gr).gr_gid,
                members,
            });
        }
        libc::endgrent();
    }
    out
}

/// The groups the database gives `name`, `gid` (its primary group) among
/// them: what `initgroups` would set.
pub fn group_list(name: &str, gid: u32) -> Vec<u32> {
    let Ok(cname) = CString::new(name) else {
        return std::vec![gid];
    };
    let mut n: libc::c_int = 32;
    loop {
        let mut buf: Vec<libc::gid_t> = std::vec![0; n as usize];
        let mut count = n;
        // SAFETY: buf has room for `count` gids; getgrouplist writes at most
        // that many and sets `count` to how many there are.
        let r = unsafe { libc::getgrouplist(cname.as_ptr(), gid, buf.as_mut_ptr(), &mut count) };
        if r >= 0 {
            buf.truncate(count as usize);
            return buf;
        }
        if count <= n || n > 65536 {
            return std::vec![gid];
        }
        n = count;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_there() {
        let root = users().into_iter().find(|u| u.uid == 0).expect("root in the database");
        assert_eq!(root.name, "root");
        assert!(groups().iter().any(|g| g.gid == 0));
        assert!(group_list("root", 0).contains(&0));
        assert_eq!(group_list("surely-nobody-here", 4242), std::vec![4242]);
    }
}
