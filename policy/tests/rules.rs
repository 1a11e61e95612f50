//! Every rule of authbind 2.1's policy, over an in-memory tree.

use model::{Address, Rule};
use policy::memfs::MemFs;
use policy::{decide, line_grants};

const EACCES: i32 = 13;
const EPERM: i32 = 1;
const ENOENT: i32 = 2;

/// Who asks to bind what.
#[derive(Clone, Copy)]
struct Request {
    uid: u32,
    addr: Address,
    port: u16,
}

fn v4(a: [u8; 4], port: u16) -> Request {
    Request {
        uid: 1500,
        addr: Address::V4(a),
        port,
    }
}

fn v6(text: &str, port: u16) -> Request {
    let ip: std::net::Ipv6Addr = text.parse().unwrap();
    Request {
        uid: 1500,
        addr: Address::V6(ip.octets()),
        port,
    }
}

fn granted(fs: &mut MemFs, req: &Request) -> Option<Rule> {
    let d = decide(fs, req.uid, &req.addr, req.port);
    d.granted().then(|| d.file.rule())
}

fn refused_errno(fs: &mut MemFs, req: &Request) -> i32 {
    let d = decide(fs, req.uid, &req.addr, req.port);
    assert!(!d.granted(), "expected a refusal, got {d:?}");
    d.errno.0
}

#[test]
fn byport_executable_grants() {
    let mut fs = MemFs::new().flag("byport/80", true);
    assert_eq!(granted(&mut fs, &v4([127, 0, 0, 1], 80)), Some(Rule::ByPort));
    assert_eq!(fs.asked, ["byport/80"]);
}

#[test]
fn byport_present_but_not_executable_refuses_and_stops() {
    // A byuid grant exists but is never consulted.
    let mut fs = MemFs::new()
        .flag("byport/80", false)
        .text("byuid/1500", "0.0.0.0/0,80\n");
    assert_eq!(refused_errno(&mut fs, &v4([127, 0, 0, 1], 80)), EACCES);
    assert_eq!(fs.asked, ["byport/80"]);
}

#[test]
fn other_access_errors_are_returned_as_they_are() {
    let mut fs = MemFs::new().failing("byport/80", 20 /* ENOTDIR */);
    assert_eq!(refused_errno(&mut fs, &v4([127, 0, 0, 1], 80)), 20);
}

#[test]
fn ports_512_to_1023_need_a_bang() {
    let mut plain = MemFs::new().flag("byport/600", true);
    assert_eq!(refused_errno(&mut plain, &v4([127, 0, 0, 1], 600)), EPERM);
    assert_eq!(plain.asked[0], "byport/!600");
    let mut bang = MemFs::new().flag("byport/!600", true);
    assert_eq!(granted(&mut bang, &v4([127, 0, 0, 1], 600)), Some(Rule::ByPort));
    // 511 is below the line.
    let mut low = MemFs::new().flag("byport/511", true);
    assert_eq!(granted(&mut low, &v4([127, 0, 0, 1], 511)), Some(Rule::ByPort));
    // The byuid file gets the bang too.
    let mut uid = MemFs::new().text("byuid/!1500", "127.0.0.1,600\n");
    assert_eq!(granted(&mut uid, &v4([127, 0, 0, 1], 600)), Some(Rule::ByUid));
}

#[test]
fn byaddr_ipv4_tries_colon_then_comma() {
    let req = v4([10, 1, 2, 3], 443);
    let mut fs = MemFs::new();
    decide(&mut fs, req.uid, &req.addr, req.port);
    assert_eq!(
        fs.asked,
        ["byport/443", "byaddr/10.1.2.3:443", "byaddr/10.1.2.3,443", "byuid/1500"]
    );
    for name in ["byaddr/10.1.2.3:443", "byaddr/10.1.2.3,443"] {
        let mut fs = MemFs::new().flag(name, true);
        assert_eq!(granted(&mut fs, &req), Some(Rule::ByAddr), "{name}");
    }
    // The colon form refusing stops before the comma form.
    let mut fs = MemFs::new()
        .flag("byaddr/10.1.2.3:443", false)
        .flag("byaddr/10.1.2.3,443", true);
    assert_eq!(refused_errno(&mut fs, &req), EACCES);
}

