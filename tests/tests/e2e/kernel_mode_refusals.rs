//! What kernel mode leaves alone: a user without a grant gets the
//! kernel's EACCES, ports 1024 and above and Unix sockets behave as
//! without it, root binds as before (and a root without
//! CAP_NET_BIND_SERVICE stays without it), and a process outside the scratch
//! cgroup gets nothing, even the granted user. `--status` counts the
//! privileged binds the policy did not grant, per user and port.

use authbind_e2e::{ready, Kernel, Policy, EACCES, USER};

#[test]
#[ignore = "needs root: make e2e"]
fn what_kernel_mode_leaves_to_the_kernel() {
    let test = "kernel_refusals";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k.sandbox(&install, test).policy(
        Policy::new()
            .byport("80", USER)
            .byuid(&USER.to_string(), &["127.0.0.1,22"]),
    );
    let out = k.run(
        sandbox,
        r#"
kd_start || echo "kd_start=failed"
r user80 cg_user $U $BT 4 127.0.0.1 80 tcp
r user22 cg_user $U $BT 4 127.0.0.1 22 tcp
r user22v6 cg_user $U $BT 6 ::1 22 tcp
r user81 cg_user $U $BT 4 127.0.0.1 81 tcp
r other80 cg_user $O $BT 4 127.0.0.1 80 tcp
r other80udp cg_user $O $BT 4 127.0.0.1 80 udp
r other8080 cg_user $O $BT 4 127.0.0.1 8080 tcp
r other1024v6 cg_user $O $BT 6 ::1 1024 tcp
mkdir "$W/u" && chown $O "$W/u"
r other_unix cg_user $O python3 -c "import socket; s=socket.socket(socket.AF_UNIX); s.bind('$W/u/sock'); print('ok')"
r root81 in_cg $BT 4 127.0.0.1 81 tcp
# A root that had CAP_NET_BIND_SERVICE taken away is not given it back,
# though byport/80 has an x bit (the helper cannot bind for it either).
r root_nocap80 in_cg setpriv --bounding-set=-net_bind_service --inh-caps=-net_bind_service $BT 4 127.0.0.1 80 tcp
r root_outside $BT 4 127.0.0.1 81 tcp
r outside80 as_user $U $BT 4 127.0.0.1 80 tcp
r outside80nnp setpriv --reuid=$U --regid=$U --clear-groups --no-new-privs $BT 4 127.0.0.1 80 tcp
# A second refusal of port 81 for OTHER, to count.
cg_user $O $BT 4 127.0.0.1 81 tcp >/dev/null
cg_user $O $BT 4 127.0.0.1 81 tcp >/dev/null
"$KD" --status --cgroup "$CG" > "$W/status"; echo "status_rc=$?"
echo "count_other_80=$(awk '$1 == '$O' && $2 == 80 {print $3}' "$W/status" | head -1)"
echo "count_other_81=$(awk '$1 == '$O' && $2 == 81 {print $3}' "$W/status" | head -1)"
echo "count_user_81=$(awk '$1 == '$U' && $2 == 81 {print $3}' "$W/status" | head -1)"
echo "count_user_80=$(awk '$1 == '$U' && $2 == 80 {print $3}' "$W/status" | head -1)"
cat "$W/status" >&2
echo "--- authbindd ---" >&2; cat "$W/kd.err" >&2
"#,
    );
    let eacces = format!("errno={EACCES}");
    out.expect(&[
        ("user80", "ok"),
        ("user22", "ok"),
        ("user22v6", eacces.as_str()),
        ("user81", eacces.as_str()),
        ("other80", eacces.as_str()),
        ("other80udp", eacces.as_str()),
        ("other8080", "ok"),
        ("other1024v6", "ok"),
        ("other_unix", "ok"),
        ("root81", "ok"),
        ("root_nocap80", eacces.as_str()),
        ("root_outside", "ok"),
        ("outside80", eacces.as_str()),
        ("outside80nnp", eacces.as_str()),
        ("status_rc", "0"),
        ("count_other_80", "2"),
        ("count_other_81", "2"),
        ("count_user_81", "1"),
        // Granted binds are not refusals.
        ("count_user_80", ""),
    ]);
    out.ensure(out.value("kd_start").is_none(), "authbindd did not attach");
}
