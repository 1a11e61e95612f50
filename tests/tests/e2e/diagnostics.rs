//! What authbind says when a privileged bind cannot work, and why: the
//! file that decided and the reason (naming `byuid/!UID` for ports
//! 512–1023, a line authbind ignores), a granted bind that then failed,
//! the helper that cannot act as root (no_new_privs, a nosuid mount, no
//! set-user-ID bit, an empty capability bounding set) with its cause and
//! remedy, `--depth` that cannot reach the program behind
//! `#!/usr/bin/env`, and usage errors that name the argument.

use authbind_e2e::{ready, Outcome, Policy, Sandbox, USER};

/// Runs `body` in a sandbox where `$U` may bind port 80 (byport/80).
fn run(test: &str, policy: Policy, body: &str) -> Outcome {
    let install = ready(test);
    Sandbox::new(&install, test).policy(policy).run(body)
}

fn contains(out: &Outcome, key: &str, needle: &str) {
    let got = out.get(key);
    out.ensure(got.contains(needle), &format!("{key}: `{needle}` not in `{got}`"));
}

/// The launcher's line (always) and the library's (AUTHBIND_DEBUG=1) for
/// each reason the helper cannot act as root; `$SETUP` prepares the case,
/// `$RUN` is how the user's program is started.
const NO_ROOT_BODY: &str = r#"
eval "$SETUP"
r plain $RUN $AB $BT 4 127.0.0.1 80 tcp 2>"$W/plain.err"
echo "plain_lines=$(grep -c '' "$W/plain.err")"
echo "plain_text=$(head -c 600 "$W/plain.err" | tr '\n' ' ')"
r debug $RUN AUTHBIND_DEBUG=1 $AB $BT 4 127.0.0.1 80 tcp 2>"$W/debug.err"
echo "debug_text=$(grep 'granted by' "$W/debug.err" | head -c 600 | tr '\n' ' ')"
# Not root, but nothing wrong with an unprivileged port: no line but the warning.
r high $RUN $AB $BT 4 127.0.0.1 8080 tcp
"#;

fn no_root(test: &str, setup: &str, run_as: &str, cause: &str) {
    let install = ready(test);
    let out = Sandbox::new(&install, test)
        .policy(Policy::new().byport("80", USER))
        .var("SETUP", setup)
        .var("RUN", run_as)
        .run(NO_ROOT_BODY);
    out.expect(&[
        ("plain", "errno=13"),
        ("debug", "errno=13"),
        ("high", "ok"),
        ("plain_lines", "1"),
    ]);
    contains(
        &out,
        "plain_text",
        "authbind: privileged binds will be refused with EACCES: ",
    );
    contains(&out, "plain_text", cause);
    contains(&out, "plain_text", "use kernel mode (authbindd)");
    contains(&out, "plain_text", "AmbientCapabilities=CAP_NET_BIND_SERVICE");
    contains(
        &out,
        "debug_text",
        "authbind: 127.0.0.1:80 granted by byport/80, but the helper cannot act as root: ",
    );
    contains(&out, "debug_text", cause);
    contains(&out, "debug_text", "; returning EACCES; use kernel mode (authbindd)");
}

const AS_USER: &str = "setpriv --reuid=1500 --regid=1500 --clear-groups env -i PATH=/usr/bin:/bin";

