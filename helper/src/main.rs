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

fn main() {
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
