//! How far the shim reaches: `--depth N` covers N levels of programs (the
//! program authbind runs is level 1), `--deep` every level; LD_PRELOAD set by
//! hand works without the launcher.

use authbind_e2e::{ready, Policy, Sandbox, USER};

/// Binds from the program itself, a child (grandchild of authbind's caller…)
/// and a grandchild, under each option. `bash -c '…; true'` forces a fork,
/// so each level is a real child process. bash matters: it defines its own
/// setenv/unsetenv, which a shim calling "unsetenv" ends up calling before
/// bash's main has read the environment (so bash would keep LD_PRELOAD).
#[test]
#[ignore = "needs root: make e2e"]
fn depth_limits_which_descendants_get_the_shim() {
    let install = ready("depth_limits_which_descendants_get_the_shim");
    let out = Sandbox::new(&install, "depth")
        .policy(Policy::new().byport("80", USER))
        .run(
            r#"
child()       { "$@" $BT 4 127.0.0.1 80 tcp; }
grandchild()  { "$@" bash -c '"$0" 4 127.0.0.1 80 tcp; true' $BT; }
great()       { "$@" bash -c 'bash -c '\''"$0" 4 127.0.0.1 80 tcp; true'\'' "$0"; true' $BT; }
# The same through dash, which, unlike bash, has no setenv/unsetenv of its own.
dgrand()      { "$@" dash -c '"$0" 4 127.0.0.1 80 tcp; true' $BT; }
dgreat()      { "$@" dash -c 'dash -c '\''"$0" 4 127.0.0.1 80 tcp; true'\'' "$0"; true' $BT; }
r default_child   child      as_user $U $AB
r default_grand   grandchild as_user $U $AB
r d1_child        child      as_user $U $AB --depth 1
r d1_grand        grandchild as_user $U $AB --depth 1
r d2_grand        grandchild as_user $U $AB --depth 2
r d2_great        great      as_user $U $AB --depth 2
r d3_great        great      as_user $U $AB --depth 3 --
r deep_grand      grandchild as_user $U $AB --deep
r deep_great      great      as_user $U $AB --deep --
r dash_d1_grand   dgrand     as_user $U $AB
r dash_d2_grand   dgrand     as_user $U $AB --depth 2
r dash_d2_great   dgreat     as_user $U $AB --depth 2
r dash_deep_great dgreat     as_user $U $AB --deep
r py_d1_grand as_user $U $AB --depth 1 bash -c 'python3 -c "$0"; true' '
import socket
try:
    socket.socket().bind(("127.0.0.1", 80)); print("ok")
except OSError as e:
    print("errno=%d" % e.errno)'
r py_d2_grand as_user $U $AB --depth 2 bash -c 'python3 -c "$0"; true' '
import socket
try:
    socket.socket().bind(("127.0.0.1", 80)); print("ok")
except OSError as e:
    print("errno=%d" % e.errno)'
"#,
        );
    out.expect(&[
        ("default_child", "ok"),
        ("default_grand", "errno=13"),
        ("d1_child", "ok"),
        ("d1_grand", "errno=13"),
        ("d2_grand", "ok"),
        ("d2_great", "errno=13"),
        ("d3_great", "ok"),
        ("deep_grand", "ok"),
        ("deep_great", "ok"),
        ("dash_d1_grand", "errno=13"),
        ("dash_d2_grand", "ok"),
        ("dash_d2_great", "errno=13"),
        ("dash_deep_great", "ok"),
        ("py_d1_grand", "errno=13"),
        ("py_d2_grand", "ok"),
    ]);
}

#[test]
#[ignore = "needs root: make e2e"]
fn ld_preload_by_hand_without_the_launcher() {
    let install = ready("ld_preload_by_hand_without_the_launcher");
    let out = Sandbox::new(&install, "ld-preload")
        .policy(Policy::new().byport("80", USER))
        .run(
            r#"
r hand       as_user $U LD_PRELOAD=$LIB $BT 4 127.0.0.1 80 tcp
r hand_v6    as_user $U LD_PRELOAD=$LIB $BT 6 ::1 80 udp
r hand_other as_user $O LD_PRELOAD=$LIB $BT 4 127.0.0.1 80 tcp
r hand_81    as_user $U LD_PRELOAD=$LIB $BT 4 127.0.0.1 81 tcp
r hand_py    as_user $U LD_PRELOAD=$LIB python3 -c '
import socket
socket.socket(socket.AF_INET6).bind(("::1", 80)); print("ok")'
"#,
        );
    out.expect(&[
        ("hand", "ok"),
        ("hand_v6", "ok"),
        ("hand_other", "errno=13"),
        ("hand_81", "errno=13"),
        ("hand_py", "ok"),
    ]);
}
