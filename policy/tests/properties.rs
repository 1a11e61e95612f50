//! Properties of authbind 2.1's policy that must hold for every request and
//! every configuration, checked on random ones (proptest). Kept quick: it
//! runs with the unit tests.

use model::{Address, Decision, PolicyFile, Reason, Rule};
use policy::memfs::MemFs;
use policy::{decide, format_classic, line_grants, parse_classic, CHUNK};
use proptest::prelude::*;

const EPERM: i32 = 1;
const ENOENT: i32 = 2;
const EACCES: i32 = 13;

// ---------------------------------------------------------------------------
// Requests.

/// Who asks to bind what.
#[derive(Clone, Copy, Debug)]
struct Request {
    uid: u32,
    addr: Address,
    port: u16,
}

fn decide_req(fs: &mut MemFs, req: &Request) -> Decision {
    decide(fs, req.uid, &req.addr, req.port)
}

/// The path of the file that decided.
fn path_of(d: &Decision, req: &Request) -> String {
    PolicyFile {
        name: d.file,
        addr: req.addr,
        port: req.port,
        uid: req.uid,
    }
    .to_string()
}

/// IPv6 addresses with many zero groups (the `::` forms), or any.
fn v6_bytes() -> impl Strategy<Value = [u8; 16]> {
    prop::array::uniform8(prop_oneof![
        3 => Just(0u16),
        1 => Just(1u16),
        1 => Just(0xffffu16),
        2 => any::<u16>(),
    ])
    .prop_map(|w| {
        let mut b = [0u8; 16];
        for (i, word) in w.iter().enumerate() {
            b[2 * i..2 * i + 2].copy_from_slice(&word.to_be_bytes());
        }
        b
    })
}

fn address() -> impl Strategy<Value = Address> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(Address::V4),
        Just(Address::V4([127, 0, 0, 1])),
        v6_bytes().prop_map(Address::V6),
    ]
}

fn port() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => 1u16..1024,
        1 => prop::sample::select(vec![0u16, 1, 511, 512, 1023, 1024, 65535]),
        1 => any::<u16>(),
    ]
}

fn request() -> impl Strategy<Value = Request> {
    (prop_oneof![0u32..3000, any::<u32>()], address(), port()).prop_map(|(uid, addr, port)| Request { uid, addr, port })
}

// ---------------------------------------------------------------------------
// byuid lines that grant a given request, in canonical and decorated text.

fn as_u128(a: &Address) -> u128 {
    a.bytes().iter().fold(0u128, |acc, &b| (acc << 8) | u128::from(b))
}

fn from_u128(like: &Address, v: u128) -> Address {
    match like {
        Address::V4(_) => Address::V4((v as u32).to_be_bytes()),
        Address::V6(_) => Address::V6(v.to_be_bytes()),
    }
}

fn bits(a: &Address) -> u32 {
    if a.is_v6() {
        128
    } else {
        32
    }
}

/// `a` with every bit past the first `len` cleared.
fn network(a: &Address, len: u32) -> Address {
    let n = bits(a);
    let keep = if len == 0 {
        0
    } else {
        (u128::MAX >> (128 - n)) & !((1u128 << (n - len)) - 1)
    };
    from_u128(a, as_u128(a) & keep)
}

/// How an address is written: glibc's `inet_ntop`, or for IPv6 one of the
/// other forms `inet_pton` takes (eight groups, upper case, four digits).
#[derive(Clone, Copy, Debug)]
enum AddrText {
    Ntop,
    Uncompressed,
    Upper,
    FourDigits,
}

fn addr_text(a: &Address, how: AddrText) -> String {
    let Address::V6(b) = a else {
        return a.to_string();
    };
    match how {
        AddrText::Ntop => a.to_string(),
        AddrText::Uncompressed => a.uncompressed().map(|u| u.to_string()).unwrap_or_default(),
        AddrText::Upper => a.to_string().to_uppercase(),
        AddrText::FourDigits => b
            .chunks(2)
            .map(|w| format!("{:02x}{:02x}", w[0], w[1]))
            .collect::<Vec<_>>()
            .join(":"),
    }
}

/// The numbers of a line, as the policy reads them.
#[derive(Clone, Debug)]
enum Form {
    /// `addr,port`
    Single { addr: Address, port: u32 },
    /// `addr,pmin-pmax`
    Ports { addr: Address, pmin: u32, pmax: u32 },
    /// `net/len,pmin-pmax`
    Prefix {
        net: Address,
        len: u32,
        pmin: u32,
        pmax: u32,
    },
    /// `min-max,port`
    Range { min: Address, max: Address, port: u32 },
    /// `a.b.c.d/len:pmin,pmax` (IPv4 only)
    Colon {
        net: [u8; 4],
        len: u32,
        pmin: u32,
        pmax: u32,
    },
}

