//! authbind's setuid-root helper. Two ways in:
//! - classic (authbind 2.1's): `helper ADDR4HEX PORTHEX` or
//!   `helper ADDR6HEX PORTHEX 6`, the socket on fd 0, the answer in the
//!   exit status (0 or an errno);
//! - native (our shim's): `helper --native`, fd 0 a SOCK_SEQPACKET socket
//!   carrying one request with the socket attached; one reply goes back.
//!
//! Nothing is taken from the environment: the configuration folder is baked
//! in at build time. Errors are values; the process never panics.

mod classic;
mod confdir;
mod exit;
mod native;
mod verdict;

use std::os::unix::ffi::OsStrExt;

/// The caller chose our limits and could starve us into a crash halfway
/// (an allocation failing, SIGXFSZ on a message to a full stderr file,
/// SIGXCPU). As root we may put sane ones back before doing anything
/// that allocates; failing that we go on and fail closed at the first
/// thing that does not work.
fn reset_limits() {
    use syscalls::process::set_rlimit;
    let unlimited = libc::RLIM_INFINITY;
    let _ = set_rlimit(libc::RLIMIT_AS, unlimited, unlimited);
    let _ = set_rlimit(libc::RLIMIT_DATA, unlimited, unlimited);
    let _ = set_rlimit(libc::RLIMIT_STACK, 8 << 20, unlimited);
    let _ = set_rlimit(libc::RLIMIT_CPU, unlimited, unlimited);
    let _ = set_rlimit(libc::RLIMIT_FSIZE, unlimited, unlimited);
    let _ = set_rlimit(libc::RLIMIT_NOFILE, 64, 64);
    // A setuid process must never leave a core file behind.
    let _ = set_rlimit(libc::RLIMIT_CORE, 0, 0);
}

fn main() {
    // With RLIMIT_FSIZE small and stderr a file, a message would kill us
    // with SIGXFSZ if the limit could not be raised (no CAP_SYS_RESOURCE
    // in the bounding set): make such writes fail with EFBIG instead.
    syscalls::signals::ignore(libc::SIGXFSZ);
    reset_limits();
    // Whatever the caller left open is none of our business (fd 0 is the
    // socket or the channel; 1 and 2 carry messages).
    syscalls::sock::close_from(3);
    syscalls::signals::unblock_all();
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    let code = if args.first().copied() == Some(wire::NATIVE_ARG.as_bytes()) {
        native::run(&args[1..])
    } else {
        classic::run(&args)
    };
    std::process::exit(code);
}
