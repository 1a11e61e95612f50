//! The native protocol's decoders: no panic on any bytes; whatever decodes
//! encodes back to the very same bytes and decodes again to the same value;
//! and every value encodes to something that decodes to it unless the
//! decoder's stated strictness rules it out.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use wire::{DecodeError, Family, Outcome, Reply, Request, RuleCode};

#[derive(Arbitrary, Debug)]
enum FamilyA {
    V4,
    V6,
}

#[derive(Arbitrary, Debug)]
enum OutcomeA {
    Bound,
    Refused,
    BindFailed,
    BadRequest,
    ConfigError,
}

#[derive(Arbitrary, Debug)]
enum RuleA {
    None,
    ByPort,
    ByAddr,
    ByUidMissing,
    ByUid,
}

#[derive(Arbitrary, Debug)]
struct Values {
    family: FamilyA,
    port: u16,
    socktype: u16,
    addr: [u8; 16],
    flowinfo: u32,
    scope_id: u32,
    outcome: OutcomeA,
    rule: RuleA,
    errno: i32,
}

fuzz_target!(|data: &[u8]| {
    // Raw bytes.
    if let Ok(r) = Request::decode(data) {
        assert_eq!(&r.encode()[..], data);
        assert_eq!(Request::decode(&r.encode()), Ok(r));
    }
    if let Ok(r) = Reply::decode(data) {
        assert_eq!(&r.encode()[..], data);
        assert_eq!(Reply::decode(&r.encode()), Ok(r));
    }
    // The same bytes as values.
    let Ok(v) = Values::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let req = Request {
        family: match v.family {
            FamilyA::V4 => Family::V4,
            FamilyA::V6 => Family::V6,
        },
        port: v.port,
        socktype: v.socktype,
        addr: v.addr,
        flowinfo: v.flowinfo,
        scope_id: v.scope_id,
    };
    let v4_junk =
        req.family == Family::V4 && (req.addr[4..].iter().any(|&b| b != 0) || req.flowinfo != 0 || req.scope_id != 0);
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
    let reply = Reply {
        outcome: match v.outcome {
            OutcomeA::Bound => Outcome::Bound,
            OutcomeA::Refused => Outcome::Refused,
            OutcomeA::BindFailed => Outcome::BindFailed,
            OutcomeA::BadRequest => Outcome::BadRequest,
            OutcomeA::ConfigError => Outcome::ConfigError,
        },
        rule: match v.rule {
            RuleA::None => RuleCode::None,
            RuleA::ByPort => RuleCode::ByPort,
            RuleA::ByAddr => RuleCode::ByAddr,
            RuleA::ByUidMissing => RuleCode::ByUidMissing,
            RuleA::ByUid => RuleCode::ByUid,
        },
        errno: v.errno,
    };
    let consistent = (reply.outcome == Outcome::Bound) == (reply.errno == 0) && (0..4096).contains(&reply.errno);
    match Reply::decode(&reply.encode()) {
        Ok(back) => {
            assert!(consistent);
            assert_eq!(back, reply);
        }
        Err(e) => {
            assert!(!consistent, "{reply:?} did not round-trip: {e:?}");
            assert_eq!(e, DecodeError::Field);
        }
    }
});