/// How one number is written: white space before (and after, where the
/// format has a space there), a `+`, leading zeros. scanf's `%u` takes all
/// of them.
#[derive(Clone, Debug, Default)]
struct Deco {
    before: String,
    plus: bool,
    zeros: usize,
    after: String,
}

fn c_space() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(vec![' ', '\t', '\x0b', '\x0c', '\r']), 0..3).prop_map(String::from_iter)
}

fn deco() -> impl Strategy<Value = Deco> {
    (c_space(), any::<bool>(), 0usize..4, c_space()).prop_map(|(before, plus, zeros, after)| Deco {
        before,
        plus,
        zeros,
        after,
    })
}

/// `n` written with `d`; `after` only where the format allows white space
/// after the number.
fn num(n: u32, d: Option<&Deco>, after: bool) -> String {
    let Some(d) = d else {
        return n.to_string();
    };
    format!(
        "{}{}{}{n}{}",
        d.before,
        if d.plus { "+" } else { "" },
        "0".repeat(d.zeros),
        if after { d.after.as_str() } else { "" }
    )
}

/// The line's text; with `decos`, every number decorated (cycling through
/// them) and the address written as `how`.
fn render(form: &Form, decos: Option<&[Deco]>, how: AddrText) -> String {
    let mut i = 0;
    let mut d = || {
        let pick = decos.map(|ds| &ds[i % ds.len()]);
        i += 1;
        pick
    };
    let ports = |d1: Option<&Deco>, pmin: u32, d2: Option<&Deco>, pmax: u32| {
        // " %u-%u %n": nothing between the first number and the hyphen.
        format!("{}-{}", num(pmin, d1, false), num(pmax, d2, true))
    };
    match form {
        Form::Single { addr, port } => format!("{},{}", addr_text(addr, how), num(*port, d(), true)),
        Form::Ports { addr, pmin, pmax } => {
            let (d1, d2) = (d(), d());
            format!("{},{}", addr_text(addr, how), ports(d1, *pmin, d2, *pmax))
        }
        Form::Prefix { net, len, pmin, pmax } => {
            let (d0, d1, d2) = (d(), d(), d());
            format!(
                "{}/{},{}",
                addr_text(net, how),
                num(*len, d0, true),
                ports(d1, *pmin, d2, *pmax)
            )
        }
        Form::Range { min, max, port } => format!(
            "{}-{},{}",
            addr_text(min, how),
            addr_text(max, how),
            num(*port, d(), true)
        ),
        Form::Colon { net, len, pmin, pmax } => {
            // " %u.%u.%u.%u/%u: %u,%u %n": white space may come before
            // every number, after them only at the end.
            let o: Vec<String> = net.iter().map(|&o| num(o.into(), d(), false)).collect();
            format!(
                "{}/{}:{},{}",
                o.join("."),
                num(*len, d(), false),
                num(*pmin, d(), false),
                num(*pmax, d(), true)
            )
        }
    }
}

/// A line that grants `req`, built from it.
fn granting_form(req: Request) -> impl Strategy<Value = Form> {
    let addr = req.addr;
    let port = u32::from(req.port);
    let n = bits(&addr);
    let below = 0..=port;
    let above = port..=65535u32;
    let single = Just(Form::Single { addr, port });
    let ports = (below.clone(), above.clone()).prop_map(move |(pmin, pmax)| Form::Ports { addr, pmin, pmax });
    let prefix = (0..=n, below.clone(), above.clone()).prop_map(move |(len, pmin, pmax)| Form::Prefix {
        net: network(&addr, len),
        len,
        pmin,
        pmax,
    });
    let v = as_u128(&addr);
    let top = u128::MAX >> (128 - n);
    let range = (0..=v.min(300), 0..=(top - v).min(300)).prop_map(move |(lo, hi)| Form::Range {
        min: from_u128(&addr, v - lo),
        max: from_u128(&addr, v + hi),
        port,
    });
    let colon = (0..=32u32, below, above).prop_map(move |(len, pmin, pmax)| {
        let net = match network(&addr, len) {
            Address::V4(b) => b,
            Address::V6(_) => [0; 4],
        };
        Form::Colon { net, len, pmin, pmax }
    });
    if addr.is_v6() {
        prop_oneof![single, ports, prefix, range].boxed()
    } else {
        prop_oneof![single, ports, prefix, range, colon].boxed()
    }
}

