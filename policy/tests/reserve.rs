//! Reservations (`reserve/PORT`, `reserve/ADDR,PORT`), over an in-memory
//! tree: consulted before authbind's rules, for every bind they cover.

use model::{Address, Decision, Errno, FileName, Reason, Reservation, MAX_RESERVATIONS};
use policy::memfs::{Entry, MemFs};
use policy::{decide, decide_observed, Observer};

const USER: u32 = 1500;

fn addr(text: &str) -> Address {
    Address::parse_any(text.as_bytes()).unwrap()
}

fn ask(fs: &mut MemFs, uid: u32, a: &str, port: u16) -> Decision {
    decide(fs, uid, &addr(a), port)
}

fn reserved_by(d: &Decision) -> Option<String> {
    d.reservation.map(|r| r.to_string())
}

#[test]
fn a_reservation_for_someone_else_refuses_with_eacces() {
    // byport/80 would grant: the reservation comes first.
    let mut fs = MemFs::new().flag("reserve/80", false).flag("byport/80", true);
    let d = ask(&mut fs, USER, "127.0.0.1", 80);
    assert!(!d.granted());
    assert_eq!(
        (d.file, d.reason, d.errno),
        (FileName::ReservePort, Reason::Reserved, Errno::EACCES)
    );
    assert_eq!(reserved_by(&d).as_deref(), Some("reserve/80"));
    assert_eq!(d.file_for(addr("127.0.0.1"), 80, USER).to_string(), "reserve/80");
    // Any port, the unprivileged ones too.
    let mut fs = MemFs::new().flag("reserve/5432", false);
    assert_eq!(ask(&mut fs, USER, "0.0.0.0", 5432).reason, Reason::Reserved);
    assert_eq!(ask(&mut fs, USER, "::1", 5432).reason, Reason::Reserved);
}

#[test]
fn the_owner_of_a_privileged_port_needs_no_other_file() {
    let mut fs = MemFs::new().flag("reserve/80", true);
    let d = ask(&mut fs, USER, "127.0.0.1", 80);
    assert!(d.granted());
    assert_eq!(
        (d.file, d.reason, d.errno),
        (FileName::ReservePort, Reason::Owner, Errno(0))
    );
    // From 1024 up the kernel lets anyone bind: the owner is not refused,
    // and authbind's rules answer what the helper is asked.
    let mut fs = MemFs::new().flag("reserve/5432", true);
    let d = ask(&mut fs, USER, "127.0.0.1", 5432);
    assert_eq!(
        (d.file, d.reason, d.errno),
        (FileName::ByUid, Reason::NoByuidFile, Errno::EPERM)
    );
    assert_eq!(d.reservation, None);
}

#[test]
fn root_is_never_refused() {
    let mut fs = MemFs::new().flag("reserve/80", false);
    let d = ask(&mut fs, 0, "127.0.0.1", 80);
    assert_eq!(d.reservation, None);
    assert_eq!(d.file, FileName::ByUid);
}

#[test]
fn an_address_reservation_covers_its_address_and_the_wildcards() {
    let mut fs = MemFs::new().flag("reserve/10.0.0.1,80", false).flag("byport/80", true);
    for a in ["10.0.0.1", "0.0.0.0", "::", "::ffff:10.0.0.1"] {
        let d = ask(&mut fs, USER, a, 80);
        assert_eq!(d.reason, Reason::Reserved, "{a}");
        assert_eq!(reserved_by(&d).as_deref(), Some("reserve/10.0.0.1,80"), "{a}");
        assert_eq!(d.file, FileName::ReserveAddr);
        // The file named is the reservation's, not the bind's address.
        assert_eq!(d.file_for(addr(a), 80, USER).to_string(), "reserve/10.0.0.1,80");
    }
    for a in ["10.0.0.2", "::1", "::ffff:10.0.0.2"] {
        let d = ask(&mut fs, USER, a, 80);
        assert_eq!((d.file, d.reason), (FileName::ByPort, Reason::Executable), "{a}");
    }
    // Another port of the same address is not covered.
    assert_eq!(ask(&mut fs, USER, "10.0.0.1", 81).reservation, None);
}