#[test]
fn byaddr_ipv6_tries_ntop_then_uncompressed() {
    // The man page's example.
    let req = Request {
        uid: 432,
        ..v6("2620:106:e002:f00f::21", 80)
    };
    let mut fs = MemFs::new();
    assert_eq!(refused_errno(&mut fs, &req), EPERM);
    assert_eq!(
        fs.asked,
        [
            "byport/80",
            "byaddr/2620:106:e002:f00f::21,80",
            "byaddr/2620:106:e002:f00f:0:0:0:21,80",
            "byuid/432"
        ]
    );
    let mut fs = MemFs::new().flag("byaddr/2620:106:e002:f00f:0:0:0:21,80", true);
    assert_eq!(granted(&mut fs, &req), Some(Rule::ByAddr));
    let mut fs = MemFs::new().flag("byaddr/!::1,700", true);
    assert_eq!(granted(&mut fs, &v6("::1", 700)), Some(Rule::ByAddr));
}

#[test]
fn byuid_missing_is_eperm_and_no_match_is_enoent() {
    assert_eq!(refused_errno(&mut MemFs::new(), &v4([127, 0, 0, 1], 80)), EPERM);
    let mut fs = MemFs::new().text("byuid/1500", "127.0.0.1,81\n");
    assert_eq!(refused_errno(&mut fs, &v4([127, 0, 0, 1], 80)), ENOENT);
    let mut fs = MemFs::new().failing("byuid/1500", 21 /* EISDIR */);
    assert_eq!(refused_errno(&mut fs, &v4([127, 0, 0, 1], 80)), 21);
}

#[test]
fn man_page_ipv6_byuid_examples() {
    let req = Request {
        uid: 432,
        ..v6("2620:106:e002:f00f::21", 80)
    };
    for line in ["2620:106:e002:f00f::21,80\n", "::/0,80\n"] {
        let mut fs = MemFs::new().text("byuid/432", line);
        assert_eq!(granted(&mut fs, &req), Some(Rule::ByUid), "{line:?}");
    }
}

fn grants4(line: &str, a: [u8; 4], port: u16) -> bool {
    line_grants(line.as_bytes(), &Address::V4(a), port)
}

fn grants6(line: &str, text: &str, port: u16) -> bool {
    let ip: std::net::Ipv6Addr = text.parse().unwrap();
    line_grants(line.as_bytes(), &Address::V6(ip.octets()), port)
}

#[test]
fn range_form() {
    assert!(grants4("127.0.0.1,80\n", [127, 0, 0, 1], 80));
    assert!(!grants4("127.0.0.1,80\n", [127, 0, 0, 2], 80));
    assert!(grants4("10.0.0.1-10.0.0.9,80-90\n", [10, 0, 0, 5], 85));
    assert!(grants4("10.0.0.1-10.0.0.9,80-90\n", [10, 0, 0, 9], 90));
    assert!(!grants4("10.0.0.1-10.0.0.9,80-90\n", [10, 0, 0, 10], 85));
    assert!(!grants4("10.0.0.1-10.0.0.9,80-90\n", [10, 0, 0, 5], 91));
    // min > max is never satisfied, for addresses and for ports.
    assert!(!grants4("10.0.0.9-10.0.0.1,80\n", [10, 0, 0, 5], 80));
    assert!(!grants4("127.0.0.1,90-80\n", [127, 0, 0, 1], 85));
    assert!(grants6("::1-::5,80\n", "::3", 80));
    assert!(!grants6("::1-::5,80\n", "::6", 80));
}

#[test]
fn prefix_form() {
    assert!(grants4("127.0.0.0/8,80\n", [127, 9, 9, 9], 80));
    assert!(!grants4("127.0.0.0/8,80\n", [128, 0, 0, 1], 80));
    assert!(grants4("0.0.0.0/0,1-1023\n", [1, 2, 3, 4], 1023));
    assert!(grants4("1.2.3.4/32,80\n", [1, 2, 3, 4], 80));
    assert!(grants4("1.2.3.4,80\n", [1, 2, 3, 4], 80));
    // Host bits set past the length: ignored.
    assert!(!grants4("127.0.0.1/8,80\n", [127, 0, 0, 1], 80));
    // Longer than the address: ignored.
    assert!(!grants4("1.2.3.4/33,80\n", [1, 2, 3, 4], 80));
    assert!(grants6("2001:db8::/32,443\n", "2001:db8:1::7", 443));
    assert!(!grants6("2001:db8::/32,443\n", "2001:db9::7", 443));
    assert!(!grants6("::1/129,80\n", "::1", 80));
    assert!(grants6("::1/128,80\n", "::1", 80));
    // A slash and a hyphen together: ignored.
    assert!(!grants4("10.0.0.0/8-10.0.0.9,80\n", [10, 0, 0, 1], 80));
    // IPv4 lines never match IPv6 requests, and the reverse.
    assert!(!grants6("0.0.0.0/0,80\n", "::ffff:127.0.0.1", 80));
    assert!(!grants4("::/0,80\n", [127, 0, 0, 1], 80));
    assert!(grants6("::ffff:0.0.0.0/96,80\n", "::ffff:127.0.0.1", 80));
}

