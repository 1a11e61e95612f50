//! libauthbind.so.1: loaded with LD_PRELOAD, it interposes `bind()`.
//!
//! Every call goes to the real `bind()` first. Only when the kernel refuses
//! an AF_INET/AF_INET6 bind with EACCES is the setuid helper asked (over the
//! native protocol, see the `syscalls` crate); everything else returns what
//! the kernel returned, at native speed, errno untouched.
//!
//! The hook runs inside arbitrary programs, possibly in a signal handler:
//! it allocates nothing, takes no lock, never panics.

mod ctor;
mod debug;
mod entry;
mod env;
mod hook;
mod levels;
mod real_bind;
