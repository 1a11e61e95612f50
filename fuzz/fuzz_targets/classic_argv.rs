//! The classic helper command line: `parse_classic` must not panic, must
//! agree with the helper's own steps done with glibc's `strtoul`, and what
//! it accepts must survive `format_classic` unchanged.
//!
//! Input: the arguments (`argv[1..]`), separated by NUL bytes, as the
//! kernel lays out a command line.
#![no_main]

use oracles::c_parse_classic;
use libfuzzer_sys::fuzz_target;
use policy::{format_classic, parse_classic};

fuzz_target!(|data: &[u8]| {
    let args: Vec<&[u8]> = data.split(|&b| b == 0).take(6).collect();
    let parsed = parse_classic(&args);
    assert_eq!(parsed, c_parse_classic(&args), "policy and glibc disagree on {args:?}");
    if let Some(p) = parsed {
        let again = format_classic(&p.addr, p.port);
        let again: Vec<&[u8]> = again.iter().map(|s| s.as_bytes()).collect();
        assert_eq!(parse_classic(&again), Some(p), "format_classic gave {again:?}");
        assert_eq!(c_parse_classic(&again), Some(p));
    }
});
