//! The `bpf()` commands kernel mode needs beyond loading (which aya does):
//! cgroup links (create, pin, reopen, update, detach, describe), and the
//! queries that show what is attached to a cgroup. Each command's
//! attribute is a `#[repr(C)]` struct laid out as the kernel's
//! `union bpf_attr` member for it; the kernel zero-fills what we do not
//! pass.

use crate::errno::{check_fd, Errno};
use crate::fd::{BorrowedFd, Fd};
use core::ffi::CStr;
use core::mem::size_of;

const BPF_PROG_GET_FD_BY_ID: i32 = 13;
const BPF_OBJ_PIN: i32 = 6;
const BPF_OBJ_GET: i32 = 7;
const BPF_OBJ_GET_INFO_BY_FD: i32 = 15;
const BPF_PROG_QUERY: i32 = 16;
const BPF_LINK_CREATE: i32 = 28;
const BPF_LINK_UPDATE: i32 = 29;
const BPF_LINK_GET_FD_BY_ID: i32 = 30;
const BPF_LINK_GET_NEXT_ID: i32 = 31;
const BPF_LINK_DETACH: i32 = 34;

/// `BPF_F_REPLACE`: update only if the link still runs the given program.
const BPF_F_REPLACE: u32 = 1 << 2;

/// `enum bpf_attach_type` values for the bind hooks.
pub const ATTACH_INET4_BIND: u32 = 8;
pub const ATTACH_INET6_BIND: u32 = 9;
/// `BPF_LINK_TYPE_CGROUP`.
pub const LINK_TYPE_CGROUP: u32 = 3;

/// Calls `bpf(cmd, attr, sizeof *attr)`.
fn bpf<T>(cmd: i32, attr: &mut T) -> Result<i64, Errno> {
    // SAFETY: attr points to a live, writable struct of the size passed;
    // every pointer inside it was set by the callers below to a buffer
    // that outlives this call.
    let r = unsafe { libc::syscall(libc::SYS_bpf, cmd, (attr as *mut T).cast::<u8>(), size_of::<T>() as u32) };
    if r < 0 {
        Err(crate::errno::last())
    } else {
        Ok(r)
    }
}

fn new_fd(r: i64) -> Result<Fd, Errno> {
    check_fd(r as i32)
}

#[repr(C)]
#[derive(Default)]
struct ObjAttr {
    pathname: u64,
    bpf_fd: u32,
    file_flags: u32,
}

/// Pins the object `fd` (a link, a map) at `path` on a bpffs.
pub fn obj_pin(fd: BorrowedFd, path: &CStr) -> Result<(), Errno> {
    let mut attr = ObjAttr {
        pathname: path.as_ptr() as u64,
        bpf_fd: fd.raw() as u32,
        file_flags: 0,
    };
    bpf(BPF_OBJ_PIN, &mut attr).map(drop)
}

/// Opens the object pinned at `path`.
pub fn obj_get(path: &CStr) -> Result<Fd, Errno> {
    let mut attr = ObjAttr {
        pathname: path.as_ptr() as u64,
        ..ObjAttr::default()
    };
    new_fd(bpf(BPF_OBJ_GET, &mut attr)?)
}

#[repr(C)]
struct LinkCreateAttr {
    prog_fd: u32,
    target_fd: u32,
    attach_type: u32,
    flags: u32,
}

/// Attaches program `prog` to the cgroup `cgroup` for `attach_type`
/// through a new link (always in multi mode: other programs attached
/// there keep running).
pub fn link_create_cgroup(prog: BorrowedFd, cgroup: BorrowedFd, attach_type: u32) -> Result<Fd, Errno> {
    let mut attr = LinkCreateAttr {
        prog_fd: prog.raw() as u32,
        target_fd: cgroup.raw() as u32,
        attach_type,
        flags: 0,
    };
    new_fd(bpf(BPF_LINK_CREATE, &mut attr)?)
}

#[repr(C)]
struct LinkUpdateAttr {
    link_fd: u32,
    new_prog_fd: u32,
    flags: u32,
    old_prog_fd: u32,
}

/// Makes the link run `new_prog` from now on, in one step: a bind is
/// decided by the old program or the new one, never by neither. With
/// `old_prog`, only if the link still runs that one (else EPERM).
pub fn link_update(link: BorrowedFd, new_prog: BorrowedFd, old_prog: Option<BorrowedFd>) -> Result<(), Errno> {
    let mut attr = LinkUpdateAttr {
        link_fd: link.raw() as u32,
        new_prog_fd: new_prog.raw() as u32,
        flags: if old_prog.is_some() { BPF_F_REPLACE } else { 0 },
        old_prog_fd: old_prog.map_or(0, |p| p.raw() as u32),
    };
    bpf(BPF_LINK_UPDATE, &mut attr).map(drop)
}

#[repr(C)]
struct LinkDetachAttr {
    link_fd: u32,
}

/// Detaches the link's program now, whoever else holds or pins the link.
pub fn link_detach(link: BorrowedFd) -> Result<(), Errno> {
    let mut attr = LinkDetachAttr {
        link_fd: link.raw() as u32,
    };
    bpf(BPF_LINK_DETACH, &mut attr).map(drop)
}

#[repr(C)]
struct InfoAttr {
    bpf_fd: u32,
    info_len: u32,
    info: u64,
}

/// `struct bpf_link_info` up to its cgroup member (the kernel fills what
/// fits).
#[repr(C)]
#[derive(Default)]
struct RawLinkInfo {
    link_type: u32,
    id: u32,
    prog_id: u32,
    _pad: u32,
    cgroup_id: u64,
    attach_type: u32,
    _rest: [u32; 9],
}

