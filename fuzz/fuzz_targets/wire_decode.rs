//! The native protocol's decoders: no panic on any bytes; whatever decodes
//! encodes back to the very same bytes and decodes again to the same
//! value; and every request, and every verdict the helper could give,
//! round-trips.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use model::{Address, Decision, Errno, FileName, Ignored, IgnoredLine, Outcome, Reason, Target, Verdict};
use wire::{decode_reply, encode_reply, DecodeError, Request};

#[derive(Arbitrary, Debug)]
struct Values {
    v6: bool,
    port: u16,
    socktype: u16,
    addr: [u8; 16],
    flowinfo: u32,
    scope_id: u32,
    /// Indexes into the model's lists of codes.
    file: u8,
    reason: u8,
    ignored: Option<(u32, u8)>,
    line: u32,
    errno: u16,
    bind_failed: bool,
}

fn pick<T: Copy>(all: &[T], i: u8) -> T {
    all[usize::from(i) % all.len()]
}

fuzz_target!(|data: &[u8]| {
    // Raw bytes.
    if let Ok(r) = Request::decode(data) {
        assert_eq!(&r.encode()[..], data);
        assert_eq!(Request::decode(&r.encode()), Ok(r));
    }
    if let Ok(v) = decode_reply(data) {
        assert_eq!(&encode_reply(&v)[..], data);
        assert_eq!(decode_reply(&encode_reply(&v)), Ok(v));
    }
    // The same bytes as values.
    let Ok(v) = Values::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let addr = if v.v6 {
        Address::V6(v.addr)
    } else {
        Address::V4(v.addr[..4].try_into().unwrap())
    };
    let req = Request {
        target: Target {
            addr,
            port: v.port,
            flowinfo: v.flowinfo,
            scope_id: v.scope_id,
        },
        socktype: v.socktype,
    };
    let v4_junk = !v.v6 && (v.flowinfo != 0 || v.scope_id != 0);
    match Request::decode(&req.encode()) {
        Ok(back) => {
            assert!(!v4_junk);
            assert_eq!(back, req);
        }
        Err(e) => {
            assert!(v4_junk, "{req:?} did not round-trip: {e:?}");
            assert_eq!(e, DecodeError::Field);
        }
    }

    // A verdict as the helper makes one: flag-file reasons for flag
    // files, byuid reasons for byuid, a line only for a matching line.
    let file = pick(FileName::ALL, v.file);
    let flag_reasons = [Reason::Executable, Reason::NotExecutable, Reason::CheckFailed];
    let reason = pick(Reason::ALL, v.reason);
    if (file == FileName::ByUid) == flag_reasons.contains(&reason) {
        return;
    }
    let errno = if reason.granted() { 0 } else { 1 + i32::from(v.errno % 4000) };
    let decision = Decision {
        file,
        reason,
        errno: Errno(errno),
        line: if reason == Reason::LineMatched { v.line.max(1) } else { 0 },
        ignored: v
            .ignored
            .filter(|_| !reason.granted())
            .map(|(line, why)| IgnoredLine {
                line: line.max(1),
                why: pick(Ignored::ALL, why),
            }),
        reservation: None,
    };
    let bound = if v.bind_failed { Err(Errno(98)) } else { Ok(()) };
    let verdict = Verdict::of_decision(decision, bound);
    assert_eq!(decode_reply(&encode_reply(&verdict)), Ok(verdict));
    for outcome in [Outcome::BadRequest, Outcome::ConfigError] {
        let v = Verdict::without_decision(outcome, Errno(1 + i32::from(v.errno % 4000)));
        assert_eq!(decode_reply(&encode_reply(&v)), Ok(v));
    }
});
