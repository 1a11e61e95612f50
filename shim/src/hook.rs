//! What to do when the kernel said EACCES: ask the helper if this is an
//! Internet bind we may help with, else return the kernel's answer.

use crate::debug;
use syscalls::client::ask_helper;
use syscalls::errno;
use wire::{Family, Outcome, Request};

const SIN_LEN: usize = core::mem::size_of::<libc::sockaddr_in>();
const SIN6_LEN: usize = core::mem::size_of::<libc::sockaddr_in6>();

/// Reads a sockaddr_in / sockaddr_in6 from the caller's bytes. Any length
/// at least the structure's size is accepted (JNI passes a whole
/// sockaddr_storage).
fn request_from(addr: &[u8], socktype: u16) -> Option<Request> {
    let family = u16::from_ne_bytes([*addr.first()?, *addr.get(1)?]);
    let port = u16::from_be_bytes([*addr.get(2)?, *addr.get(3)?]);
    let mut bytes = [0u8; 16];
    let (family, flowinfo, scope_id) = match i32::from(family) {
        libc::AF_INET if addr.len() >= SIN_LEN => {
            bytes[..4].copy_from_slice(&addr[4..8]);
            (Family::V4, 0, 0)
        }
        libc::AF_INET6 if addr.len() >= SIN6_LEN => {
            bytes.copy_from_slice(&addr[8..24]);
            let flowinfo = u32::from_ne_bytes([addr[4], addr[5], addr[6], addr[7]]);
            let scope_id = u32::from_ne_bytes([addr[24], addr[25], addr[26], addr[27]]);
            (Family::V6, flowinfo, scope_id)
        }
        _ => return None,
    };
    (port != 0).then_some(Request {
        family,
        port,
        socktype,
        addr: bytes,
        flowinfo,
        scope_id,
    })
}

/// Returns bind's result for the caller, errno set accordingly.
pub fn after_eacces(fd: i32, addr: &[u8], errno_before: i32) -> i32 {
    let refuse = |e: i32| {
        errno::set(e);
        -1
    };
    // root needs no help (and authbind leaves it alone too).
    if syscalls::sock::effective_uid() == 0 {
        return refuse(libc::EACCES);
    }
    let socktype = match syscalls::sock::domain_and_type(fd) {
        Ok((_, t)) => t as u16,
        Err(_) => return refuse(libc::EACCES),
    };
    let Some(req) = request_from(addr, socktype) else {
        return refuse(libc::EACCES);
    };
    match ask_helper(buildcfg::HELPER_PATH_C, fd, &req) {
        Ok(reply) => match reply.outcome {
            Outcome::Bound => {
                errno::set(errno_before);
                0
            }
            // A real bind error after a grant: the program should see it.
            Outcome::BindFailed => refuse(reply.errno),
            Outcome::Refused | Outcome::BadRequest | Outcome::ConfigError => {
                debug::refused(&req, reply.rule.name(), reply.errno);
                refuse(libc::EACCES)
            }
        },
        Err(e) => {
            debug::helper_failed(e.0);
            refuse(libc::EACCES)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sin(port: u16, addr: [u8; 4], total: usize) -> Vec<u8> {
        let mut v = vec![0u8; total];
        v[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        v[2..4].copy_from_slice(&port.to_be_bytes());
        v[4..8].copy_from_slice(&addr);
        v
    }

    #[test]
    fn ipv4_of_any_length_from_the_struct_size() {
        let r = request_from(&sin(80, [127, 0, 0, 1], 16), 1).unwrap();
        assert_eq!(
            (r.family, r.port, &r.addr[..4]),
            (Family::V4, 80, &[127, 0, 0, 1][..])
        );
        assert!(request_from(&sin(80, [127, 0, 0, 1], 128), 1).is_some());
        assert!(request_from(&sin(80, [127, 0, 0, 1], 15), 1).is_none());
        assert!(request_from(&sin(0, [127, 0, 0, 1], 16), 1).is_none());
    }

    #[test]
    fn ipv6_keeps_scope_and_flow() {
        let mut v = vec![0u8; 28];
        v[..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
        v[2..4].copy_from_slice(&443u16.to_be_bytes());
        v[4..8].copy_from_slice(&5u32.to_ne_bytes());
        v[23] = 1;
        v[24..28].copy_from_slice(&2u32.to_ne_bytes());
        let r = request_from(&v, 2).unwrap();
        assert_eq!(
            (r.family, r.port, r.addr[15], r.flowinfo, r.scope_id, r.socktype),
            (Family::V6, 443, 1, 5, 2, 2)
        );
        assert!(request_from(&v[..27], 2).is_none());
    }

    #[test]
    fn other_families_are_left_alone() {
        let mut v = sin(80, [127, 0, 0, 1], 110);
        v[..2].copy_from_slice(&(libc::AF_UNIX as u16).to_ne_bytes());
        assert!(request_from(&v, 1).is_none());
    }
}
