//! Refusals: EACCES ("Permission denied", errno 13) whatever rule refused,
//! silent by default, one stderr line naming the rule under AUTHBIND_DEBUG=1.

use authbind_e2e::{ready, Policy, Sandbox, OTHER, USER};

#[test]
#[ignore = "needs root: make e2e"]
fn user_without_grant_gets_eacces() {
    let install = ready("user_without_grant_gets_eacces");
    let out = Sandbox::new(&install, "no-grant")
        .policy(Policy::new().byport("80", USER).byport("!600", USER))
        .run(
            r#"
r tcp4    as_user $O $AB $BT 4 127.0.0.1 80 tcp
r tcp6    as_user $O $AB $BT 6 ::1 80 tcp
r udp4    as_user $O $AB $BT 4 127.0.0.1 80 udp
r upper   as_user $O $AB $BT 4 127.0.0.1 600 tcp
r nofile  as_user $O $AB $BT 4 127.0.0.1 81 tcp
r nofile6 as_user $O $AB $BT 6 ::1 81 udp
r python  as_user $O $AB python3 -c '
import socket
try:
    socket.socket().bind(("127.0.0.1", 80)); print("ok")
except OSError as e:
    print("errno=%d %s" % (e.errno, e.strerror))'
as_user $O $AB $BT 4 127.0.0.1 81 tcp 2>"$W/quiet.err" >/dev/null
echo "quiet_bytes=$(wc -c < "$W/quiet.err")"
"#,
        );
    out.expect(&[
        ("tcp4", "errno=13"),
        ("tcp6", "errno=13"),
        ("udp4", "errno=13"),
        ("upper", "errno=13"),
        ("nofile", "errno=13"),
        ("nofile6", "errno=13"),
        ("python", "errno=13 Permission denied"),
        // Without AUTHBIND_DEBUG the shim says nothing.
        ("quiet_bytes", "0"),
    ]);
}

#[test]
#[ignore = "needs root: make e2e"]
fn existing_but_not_executable_file_refuses_before_byuid() {
    let install = ready("existing_but_not_executable_file_refuses_before_byuid");
    // byport/80 and byaddr/127.0.0.1:82 exist but are not executable by
    // OTHER: authbind 2.1 refuses there, without looking at byuid.
    let policy = Policy::new()
        .byport("80", USER)
        .byaddr("127.0.0.1:82", USER)
        .byuid(&OTHER.to_string(), &["127.0.0.1,80-82"]);
    let out = Sandbox::new(&install, "not-executable").policy(policy).run(
        r#"
r port_80 as_user $O $AB $BT 4 127.0.0.1 80 tcp
r port_81 as_user $O $AB $BT 4 127.0.0.1 81 tcp
r port_82 as_user $O $AB $BT 4 127.0.0.1 82 tcp
"#,
    );
    out.expect(&[("port_80", "errno=13"), ("port_81", "ok"), ("port_82", "errno=13")]);
}

#[test]
#[ignore = "needs root: make e2e"]
fn debug_prints_one_line_naming_the_refusing_rule() {
    let install = ready("debug_prints_one_line_naming_the_refusing_rule");
    let out = Sandbox::new(&install, "debug")
        .policy(Policy::new().byport("80", USER))
        .run(
            r#"
# refused by byport/80 (exists, not executable for $O); the launcher
# also says which mechanism it chose, on a line of its own
r byport as_user $O AUTHBIND_DEBUG=1 $AB $BT 4 127.0.0.1 80 tcp 2>"$W/byport.err"
echo "byport_lines=$(grep -c 'refused' "$W/byport.err")"
echo "byport_chosen=$(grep -c 'using the LD_PRELOAD library' "$W/byport.err")"
echo "byport_text=$(head -c 400 "$W/byport.err" | tr '\n' ' ')"
# refused for want of any grant: byuid/1501 does not exist
r nofile as_user $O AUTHBIND_DEBUG=1 $AB $BT 4 127.0.0.1 81 tcp 2>"$W/nofile.err"
echo "nofile_lines=$(grep -c 'refused' "$W/nofile.err")"
echo "nofile_text=$(head -c 400 "$W/nofile.err" | tr '\n' ' ')"
# the shim alone, without the launcher
r hand as_user $O AUTHBIND_DEBUG=1 LD_PRELOAD=$LIB $BT 4 127.0.0.1 81 tcp 2>"$W/hand.err"
echo "hand_lines=$(grep -c '' "$W/hand.err")"
echo "hand_text=$(head -c 400 "$W/hand.err" | tr '\n' ' ')"
"#,
        );
    out.expect(&[
        ("byport", "errno=13"),
        ("byport_lines", "1"),
        ("byport_chosen", "1"),
        ("nofile", "errno=13"),
        ("nofile_lines", "1"),
        ("hand", "errno=13"),
        ("hand_lines", "1"),
    ]);
    let byport = out.get("byport_text");
    out.ensure(
        byport.contains("byport"),
        &format!("the debug line for a byport refusal does not name byport: `{byport}`"),
    );
    let hand = out.get("hand_text");
    out.ensure(
        hand.contains("byuid"),
        &format!("the shim's debug line for a missing byuid file does not name byuid: `{hand}`"),
    );
    let nofile = out.get("nofile_text");
    out.ensure(
        nofile.contains("byuid"),
        &format!("the debug line for a missing byuid file does not name byuid: `{nofile}`"),
    );
}