#[test]
fn every_covering_reservation_must_let_the_caller() {
    let mut fs = MemFs::new()
        .flag("reserve/80", true)
        .flag("reserve/10.0.0.1,80", false)
        .flag("reserve/2001:db8::1,80", true);
    // A specific address: the port's own and its address's.
    assert_eq!(ask(&mut fs, USER, "10.0.0.2", 80).reason, Reason::Owner);
    assert_eq!(ask(&mut fs, USER, "2001:db8::1", 80).reason, Reason::Owner);
    let d = ask(&mut fs, USER, "10.0.0.1", 80);
    assert_eq!(
        (d.reason, reserved_by(&d).as_deref()),
        (Reason::Reserved, Some("reserve/10.0.0.1,80"))
    );
    // A wildcard: all of them.
    assert_eq!(ask(&mut fs, USER, "::", 80).reason, Reason::Reserved);
    // Granted, it names the port's own first.
    let d = ask(&mut fs, USER, "2001:db8::1", 80);
    assert_eq!(reserved_by(&d).as_deref(), Some("reserve/80"));
}

#[test]
fn names_not_written_as_reservations_reserve_nothing() {
    let mut fs = MemFs::new()
        .flag("reserve/!80", false)
        .flag("reserve/0.0.0.0,80", false)
        .flag("reserve/080", false)
        .flag("reserve/::ffff:10.0.0.1,80", false)
        .flag("byport/80", true);
    let d = ask(&mut fs, USER, "10.0.0.1", 80);
    assert_eq!((d.file, d.reason), (FileName::ByPort, Reason::Executable));
}

#[test]
fn a_folder_that_cannot_be_read_refuses_every_bind_of_a_user() {
    let mut fs = MemFs::new().entry("reserve", Entry::Fails(5)).flag("byport/80", true);
    let d = ask(&mut fs, USER, "10.0.0.1", 80);
    assert_eq!(
        (d.file, d.reason, d.errno),
        (FileName::ReservePort, Reason::CheckFailed, Errno::EACCES)
    );
    assert_eq!(ask(&mut fs, 0, "10.0.0.1", 80).reservation, None);
}

#[test]
fn a_folder_past_the_limit_is_unreadable() {
    let mut fs = MemFs::new().flag("byport/80", true);
    for i in 0..=MAX_RESERVATIONS {
        fs = fs.flag(
            &format!("reserve/10.{}.{}.{},9", i >> 16, (i >> 8) & 255, i & 255),
            true,
        );
    }
    let d = ask(&mut fs, USER, "10.0.0.1", 80);
    assert_eq!((d.reason, d.errno), (Reason::CheckFailed, Errno::EACCES));
}

#[test]
fn without_a_folder_nothing_changes() {
    let mut fs = MemFs::new().flag("byport/80", true).entry("reserve", Entry::Fails(20));
    // ENOTDIR: `reserve` is not a folder, so nothing is reserved.
    let d = ask(&mut fs, USER, "10.0.0.1", 80);
    assert_eq!((d.file, d.reason), (FileName::ByPort, Reason::Executable));
}

#[test]
fn the_observer_sees_each_reservation_checked() {
    #[derive(Default)]
    struct Seen(Vec<(String, Result<(), Errno>)>);
    impl Observer for Seen {
        fn reservation(&mut self, r: &Reservation, result: Result<(), Errno>) {
            self.0.push((r.to_string(), result));
        }
    }
    let mut fs = MemFs::new()
        .flag("reserve/10.0.0.1,80", true)
        .flag("reserve/80", true)
        .flag("reserve/81", false);
    let mut seen = Seen::default();
    let d = decide_observed(&mut fs, USER, &addr("0.0.0.0"), 80, &mut seen);
    assert_eq!(d.reason, Reason::Owner);
    assert_eq!(
        seen.0,
        [
            ("reserve/80".to_string(), Ok(())),
            ("reserve/10.0.0.1,80".to_string(), Ok(()))
        ]
    );
}
