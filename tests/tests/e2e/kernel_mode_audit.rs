//! The audit log under kernel mode: the programs report each grant
//! through their ring buffer and the daemon writes one syslog line for
//! it (facility authpriv, ident `authbind`, the helper's fields, `BY=kernel`);
//! binds the policy does not grant write nothing.

use authbind_e2e::{ready, Kernel, Policy, USER, USER_NAME};

#[test]
#[ignore = "needs root: make e2e"]
fn one_line_per_grant() {
    let test = "kernel_audit";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k.sandbox(&install, test).policy(
        Policy::new()
            .byport("80", USER)
            .byaddr("!127.0.0.1:636", USER)
            .byuid(&USER.to_string(), &["::1,53"]),
    );
    let out = k.run(
        sandbox,
        &format!(
            r#"
private_dev_log "$W/log" || echo "devlog=failed"
kd_start || echo "kd_start=failed"
r tcp80 cg_user $U $BT 4 127.0.0.1 80 tcp
r udp53 cg_user $U $BT 6 ::1 53 udp
r tcp636 cg_user $U $BT 4 127.0.0.1 636 tcp
r refused cg_user $O $BT 4 127.0.0.1 80 tcp
r high cg_user $O $BT 4 127.0.0.1 8080 tcp
for i in $(seq 1 100); do [ "$(grep -c 'BY=kernel' "$W/log")" -ge 3 ] && break; sleep 0.02; done
sleep 0.2
kd_stop
tr '<' '\n' < "$W/log" | grep 'BY=kernel' > "$W/grants"
cat "$W/grants" >&2
echo "lines=$(wc -l < "$W/grants")"
echo "l80=$(grep -c "^86>authbind\[$KDPID\]: RESULT=granted UID=$U USER={USER_NAME} PID=[0-9]* PROTO=tcp ADDR=127.0.0.1 PORT=80 RULE=byport FILE=byport/80 BY=kernel\$" "$W/grants")"
echo "l53=$(grep -c "RESULT=granted UID=$U USER={USER_NAME} PID=[0-9]* PROTO=udp ADDR=::1 PORT=53 RULE=byuid FILE=byuid/$U BY=kernel\$" "$W/grants")"
echo "l636=$(grep -c "PROTO=tcp ADDR=127.0.0.1 PORT=636 RULE=byaddr FILE=byaddr/!127.0.0.1:636 BY=kernel\$" "$W/grants")"
echo "other=$(grep -c "UID=$O" "$W/grants")"
"#
        ),
    );
    out.expect(&[
        ("tcp80", "ok"),
        ("udp53", "ok"),
        ("tcp636", "ok"),
        ("high", "ok"),
        ("lines", "3"),
        ("l80", "1"),
        ("l53", "1"),
        ("l636", "1"),
        ("other", "0"),
    ]);
    out.ensure(
        out.value("kd_start").is_none() && out.value("devlog").is_none(),
        "setup failed",
    );
}
