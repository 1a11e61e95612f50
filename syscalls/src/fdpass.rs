//! One message with at most one file descriptor attached (SCM_RIGHTS).

use crate::errno::Errno;
use crate::fd::{BorrowedFd, Fd};
use core::mem::{size_of, zeroed};

/// Room for one cmsghdr carrying a few ints, aligned for cmsghdr.
#[repr(C, align(8))]
struct CmsgBuf([u8; 64]);

/// Sends `bytes` as one message on `channel`, with `fd` attached if given.
/// `flags` adds to MSG_NOSIGNAL (e.g. MSG_DONTWAIT).
pub fn send(channel: BorrowedFd, bytes: &[u8], fd: Option<BorrowedFd>, flags: i32) -> Result<(), Errno> {
    let mut iov = libc::iovec {
        iov_base: bytes.as_ptr() as *mut libc::c_void,
        iov_len: bytes.len(),
    };
    let mut cbuf = CmsgBuf([0; 64]);
    // SAFETY: an all-zero msghdr is a valid empty header.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if let Some(fd) = fd {
        // SAFETY: CMSG_SPACE only computes a size.
        let space = unsafe { libc::CMSG_SPACE(size_of::<i32>() as u32) } as usize;
        msg.msg_control = cbuf.0.as_mut_ptr().cast();
        msg.msg_controllen = space;
        // SAFETY: msg_control points at `space` (<= 64) writable, aligned
        // bytes, so the first header and its data fit inside cbuf.
        unsafe {
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            (*cmsg).cmsg_level = libc::SOL_SOCKET;
            (*cmsg).cmsg_type = libc::SCM_RIGHTS;
            (*cmsg).cmsg_len = libc::CMSG_LEN(size_of::<i32>() as u32) as usize;
            core::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<i32>(), fd.raw());
        }
    }
    // By system call number, not libc's sendmsg: that one is a thread
    // cancellation point, and the shim must never be cancelled halfway.
    // SAFETY: msg points at live iovec and control buffers for the call.
    let sent = unsafe {
        crate::sys_retry!(
            libc::SYS_sendmsg,
            channel.raw(),
            &msg as *const libc::msghdr,
            libc::MSG_NOSIGNAL | flags
        )
    }?;
    if sent != bytes.len() {
        return Err(Errno::EMSGSIZE);
    }
    Ok(())
}

/// What [`recv`] got: the message length and the attached descriptor,
/// now ours (close-on-exec).
pub struct Received {
    pub len: usize,
    pub fd: Option<Fd>,
}

/// Receives one message into `buf`. Truncated messages, truncated control
/// data and more than one descriptor are refused (any descriptors that
/// came are closed), so a peer cannot make us leak or confuse fds.
pub fn recv(channel: BorrowedFd, buf: &mut [u8], flags: i32) -> Result<Received, Errno> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut cbuf = CmsgBuf([0; 64]);
    // SAFETY: an all-zero msghdr is a valid empty header.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.0.as_mut_ptr().cast();
    msg.msg_controllen = cbuf.0.len();
    let flags = flags | libc::MSG_CMSG_CLOEXEC;
    // By number: libc's recvmsg is a cancellation point (see `send`).
    // SAFETY: msg points at live, writable buffers of the sizes it states.
    let len = unsafe { crate::sys_retry!(libc::SYS_recvmsg, channel.raw(), &mut msg as *mut libc::msghdr, flags) }?;

    let mut first: Option<Fd> = None;
    let mut count = 0;
    // SAFETY: the kernel filled msg_control with msg_controllen bytes of
    // well-formed cmsghdrs; the CMSG_* macros walk within those bounds.
    // Each descriptor read is new and ours: it is owned at once.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(cmsg);
                let n = ((*cmsg).cmsg_len.saturating_sub(libc::CMSG_LEN(0) as usize)) / size_of::<i32>();
                for i in 0..n {
                    let fd = Fd::from_raw(core::ptr::read_unaligned(data.cast::<i32>().add(i)));
                    count += 1;
                    if first.is_none() {
                        first = Some(fd);
                    } // else dropped: closed
                }
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    if msg.msg_flags & (libc::MSG_TRUNC | libc::MSG_CTRUNC) != 0 || count > 1 {
        return Err(Errno::EPROTO);
    }
    Ok(Received { len, fd: first })
}
