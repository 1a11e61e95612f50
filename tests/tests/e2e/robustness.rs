//! Edge cases of bind() through the shim: a NULL address, an oversized
//! addrlen, errno preservation, no leaked file descriptors.

use authbind_e2e::{ready, Policy, Sandbox, USER};

#[test]
#[ignore = "needs root: make e2e"]
fn bind_edge_cases() {
    let install = ready("bind_edge_cases");
    let out = Sandbox::new(&install, "robust")
        .policy(Policy::new().byport("80", USER))
        .run(
            r#"
r null_native  as_user $U $RB null
r null         as_user $U $AB $RB null
r storage      as_user $U $AB $RB storage 80
r storage_81   as_user $U $AB $RB storage 81
r errno        as_user $U $AB $RB errno 80
r fds          as_user $U $AB $RB fds 80
r fds_refused  as_user $U $AB $RB fds 81
"#,
        );
    out.expect(&[
        // The kernel's answer, and the same through the shim (no crash).
        ("null_native", "errno=14"),
        ("null", "errno=14"),
        ("null.rc", "0"),
        // addrlen = sizeof(struct sockaddr_storage) is a valid IPv4 bind.
        ("storage", "ok"),
        ("storage_81", "errno=13"),
        // A successful bind leaves errno alone.
        ("errno", "ok errno_after=4242"),
        // Nothing left open by the shim, granted or refused.
        ("fds", "ok leaked=0"),
        ("fds_refused", "errno=13 leaked=0"),
    ]);
}

/// A FIFO (or a folder) where the byuid file should be: a refusal, at once.
/// (authbind 2.1's helper blocks forever opening the FIFO.)
#[test]
#[ignore = "needs root: make e2e"]
fn byuid_fifo_or_folder_refuses_without_hanging() {
    let install = ready("byuid_fifo_or_folder_refuses_without_hanging");
    let out = Sandbox::new(&install, "byuid-fifo")
        .timeout(std::time::Duration::from_secs(20))
        .run(
            r#"
mkfifo -m 0644 /etc/authbind/byuid/$U
mkdir -m 0755 /etc/authbind/byuid/$O
r fifo   as_user $U $AB $BT 4 127.0.0.1 80 tcp
r folder as_user $O $AB $BT 4 127.0.0.1 80 tcp
"#,
        );
    out.expect(&[("fifo", "errno=13"), ("folder", "errno=13")]);
}

/// authbind(1): a helper that cannot be started gives EACCES and one line on
/// stderr; a helper running without privilege (nosuid) gives EACCES; a
/// process already root binds on its own.
#[test]
#[ignore = "needs root: make e2e"]
fn unusable_helper_and_root_caller() {
    let install = ready("unusable_helper_and_root_caller");
    let out = Sandbox::new(&install, "helper-unusable")
        .policy(Policy::new().byport("80", USER))
        .run(
            r#"
r root_no_grant $AB $BT 4 127.0.0.1 81 tcp
# the helper on a nosuid mount: it runs, but as the user
mount --bind "$HELPER" "$HELPER" && mount -o remount,bind,nosuid "$HELPER" || exit 96
r nosuid as_user $U $AB $BT 4 127.0.0.1 80 tcp
umount "$HELPER"
# the helper replaced by a file that cannot be executed
: > "$W/not-a-helper"; chmod 0644 "$W/not-a-helper"
mount --bind "$W/not-a-helper" "$HELPER" || exit 96
r noexec as_user $U $AB $BT 4 127.0.0.1 80 tcp 2>"$W/noexec.err"
echo "noexec_lines=$(grep -c '' "$W/noexec.err")"
echo "noexec_could_not=$(grep -c 'could not run' "$W/noexec.err")"
echo "noexec_warned=$(grep -c 'privileged binds will be refused with EACCES: the helper is not set-user-ID root' "$W/noexec.err")"
umount "$HELPER"
r restored as_user $U $AB $BT 4 127.0.0.1 80 tcp
"#,
        );
    out.expect(&[
        ("root_no_grant", "ok"),
        ("nosuid", "errno=13"),
        ("noexec", "errno=13"),
        // The library's line for the bind, and the launcher's warning
        // before it started the program; nothing else.
        ("noexec_lines", "2"),
        ("noexec_could_not", "1"),
        ("noexec_warned", "1"),
        ("restored", "ok"),
    ]);
}

/// The sandbox has a /run of its own: a refusal (which makes the helper
/// count it in /run/authbind) leaves nothing in the machine's /run — not
/// the count, and not a mount point either.
#[test]
#[ignore = "needs root: make e2e"]
fn the_sandbox_leaves_the_machines_run_alone() {
    let install = ready("the_sandbox_leaves_the_machines_run_alone");
    let probe = format!("/run/authbind-e2e-probe-{}", std::process::id());
    let before_counts = std::path::Path::new("/run/authbind").exists();
    let out = Sandbox::new(&install, "own-run").var("PROBE", &probe).run(
        r#"
r refused as_user $U $AB $BT 4 127.0.0.1 80 tcp
echo "count=$(cat /run/authbind/$U 2>/dev/null | wc -w)"
touch "$PROBE"; echo "probe=$([ -e "$PROBE" ] && echo made)"
"#,
    );
    out.expect(&[("refused", "errno=13"), ("probe", "made")]);
    // The helper did count the refusal — in the sandbox's /run.
    out.ensure(
        out.get("count") == "3",
        "the helper's refusal count in the sandbox's /run/authbind",
    );
    out.ensure(
        !std::path::Path::new(&probe).exists(),
        "a file made in the sandbox's /run is not in the machine's",
    );
    out.ensure(
        before_counts || !std::path::Path::new("/run/authbind").exists(),
        "no /run/authbind left in the machine's /run",
    );
}
