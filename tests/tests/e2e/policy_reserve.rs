//! `authbind-policy reserve` and `release` end to end, in the sandbox: a
//! reservation written by the tool lets its owner (a user, a group) bind
//! the port below 1024 through the installed `authbind` with no other
//! file, and refuses everyone else; `list` and `explain` say whose it is
//! (explain's verdicts crossed with real binds); `release` removes only
//! the owner's own; `check` finds grants a reservation refuses, overlaps,
//! names never consulted, reserved ephemeral ports and the missing kernel
//! mode; `apply` and `export` carry `[[reserve]]`.
//!
//! Root only: `make e2e` runs them (`--include-ignored`); run without root
//! or without an installation they fail, they do not pass.

use authbind_e2e::{ready, Install, Policy, Sandbox, UserDb, OTHER};

fn require(test: &str) -> Install {
    let install = ready(test);
    assert!(
        install.policy_tool().is_file(),
        "{} is missing: the installation predates authbind-policy",
        install.policy_tool().display()
    );
    install
}

/// As policy_cli's: the test users are not in the user database, so the
/// tool names them `uid 1500` and `@1500`.
fn sandbox<'a>(install: &'a Install, name: &str) -> Sandbox<'a> {
    Sandbox::new(install, name)
        .users(UserDb::minimal())
        .var("APOL", install.policy_tool())
}

