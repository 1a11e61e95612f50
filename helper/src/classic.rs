//! authbind 2.1's helper protocol: arguments in, exit status out.

use crate::exit::{say, status_for};
use crate::verdict::settle;
use policy::{parse_classic, Address};
use syscalls::sock::InetAddr;
use wire::Outcome;

pub fn run(args: &[&[u8]]) -> i32 {
    let Some(parsed) = parse_classic(args) else {
        say(format_args!(
            "bad usage (expected ADDR4HEX PORTHEX, or ADDR6HEX PORTHEX 6)"
        ));
        return libc::ENOSYS;
    };
    let target = match parsed.addr {
        Address::V4(addr) => InetAddr::V4 {
            addr,
            port: parsed.port,
        },
        Address::V6(addr) => InetAddr::V6 {
            addr,
            port: parsed.port,
            flowinfo: 0,
            scope_id: 0,
        },
    };
    let verdict = settle(0, &target, None);
    match verdict.outcome {
        Outcome::Bound => 0,
        _ => status_for(verdict.errno),
    }
}
