//! Reservations (`reserve/PORT`, `reserve/ADDR,PORT`) on the helper's
//! path, with real programs as the test users: python3 and node through
//! the LD_PRELOAD library, busybox httpd (static) through the seccomp
//! supervisor. A reserved port below 1024 is its owner's with no byport
//! file, and nobody else's even when byport grants it; a group may own a
//! port; an address reservation takes its address, the wildcards and the
//! IPv4-mapped form, not the other addresses of the port. AUTHBIND_DEBUG
//! and the audit log name the reservation; the launcher says when nothing
//! enforces reservations for other programs and ports from 1024 up.

use authbind_e2e::{ready, Outcome, Sandbox, UserDb, EACCES, OTHER, OTHER_NAME, USER, USER_NAME};

/// `pybind FAMILY ADDR PORT PROTO`: python3 binds one socket and prints
/// `ok` or `errno=N`, as bindtest does.
const PYBIND: &str = r#"
import socket, sys
family = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
kind = socket.SOCK_DGRAM if sys.argv[4] == "udp" else socket.SOCK_STREAM
s = socket.socket(family, kind)
try:
    s.bind((sys.argv[2], int(sys.argv[3])))
    print("ok")
except OSError as e:
    print("errno=%d" % e.errno)
"#;

/// `nodebind ADDR PORT`: node's net module listens once and prints `ok`
/// or `errno=13` for EACCES (any other error by its code).
const NODEBIND: &str = r#"
const [host, port] = process.argv.slice(-2);
const s = require("net").createServer();
s.on("error", (e) => console.log(e.code === "EACCES" ? "errno=13" : "error=" + e.code));
s.listen({ host, port: +port }, () => { console.log("ok"); s.close(); });
"#;

/// Shell functions for the bodies: `reserve NAME OWNER GROUP MODE`,
/// `byport NAME MODE` (root's), `py UID ARGS…` and `pyd UID KEY ARGS…`
/// (python3 through authbind; pyd with AUTHBIND_DEBUG=1, its lines in
/// `$W/KEY.err` and the refusal or grant line printed as `KEY_says`),
/// `node_as UID ADDR PORT`.
const FUNCTIONS: &str = r#"
reserve() { install -d -m 0755 /etc/authbind/reserve && install -o "$2" -g "$3" -m "$4" /dev/null "/etc/authbind/reserve/$1" || fail "reserve $1"; }
byport() { install -o 0 -g 0 -m "$2" /dev/null "/etc/authbind/byport/$1" || fail "byport $1"; }
py() { local uid=$1; shift; as_user "$uid" $AB python3 -c "$PYBIND" "$@"; }
pyd() {
    local uid=$1 key=$2; shift 2
    r "$key" as_user "$uid" AUTHBIND_DEBUG=1 $AB python3 -c "$PYBIND" "$@" 2>"$W/$key.err"
    echo "${key}_says=$(grep -E ' (granted|refused)' "$W/$key.err" | tr '\n' ' ')"
}
node_as() { as_user "$1" $AB node -e "$NODEBIND" -- "$2" "$3"; }
"#;

fn run(test: &str, users: UserDb, body: &str) -> Outcome {
    let install = ready(test);
    Sandbox::new(&install, test)
        .users(users)
        .var("PYBIND", PYBIND)
        .var("NODEBIND", NODEBIND)
        .run(&format!("{FUNCTIONS}{body}"))
}

fn eacces() -> String {
    format!("errno={EACCES}")
}

