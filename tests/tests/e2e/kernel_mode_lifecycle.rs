//! Kernel mode's lifetime: the grants outlive the daemon (SIGTERM, kill
//! -9), a new daemon adopts the pinned links (one copy attached, as
//! bpftool sees it, never two), `--detach` removes them; the daemon
//! mounts a bpffs when none is there; it fails in one line when BPF is
//! refused or the folder is not a cgroup; `--check` attaches nothing;
//! `authbind` runs a static program directly when kernel mode covers it.

use authbind_e2e::{go_programs, ready, Kernel, Policy, EACCES, USER};

#[test]
#[ignore = "needs root: make e2e"]
fn grants_survive_the_daemon_and_detach_removes_them() {
    let test = "kernel_restart";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k.sandbox(&install, test).policy(Policy::new().byport("80", USER));
    let out = k.run(
        sandbox,
        r#"
kd_start || echo "kd_start=failed"
r first cg_user $U $BT 4 127.0.0.1 80 tcp
kill -KILL $KDPID; wait $KDPID 2>/dev/null
r after_kill9 cg_user $U $BT 4 127.0.0.1 80 tcp
echo "after_kill9_bind4=$(attached bind4)"
kd_start || echo "kd_start2=failed"
r after_restart cg_user $U $BT 4 127.0.0.1 80 tcp
echo "restart_bind4=$(attached bind4)"
echo "restart_bind6=$(attached bind6)"
# The restarted daemon's own serving line (a reload's line may say
# "updated" too: a first compile that saw a file change while it read
# the tree is done again).
echo "adopted=$(grep -c '^authbindd: serving.*bind4 updated, bind6 updated' "$W/kd.err")"
# A second daemon for the same cgroup is refused.
"$KD" --cgroup "$CG" 2>"$W/second.err"; echo "second_rc=$?"
echo "second_says=$(grep -c 'already serves' "$W/second.err")"
"$KD" --detach --cgroup "$CG"; echo "detach_rc=$?"
r after_detach cg_user $U $BT 4 127.0.0.1 80 tcp
echo "detach_bind4=$(attached bind4)"
echo "detach_bind6=$(attached bind6)"
"$KD" --status --cgroup "$CG" >/dev/null; echo "status_rc=$?"
# The running daemon sees its links go, and stops.
for i in $(seq 1 100); do kill -0 $KDPID 2>/dev/null || break; sleep 0.05; done
kill -0 $KDPID 2>/dev/null && echo daemon=running || echo daemon=stopped
echo "pins_left=$(ls /sys/fs/bpf/authbind 2>/dev/null | wc -l)"
echo "--- authbindd ---" >&2; cat "$W/kd.err" "$W/second.err" >&2
"#,
    );
    let eacces = format!("errno={EACCES}");
    out.expect(&[
        ("first", "ok"),
        ("after_kill9", "ok"),
        ("after_kill9_bind4", "1"),
        ("after_restart", "ok"),
        ("restart_bind4", "1"),
        ("restart_bind6", "1"),
        ("adopted", "1"),
        ("second_rc", "1"),
        ("second_says", "1"),
        ("detach_rc", "0"),
        ("after_detach", eacces.as_str()),
        ("detach_bind4", "0"),
        ("detach_bind6", "0"),
        ("status_rc", "3"),
        ("daemon", "stopped"),
        ("pins_left", "0"),
    ]);
    out.ensure(
        out.value("kd_start").is_none() && out.value("kd_start2").is_none(),
        "authbindd did not attach",
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn mounts_a_bpffs_when_none_is_there() {
    let test = "kernel_bpffs";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k.sandbox(&install, test).policy(Policy::new().byport("80", USER));
    let out = k.run(
        sandbox,
        r#"
mountpoint -q /sys/fs/bpf && echo before=mounted || echo before=none
KD_NO_BPFFS=1 kd_start || echo "kd_start=failed"
echo "fstype=$(stat -f -c %T /sys/fs/bpf)"
echo "said=$(grep -c 'mounted a bpffs at /sys/fs/bpf' "$W/kd.err")"
echo "pins=$(ls /sys/fs/bpf/authbind/*/ | sort | tr '\n' ' ')"
r bound cg_user $U $BT 4 127.0.0.1 80 tcp
kd_stop
"#,
    );
    out.expect(&[
        ("before", "none"),
        ("fstype", "bpf_fs"),
        ("said", "1"),
        (
            "pins",
            "audit_budget_v1 audit_said_v1 bind4 bind6 cgroup events_v2 lost_v1 refusals_v1 reserve_refusals_v1",
        ),
        ("bound", "ok"),
    ]);
}

#[test]
#[ignore = "needs root: make e2e"]
fn fails_in_one_line_naming_what_is_missing() {
    let test = "kernel_failures";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k.sandbox(&install, test);
    let out = k.run(
        sandbox,
        r#"
mount -t bpf authbind-e2e-bpf /sys/fs/bpf
# Root without capabilities (a container without CAP_BPF and friends).
setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all "$KD" --cgroup "$CG" 2>"$W/nocaps.err"
echo "nocaps_rc=$?"
echo "nocaps_lines=$(wc -l < "$W/nocaps.err")"
echo "nocaps_says=$(grep -c 'BPF refused' "$W/nocaps.err")"
"$KD" --cgroup /tmp 2>"$W/notcg.err"; echo "notcg_rc=$?"
echo "notcg_says=$(grep -c 'is not a folder of a cgroup2 file system' "$W/notcg.err")"
as_user $U "$KD" --cgroup "$CG" 2>"$W/user.err"; echo "user_rc=$?"
echo "user_says=$(grep -c 'must be run as root' "$W/user.err")"
"$KD" --reload --cgroup "$CG" 2>"$W/reload.err"; echo "reload_rc=$?"
echo "reload_says=$(grep -c 'not attached' "$W/reload.err")"
"$KD" --frobnicate 2>/dev/null; echo "usage_rc=$?"
echo "attached_after=$(attached bind4)"
# No cgroup2 mounted (here, in this mount namespace only).
umount -l "$(findmnt -n -t cgroup2 -o TARGET | head -1)"
"$KD" 2>"$W/nocg2.err"; echo "nocg2_rc=$?"
echo "nocg2_says=$(grep -c 'no cgroup2 file system is mounted' "$W/nocg2.err")"
cat "$W"/*.err >&2
"#,
    );
    out.expect(&[
        ("nocaps_rc", "1"),
        ("nocaps_lines", "1"),
        ("nocaps_says", "1"),
        ("notcg_rc", "1"),
        ("notcg_says", "1"),
        ("user_rc", "1"),
        ("user_says", "1"),
        ("reload_rc", "1"),
        ("reload_says", "1"),
        ("usage_rc", "2"),
        ("attached_after", "0"),
        ("nocg2_rc", "1"),
        ("nocg2_says", "1"),
    ]);
}

#[test]
#[ignore = "needs root: make e2e"]
fn check_compiles_and_attaches_nothing() {
    let test = "kernel_check";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k.sandbox(&install, test).policy(
        Policy::new()
            .byport("80", USER)
            .byaddr("127.0.0.1:443", USER)
            .byuid(&USER.to_string(), &["10.0.0.0-10.0.0.6,22", "2001:db8::/32,25"]),
    );
    let out = k.run(
        sandbox,
        r#"
mount -t bpf authbind-e2e-bpf /sys/fs/bpf
# A symlink loop: the helper gets ELOOP, kernel mode must refuse it too.
ln -s '!600' '/etc/authbind/byport/!600'
"$KD" --check > "$W/check"; echo "check_rc=$?"
cat "$W/check" >&2
echo "byport80=$(grep -c '^  byport/80: granted if' "$W/check")"
echo "byport600=$(grep -c '^  byport/!600: refused for everyone' "$W/check")"
echo "byaddr=$(grep -c '^  127.0.0.1 port 443: granted if' "$W/check")"
echo "v4prefixes=$(grep -c '^  uid 1500 10.0.0.' "$W/check")"
echo "v6prefix=$(grep -c '^  uid 1500 2001:db8::/32: ports 25$' "$W/check")"
echo "verified=$(grep -c 'loaded and verified by the kernel (not attached)' "$W/check")"
echo "attached=$(attached bind4)"
echo "pins=$(ls /sys/fs/bpf | grep -c authbind)"
"#,
    );
    out.expect(&[
        ("check_rc", "0"),
        ("byport80", "1"),
        ("byport600", "1"),
        ("byaddr", "1"),
        // 10.0.0.0/30 and 10.0.0.4/31 and 10.0.0.6/32.
        ("v4prefixes", "3"),
        ("v6prefix", "1"),
        ("verified", "1"),
        ("attached", "0"),
        ("pins", "0"),
    ]);
}

/// A POSIX ACL is not in the maps: kernel mode judges only the file's
/// owner by it and refuses everyone else (the safe direction), and says
/// so; the helper, which the shim asks when the kernel refuses, still
/// grants by the ACL.
#[test]
#[ignore = "needs root: make e2e"]
fn acls_are_refused_by_kernel_mode_and_left_to_the_helper() {
    let test = "kernel_acl";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k.sandbox(&install, test);
    let out = k.run(
        sandbox,
        r#"
touch /etc/authbind/byport/80 && chmod 0000 /etc/authbind/byport/80
setfacl -m u:$U:x /etc/authbind/byport/80 || echo "setfacl=failed"
kd_start || echo "kd_start=failed"
"$KD" --check > "$W/check"
echo "check_says=$(grep -c 'has POSIX ACL entries' "$W/check")"
r kernel cg_user $U $BT 4 127.0.0.1 80 tcp
r helper in_cg setpriv --reuid=$U --regid=$U --clear-groups env -i PATH=/usr/bin:/bin $AB $BT 4 127.0.0.1 80 tcp
r other in_cg setpriv --reuid=$O --regid=$O --clear-groups env -i PATH=/usr/bin:/bin $AB $BT 4 127.0.0.1 80 tcp
cat "$W/check" >&2
kd_stop
"#,
    );
    let eacces = format!("errno={EACCES}");
    out.expect(&[
        ("check_says", "1"),
        ("kernel", eacces.as_str()),
        ("helper", "ok"),
        ("other", eacces.as_str()),
    ]);
    out.ensure(
        out.value("setfacl").is_none() && out.value("kd_start").is_none(),
        "setup failed",
    );
}

/// With kernel mode covering it, `authbind` runs a static Go program
/// directly (no supervisor); outside the attach point it uses the
/// supervisor as before.
#[test]
#[ignore = "needs root: make e2e"]
fn launcher_runs_static_programs_directly_under_kernel_mode() {
    let test = "kernel_launcher";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k
        .sandbox(&install, test)
        .policy(Policy::new().byport("80", USER))
        .var("GO", go_programs().static_());
    let out = k.run(
        sandbox,
        r#"
kd_start || echo "kd_start=failed"
in_cg setpriv --reuid=$U --regid=$U --clear-groups env -i PATH=/usr/bin:/bin AUTHBIND_DEBUG=1 \
    $AB $GO listen 127.0.0.1:80 >"$W/in.out" 2>"$W/in.err"
echo "in_rc=$?"
echo "in_out=$(cat "$W/in.out")"
echo "in_direct=$(grep -c 'kernel mode covers this process' "$W/in.err")"
as_user $U AUTHBIND_DEBUG=1 $AB $GO listen 127.0.0.1:80 >"$W/out.out" 2>"$W/out.err"
echo "out_rc=$?"
echo "out_supervisor=$(grep -c 'using the seccomp supervisor' "$W/out.err")"
cat "$W"/*.err >&2
kd_stop
"#,
    );
    out.expect(&[
        ("in_rc", "0"),
        ("in_out", "ok"),
        ("in_direct", "1"),
        ("out_rc", "0"),
        ("out_supervisor", "1"),
    ]);
}

/// On systemd machines bpffs is mounted 0700, and a user cannot see the
/// pins: `authbind` learns of kernel mode from the daemon's public mark
/// in /run/authbindd. Under no_new_privs (a hardened service) it then
/// runs a static program directly (the supervisor could not run at all)
/// and does not warn that the set-user-ID helper cannot act: the kernel
/// grants the binds.
#[test]
#[ignore = "needs root: make e2e"]
fn the_launcher_sees_kernel_mode_through_a_0700_bpffs() {
    let test = "kernel_launcher_0700";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k
        .sandbox(&install, test)
        .policy(Policy::new().byport("80", USER))
        .var("GO", go_programs().static_());
    let out = k.run(
        sandbox,
        r#"
mount -t bpf -o mode=0700 authbind-e2e-bpf /sys/fs/bpf || echo "bpffs=failed"
KD_NO_BPFFS=1 kd_start || echo "kd_start=failed"
echo "mark=$(ls /run/authbindd | wc -l)"
echo "pins_hidden=$(setpriv --reuid=$U --regid=$U --clear-groups ls /sys/fs/bpf/authbind >/dev/null 2>&1 && echo no || echo yes)"
r static cg_user $U AUTHBIND_DEBUG=1 $AB $GO listen 127.0.0.1:80 2>"$W/static.err"
echo "static_direct=$(grep -c 'kernel mode covers this process' "$W/static.err")"
r dynamic cg_user $U $AB $BT 4 127.0.0.1 80 tcp 2>"$W/dynamic.err"
echo "dynamic_warned=$(grep -c 'privileged binds will be refused' "$W/dynamic.err")"
cat "$W"/*.err >&2
kd_stop
echo "mark_after_stop=$(ls /run/authbindd | wc -l)"
"$KD" --cgroup "$CG" --detach >/dev/null 2>&1
echo "mark_after_detach=$(ls /run/authbindd | wc -l)"
"#,
    );
    out.expect(&[
        ("mark", "1"),
        ("pins_hidden", "yes"),
        ("static", "ok"),
        ("static_direct", "1"),
        ("dynamic", "ok"),
        ("dynamic_warned", "0"),
        // SIGTERM leaves the grants attached, and so their mark.
        ("mark_after_stop", "1"),
        ("mark_after_detach", "0"),
    ]);
}
