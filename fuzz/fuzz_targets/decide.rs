//! The whole decision over an in-memory configuration folder built from the
//! input: `policy::decide` must not panic, must ask about files in
//! authbind's order (byport, byaddr forms, byuid) and stop at the first
//! that settles it, and must give exactly the answer of a model of the
//! helper whose byuid lines are parsed by glibc.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use model::{flag_files, Address, Decision, Errno, FileName, PolicyFile, Reason};
use oracles::c_file_grants;
use policy::memfs::{Entry, MemFs};
use policy::{decide, LineMeaning};

const EACCES: i32 = 13;
const ENOENT: i32 = 2;
const EPERM: i32 = 1;

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
    Dir,
    Special,
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

#[derive(Clone, Copy)]
struct Request {
    uid: u32,
    addr: Address,
    port: u16,
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
            let text = oracles::c_ntop(&a);
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

fn path(req: &Request, name: FileName) -> String {
    PolicyFile {
        name,
        addr: req.addr,
        port: req.port,
        uid: req.uid,
    }
    .to_string()
}

/// authbind's order: the flag files, then the byuid file.
fn order(req: &Request) -> Vec<String> {
    let mut names: Vec<String> = flag_files(req.addr.family()).iter().map(|&n| path(req, n)).collect();
    names.push(path(req, FileName::ByUid));
    names
}

/// Every name the procedure may ask about, and near misses it must not.
fn candidates(req: &Request) -> Vec<String> {
    let mut names = order(req);
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

/// authbind 2.1's helper, step by step, over the same entries: whether it
/// grants, the file that decided, the errno it exits with.
fn model(fs: &MemFs, req: &Request) -> (bool, String, i32) {
    for file in &order(req)[..3] {
        let err = match fs.entries.get(file) {
            None => ENOENT,
            Some(Entry::Flag(Ok(()))) | Some(Entry::Dir) => return (true, file.clone(), 0),
            Some(Entry::Flag(Err(e))) | Some(Entry::Fails(e)) => *e,
            Some(Entry::Text(_)) | Some(Entry::Special) => EACCES,
        };
        if err != ENOENT {
            return (false, file.clone(), err);
        }
    }
    let file = order(req)[3].clone();
    let text: &[u8] = match fs.entries.get(&file) {
        None | Some(Entry::Fails(ENOENT)) => return (false, file, EPERM),
        Some(Entry::Fails(e)) => return (false, file, *e),
        Some(Entry::Dir) => return (false, file, 21),
        Some(Entry::Special) => return (false, file, 22),
        Some(Entry::Flag(_)) => b"",
        Some(Entry::Text(t)) => t,
    };
    if c_file_grants(text, &req.addr, req.port) {
        (true, file, 0)
    } else {
        (false, file, ENOENT)
    }
}

fn summary(d: &Decision, req: &Request) -> (bool, String, i32) {
    (d.granted(), path(req, d.file), d.errno.0)
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
            Kind::Dir => fs.entry(path, Entry::Dir),
            Kind::Special => fs.entry(path, Entry::Special),
            Kind::Text(lines) => {
                let mut text = Vec::new();
                for line in lines {
                    render(line, &req, &mut text);
                }
                fs.bytes(path, text)
            }
        };
    }

    let decision = decide(&mut fs, req.uid, &req.addr, req.port);

    // Files are asked about in authbind's order, each once, and the last
    // one asked about is the one that settled it.
    let order = order(&req);
    assert!(!fs.asked.is_empty());
    assert!(
        order.starts_with(&fs.asked),
        "asked {:?}, authbind's order is {order:?}",
        fs.asked
    );
    assert_eq!(Some(&path(&req, decision.file)), fs.asked.last());

    // A grant comes with no errno; a refusal always with one, never
    // ENOENT from a flag file (that means "go on"), and a fault only from
    // reading a byuid file. A line number only for a granting line.
    if decision.granted() {
        assert_eq!(decision.errno, Errno(0));
        assert!(decision.ignored.is_none());
    } else {
        assert_ne!(decision.errno.0, 0);
        if decision.file != FileName::ByUid {
            assert_ne!(decision.errno.0, ENOENT);
        }
        if decision.reason.is_fault() {
            assert_eq!(decision.file, FileName::ByUid);
        }
    }
    assert_eq!(decision.line != 0, decision.reason == Reason::LineMatched);
    if let (Some(i), Some(Entry::Text(t))) = (decision.ignored, fs.entries.get(&order[3])) {
        // The line named as ignored is one authbind ignores.
        let line = oracles::fgets_chunks(t)
            .into_iter()
            .find(|c| line_number_of(t, c) == i.line)
            .expect("the ignored line exists");
        assert_eq!(LineMeaning::of(line).mistake().map(|v| v.why), Some(i.why));
    }

    // Exactly what the helper would decide.
    assert_eq!(summary(&decision, &req), model(&fs, &req), "entries {:?}", fs.entries);
});

/// The line (from 1) on which `chunk`, a slice of `text`, starts.
fn line_number_of(text: &[u8], chunk: &[u8]) -> u32 {
    let at = chunk.as_ptr() as usize - text.as_ptr() as usize;
    1 + text[..at].iter().filter(|&&b| b == b'\n').count() as u32
}