/// reserve/80 (USER's, 0500): USER binds it on every address with no
/// byport file at all; OTHER is refused with EACCES on every address, and
/// still after byport/80 lets everyone (0555), which grants an unreserved
/// port next to it.
#[test]
#[ignore = "needs root: make e2e"]
fn the_owner_binds_with_no_byport_file_and_nobody_else_does() {
    let out = run(
        "reserve_owner",
        UserDb::standard(),
        r#"
reserve 80 $U $U 0500
r u_v4     py $U 4 127.0.0.1 80 tcp
r u_any    py $U 4 0.0.0.0 80 tcp
r u_udp    py $U 4 127.0.0.1 80 udp
r u_v6     py $U 6 ::1 80 tcp
r u_dual   py $U 6 :: 80 tcp
r u_node   node_as $U 127.0.0.1 80
r o_v4     py $O 4 127.0.0.1 80 tcp
r o_node   node_as $O 127.0.0.1 80
byport 80 0555
byport 81 0555
r o_v4_byport     py $O 4 127.0.0.1 80 tcp
r o_any_byport    py $O 4 0.0.0.0 80 tcp
r o_udp_byport    py $O 4 127.0.0.1 80 udp
r o_v6_byport     py $O 6 ::1 80 tcp
r o_dual_byport   py $O 6 :: 80 tcp
r o_mapped_byport py $O 6 ::ffff:127.0.0.1 80 tcp
r o_node_byport   node_as $O 127.0.0.1 80
r o_81            py $O 4 127.0.0.1 81 tcp
r o_node_81       node_as $O 127.0.0.1 81
pyd $U u_debug 4 127.0.0.1 80 tcp
pyd $O o_debug 4 127.0.0.1 80 tcp
"#,
    );
    let refused = eacces();
    let refused = refused.as_str();
    out.expect(&[
        ("u_v4", "ok"),
        ("u_any", "ok"),
        ("u_udp", "ok"),
        ("u_v6", "ok"),
        ("u_dual", "ok"),
        ("u_node", "ok"),
        ("o_v4", refused),
        ("o_node", refused),
        ("o_v4_byport", refused),
        ("o_any_byport", refused),
        ("o_udp_byport", refused),
        ("o_v6_byport", refused),
        ("o_dual_byport", refused),
        ("o_mapped_byport", refused),
        ("o_node_byport", refused),
        ("o_81", "ok"),
        ("o_node_81", "ok"),
        ("u_debug", "ok"),
        ("o_debug", refused),
    ]);
    out.expect(&[
        (
            "u_debug_says",
            "authbind: 127.0.0.1:80 granted by reserve/80: reserved for you (executable for you)",
        ),
        (
            "o_debug_says",
            "authbind: 127.0.0.1:80 refused: reserve/80: the port is reserved for someone else \
             (not executable for you); run: authbind-policy explain 127.0.0.1:80",
        ),
    ]);
}

/// `root:1600` mode 0010: the port is for whoever holds group 1600, as
/// the process holds it (access(2) judges by the process's groups, not
/// the database's).
#[test]
#[ignore = "needs root: make e2e"]
fn a_group_owns_a_port() {
    let out = run(
        "reserve_group",
        UserDb::standard().group("abgroup", 1600, &[OTHER_NAME]),
        r#"
reserve 81 0 1600 0010
byport 81 0555
with_groups() { local uid=$1 groups=$2; shift 2; setpriv --reuid="$uid" --regid="$uid" --groups="$groups" env -i PATH=/usr/bin:/bin "$@"; }
r o_g1600      with_groups $O 1600 $AB python3 -c "$PYBIND" 4 127.0.0.1 81 tcp
r o_g1600_node with_groups $O 1600 $AB node -e "$NODEBIND" -- 127.0.0.1 81
r u_g1600      with_groups $U 1600 $AB python3 -c "$PYBIND" 6 :: 81 tcp
r o_nogroups   py $O 4 127.0.0.1 81 tcp
r u_nogroups   py $U 4 127.0.0.1 81 tcp
r u_g1601      with_groups $U 1601 $AB python3 -c "$PYBIND" 4 127.0.0.1 81 tcp
"#,
    );
    let refused = eacces();
    out.expect(&[
        ("o_g1600", "ok"),
        ("o_g1600_node", "ok"),
        ("u_g1600", "ok"),
        ("o_nogroups", &refused),
        ("u_nogroups", &refused),
        ("u_g1601", &refused),
    ]);
}

