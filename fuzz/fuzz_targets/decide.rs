//! The whole decision over an in-memory configuration folder built from the
//! input: `policy::decide` must not panic, must ask about files in
//! authbind's order (byport, byaddr forms, byuid) and stop at the first
//! that settles it, and must give exactly the answer of a model of the
//! helper whose byuid lines are parsed by glibc.
#![no_main]

use arbitrary::Arbitrary;
use authbind_fuzz::c_file_grants;
use libfuzzer_sys::fuzz_target;
use policy::memfs::{Entry, MemFs};
use policy::{byuid_file, decide, errno, flag_files, Address, Decision, Fault, Request, Rule};

const EACCES: i32 = 13;

#[derive(Arbitrary, Debug)]
struct Input {
    uid: u32,
    v6: bool,
    addr: [u8; 16],
    port: Port,
    entries: Vec<(u8, Kind)>,
}

#[derive(Arbitrary, Debug)]
enum Port {
    Low(u8),
    Mid(u8),
    Edge(bool),
    Any(u16),
}

#[derive(Arbitrary, Debug)]
enum Kind {
    Executable,
    NotExecutable,
    /// Checking or opening fails with this errno (ENOENT among them).
    Fails(u8),
    Text(Vec<Line>),
}

#[derive(Arbitrary, Debug)]
enum Line {
    Raw(Vec<u8>),
    /// A line written from the request, so that grants are common.
    Near {
        form: u8,
        len: u8,
        lo: i8,
        hi: i8,
        tweak: u8,
    },
    /// Padding with no newline: shifts the next line across an fgets chunk.
    Pad(u16),
}

fn request(input: &Input) -> Request {
    let port = match input.port {
        Port::Low(p) => u16::from(p),
        Port::Mid(p) => 400 + u16::from(p),
        Port::Edge(hi) => {
            if hi {
                512
            } else {
                511
            }
        }
        Port::Any(p) => p,
    };
    let addr = if input.v6 {
        Address::V6(input.addr)
    } else {
        Address::V4(input.addr[..4].try_into().unwrap())
    };
    Request {
        uid: input.uid,
        addr,
        port,
    }
}

fn render(line: &Line, req: &Request, out: &mut Vec<u8>) {
    match line {
        Line::Raw(bytes) => out.extend_from_slice(bytes),
        Line::Pad(n) => out.extend(std::iter::repeat_n(b'x', usize::from(*n) % 600)),
        Line::Near {
            form,
            len,
            lo,
            hi,
            tweak,
        } => {
            let mut a = req.addr;
            match &mut a {
                Address::V4(b) => b[3] = b[3].wrapping_add(*tweak % 3).wrapping_sub(1),
                Address::V6(b) => b[15] = b[15].wrapping_add(*tweak % 3).wrapping_sub(1),
            }
            let text = a.ntop();
            let pmin = i32::from(req.port) + i32::from(*lo);
            let pmax = i32::from(req.port) + i32::from(*hi);
            let bits = if req.addr.is_v6() { 129 } else { 33 };
            let len = u32::from(*len) % bits;
            let s = match form % 5 {
                0 => format!("{text},{pmin}"),
                1 => format!("{text},{pmin}-{pmax}"),
                2 => format!("{text}/{len},{pmin}-{pmax}"),
                3 => format!("{text}-{text},{pmin}"),
                _ => match req.addr {
                    Address::V4(_) => format!("{text}/{len}:{pmin},{pmax}"),
                    Address::V6(_) => format!("::/0,{pmin}"),
                },
            };
            out.extend_from_slice(s.as_bytes());
            out.push(b'\n');
        }
    }
}

/// Every name the procedure may ask about, and near misses it must not.
fn candidates(req: &Request) -> Vec<String> {
    let mut names: Vec<String> = flag_files(req).into_iter().map(|(_, n)| n).collect();
    names.push(byuid_file(req));
    let toggled: Vec<String> = names
        .iter()
        .map(|n| match n.split_once("/!") {
            Some((dir, rest)) => format!("{dir}/{rest}"),
            None => n.replacen('/', "/!", 1),
        })
        .collect();
    names.extend(toggled);
    names.push(format!("byuid/{}", req.uid.wrapping_add(1)));
    names.push(format!("byport/{}", req.port.wrapping_add(1)));
    names
}