#[test]
#[ignore = "needs root: make e2e"]
fn no_new_privs_is_named_with_its_remedy() {
    no_root(
        "no_new_privs_is_named_with_its_remedy",
        "",
        "setpriv --no-new-privs --reuid=1500 --regid=1500 --clear-groups env -i PATH=/usr/bin:/bin",
        "no_new_privs is set for this process",
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn a_nosuid_mount_is_named_with_its_remedy() {
    no_root(
        "a_nosuid_mount_is_named_with_its_remedy",
        r#"mount --bind "$HELPER" "$HELPER" && mount -o remount,bind,nosuid "$HELPER" || fail nosuid"#,
        AS_USER,
        "the helper's file system is mounted nosuid",
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn a_helper_without_its_setuid_bit_is_named_with_its_remedy() {
    no_root(
        "a_helper_without_its_setuid_bit_is_named_with_its_remedy",
        r#"cp "$HELPER" "$W/helper" && chmod 0755 "$W/helper" && mount --bind "$W/helper" "$HELPER" || fail copy"#,
        AS_USER,
        "the helper is not set-user-ID root",
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn an_empty_bounding_set_is_named_with_its_remedy() {
    no_root(
        "an_empty_bounding_set_is_named_with_its_remedy",
        "",
        "setpriv --bounding-set=-all --reuid=1500 --regid=1500 --clear-groups env -i PATH=/usr/bin:/bin",
        "CAP_NET_BIND_SERVICE is not in this process's capability bounding set",
    );
}

/// byport/636 (without the `!`) and byuid/1500 exist; the file consulted
/// for port 636 is byuid/!1500, and that is the one named.
#[test]
#[ignore = "needs root: make e2e"]
fn the_file_consulted_is_the_one_named() {
    let out = run(
        "the_file_consulted_is_the_one_named",
        Policy::new()
            .byport("636", USER)
            .byport("80", USER)
            .byuid("1500", &["127.0.0.1,636", "127.0.0.1,85 # web", "0.0.0.0,80"]),
        r#"
r bang as_user $U AUTHBIND_DEBUG=1 $AB $BT 4 127.0.0.1 636 tcp 2>"$W/bang.err"
echo "bang_text=$(grep refused "$W/bang.err" | tr '\n' ' ')"
r line as_user $U AUTHBIND_DEBUG=1 $AB $BT 4 127.0.0.1 85 tcp 2>"$W/line.err"
echo "line_text=$(grep refused "$W/line.err" | tr '\n' ' ')"
r notexec as_user $O AUTHBIND_DEBUG=1 $AB $BT 4 127.0.0.1 80 tcp 2>"$W/notexec.err"
echo "notexec_text=$(grep refused "$W/notexec.err" | tr '\n' ' ')"
# Without AUTHBIND_DEBUG: nothing at all.
r quiet as_user $U $AB $BT 4 127.0.0.1 636 tcp 2>"$W/quiet.err"
echo "quiet_bytes=$(wc -c < "$W/quiet.err")"
"#,
    );
    out.expect(&[
        ("bang", "errno=13"),
        ("line", "errno=13"),
        ("notexec", "errno=13"),
        ("quiet_bytes", "0"),
    ]);
    out.expect(&[(
        "bang_text",
        "authbind: 127.0.0.1:636 refused: byuid/!1500: no such file (ports 512–1023 use the \"!\" names); \
         run: authbind-policy explain 127.0.0.1:636",
    )]);
    out.expect(&[(
        "notexec_text",
        "authbind: 127.0.0.1:80 refused: byport/80: exists but is not executable for you; \
         run: authbind-policy explain 127.0.0.1:80",
    )]);
    out.expect(&[(
        "line_text",
        "authbind: 127.0.0.1:85 refused: byuid/1500: no line covers it (line 2 is ignored by authbind: the ports \
         are not PORT or PORT-PORT (nothing may follow them, not even a comment)); run: authbind-policy explain \
         127.0.0.1:85",
    )]);
}

#[test]
#[ignore = "needs root: make e2e"]
fn a_granted_bind_that_fails_says_so() {
    let out = run(
        "a_granted_bind_that_fails_says_so",
        Policy::new().byport("80", USER),
        r#"
python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1", 80)); s.listen(); time.sleep(30)' &
HOLD=$!
for i in $(seq 1 50); do ss -ltn | grep -q '127.0.0.1:80 ' && break; sleep 0.05; done
r busy as_user $U AUTHBIND_DEBUG=1 $AB $BT 4 127.0.0.1 80 tcp 2>"$W/busy.err"
echo "busy_text=$(grep granted "$W/busy.err" | tr '\n' ' ')"
kill $HOLD
"#,
    );
    out.expect(&[
        ("busy", "errno=98"),
        (
            "busy_text",
            "authbind: 127.0.0.1:80 granted by byport/80, but the bind failed: Address already in use (EADDRINUSE)",
        ),
    ]);
}

/// `#!/usr/bin/env python3` under the default `--depth 1`: env takes the
/// one level, python3 runs without the library; the launcher says so, and
/// which option would work.
#[test]
#[ignore = "needs root: make e2e"]
fn depth_that_env_uses_up_is_warned_about() {
    let out = run(
        "depth_that_env_uses_up_is_warned_about",
        Policy::new().byport("80", USER),
        r#"
cat > "$W/serve" <<'PY'
#!/usr/bin/env python3
import socket
try:
    socket.socket().bind(("127.0.0.1", 80)); print("ok")
except OSError as e:
    print("errno=%d" % e.errno)
PY
chmod 0755 "$W/serve"
r depth1 as_user $U $AB "$W/serve" 2>"$W/depth1.err"
echo "depth1_text=$(tr '\n' ' ' < "$W/depth1.err")"
r depth2 as_user $U $AB --depth 2 "$W/serve" 2>"$W/depth2.err"
echo "depth2_bytes=$(wc -c < "$W/depth2.err")"
r deep as_user $U $AB --deep "$W/serve" 2>"$W/deep.err"
echo "deep_bytes=$(wc -c < "$W/deep.err")"
"#,
    );
    out.expect(&[
        ("depth1", "errno=13"),
        ("depth2", "ok"),
        ("deep", "ok"),
        ("depth2_bytes", "0"),
        ("deep_bytes", "0"),
    ]);
    let text = out.get("depth1_text");
    out.ensure(
        text.contains("through /usr/bin/env, which takes one of the levels --depth 1 gives")
            && text.contains("will run without the library; use --depth 2 (or --deep)")
            && text.matches("authbind:").count() == 1,
        &format!("the --depth warning is not what it should be: `{text}`"),
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn usage_errors_name_the_argument_and_depth_takes_an_equals_sign() {
    let out = run(
        "usage_errors_name_the_argument_and_depth_takes_an_equals_sign",
        Policy::new().byport("80", USER),
        r#"
r bogus as_user $U $AB --bogus echo RAN 2>"$W/bogus.err"
echo "bogus_text=$(head -1 "$W/bogus.err")"
r zero as_user $U $AB --depth=0 echo RAN 2>"$W/zero.err"
echo "zero_text=$(head -1 "$W/zero.err")"
r equals as_user $U $AB --depth=2 $BT 4 127.0.0.1 80 tcp
"#,
    );
    out.expect(&[
        ("bogus", ""),
        ("bogus.rc", "255"),
        ("bogus_text", "authbind: unknown option '--bogus'"),
        ("zero", ""),
        ("zero_text", "authbind: --depth value '0' is not valid (1 to 100)"),
        ("equals", "ok"),
    ]);
}

/// A static program runs under the seccomp supervisor, which still needs
/// the helper: the launcher says why privileged binds will be refused
/// there too (before, only the LD_PRELOAD path said it), and says nothing
/// when the helper can act.
#[test]
#[ignore = "needs root: make e2e"]
fn the_supervisor_path_names_the_cause_too() {
    let out = run(
        "the_supervisor_path_names_the_cause_too",
        Policy::new().byport("80", USER),
        r#"
as_user $U $AB $SB granted 80 >"$W/fine.out" 2>"$W/fine.err"
echo "fine=$(grep '^first=' "$W/fine.out")"
echo "fine_lines=$(grep -c '' "$W/fine.err")"
mount --bind "$HELPER" "$HELPER" && mount -o remount,bind,nosuid "$HELPER" || fail nosuid
as_user $U $AB $SB granted 80 >"$W/nosuid.out" 2>"$W/nosuid.err"
echo "nosuid=$(grep '^first=' "$W/nosuid.out")"
echo "nosuid_text=$(head -c 600 "$W/nosuid.err" | tr '\n' ' ')"
"#,
    );
    out.expect(&[("fine", "first=ok"), ("fine_lines", "0"), ("nosuid", "first=errno=13")]);
    contains(
        &out,
        "nosuid_text",
        "authbind: privileged binds will be refused with EACCES: the helper's file system is mounted nosuid",
    );
    contains(&out, "nosuid_text", "use kernel mode (authbindd)");
}