/// A request and a line that grants it.
fn granted_line() -> BoxedStrategy<(Request, Form)> {
    request().prop_flat_map(|req| (Just(req), granting_form(req))).boxed()
}

/// A line that grants one request, with that request or another.
fn any_line() -> BoxedStrategy<(Request, Form)> {
    prop_oneof![
        granted_line(),
        (request(), granted_line()).prop_map(|(req, (_, form))| (req, form)),
    ]
    .boxed()
}

fn how() -> impl Strategy<Value = AddrText> {
    prop::sample::select(vec![
        AddrText::Ntop,
        AddrText::Uncompressed,
        AddrText::Upper,
        AddrText::FourDigits,
    ])
}

/// A request like `req` but often just off it (address or port one away,
/// or the other family).
fn nearby(req: Request) -> impl Strategy<Value = Request> {
    (0u8..6, any::<[u8; 4]>()).prop_map(move |(how, other)| {
        let mut r = req;
        let v = as_u128(&req.addr);
        match how {
            0 => r.addr = from_u128(&req.addr, v.wrapping_add(1)),
            1 => r.addr = from_u128(&req.addr, v.wrapping_sub(1)),
            2 => r.port = req.port.wrapping_add(1),
            3 => r.port = req.port.wrapping_sub(1),
            4 => r.addr = Address::V4(other),
            _ => {}
        }
        r
    })
}

fn grants(line: &str, req: &Request) -> bool {
    line_grants(line.as_bytes(), &req.addr, req.port)
}

// ---------------------------------------------------------------------------
// Files and trees.

/// What `fgets(buf, 299, f)` returns, chunk after chunk.
fn fgets_chunks(mut text: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !text.is_empty() {
        let room = text.len().min(CHUNK);
        let take = text[..room].iter().position(|&b| b == b'\n').map_or(room, |nl| nl + 1);
        out.push(&text[..take]);
        text = &text[take..];
    }
    out
}

fn model_file_grants(text: &[u8], req: &Request) -> bool {
    fgets_chunks(text).iter().any(|c| line_grants(c, &req.addr, req.port))
}

/// The whole procedure with only a byuid file holding `text`.
fn file_grants(text: &[u8], req: &Request) -> bool {
    let mut fs = MemFs::new().bytes(&names(req)[3], text.to_vec());
    decide_req(&mut fs, req).granted()
}

/// Lines that are not what they seem: comments, near misses, binary.
fn junk_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "#[ -~]{0,40}".prop_map(String::into_bytes),
        "[0-9.:/,+ -]{0,30}".prop_map(String::into_bytes),
        "[0-9a-f:]{0,20},[0-9]{1,5}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..40),
        // Longer than one fgets chunk.
        prop::collection::vec(any::<u8>(), CHUNK..CHUNK + 40),
    ]
}

fn junk_file() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(junk_line(), 0..6).prop_map(|lines| {
        let mut out = Vec::new();
        for l in lines {
            out.extend_from_slice(&l);
            out.push(b'\n');
        }
        out
    })
}

/// A flag file's state.
#[derive(Clone, Copy, Debug)]
enum Flag {
    Absent,
    Executable,
    NotExecutable,
    Fails(i32),
}

fn flag() -> impl Strategy<Value = Flag> {
    prop_oneof![
        3 => Just(Flag::Absent),
        1 => Just(Flag::Executable),
        1 => Just(Flag::NotExecutable),
        1 => prop::sample::select(vec![ENOENT, 20, 21, 40, 5]).prop_map(Flag::Fails),
    ]
}

fn with_flag(fs: MemFs, path: &str, f: Flag) -> MemFs {
    match f {
        Flag::Absent => fs,
        Flag::Executable => fs.flag(path, true),
        Flag::NotExecutable => fs.flag(path, false),
        Flag::Fails(e) => fs.failing(path, e),
    }
}

fn bang(port: u16) -> &'static str {
    if port >= 512 {
        "!"
    } else {
        ""
    }
}

