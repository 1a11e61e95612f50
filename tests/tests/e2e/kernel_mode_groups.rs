//! Kernel mode judges a file's group as access(2) does, by the binding
//! process's own groups (its real gid and supplementary groups), not by the
//! user database: a process holding a group the database does not give it
//! (`setpriv --groups`, a unit's `SupplementaryGroups=`, `docker
//! --group-add`) is refused by an "everyone but this group" file, and a
//! database member running without the group (`setpriv --clear-groups`,
//! a container's `--user uid:gid`) is refused by a group-only file. The
//! helper, run by the same process with the same groups, answers the same.

use authbind_e2e::{ready, Kernel, UserDb, EACCES, OTHER_NAME};

#[test]
#[ignore = "needs root: make e2e"]
fn groups_are_the_binding_process_own() {
    let test = "kernel_groups";
    let install = ready(test);
    let k = Kernel::new(test);
    // Group 1600: OTHER is a member by the database, USER is not.
    let sandbox = k
        .sandbox(&install, test)
        .users(UserDb::standard().group("abgroup", 1600, &[OTHER_NAME]));
    let out = k.run(
        sandbox,
        r#"
B=/etc/authbind/byport
# 0705: everyone but the group's members. 0010: the group only.
install -o 0 -g 1600 -m 0705 /dev/null $B/80
install -o 0 -g 1600 -m 0010 /dev/null $B/81
install -o 0 -g 1600 -m 0010 /dev/null $B/82
kd_start || echo "kd_start=failed"
# cg_groups UID GROUPS CMD…: as cg_user, with exactly GROUPS (none if "").
cg_groups() {
    local uid=$1 groups=$2; shift 2
    if [ -n "$groups" ]; then set -- --groups="$groups" "$@"; else set -- --clear-groups "$@"; fi
    in_cg setpriv --reuid="$uid" --regid="$uid" "$@"
}
kbind() { cg_groups "$1" "$2" --no-new-privs env -i PATH=/usr/bin:/bin $BT 4 127.0.0.1 "$3" tcp; }
# The helper's answer for the same process (outside the cgroup, without
# no_new_privs: the helper is setuid).
hbind() { setpriv --reuid="$1" --regid="$1" $( [ -n "$2" ] && echo --groups="$2" || echo --clear-groups ) env -i PATH=/usr/bin:/bin "$AB" $BT 4 127.0.0.1 "$3" tcp; }
# A group the database does not list for USER, held by the process.
r k_user_g1600_80 kbind $U 1600 80
r h_user_g1600_80 hbind $U 1600 80
r k_user_g1600_82 kbind $U 1600 82
r h_user_g1600_82 hbind $U 1600 82
r k_user_nogroups_80 kbind $U "" 80
r h_user_nogroups_80 hbind $U "" 80
# A database member of 1600 running without it.
r k_other_nogroups_81 kbind $O "" 81
r h_other_nogroups_81 hbind $O "" 81
r k_other_g1600_81 kbind $O 1600 81
r h_other_g1600_81 hbind $O 1600 81
r k_other_g1600_80 kbind $O 1600 80
"$KD" --check > "$W/check" 2>&1; echo "check_rc=$?"
echo "groups_line=$(grep -c "^groups: each binding process's own" "$W/check")"
echo "--- authbindd ---" >&2; cat "$W/kd.err" "$W/check" >&2
"#,
    );
    let eacces = format!("errno={EACCES}");
    let refused = eacces.as_str();
    out.expect(&[
        ("k_user_g1600_80", refused),
        ("h_user_g1600_80", refused),
        ("k_user_g1600_82", "ok"),
        ("h_user_g1600_82", "ok"),
        ("k_user_nogroups_80", "ok"),
        ("h_user_nogroups_80", "ok"),
        ("k_other_nogroups_81", refused),
        ("h_other_nogroups_81", refused),
        ("k_other_g1600_81", "ok"),
        ("h_other_g1600_81", "ok"),
        ("k_other_g1600_80", refused),
        ("check_rc", "0"),
        ("groups_line", "1"),
    ]);
    out.ensure(out.value("kd_start").is_none(), "authbindd did not attach");
}

/// Without the kernel's BTF (hidden here by an empty tmpfs over
/// /sys/kernel/btf, in the sandbox's mount namespace) the programs cannot
/// read a process's groups: authbindd loads those that do without, says
/// so, and a check that a supplementary group would decide is a refusal,
/// whatever groups the process holds. A file whose group and others agree,
/// and a process whose real gid is the file's group, are judged exactly.
#[test]
#[ignore = "needs root: make e2e"]
fn without_btf_group_checks_are_refused_unless_every_group_set_passes() {
    let test = "kernel_groups_nobtf";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k
        .sandbox(&install, test)
        .users(UserDb::standard().group("abgroup", 1600, &[OTHER_NAME]));
    let out = k.run(
        sandbox,
        r#"
mount -t tmpfs -o mode=0755 authbind-e2e-nobtf /sys/kernel/btf || echo "hide_btf=failed"
B=/etc/authbind/byport
install -o 0 -g 1600 -m 0705 /dev/null $B/80
install -o 0 -g 1600 -m 0010 /dev/null $B/81
install -o 0 -g 1600 -m 0515 /dev/null $B/83
kd_start || echo "kd_start=failed"
kbind() {
    local uid=$1 gid=$2 groups=$3 port=$4
    if [ -n "$groups" ]; then groups=--groups=$groups; else groups=--clear-groups; fi
    in_cg setpriv --reuid="$uid" --regid="$gid" "$groups" --no-new-privs env -i PATH=/usr/bin:/bin $BT 4 127.0.0.1 "$port" tcp
}
# 0705: the helper grants a process without group 1600; kernel mode,
# not knowing the process's groups, cannot tell it from a member.
r user_80 kbind $U $U "" 80
r user_g1600_80 kbind $U $U 1600 80
# 0010: a member by its supplementary groups is refused, one whose real
# gid is 1600 granted.
r other_g1600_81 kbind $O $O 1600 81
r other_gid1600_81 kbind $O 1600 "" 81
# 0515: group and others agree.
r user_83 kbind $U $U "" 83
r other_g1600_83 kbind $O $O 1600 83
"$KD" --check > "$W/check" 2>&1; echo "check_rc=$?"
echo "unknown_line=$(grep -c "^groups: unknown to the programs on this kernel (.*no kernel BTF" "$W/check")"
echo "logged=$(grep -c "groups: unknown to the programs" "$W/kd.err")"
echo "--- authbindd ---" >&2; cat "$W/kd.err" "$W/check" >&2
"#,
    );
    let eacces = format!("errno={EACCES}");
    let refused = eacces.as_str();
    out.expect(&[
        ("user_80", refused),
        ("user_g1600_80", refused),
        ("other_g1600_81", refused),
        ("other_gid1600_81", "ok"),
        ("user_83", "ok"),
        ("other_g1600_83", "ok"),
        ("check_rc", "0"),
        ("unknown_line", "1"),
    ]);
    out.ensure(out.value("hide_btf").is_none(), "could not hide /sys/kernel/btf");
    out.ensure(out.value("kd_start").is_none(), "authbindd did not attach");
    out.ensure(
        out.value("logged").is_some_and(|n| n != "0"),
        "the daemon did not log that it does without the groups",
    );
}
