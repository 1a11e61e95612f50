//! seccomp user notification for `bind`: the filter, the listener's
//! ioctls, and the kernel structures they use (linux/seccomp.h).

use crate::errno::{check, check_fd, Errno};
use crate::fd::{BorrowedFd, Fd};

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SeccompData {
    pub nr: i32,
    pub arch: u32,
    pub instruction_pointer: u64,
    pub args: [u64; 6],
}

/// `struct seccomp_notif`: one trapped system call.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Notif {
    pub id: u64,
    /// The calling thread's id, in our pid namespace.
    pub pid: u32,
    pub flags: u32,
    pub data: SeccompData,
}

/// `struct seccomp_notif_resp`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct NotifResp {
    id: u64,
    val: i64,
    error: i32,
    flags: u32,
}

const _: () = assert!(core::mem::size_of::<Notif>() == 80);
const _: () = assert!(core::mem::size_of::<NotifResp>() == 24);

const fn iowr(nr: u32, size: usize) -> u64 {
    ((3u32 << 30) | ((size as u32) << 16) | (0x21 << 8) | nr) as u64
}
const fn iow(nr: u32, size: usize) -> u64 {
    ((1u32 << 30) | ((size as u32) << 16) | (0x21 << 8) | nr) as u64
}
const NOTIF_RECV: u64 = iowr(0, core::mem::size_of::<Notif>());
const NOTIF_SEND: u64 = iowr(1, core::mem::size_of::<NotifResp>());
const NOTIF_ID_VALID: u64 = iow(2, 8);

const SET_MODE_FILTER: u32 = 1;
pub const FLAG_NEW_LISTENER: u32 = 1 << 3;
/// Once the supervisor has received a request, only a fatal signal may
/// interrupt the caller: without it a signal mid-request makes a bound
/// socket look failed (Go signals its threads all the time).
pub const FLAG_WAIT_KILLABLE_RECV: u32 = 1 << 5;
const USER_NOTIF_FLAG_CONTINUE: u32 = 1;

const RET_ALLOW: u32 = 0x7fff_0000;
const RET_USER_NOTIF: u32 = 0x7fc0_0000;

#[cfg(target_arch = "x86_64")]
pub const NATIVE_ARCH: u32 = 0xC000_003E; // AUDIT_ARCH_X86_64
#[cfg(target_arch = "aarch64")]
pub const NATIVE_ARCH: u32 = 0xC000_00B7; // AUDIT_ARCH_AARCH64

#[repr(C)]
struct SockFilter {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

const LD_W_ABS: u16 = 0x20;
const JEQ_K: u16 = 0x15;
const RET_K: u16 = 0x06;

/// Only `bind` of the native architecture goes to the listener; every
/// other system call (and every other ABI) is untouched.
static FILTER: [SockFilter; 6] = [
    SockFilter {
        code: LD_W_ABS,
        jt: 0,
        jf: 0,
        k: 4,
    }, // arch
    SockFilter {
        code: JEQ_K,
        jt: 0,
        jf: 3,
        k: NATIVE_ARCH,
    },
    SockFilter {
        code: LD_W_ABS,
        jt: 0,
        jf: 0,
        k: 0,
    }, // nr
    SockFilter {
        code: JEQ_K,
        jt: 0,
        jf: 1,
        k: libc::SYS_bind as u32,
    },
    SockFilter {
        code: RET_K,
        jt: 0,
        jf: 0,
        k: RET_USER_NOTIF,
    },
    SockFilter {
        code: RET_K,
        jt: 0,
        jf: 0,
        k: RET_ALLOW,
    },
];

/// `prctl(PR_SET_NO_NEW_PRIVS, 1)`: required to install a filter
/// without privilege. Only ever called in the child about to exec.
pub fn set_no_new_privs() -> Result<(), Errno> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) })?;
    Ok(())
}

/// Installs the bind filter on the calling thread (and so on everything
/// it execs and forks); returns the listener. Async-signal-safe.
pub fn install_bind_listener(flags: u32) -> Result<Fd, Errno> {
    let prog = SockFprog {
        len: FILTER.len() as u16,
        filter: FILTER.as_ptr(),
    };
    // SAFETY: prog points at a valid filter program that outlives the call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            SET_MODE_FILTER,
            FLAG_NEW_LISTENER | flags,
            &prog as *const SockFprog,
        )
    };
    check_fd(fd as libc::c_int)
}

/// Receives one notification (blocks unless the listener polled ready).
pub fn recv(listener: BorrowedFd) -> Result<Notif, Errno> {
    // The kernel insists on a zeroed buffer.
    let mut n = Notif::default();
    // SAFETY: n is a writable seccomp_notif of the size the ioctl encodes.
    check(unsafe { libc::ioctl(listener.raw(), NOTIF_RECV as _, &mut n as *mut Notif) })?;
    Ok(n)
}

/// Is notification `id` still pending (its caller alive and waiting)?
pub fn id_valid(listener: BorrowedFd, id: u64) -> bool {
    // SAFETY: the ioctl reads one u64.
    unsafe { libc::ioctl(listener.raw(), NOTIF_ID_VALID as _, &id as *const u64) == 0 }
}

/// How to answer a trapped call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Let the kernel run the call itself, as if never trapped.
    Continue,
    /// The call returns 0.
    Success,
    /// The call fails with this errno.
    Fail(i32),
}

/// Answers notification `id`. ENOENT (the caller died or was interrupted
/// meanwhile) is reported as an error for the caller to ignore.
pub fn send(listener: BorrowedFd, id: u64, answer: Answer) -> Result<(), Errno> {
    let mut r = NotifResp {
        id,
        ..Default::default()
    };
    match answer {
        Answer::Continue => r.flags = USER_NOTIF_FLAG_CONTINUE,
        Answer::Success => {}
        Answer::Fail(e) => r.error = -e,
    }
    // SAFETY: r is a valid seccomp_notif_resp of the size the ioctl encodes.
    check(unsafe { libc::ioctl(listener.raw(), NOTIF_SEND as _, &mut r as *mut NotifResp) })?;
    Ok(())
}