/// reserve/127.0.0.1,80 (USER's): OTHER, whom byport/80 lets bind port 80,
/// may bind it on any other address, but not on 127.0.0.1, nor on a
/// wildcard (which takes 127.0.0.1 too), nor on 127.0.0.1 written as an
/// IPv4-mapped IPv6 address (or the mapped IPv4 wildcard) on an IPv6
/// socket. USER binds 127.0.0.1 and the wildcards; the refusals name the
/// reservation.
#[test]
#[ignore = "needs root: make e2e"]
fn an_address_reservation_takes_its_address_and_the_wildcards() {
    let out = run(
        "reserve_addr",
        UserDb::standard(),
        r#"
reserve 127.0.0.1,80 $U $U 0500
byport 80 0555
r o_other_addr  py $O 4 127.0.0.2 80 tcp
r o_v6_loop     py $O 6 ::1 80 tcp
r o_reserved    py $O 4 127.0.0.1 80 tcp
r o_reserved_u  py $O 4 127.0.0.1 80 udp
r o_any         py $O 4 0.0.0.0 80 tcp
r o_dual        py $O 6 :: 80 tcp
r o_mapped      py $O 6 ::ffff:127.0.0.1 80 tcp
r o_mapped_any  py $O 6 ::ffff:0.0.0.0 80 tcp
r o_node        node_as $O 127.0.0.1 80
r o_node_other  node_as $O 127.0.0.2 80
r u_reserved    py $U 4 127.0.0.1 80 tcp
r u_any         py $U 4 0.0.0.0 80 tcp
r u_dual        py $U 6 :: 80 tcp
r u_mapped      py $U 6 ::ffff:127.0.0.1 80 tcp
pyd $O o_any_debug 4 0.0.0.0 80 tcp
pyd $U u_any_debug 4 0.0.0.0 80 tcp
"#,
    );
    let refused = eacces();
    let refused = refused.as_str();
    out.expect(&[
        ("o_other_addr", "ok"),
        ("o_v6_loop", "ok"),
        ("o_reserved", refused),
        ("o_reserved_u", refused),
        ("o_any", refused),
        ("o_dual", refused),
        ("o_mapped", refused),
        ("o_mapped_any", refused),
        ("o_node", refused),
        ("o_node_other", "ok"),
        ("u_reserved", "ok"),
        ("u_any", "ok"),
        ("u_dual", "ok"),
        ("u_mapped", "ok"),
        ("o_any_debug", refused),
        ("u_any_debug", "ok"),
    ]);
    out.expect(&[
        (
            "o_any_debug_says",
            "authbind: 0.0.0.0:80 refused: reserve/127.0.0.1,80: the port is reserved for someone else \
             (not executable for you); run: authbind-policy explain 0.0.0.0:80",
        ),
        (
            "u_any_debug_says",
            "authbind: 0.0.0.0:80 granted by reserve/127.0.0.1,80: reserved for you (executable for you)",
        ),
    ]);
}