#[test]
#[ignore = "needs root: make e2e"]
fn a_reserved_port_is_its_owners_alone_until_released() {
    let install = require("a_reserved_port_is_its_owners_alone_until_released");
    let out = sandbox(&install, "policy-reserve").run(
        r#"
r dry      $APOL reserve $U 80 --dry-run
r dry_dir  test -e /etc/authbind/reserve
r res      $APOL reserve $U 80,5432
r mode     stat -c '%u:%g %a' /etc/authbind/reserve/80
r dir_mode stat -c '%U:%G %a' /etc/authbind/reserve
r again    $APOL reserve $U 80
r taken    sh -c "$APOL reserve $O 80 2>&1"
r g_res    $APOL reserve @$U 81 --addr 127.0.0.1
r g_mode   stat -c '%U:%g %a' /etc/authbind/reserve/127.0.0.1,81
r own4     as_user $U $AB $BT 4 127.0.0.1 80 tcp
r own6     as_user $U $AB $BT 6 ::1 80 tcp
r other4   as_user $O $AB $BT 4 127.0.0.1 80 tcp
r other6   as_user $O $AB $BT 6 ::1 80 udp
r g_own    as_user $U $AB $BT 4 127.0.0.1 81 tcp
r g_other  as_user $O $AB $BT 4 127.0.0.1 81 tcp
r list     $APOL list
r ex_own   as_user $U $APOL explain 127.0.0.1:80
r ex_other $APOL explain --user $O 127.0.0.1:80
r ex_o_me  as_user $O $APOL explain 127.0.0.1:80
r ex_high  $APOL explain --user $O 127.0.0.1:8080
r ex_5432  $APOL explain --user $O 127.0.0.1:5432
r rel_o    sh -c "$APOL release $O 80 2>&1"
r still    test -e /etc/authbind/reserve/80
r release  $APOL release $U 80
r gone     test -e /etc/authbind/reserve/80
r after    as_user $U $AB $BT 4 127.0.0.1 80 tcp
r after_o  as_user $O $AB $BT 4 127.0.0.1 80 tcp
r g_rel    $APOL release @$U 81 --addr 127.0.0.1
r g_after  as_user $U $AB $BT 4 127.0.0.1 81 tcp
"#,
    );
    out.expect(&[
        ("dry.rc", "0"),
        ("dry_dir.rc", "1"),
        ("res.rc", "0"),
        ("mode", "1500:0 500"),
        ("dir_mode", "root:root 755"),
        ("again.rc", "0"),
        ("taken.rc", "1"),
        ("g_res.rc", "0"),
        ("g_mode", "root:1500 10"),
        ("own4", "ok"),
        ("own6", "ok"),
        ("other4", "errno=13"),
        ("other6", "errno=13"),
        ("g_own", "ok"),
        ("g_other", "errno=13"),
        ("list.rc", "0"),
        ("ex_own.rc", "0"),
        ("ex_other.rc", "1"),
        ("ex_o_me.rc", "1"),
        ("ex_high.rc", "0"),
        ("ex_5432.rc", "1"),
        ("rel_o.rc", "1"),
        ("still.rc", "0"),
        ("release.rc", "0"),
        ("gone.rc", "1"),
        ("after", "errno=13"),
        ("after_o", "errno=13"),
        ("g_rel.rc", "0"),
        ("g_after", "errno=13"),
    ]);
    out.ensure(
        out.get("again").contains("nothing to do: already reserved"),
        "a second reserve changes nothing",
    );
    out.ensure(
        out.get("taken")
            .contains("reserve/80 exists: port 80 is reserved for uid 1500 there; release it first"),
        "a port reserved for someone else is not taken",
    );
    out.ensure(
        out.get("list").starts_with(
            "reservations:   port 80 on every address: reserve/80, for uid 1500   \
             port 81 on 127.0.0.1: reserve/127.0.0.1,81, for @1500   \
             port 5432 on every address: reserve/5432, for uid 1500",
        ),
        "list shows the reservations and their owners",
    );
    out.ensure(
        out.get("list")
            .contains("uid 1500:   port 80 on every address: reserve/80 (reserved, its owner)"),
        "list shows the owner's reservations",
    );
    out.ensure(
        out.get("ex_own")
            .ends_with("granted: port 80 is reserved for uid 1500 by reserve/80"),
        "explain names the reservation and its owner (granted)",
    );
    for key in ["ex_other", "ex_o_me"] {
        out.ensure(
            out.get(key)
                .ends_with("refused: port 80 is reserved for uid 1500 by reserve/80 (not executable for uid 1501)"),
            "explain names the reservation and its owner (refused)",
        );
    }
    out.ensure(
        out.get("ex_high").ends_with(
            "granted: no reservation covers 127.0.0.1:8080: the kernel lets any user bind port 8080 \
             (ports from 1024 need no privilege: net.ipv4.ip_unprivileged_port_start); authbind is not asked",
        ) && !out.get("ex_high").contains("byport"),
        "explain of an unprivileged port does not walk authbind's files",
    );
    out.ensure(
        out.get("ex_5432")
            .contains("refused: port 5432 is reserved for uid 1500 by reserve/5432")
            && out
                .get("ex_5432")
                .contains("only kernel mode (authbindd) enforces this"),
        "explain of a reserved unprivileged port says kernel mode enforces it",
    );
    out.ensure(
        out.get("rel_o")
            .contains("reserve/80 is not uid 1501's reservation: it reserves port 80 for uid 1500"),
        "release of someone else's reservation names whose it is",
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn reserve_takes_nothing_from_others_and_check_finds_conflicts() {
    let install = require("reserve_takes_nothing_from_others_and_check_finds_conflicts");
    let out = sandbox(&install, "policy-reserve-check")
        .policy(Policy::new().byport("90", OTHER))
        .run(
            r#"
r take     sh -c "$APOL reserve $U 90 2>&1"
r none     test -e /etc/authbind/reserve/90
r o_bind   as_user $O $AB $BT 4 127.0.0.1 90 tcp
read lo hi < /proc/sys/net/ipv4/ip_local_port_range
echo "ep=$lo"
mkdir -p -m 755 /etc/authbind/reserve
for f in 90 5432 $lo; do touch /etc/authbind/reserve/$f; chown $U:0 /etc/authbind/reserve/$f; chmod 500 /etc/authbind/reserve/$f; done
touch '/etc/authbind/reserve/10.0.0.1,5432'; chown $O:0 '/etc/authbind/reserve/10.0.0.1,5432'; chmod 500 '/etc/authbind/reserve/10.0.0.1,5432'
touch '/etc/authbind/reserve/!91'
r o_now    as_user $O $AB $BT 4 127.0.0.1 90 tcp
r marks    sh -c 'ls /run/authbindd 2>/dev/null | wc -l'
$APOL check > $W/check.txt; echo "check.rc=$?"
echo '--- check output ---'; cat $W/check.txt
"#,
        );
    out.expect(&[
        ("take.rc", "1"),
        ("none.rc", "1"),
        ("o_bind", "ok"),
        ("o_now", "errno=13"),
        ("check.rc", "2"),
    ]);
    out.ensure(
        out.get("take").contains(
            "the reservation would take from others what they are granted today (revoke it first, or reserve another port):",
        ) && out.get("take").contains("uid 1501 would lose"),
        "reserve refuses to take a port others are granted",
    );
    let ep = out.get("ep").to_string();
    let text = &out.stdout;
    let mut want = vec![
        "error: byport/90: grants uid 1501 binds of 0.0.0.0:90, but port 90 is reserved for uid 1500 by reserve/90, which refuses them first: the grant is never used there".to_string(),
        "error: reserve/!91: never consulted: `!91` is not how a reservation is named".to_string(),
        "error: reserve/10.0.0.1,5432: reserves 10.0.0.1:5432 for uid 1501, and reserve/5432 reserves every address of the port for uid 1500: both cover binds of 10.0.0.1:5432 and every wildcard bind of port 5432".to_string(),
        format!("warning: reserve/{ep}: port {ep} is in the range the kernel picks ports from for bind(0) and connect()"),
    ];
    if out.get("marks") == "0" {
        want.push("error: reserve: reservations are enforced by kernel mode, and authbindd is not running".into());
    }
    let missing: Vec<&String> = want.iter().filter(|w| !text.contains(w.as_str())).collect();
    out.ensure(missing.is_empty(), &format!("check did not print: {missing:#?}"));
}

#[test]
#[ignore = "needs root: make e2e"]
fn apply_and_export_carry_reservations() {
    let install = require("apply_and_export_carry_reservations");
    let out = sandbox(&install, "policy-reserve-toml").run(
        r#"
cat > $W/p.toml <<EOF
[[reserve]]
uid = $U
ports = [80]

[[reserve]]
gid = $U
ports = [81]
addresses = ["127.0.0.1"]
EOF
printf 'version = 1\n' > $W/empty.toml
r apply    $APOL apply $W/p.toml
r mode     stat -c '%u:%g %a' /etc/authbind/reserve/80
r g_mode   stat -c '%U:%g %a' /etc/authbind/reserve/127.0.0.1,81
r own      as_user $U $AB $BT 4 127.0.0.1 80 tcp
r other    as_user $O $AB $BT 4 127.0.0.1 80 tcp
r g_own    as_user $U $AB $BT 4 127.0.0.1 81 tcp
r g_other  as_user $O $AB $BT 4 127.0.0.1 81 tcp
r export   sh -c "$APOL export > $W/x.toml"
r tables   grep -c '^\[\[reserve\]\]' $W/x.toml
r files    grep -c '^\[\[file\]\]' $W/x.toml
r remove   $APOL apply $W/empty.toml
r gone     test -e /etc/authbind/reserve/80
r freed    as_user $O $AB $BT 4 127.0.0.1 80 tcp
r back     $APOL apply $W/x.toml
r own_b    as_user $U $AB $BT 4 127.0.0.1 80 tcp
r other_b  as_user $O $AB $BT 4 127.0.0.1 80 tcp
r g_own_b  as_user $U $AB $BT 4 127.0.0.1 81 tcp
"#,
    );
    out.expect(&[
        ("apply.rc", "0"),
        ("mode", "1500:0 500"),
        ("g_mode", "root:1500 10"),
        ("own", "ok"),
        ("other", "errno=13"),
        ("g_own", "ok"),
        ("g_other", "errno=13"),
        ("export.rc", "0"),
        ("tables", "2"),
        ("files", "0"),
        ("remove.rc", "0"),
        ("gone.rc", "1"),
        ("freed", "errno=13"),
        ("back.rc", "0"),
        ("own_b", "ok"),
        ("other_b", "errno=13"),
        ("g_own_b", "ok"),
    ]);
}
