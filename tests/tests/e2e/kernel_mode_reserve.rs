//! Kernel mode enforces reservations (`reserve/PORT`,
//! `reserve/ADDR,PORT`), with real binds as unprivileged users in the
//! scratch cgroup and the sandbox's own network namespace (the daemon's):
//! another user's bind of a reserved port fails with EACCES (TCP and UDP,
//! IPv4 and IPv6, wildcard, IPv4-mapped); its owner binds it (below 1024
//! with no byport file); root, and anyone in another network namespace,
//! are left alone; an address's reservation holds on its address (and
//! wildcard binds) only; a group reservation lets the group's members in
//! by the process's own groups. Each refusal is one audit line, counted
//! per user in `--status`. The pinned programs go on refusing after the
//! daemon is killed, until `--detach`. An unreadable reserve folder
//! grants no privileged port to anyone but root, as the helper refuses.

use authbind_e2e::{ready, Kernel, Policy, UserDb, EACCES, OTHER_NAME, USER, USER_NAME};

/// The reservations of the tests: 5432 and 80 for USER (0500), 6000 on
/// 127.0.0.1 for USER, 7000 for group 1600 (root:abgroup 0010).
const RESERVE: &str = r#"
R=/etc/authbind/reserve
mkdir -p $R
install -o $U -g 0 -m 0500 /dev/null $R/5432
install -o $U -g 0 -m 0500 /dev/null $R/80
install -o $U -g 0 -m 0500 /dev/null $R/127.0.0.1,6000
install -o 0 -g 1600 -m 0010 /dev/null $R/7000
"#;