#[test]
fn colon_form_ipv4_only() {
    assert!(grants4("127.0.0.0/8:80,90\n", [127, 0, 0, 1], 85));
    assert!(!grants4("127.0.0.0/8:80,90\n", [127, 0, 0, 1], 91));
    assert!(grants4("  127.0.0.0/8: 80,90  \n", [127, 0, 0, 1], 80));
    // sscanf accepts signs and leading zeros in these numbers.
    assert!(grants4("127.000.0.0/+8:0080,90\n", [127, 0, 0, 1], 80));
    // Values out of range make the line void (it is not re-read as another form).
    assert!(!grants4("127.0.0.0/33:80,90\n", [127, 0, 0, 1], 80));
    assert!(!grants4("127.0.0.0/8:80,65536\n", [127, 0, 0, 1], 80));
    assert!(!grants4("256.0.0.0/0:80,90\n", [127, 0, 0, 1], 80));
    // Unlike the other forms, host bits past the length just never match.
    assert!(!grants4("127.0.0.1/8:80,90\n", [127, 0, 0, 1], 80));
    assert!(grants4("0.0.0.0/0:1,1023\n", [9, 9, 9, 9], 1023));
    // Not a form for IPv6.
    assert!(!grants6("0.0.0.0/0:1,1023\n", "::1", 80));
}

#[test]
fn whitespace_and_number_formats_like_authbind() {
    // Port part: sscanf skips white space and takes signs and leading zeros.
    assert!(grants4("127.0.0.1, 80\n", [127, 0, 0, 1], 80));
    assert!(grants4("127.0.0.1,80 \r\n", [127, 0, 0, 1], 80));
    assert!(grants4("127.0.0.1,+80\n", [127, 0, 0, 1], 80));
    assert!(grants4("127.0.0.1,0080-0090\n", [127, 0, 0, 1], 85));
    assert!(grants4("127.0.0.1,4294967376\n", [127, 0, 0, 1], 80));
    assert!(grants4("127.0.0.1,80", [127, 0, 0, 1], 80));
    assert!(!grants4("127.0.0.1,80 - 90\n", [127, 0, 0, 1], 85));
    assert!(!grants4("127.0.0.1,80x\n", [127, 0, 0, 1], 80));
    // Address part goes to inet_pton as it is: no white space allowed.
    assert!(!grants4(" 127.0.0.1,80\n", [127, 0, 0, 1], 80));
    assert!(!grants4("127.0.0.1 ,80\n", [127, 0, 0, 1], 80));
    assert!(!grants4("127.0.0.01,80\n", [127, 0, 0, 1], 80));
    assert!(grants4("127.0.0.0/ 8 ,80\n", [127, 0, 0, 1], 80));
    // Comments are just unparsable lines.
    assert!(!grants4("# 127.0.0.1,80\n", [127, 0, 0, 1], 80));
    assert!(!grants4("\n", [127, 0, 0, 1], 80));
    // C stops at a NUL.
    assert!(grants4("127.0.0.1,80\0junk\n", [127, 0, 0, 1], 80));
    assert!(!grants4("127.0.0.1,8\u{0}0\n", [127, 0, 0, 1], 80));
}

#[test]
fn first_matching_line_anywhere_in_file_grants() {
    let text = "junk\n# comment\n127.0.0.1,81\n\n10.0.0.0/8,80\n127.0.0.1,80\n";
    let mut fs = MemFs::new().text("byuid/1500", text);
    assert_eq!(granted(&mut fs, &v4([127, 0, 0, 1], 80)), Some(Rule::ByUid));
}

#[test]
fn long_lines_are_read_in_fgets_chunks() {
    // 298 bytes of padding, then a line that is whole on its own: fgets
    // returns it as a separate "line", so authbind grants.
    let mut text = "x".repeat(policy::CHUNK);
    text.push_str("127.0.0.1,80\n");
    let mut fs = MemFs::new().text("byuid/1500", &text);
    assert_eq!(granted(&mut fs, &v4([127, 0, 0, 1], 80)), Some(Rule::ByUid));
    // 297 bytes of padding: the grant is glued to the padding.
    let mut text = "x".repeat(policy::CHUNK - 1);
    text.push_str("127.0.0.1,80\n");
    let mut fs = MemFs::new().text("byuid/1500", &text);
    assert_eq!(refused_errno(&mut fs, &v4([127, 0, 0, 1], 80)), ENOENT);
}