/// busybox httpd, a static executable: the seccomp supervisor asks the
/// helper, which answers as it does for the library. USER serves on its
/// reserved port; OTHER is refused there ("Permission denied") despite
/// byport/80, and may serve on an address its address reservation does
/// not take.
#[test]
#[ignore = "needs root: make e2e"]
fn the_supervisor_path_answers_the_same() {
    let out = run(
        "reserve_supervisor",
        UserDb::standard(),
        r#"
reserve 80 $U $U 0500
reserve 127.0.0.1,81 $U $U 0500
byport 80 0555
byport 81 0555
mkdir "$W/www" && echo "hello from busybox" > "$W/www/hello.txt" && chmod -R a+rX "$W/www"
# serve KEY UID ADDR:PORT URL: started in the background, fetched, stopped.
serve() {
    local key=$1 uid=$2 at=$3 url=$4
    bg_as_user "$uid" AUTHBIND_DEBUG=1 $AB /bin/busybox httpd -f -p "$at" -h "$W/www" >"$W/$key.out" 2>"$W/$key.err"
    local srv=$BGPID
    r "$key" fetch $srv "$url" 150
    echo "${key}_chosen=$(grep -c 'using the seccomp supervisor' "$W/$key.err")"
    echo "${key}_says=$(grep -E ' (granted|refused)' "$W/$key.err" | tr '\n' ' ')"
    kill -TERM $srv; wait $srv
}
# refuse KEY UID ADDR:PORT: must end at once, saying why.
refuse() {
    local key=$1 uid=$2 at=$3
    timeout -s KILL 30 setpriv --reuid="$uid" --regid="$uid" --clear-groups env -i PATH=/usr/bin:/bin \
        AUTHBIND_DEBUG=1 $AB /bin/busybox httpd -f -p "$at" -h "$W/www" >"$W/$key.out" 2>"$W/$key.err"
    echo "$key.rc=$?"
    echo "${key}_denied=$(grep -ci 'permission denied' "$W/$key.out" "$W/$key.err" | awk -F: '{s+=$NF} END {print s}')"
    echo "${key}_says=$(grep -E ' (granted|refused)' "$W/$key.err" | tr '\n' ' ')"
}
serve  u_80       $U 127.0.0.1:80 http://127.0.0.1:80/hello.txt
refuse o_80       $O 127.0.0.1:80
refuse o_81       $O 127.0.0.1:81
refuse o_81_any   $O 81
serve  o_81_other $O 127.0.0.2:81 http://127.0.0.2:81/hello.txt
serve  u_81_any   $U 81 http://127.0.0.1:81/hello.txt
"#,
    );
    out.expect(&[
        ("u_80", "hello from busybox"),
        ("u_80_chosen", "1"),
        ("o_81_other", "hello from busybox"),
        ("u_81_any", "hello from busybox"),
        ("o_80_denied", "1"),
        ("o_81_denied", "1"),
        ("o_81_any_denied", "1"),
    ]);
    for key in ["o_80.rc", "o_81.rc", "o_81_any.rc"] {
        let rc = out.get(key);
        out.ensure(
            rc != "0" && rc != "137",
            &format!("{key}: busybox httpd exited {rc} (0: it served; 137: it hung)"),
        );
    }
    out.expect(&[
        (
            "u_80_says",
            "authbind: 127.0.0.1:80 granted by reserve/80: reserved for you (executable for you)",
        ),
        (
            "o_80_says",
            "authbind: 127.0.0.1:80 refused: reserve/80: the port is reserved for someone else \
             (not executable for you); run: authbind-policy explain 127.0.0.1:80",
        ),
        (
            "o_81_says",
            "authbind: 127.0.0.1:81 refused: reserve/127.0.0.1,81: the port is reserved for someone else \
             (not executable for you); run: authbind-policy explain 127.0.0.1:81",
        ),
        (
            "o_81_other_says",
            "authbind: 127.0.0.2:81 granted by byport/81: executable for you",
        ),
        (
            "u_81_any_says",
            "authbind: [::]:81 granted by reserve/127.0.0.1,81: reserved for you (executable for you)",
        ),
    ]);
}