#[test]
#[ignore = "needs root: make e2e"]
fn a_reserved_port_is_its_owners_alone() {
    let test = "kernel_reserve";
    let install = ready(test);
    let k = Kernel::new(test);
    // Group 1600: OTHER is a member by the database (not that it matters:
    // the process's own groups decide).
    let sandbox = k
        .sandbox(&install, test)
        .users(UserDb::standard().group("abgroup", 1600, &[OTHER_NAME]));
    let out = k.run(
        sandbox,
        &format!(
            r#"{RESERVE}
private_dev_log "$W/log" || echo "devlog=failed"
echo "c_before=$("$KD" --check 2>&1 | grep -c '^reservations NOT in force: kernel mode is attached nowhere')"
kd_start || echo "kd_start=failed"
# Another user: refused, whatever the socket and the address.
r o_tcp4 cg_user $O $BT 4 127.0.0.1 5432 tcp
r o_udp4_any cg_user $O $BT 4 0.0.0.0 5432 udp
r o_tcp6 cg_user $O $BT 6 ::1 5432 tcp
r o_udp6_any cg_user $O $BT 6 :: 5432 udp
r o_mapped cg_user $O $BT 6 ::ffff:127.0.0.1 5432 tcp
r o_80 cg_user $O $BT 4 0.0.0.0 80 tcp
# The owner: a port from 1024 on left to the kernel, 80 granted without
# a byport file.
r u_tcp4_any cg_user $U $BT 4 0.0.0.0 5432 tcp
r u_udp6_any cg_user $U $BT 6 :: 5432 udp
r u_80 cg_user $U $BT 4 0.0.0.0 80 tcp
r u_80_v6 cg_user $U $BT 6 ::1 80 udp
# Root, and another network namespace.
r root in_cg $BT 4 0.0.0.0 5432 tcp
r o_netns in_cg unshare -n setpriv --reuid=$O --regid=$O --clear-groups --no-new-privs $BT 4 0.0.0.0 5432 tcp
r o_netns6 in_cg unshare -n setpriv --reuid=$O --regid=$O --clear-groups --no-new-privs $BT 6 :: 5432 udp
# An unreserved port.
r o_8080 cg_user $O $BT 4 0.0.0.0 8080 tcp
# One address's reservation: its address, its IPv4-mapped form and the
# wildcard are covered; another address is not.
r a_o_own cg_user $O $BT 4 127.0.0.1 6000 tcp
r a_o_mapped cg_user $O $BT 6 ::ffff:127.0.0.1 6000 tcp
r a_o_any cg_user $O $BT 4 0.0.0.0 6000 udp
r a_o_any6 cg_user $O $BT 6 :: 6000 tcp
# ::ffff:0.0.0.0 takes every IPv4 address of the port, as 0.0.0.0 does.
r a_o_mapped_any cg_user $O $BT 6 ::ffff:0.0.0.0 6000 tcp
r a_o_other cg_user $O $BT 4 127.0.0.2 6000 tcp
r a_o_loop6 cg_user $O $BT 6 ::1 6000 tcp
r a_u_own cg_user $U $BT 4 127.0.0.1 6000 tcp
# A group's reservation, by the process's own groups.
gbind() {{ local uid=$1 g=$2; shift 2; in_cg setpriv --reuid=$uid --regid=$uid $g --no-new-privs env -i PATH=/usr/bin:/bin $BT "$@"; }}
r g_o_member gbind $O --groups=1600 4 0.0.0.0 7000 tcp
r g_o_without gbind $O --clear-groups 4 0.0.0.0 7000 tcp
r g_u_member gbind $U --groups=1600 6 :: 7000 udp
r g_u_without gbind $U --clear-groups 6 :: 7000 udp
for i in $(seq 1 100); do [ "$(grep -c 'REASON=owner' "$W/log")" -ge 2 ] && break; sleep 0.02; done
sleep 0.3
"$KD" --status --cgroup "$CG" > "$W/status" 2>&1
"$KD" --check > "$W/check" 2>&1; echo "check_rc=$?"
kd_stop
tr '<' '\n' < "$W/log" | grep 'BY=kernel' > "$W/lines"
echo "--- log ---" >&2; cat "$W/lines" >&2
echo "--- status ---" >&2; cat "$W/status" >&2
echo "--- check ---" >&2; cat "$W/check" "$W/kd.err" >&2
echo "l_refused=$(grep -c "RESULT=refused UID=$O USER={other} PID=[0-9]* PROTO=tcp ADDR=127.0.0.1 PORT=5432 RULE=reserve FILE=reserve/5432 REASON=reserved ERRNO=EACCES BY=kernel\$" "$W/lines")"
echo "l_refused_any=$(grep -c "RESULT=refused UID=$O .*PROTO=udp ADDR=0.0.0.0 PORT=6000 RULE=reserve FILE=reserve/127.0.0.1,6000 REASON=reserved ERRNO=EACCES BY=kernel\$" "$W/lines")"
echo "l_owner=$(grep -c "RESULT=granted UID=$U USER={user} PID=[0-9]* PROTO=tcp ADDR=0.0.0.0 PORT=80 RULE=reserve FILE=reserve/80 REASON=owner BY=kernel\$" "$W/lines")"
echo "l_refusals=$(grep -c 'RESULT=refused .* RULE=reserve ' "$W/lines")"
echo "l_suppressed=$(grep -c "RESULT=refused UID=$O USER={other} SUPPRESSED=2 BY=kernel\$" "$W/lines")"
echo "l_root=$(grep -c 'UID=0 ' "$W/lines")"
echo "s_5432=$(grep -c "^    reserve/5432: {other}($O) 5\$" "$W/status")"
echo "s_6000=$(grep -c "^    reserve/127.0.0.1,6000: {other}($O) 5\$" "$W/status")"
echo "s_7000=$(grep -c "^    reserve/7000: {user}($U) 1, {other}($O) 1\$" "$W/status")"
echo "c_list=$(grep -c '^reservations: 4 ' "$W/check")"
echo "c_in_force=$(grep -c '^reservations in force only below cgroup /' "$W/check")"
echo "c_5432=$(grep -c '^  reserve/5432: whoever passes' "$W/check")"
echo "c_enforced=$(grep -c '^reservations: enforced in this network namespace' "$W/check")"
"#,
            other = OTHER_NAME,
            user = USER_NAME,
        ),
    );
    let eacces = format!("errno={EACCES}");
    let refused = eacces.as_str();
    out.expect(&[
        ("o_tcp4", refused),
        ("o_udp4_any", refused),
        ("o_tcp6", refused),
        ("o_udp6_any", refused),
        ("o_mapped", refused),
        ("o_80", refused),
        ("u_tcp4_any", "ok"),
        ("u_udp6_any", "ok"),
        ("u_80", "ok"),
        ("u_80_v6", "ok"),
        ("root", "ok"),
        ("o_netns", "ok"),
        ("o_netns6", "ok"),
        ("o_8080", "ok"),
        ("a_o_own", refused),
        ("a_o_mapped", refused),
        ("a_o_any", refused),
        ("a_o_any6", refused),
        ("a_o_mapped_any", refused),
        ("a_o_other", "ok"),
        ("a_o_loop6", "ok"),
        ("a_u_own", "ok"),
        ("g_o_member", "ok"),
        ("g_o_without", refused),
        ("g_u_member", "ok"),
        ("g_u_without", refused),
        ("check_rc", "0"),
        ("l_refused", "1"),
        ("l_refused_any", "1"),
        ("l_owner", "1"),
        // abother's 12 refusals: the helper's limit (10 lines a window
        // per user) leaves the last two out; abuser's one.
        ("l_refusals", "11"),
        // The two are said when the daemon stops, before their window
        // (a minute) ends.
        ("l_suppressed", "1"),
        ("l_root", "0"),
        ("s_5432", "1"),
        ("s_6000", "1"),
        ("s_7000", "1"),
        ("c_list", "1"),
        ("c_before", "1"),
        ("c_in_force", "1"),
        ("c_5432", "1"),
        ("c_enforced", "1"),
    ]);
    out.ensure(
        out.value("kd_start").is_none() && out.value("devlog").is_none(),
        "setup failed",
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn reservations_hold_after_kill_9_until_detach() {
    let test = "kernel_reserve_kill";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k
        .sandbox(&install, test)
        .users(UserDb::standard().group("abgroup", 1600, &[]));
    let out = k.run(
        sandbox,
        &format!(
            r#"{RESERVE}
kd_start || echo "kd_start=failed"
r before cg_user $O $BT 4 0.0.0.0 5432 tcp
# A reservation made or removed while the daemon runs is in force
# within a second.
install -o $U -g 0 -m 0500 /dev/null $R/9000
r added flips errno={eacces} cg_user $O $BT 4 0.0.0.0 9000 tcp
rm $R/9000
r removed flips ok cg_user $O $BT 4 0.0.0.0 9000 tcp
kill -KILL $KDPID; wait $KDPID 2>/dev/null
r o_killed cg_user $O $BT 4 0.0.0.0 5432 tcp
r o_killed6 cg_user $O $BT 6 ::1 5432 udp
r u_killed cg_user $U $BT 4 0.0.0.0 80 tcp
"$KD" --detach --cgroup "$CG"; echo "detach_rc=$?"
r o_detached cg_user $O $BT 4 0.0.0.0 5432 tcp
r u_detached cg_user $U $BT 4 0.0.0.0 80 tcp
echo "--- authbindd ---" >&2; cat "$W/kd.err" >&2
"#,
            eacces = EACCES,
        ),
    );
    let eacces = format!("errno={EACCES}");
    let refused = eacces.as_str();
    out.expect(&[
        ("before", refused),
        ("o_killed", refused),
        ("o_killed6", refused),
        ("u_killed", "ok"),
        ("detach_rc", "0"),
        ("o_detached", "ok"),
        // Without kernel mode, port 80 is the kernel's to refuse.
        ("u_detached", refused),
    ]);
    out.ensure(out.value("kd_start").is_none(), "authbindd did not attach");
    for key in ["added", "removed"] {
        out.ensure(
            out.value(key).is_some_and(|v| v != "never"),
            &format!("{key}: the change was not in force within a second"),
        );
    }
}

/// A reserve folder that cannot be read (a symlink loop: ELOOP): whose
/// port is whose is unknown. The helper then refuses every privileged
/// bind of a non-root user; kernel mode grants none either (a byport
/// grant included), leaves ports from 1024 on to the kernel, and says so
/// in `--check` and its log.
#[test]
#[ignore = "needs root: make e2e"]
fn an_unreadable_reserve_folder_grants_nothing() {
    let test = "kernel_reserve_unreadable";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k.sandbox(&install, test).policy(Policy::new().byport("80", USER));
    let out = k.run(
        sandbox,
        r#"
ln -s reserve /etc/authbind/reserve
kd_start || echo "kd_start=failed"
r k_80 cg_user $U $BT 4 127.0.0.1 80 tcp
r h_80 as_user $U "$AB" $BT 4 127.0.0.1 80 tcp
r k_5432 cg_user $O $BT 4 0.0.0.0 5432 tcp
r root in_cg $BT 4 0.0.0.0 80 tcp
"$KD" --check > "$W/check" 2>&1; echo "check_rc=$?"
echo "c_unknown=$(grep -c '^reservations: UNKNOWN' "$W/check")"
echo "logged=$(grep -c 'RESERVATIONS UNKNOWN' "$W/kd.err")"
rm /etc/authbind/reserve
r k_80_readable flips ok cg_user $U $BT 4 127.0.0.1 80 tcp
echo "--- authbindd ---" >&2; cat "$W/check" "$W/kd.err" >&2
"#,
    );
    let eacces = format!("errno={EACCES}");
    let refused = eacces.as_str();
    out.expect(&[
        ("k_80", refused),
        ("h_80", refused),
        ("k_5432", "ok"),
        ("root", "ok"),
        ("check_rc", "0"),
        ("c_unknown", "1"),
    ]);
    out.ensure(out.value("kd_start").is_none(), "authbindd did not attach");
    out.ensure(
        out.value("logged").is_some_and(|n| n != "0"),
        "the daemon did not log that the reservations are unknown",
    );
    out.ensure(
        out.value("k_80_readable").is_some_and(|v| v != "never"),
        "the grant did not come back once the folder could be read",
    );
}

/// A real server owns its port through its restarts: python3's
/// http.server, run by USER on the reserved port 5432 (no other file,
/// no capability), serves; while it is stopped for a restart, OTHER's
/// server on the same port (the same program, every address) is refused
/// with "Permission denied" and never serves; the owner's restarted
/// server takes the port again and serves. Root's bind while it is down
/// is not refused (root is never).
#[test]
#[ignore = "needs root: make e2e"]
fn a_server_keeps_its_port_while_it_restarts() {
    let test = "kernel_reserve_restart";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k.sandbox(&install, test).users(UserDb::standard());
    let out = k.run(
        sandbox,
        &format!(
            r#"{RESERVE}
mkdir "$W/www" && echo "served by the owner" > "$W/www/who.txt" && chmod -R a+rX "$W/www"
mkdir "$W/evil" && echo "served by someone else" > "$W/evil/who.txt" && chmod -R a+rX "$W/evil"
kd_start || echo "kd_start=failed"
serve_as() {{ bg_cg_user "$1" python3 -m http.server 5432 --bind :: --directory "$2" >"$W/$3.out" 2>&1; }}
serve_as $U "$W/www" first; first=$BGPID
r first fetch $first http://127.0.0.1:5432/who.txt 150
# The restart: the owner's server stops; the port is free.
kill -TERM $first; wait $first
serve_as $O "$W/evil" thief; thief=$BGPID
sleep 1
r thief_serves fetch $thief http://127.0.0.1:5432/who.txt 5
wait $thief; echo "thief_rc=$?"
echo "thief_denied=$(grep -ci 'permission denied' "$W/thief.out")"
# (UDP: the served connections keep TCP port 5432 in TIME_WAIT.)
r root_binds in_cg $BT 6 :: 5432 udp
serve_as $U "$W/www" second; second=$BGPID
r second fetch $second http://[::1]:5432/who.txt 150
kill -TERM $second; wait $second
echo "--- servers ---" >&2; cat "$W"/first.out "$W"/thief.out "$W"/second.out >&2
echo "--- authbindd ---" >&2; cat "$W/kd.err" >&2
"#
        ),
    );
    out.expect(&[
        ("first", "served by the owner"),
        ("thief_denied", "1"),
        ("root_binds", "ok"),
        ("second", "served by the owner"),
    ]);
    out.ensure(out.value("kd_start").is_none(), "authbindd did not attach");
    out.ensure(
        out.get("thief_serves") != "served by someone else",
        "another user's server took the reserved port",
    );
    out.ensure(out.get("thief_rc") != "0", "another user's server did not fail");
}

/// A reserve folder that becomes unreadable (replaced by a symlink loop)
/// after it was read: the ports it reserved stay refused to every user
/// but root, the owner included (the safe direction), until it can be
/// read again; never handed to another user meanwhile.
#[test]
#[ignore = "needs root: make e2e"]
fn reserved_ports_stay_refused_while_the_folder_cannot_be_read() {
    let test = "kernel_reserve_held";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k.sandbox(&install, test).users(UserDb::standard());
    let out = k.run(
        sandbox,
        &format!(
            r#"{RESERVE}
kd_start || echo "kd_start=failed"
r before_o cg_user $O $BT 4 0.0.0.0 5432 tcp
r before_u cg_user $U $BT 4 0.0.0.0 5432 tcp
mv /etc/authbind/reserve /etc/authbind/reserve.d
ln -s reserve /etc/authbind/reserve
echo "owner_ms=$(LIMIT_MS=3000 flips errno={EACCES} cg_user $U $BT 4 0.0.0.0 5432 tcp)"
r held_o cg_user $O $BT 6 :: 5432 udp
r held_root in_cg $BT 4 0.0.0.0 5432 tcp
r other_port cg_user $O $BT 4 0.0.0.0 5433 tcp
echo "logged=$(grep -c 'port(s) last reserved are refused to every user but root' "$W/kd.err")"
rm /etc/authbind/reserve; mv /etc/authbind/reserve.d /etc/authbind/reserve
echo "back_ms=$(LIMIT_MS=3000 flips ok cg_user $U $BT 4 0.0.0.0 5432 tcp)"
r after_o cg_user $O $BT 4 0.0.0.0 5432 tcp
echo "--- authbindd ---" >&2; cat "$W/kd.err" >&2
"#
        ),
    );
    let eacces = format!("errno={EACCES}");
    let refused = eacces.as_str();
    out.expect(&[
        ("before_o", refused),
        ("before_u", "ok"),
        ("held_o", refused),
        ("held_root", "ok"),
        ("other_port", "ok"),
        ("after_o", refused),
    ]);
    out.ensure(out.value("kd_start").is_none(), "authbindd did not attach");
    for key in ["owner_ms", "back_ms"] {
        out.ensure(
            out.value(key).is_some_and(|v| v != "never"),
            &format!("{key}: the change was not in force within 3 s"),
        );
    }
    out.ensure(
        out.value("logged").is_some_and(|n| n != "0"),
        "the daemon did not say the reserved ports are held",
    );
}