#[test]
fn huge_prefix_lengths_follow_c_int_and_shift_semantics() {
    // Verified against Debian's helper: a length is read with %u into an
    // int, so 4294967295 is -1, and the per-byte shift count is taken
    // modulo 32. -1 keeps the first byte, -32 masks nothing, -25 masks 0xfe.
    assert!(grants4("1.0.0.0/4294967295,80\n", [1, 9, 9, 9], 80));
    assert!(!grants4("1.0.0.0/4294967295,80\n", [2, 9, 9, 9], 80));
    assert!(grants4("0.0.0.0/4294967264,80\n", [2, 9, 9, 9], 80));
    assert!(!grants4("1.0.0.0/4294967271,80\n", [1, 9, 9, 9], 80));
    // 2^32 wraps to 0: everything matches.
    assert!(grants4("0.0.0.0/4294967296,80\n", [1, 9, 9, 9], 80));
    // A minus sign is a hyphen: slash and hyphen together void the line.
    assert!(!grants4("0.0.0.0/-0,80\n", [0, 0, 0, 0], 80));
}

#[test]
fn decisions_say_which_line_and_which_mistake() {
    use model::{Ignored, IgnoredLine, Reason};
    let req = v4([127, 0, 0, 1], 80);
    let text = "# grants\n\n127.0.0.1,85 # web\nlocalhost,80\n127.0.0.1,80\n";
    let mut fs = MemFs::new().text("byuid/1500", text);
    let d = decide(&mut fs, req.uid, &req.addr, req.port);
    assert_eq!((d.reason, d.line, d.ignored), (Reason::LineMatched, 5, None));
    let mut fs = MemFs::new().text("byuid/1500", &text.replace("127.0.0.1,80\n", ""));
    let d = decide(&mut fs, req.uid, &req.addr, req.port);
    assert_eq!((d.reason, d.errno.0, d.line), (Reason::NoMatchingLine, ENOENT, 0));
    // Comments and blank lines are not mistakes; the trailing comment is.
    assert_eq!(
        d.ignored,
        Some(IgnoredLine {
            line: 3,
            why: Ignored::BadPorts
        })
    );
    // A line longer than one fgets chunk keeps its number.
    let long = format!("{}\n127.0.0.1/8,80\n", "x".repeat(policy::CHUNK + 5));
    let mut fs = MemFs::new().text("byuid/1500", &long);
    let d = decide(&mut fs, req.uid, &req.addr, req.port);
    assert_eq!(d.ignored.map(|i| i.line), Some(1));
    let only_host_bits = MemFs::new().text("byuid/1500", "\n127.0.0.1/8,80\n");
    let mut fs = only_host_bits;
    let d = decide(&mut fs, req.uid, &req.addr, req.port);
    assert_eq!(
        d.ignored,
        Some(IgnoredLine {
            line: 2,
            why: Ignored::HostBits
        })
    );
}

#[test]
fn each_refusal_has_its_reason() {
    use model::{FileName, Reason};
    let req = v4([127, 0, 0, 1], 636);
    let reason = |fs: &mut MemFs| {
        let d = decide(fs, req.uid, &req.addr, req.port);
        (d.file, d.reason, d.errno.0)
    };
    assert_eq!(reason(&mut MemFs::new()), (FileName::ByUid, Reason::NoByuidFile, EPERM));
    let mut fs = MemFs::new().flag("byport/!636", false);
    assert_eq!(reason(&mut fs), (FileName::ByPort, Reason::NotExecutable, EACCES));
    let mut fs = MemFs::new().failing("byaddr/!127.0.0.1:636", 40);
    assert_eq!(reason(&mut fs), (FileName::ByAddrColon, Reason::CheckFailed, 40));
    let mut fs = MemFs::new().failing("byuid/!1500", 13);
    assert_eq!(reason(&mut fs), (FileName::ByUid, Reason::OpenFailed, EACCES));
    let mut fs = MemFs::new().entry("byuid/!1500", policy::memfs::Entry::Dir);
    assert_eq!(reason(&mut fs), (FileName::ByUid, Reason::ReadFailed, 21));
    let mut fs = MemFs::new().entry("byuid/!1500", policy::memfs::Entry::Special);
    assert_eq!(reason(&mut fs), (FileName::ByUid, Reason::NotRegular, 22));
    let mut fs = MemFs::new().flag("byaddr/!127.0.0.1,636", true);
    assert_eq!(reason(&mut fs), (FileName::ByAddrComma, Reason::Executable, 0));
}