/// What the kernel says about a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkInfo {
    pub link_type: u32,
    pub id: u32,
    /// The program it runs.
    pub prog_id: u32,
    /// For cgroup links: the cgroup (0 once the cgroup is gone).
    pub cgroup_id: u64,
    pub attach_type: u32,
}

/// Describes the link `fd`.
pub fn link_info(fd: BorrowedFd) -> Result<LinkInfo, Errno> {
    let mut raw = RawLinkInfo::default();
    let mut attr = InfoAttr {
        bpf_fd: fd.raw() as u32,
        info_len: size_of::<RawLinkInfo>() as u32,
        info: (&mut raw as *mut RawLinkInfo) as u64,
    };
    bpf(BPF_OBJ_GET_INFO_BY_FD, &mut attr)?;
    Ok(LinkInfo {
        link_type: raw.link_type,
        id: raw.id,
        prog_id: raw.prog_id,
        cgroup_id: raw.cgroup_id,
        attach_type: raw.attach_type,
    })
}

/// `struct bpf_prog_info` up to its name (offset 64, 16 bytes).
#[repr(C)]
struct RawProgInfo {
    prog_type: u32,
    id: u32,
    _middle: [u8; 56],
    name: [u8; 16],
    _rest: [u64; 24],
}

/// The id and name of the program `fd`.
pub fn prog_id_and_name(fd: BorrowedFd) -> Result<(u32, [u8; 16]), Errno> {
    let mut raw = RawProgInfo {
        prog_type: 0,
        id: 0,
        _middle: [0; 56],
        name: [0; 16],
        _rest: [0; 24],
    };
    let mut attr = InfoAttr {
        bpf_fd: fd.raw() as u32,
        info_len: size_of::<RawProgInfo>() as u32,
        info: (&mut raw as *mut RawProgInfo) as u64,
    };
    bpf(BPF_OBJ_GET_INFO_BY_FD, &mut attr)?;
    Ok((raw.id, raw.name))
}

#[repr(C)]
struct GetByIdAttr {
    id: u32,
    next_id: u32,
    open_flags: u32,
}

/// Opens the program with this id.
pub fn prog_fd_by_id(id: u32) -> Result<Fd, Errno> {
    let mut attr = GetByIdAttr {
        id,
        next_id: 0,
        open_flags: 0,
    };
    new_fd(bpf(BPF_PROG_GET_FD_BY_ID, &mut attr)?)
}

/// Opens the link with this id.
pub fn link_fd_by_id(id: u32) -> Result<Fd, Errno> {
    let mut attr = GetByIdAttr {
        id,
        next_id: 0,
        open_flags: 0,
    };
    new_fd(bpf(BPF_LINK_GET_FD_BY_ID, &mut attr)?)
}

/// The id of the first link after `start` (`None` past the last one).
pub fn link_next_id(start: u32) -> Result<Option<u32>, Errno> {
    let mut attr = GetByIdAttr {
        id: start,
        next_id: 0,
        open_flags: 0,
    };
    match bpf(BPF_LINK_GET_NEXT_ID, &mut attr) {
        Ok(_) => Ok(Some(attr.next_id)),
        Err(Errno::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

#[repr(C)]
struct QueryAttr {
    target_fd: u32,
    attach_type: u32,
    query_flags: u32,
    attach_flags: u32,
    prog_ids: u64,
    prog_cnt: u32,
    _pad: u32,
}

/// The ids of the programs attached to `cgroup` itself for `attach_type`
/// (not those inherited from its ancestors), into `ids`; returns how many
/// there are (which may exceed `ids.len()`: then only that many were
/// written). EINVAL here means the kernel has no cgroup BPF.
pub fn prog_query(cgroup: BorrowedFd, attach_type: u32, ids: &mut [u32]) -> Result<usize, Errno> {
    let mut attr = QueryAttr {
        target_fd: cgroup.raw() as u32,
        attach_type,
        query_flags: 0,
        attach_flags: 0,
        prog_ids: ids.as_mut_ptr() as u64,
        prog_cnt: ids.len() as u32,
        _pad: 0,
    };
    match bpf(BPF_PROG_QUERY, &mut attr) {
        Ok(_) => Ok(attr.prog_cnt as usize),
        // More attached than `ids` holds: the kernel filled it and says how many.
        Err(Errno(libc::ENOSPC)) => Ok(attr.prog_cnt as usize),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_layouts_match_the_kernel() {
        // Offsets of union bpf_attr members and struct bpf_link_info /
        // bpf_prog_info fields, from linux/bpf.h.
        assert_eq!(size_of::<ObjAttr>(), 16);
        assert_eq!(size_of::<LinkUpdateAttr>(), 16);
        assert_eq!(core::mem::offset_of!(QueryAttr, prog_ids), 16);
        assert_eq!(core::mem::offset_of!(QueryAttr, prog_cnt), 24);
        assert_eq!(core::mem::offset_of!(RawLinkInfo, cgroup_id), 16);
        assert_eq!(core::mem::offset_of!(RawLinkInfo, attach_type), 24);
        assert_eq!(core::mem::offset_of!(RawProgInfo, name), 64);
    }

    #[test]
    fn bad_descriptors_are_errors_not_crashes() {
        // SAFETY: -1 is never an open descriptor; calls on it fail.
        let bad = unsafe { BorrowedFd::borrow_raw(-1) };
        assert!(link_info(bad).is_err());
        assert!(obj_get(c"/nonexistent/authbind-pin").is_err());
    }
}