/// A refusal by a reservation is one audit line naming it (RULE=reserve,
/// REASON=reserved); the owner's grant names it too.
#[test]
#[ignore = "needs root: make e2e"]
fn the_audit_line_names_the_reservation() {
    let out = run(
        "reserve_audit",
        UserDb::standard(),
        r#"
reserve 80 $U $U 0500
reserve 127.0.0.1,81 $U $U 0500
byport 80 0555
byport 81 0555
private_dev_log "$W/log" || fail 'private /dev/log'
r refused  as_user $O $AB $BT 4 127.0.0.1 80 tcp
r granted  as_user $U $AB $BT 4 127.0.0.1 80 udp
r wildcard as_user $O $AB $BT 4 0.0.0.0 81 tcp
sleep 0.3; kill $SOCAT
tr '<' '\n' < "$W/log" | sed -n 's/^[0-9]*>authbind\[[0-9]*\]: //p' | sed 's/ PID=[0-9]* / PID=N /' > "$W/lines"
for n in 1 2 3; do echo "line$n=$(sed -n ${n}p "$W/lines")"; done
echo "lines=$(grep -c '' "$W/lines")"
echo "bt=$BT"
"#,
    );
    let refused = eacces();
    out.expect(&[
        ("refused", &refused),
        ("granted", "ok"),
        ("wildcard", &refused),
        ("lines", "3"),
    ]);
    let bt = out.get("bt").to_string();
    out.expect(&[
        (
            "line1",
            &format!(
                "RESULT=refused UID={OTHER} USER={OTHER_NAME} PID=N EXE={bt} PROTO=tcp ADDR=127.0.0.1 PORT=80 \
                 RULE=reserve FILE=reserve/80 REASON=reserved ERRNO=EACCES BY=helper"
            ),
        ),
        (
            "line2",
            &format!(
                "RESULT=granted UID={USER} USER={USER_NAME} PID=N EXE={bt} PROTO=udp ADDR=127.0.0.1 PORT=80 \
                 RULE=reserve FILE=reserve/80 BY=helper"
            ),
        ),
        (
            "line3",
            &format!(
                "RESULT=refused UID={OTHER} USER={OTHER_NAME} PID=N EXE={bt} PROTO=tcp ADDR=0.0.0.0 PORT=81 \
                 RULE=reserve FILE=reserve/127.0.0.1,81 REASON=reserved ERRNO=EACCES BY=helper"
            ),
        ),
    ]);
}

/// Without kernel mode nothing enforces a reservation for a port from 1024
/// up (the helper is only asked for privileged ports) or for programs not
/// run through authbind: the launcher's debug line says so whenever
/// reservations exist, for either mechanism, and only then.
#[test]
#[ignore = "needs root: make e2e"]
fn the_launcher_says_reservations_are_not_enforced_without_kernel_mode() {
    let out = run(
        "reserve_launcher",
        UserDb::standard(),
        r#"
as_user $O AUTHBIND_DEBUG=1 $AB python3 -c "$PYBIND" 4 127.0.0.1 8080 tcp 2>"$W/none.err" >/dev/null
echo "none=$(grep -c 'not enforced' "$W/none.err")"
install -d -m 0755 /etc/authbind/reserve && touch /etc/authbind/reserve/notes.txt /etc/authbind/reserve/0.0.0.0,8080
as_user $O AUTHBIND_DEBUG=1 $AB python3 -c "$PYBIND" 4 127.0.0.1 8080 tcp 2>"$W/names.err" >/dev/null
echo "names=$(grep -c 'not enforced' "$W/names.err")"
reserve 8080 $U $U 0500
r high as_user $O AUTHBIND_DEBUG=1 $AB python3 -c "$PYBIND" 4 127.0.0.1 8080 tcp 2>"$W/high.err"
echo "high_says=$(grep 'not enforced' "$W/high.err")"
r quiet as_user $O $AB python3 -c "$PYBIND" 4 127.0.0.1 8080 tcp 2>"$W/quiet.err"
echo "quiet_bytes=$(wc -c < "$W/quiet.err")"
as_user $O AUTHBIND_DEBUG=1 $AB $SB passthrough 2>"$W/static.err" >/dev/null
echo "static=$(grep -c 'not enforced' "$W/static.err")"
"#,
    );
    out.expect(&[
        ("none", "0"),
        ("names", "0"),
        // Not enforced: the helper is never asked for port 8080.
        ("high", "ok"),
        ("quiet", "ok"),
        ("quiet_bytes", "0"),
        ("static", "1"),
    ]);
    out.expect(&[(
        "high_says",
        "authbind: reservations in /etc/authbind/reserve (such as reserve/8080) are not enforced: \
         kernel mode (authbindd) does not cover this process; only the binds of ports below 1024 by \
         programs run through authbind honour them, and other programs, or any program binding a port \
         from 1024 up, may take a reserved port",
    )]);
}