/// The names authbind 2.1 asks about, in its order, written out here
/// rather than taken from the crate.
fn names(req: &Request) -> Vec<String> {
    let (b, p, text) = (bang(req.port), req.port, req.addr.to_string());
    let mut v = vec![format!("byport/{b}{p}")];
    match req.addr {
        Address::V4(_) => {
            v.push(format!("byaddr/{b}{text}:{p}"));
            v.push(format!("byaddr/{b}{text},{p}"));
        }
        Address::V6(a) => {
            let groups: Vec<String> = a
                .chunks(2)
                .map(|w| format!("{:x}", u16::from_be_bytes([w[0], w[1]])))
                .collect();
            v.push(format!("byaddr/{b}{text},{p}"));
            v.push(format!("byaddr/{b}{},{p}", groups.join(":")));
        }
    }
    v.push(format!("byuid/{b}{}", req.uid));
    v
}

/// The same names with the `!` the other way round.
fn toggled(name: &str) -> String {
    let (dir, base) = name.split_once('/').unwrap();
    match base.strip_prefix('!') {
        Some(rest) => format!("{dir}/{rest}"),
        None => format!("{dir}/!{base}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// A line built to grant a request does, and still does with its
    /// numbers re-written the ways scanf accepts (white space, `+`,
    /// leading zeros) and its IPv6 address in other inet_pton forms; and
    /// for requests near it, both texts give the same answer.
    #[test]
    fn reformatted_numbers_mean_the_same(
        (req, form) in granted_line(),
        decos in prop::collection::vec(deco(), 1..8),
        how in how(),
        newline in prop::sample::select(vec!["", "\n", "\r\n", " \n"]),
        other in request(),
    ) {
        let plain = render(&form, None, AddrText::Ntop) + newline;
        let fancy = render(&form, Some(&decos), how) + newline;
        prop_assert!(grants(&plain, &req), "{:?} should grant {:?}", plain, req);
        prop_assert!(grants(&fancy, &req), "{:?} should grant {:?}", fancy, req);
        prop_assert_eq!(grants(&plain, &other), grants(&fancy, &other), "{:?} vs {:?}", plain, fancy);
    }

    /// Same, for requests one address or one port away from the line's.
    #[test]
    fn reformatting_keeps_the_edges(
        (req, other, form) in granted_line()
            .prop_flat_map(|(req, form)| (Just(req), nearby(req), Just(form))),
        decos in prop::collection::vec(deco(), 1..8),
        how in how(),
    ) {
        let plain = render(&form, None, AddrText::Ntop);
        let fancy = render(&form, Some(&decos), how);
        prop_assert!(grants(&fancy, &req));
        prop_assert_eq!(grants(&plain, &other), grants(&fancy, &other), "{:?} vs {:?} for {:?}", plain, fancy, other);
    }

    /// A line of one family never grants a request of the other.
    #[test]
    fn families_never_mix(
        (req, form) in granted_line(),
        v4 in any::<[u8; 4]>(),
        v6 in v6_bytes(),
    ) {
        let other = if req.addr.is_v6() { Address::V4(v4) } else { Address::V6(v6) };
        let line = render(&form, None, AddrText::Ntop);
        prop_assert!(!line_grants(line.as_bytes(), &other, req.port), "{:?} for {:?}", line, other);
    }

    /// Reading stops at the first granting line: whatever comes after it
    /// (even binary, or lines longer than a chunk) cannot take the grant
    /// away, and whatever comes before it (ending with a newline) cannot
    /// either.
    #[test]
    fn nothing_around_a_granting_line_matters(
        (req, form) in granted_line(),
        before in junk_file(),
        after in prop::collection::vec(any::<u8>(), 0..600),
    ) {
        let line = render(&form, None, AddrText::Ntop);
        let mut text = before.clone();
        text.extend_from_slice(line.as_bytes());
        text.push(b'\n');
        text.extend_from_slice(&after);
        prop_assert!(file_grants(&text, &req));
        let mut fs = MemFs::new().bytes(&names(&req)[3], text);
        let d = decide_req(&mut fs, &req);
        prop_assert!(d.granted() && d.file.rule() == Rule::ByUid);
    }

    /// A file grants exactly when one of its fgets chunks does: junk in
    /// front of a line that does not grant gives a grant only if the junk
    /// itself grants.
    #[test]
    fn a_file_grants_iff_one_of_its_lines_does(
        (req, form) in any_line(),
        before in junk_file(),
        after in junk_file(),
    ) {
        let mut text = before.clone();
        text.extend_from_slice(render(&form, None, AddrText::Ntop).as_bytes());
        text.push(b'\n');
        text.extend_from_slice(&after);
        let line_alone = grants(&render(&form, None, AddrText::Ntop), &req);
        let junk_alone = model_file_grants(&before, &req) || model_file_grants(&after, &req);
        prop_assert_eq!(file_grants(&text, &req), line_alone || junk_alone);
        prop_assert_eq!(file_grants(&before, &req), model_file_grants(&before, &req));
    }

    /// byport decides alone whenever its flag file is there: executable
    /// grants, anything else refuses with its errno, whatever byaddr and
    /// byuid say. Absent (or ENOENT), it never decides.
    #[test]
    fn byport_decides_alone_when_present(
        req in request(),
        byport in flag(),
        byaddr in (flag(), flag()),
        uid_text in prop_oneof![
            junk_file(),
            Just(b"0.0.0.0/0,0-65535\n::/0,0-65535\n".to_vec()),
        ],
    ) {
        let n = names(&req);
        let mut fs = with_flag(MemFs::new(), &n[0], byport);
        fs = with_flag(fs, &n[1], byaddr.0);
        fs = with_flag(fs, &n[2], byaddr.1);
        fs = fs.bytes(&n[3], uid_text);
        let d = decide_req(&mut fs, &req);
        match byport {
            Flag::Executable => {
                prop_assert!(d.granted());
                prop_assert_eq!((d.file.rule(), path_of(&d, &req)), (Rule::ByPort, n[0].clone()));
                prop_assert_eq!(&fs.asked, &n[..1]);
            }
            Flag::NotExecutable | Flag::Fails(_) if !matches!(byport, Flag::Fails(ENOENT)) => {
                let want = match byport { Flag::Fails(e) => e, _ => EACCES };
                prop_assert!(!d.granted() && !d.reason.is_fault());
                prop_assert_eq!((d.file.rule(), d.errno.0, path_of(&d, &req)), (Rule::ByPort, want, n[0].clone()));
                prop_assert_eq!(&fs.asked, &n[..1]);
            }
            _ => {
                prop_assert_ne!(d.file.rule(), Rule::ByPort);
                prop_assert!(fs.asked.len() > 1);
            }
        }
        // The files asked about are a prefix of authbind's order.
        prop_assert!(n.starts_with(&fs.asked), "asked {:?}", fs.asked);
    }

    /// Ports from 512 up look only at names with a `!` in front; ports
    /// below 512 only at names without. Granting files under the other
    /// names are never seen.
    #[test]
    fn the_bang_rule(
        req in request(),
        executable in prop::sample::select(vec![0usize, 1, 2]),
    ) {
        let n = names(&req);
        let grant_all = "0.0.0.0/0,0-65535\n::/0,0-65535\n";

        // Everything granting, but under the wrong names.
        let mut wrong = MemFs::new().text(&toggled(&n[3]), grant_all);
        for name in &n[..3] {
            wrong = wrong.flag(&toggled(name), true);
        }
        let d = decide_req(&mut wrong, &req);
        prop_assert_eq!((d.reason, d.errno.0, path_of(&d, &req)), (Reason::NoByuidFile, EPERM, n[3].clone()));
        prop_assert_eq!(&wrong.asked, &n);
        for asked in &wrong.asked {
            let base = asked.split_once('/').unwrap().1;
            prop_assert_eq!(base.starts_with('!'), req.port >= 512, "{}", asked);
        }

        // One flag under the right name.
        let mut right = MemFs::new().flag(&n[executable], true);
        prop_assert!(decide_req(&mut right, &req).granted());
        // The byuid file under the right name.
        let mut uid = MemFs::new().text(&n[3], grant_all);
        let d = decide_req(&mut uid, &req);
        prop_assert!(d.granted());
        prop_assert_eq!((d.file.rule(), path_of(&d, &req)), (Rule::ByUid, n[3].clone()));
        let mut none = MemFs::new().text(&n[3], "# nothing\n");
        let d = decide_req(&mut none, &req);
        prop_assert!(!d.granted() && !d.reason.is_fault());
        prop_assert_eq!((d.file.rule(), d.errno.0, path_of(&d, &req)), (Rule::ByUid, ENOENT, n[3].clone()));
    }

    /// What libauthbind passes the classic helper reads back as the same
    /// request.
    #[test]
    fn classic_arguments_round_trip(addr in address(), port in any::<u16>()) {
        let args = format_classic(&addr, port);
        let args: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        let back = parse_classic(&args).expect("formatted arguments parse");
        prop_assert_eq!((back.flowinfo, back.scope_id), (0, 0));
        prop_assert_eq!((back.addr, back.port), (addr, port));
    }
}