/// authbind 2.1's helper, step by step, over the same entries.
fn model(fs: &MemFs, req: &Request) -> Decision {
    for (rule, file) in flag_files(req) {
        let err = match fs.entries.get(&file) {
            None => errno::ENOENT,
            Some(Entry::Flag(Ok(()))) => return Decision::Grant { rule, file },
            Some(Entry::Flag(Err(e))) | Some(Entry::Fails(e)) => *e,
            Some(Entry::Text(_)) => EACCES,
        };
        if err != errno::ENOENT {
            return Decision::Refuse {
                rule,
                errno: err,
                file,
                fault: None,
            };
        }
    }
    let file = byuid_file(req);
    let text: &[u8] = match fs.entries.get(&file) {
        None | Some(Entry::Fails(errno::ENOENT)) => {
            return Decision::Refuse {
                rule: Rule::ByUidMissing,
                errno: errno::EPERM,
                file,
                fault: None,
            }
        }
        Some(Entry::Fails(e)) => {
            return Decision::Refuse {
                rule: Rule::ByUid,
                errno: *e,
                file,
                fault: None,
            }
        }
        Some(Entry::Flag(_)) => b"",
        Some(Entry::Text(t)) => t,
    };
    if c_file_grants(text, &req.addr, req.port) {
        Decision::Grant {
            rule: Rule::ByUid,
            file,
        }
    } else {
        Decision::Refuse {
            rule: Rule::ByUid,
            errno: errno::ENOENT,
            file,
            fault: None,
        }
    }
}

fuzz_target!(|input: Input| {
    let req = request(&input);
    let names = candidates(&req);
    let mut fs = MemFs::new();
    for (which, kind) in &input.entries {
        let path = &names[usize::from(*which) % names.len()];
        fs = match kind {
            Kind::Executable => fs.flag(path, true),
            Kind::NotExecutable => fs.flag(path, false),
            Kind::Fails(e) => fs.failing(path, 1 + i32::from(*e % 133)),
            Kind::Text(lines) => {
                let mut text = Vec::new();
                for line in lines {
                    render(line, &req, &mut text);
                }
                fs.bytes(path, text)
            }
        };
    }

    let decision = decide(&mut fs, &req);

    // Files are asked about in authbind's order, each once, and the last
    // one asked about is the one that settled it.
    let mut order: Vec<String> = flag_files(&req).into_iter().map(|(_, n)| n).collect();
    order.push(byuid_file(&req));
    assert!(!fs.asked.is_empty());
    assert!(
        order.starts_with(&fs.asked),
        "asked {:?}, authbind's order is {order:?}",
        fs.asked
    );
    let (file, grant_errno) = match &decision {
        Decision::Grant { file, .. } => (file, 0),
        Decision::Refuse { file, errno, .. } => (file, *errno),
    };
    assert_eq!(Some(file), fs.asked.last());

    // A grant comes with no errno; a refusal always with one, never
    // ENOENT from a flag file (that means "go on"), and a fault only from
    // reading a byuid file.
    match &decision {
        Decision::Grant { .. } => assert_eq!(grant_errno, 0),
        Decision::Refuse { rule, errno, fault, .. } => {
            assert_ne!(*errno, 0);
            if matches!(rule, Rule::ByPort | Rule::ByAddr) {
                assert_ne!(*errno, errno::ENOENT);
            }
            if let Some(f) = fault {
                assert_eq!(*rule, Rule::ByUid);
                assert!(matches!(f, Fault::ReadError | Fault::TooLarge));
            }
        }
    }

    // Exactly what the helper would decide.
    assert_eq!(decision, model(&fs, &req), "entries {:?}", fs.entries);
});
