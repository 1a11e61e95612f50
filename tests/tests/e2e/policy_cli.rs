//! `authbind-policy` end to end, in the sandbox (fresh namespaces, a tmpfs
//! over /etc/authbind): a grant written by the tool lets an unprivileged
//! user really bind, a revoke takes it away, a grant that cannot work is
//! refused with its reason, `check` finds each problem at its level, and
//! `apply` / `export` do what they say.
//!
//! Root only: `make e2e` runs them (`--include-ignored`); run without root
//! or without an installation they fail, they do not pass.

use authbind_e2e::{ready, Install, Policy, Sandbox, UserDb, OTHER, USER};

fn require(test: &str) -> Install {
    // Panics (the test fails) without root or an installation.
    let install = ready(test);
    assert!(
        install.policy_tool().is_file(),
        "{} is missing: the installation predates authbind-policy",
        install.policy_tool().display()
    );
    install
}

/// The tool on uids the user database does not have: the test users are
/// left out of it (root, nobody and nogroup only), so that explain, list
/// and check say what they say of such a uid (`uid 1500 is not in the user
/// database`, `group 1500`), whatever users the machine has.
fn sandbox<'a>(install: &'a Install, name: &str) -> Sandbox<'a> {
    Sandbox::new(install, name)
        .users(UserDb::minimal())
        .var("APOL", install.policy_tool())
}

#[test]
#[ignore = "needs root: make e2e"]
fn grant_lets_the_user_bind_and_revoke_takes_it_back() {
    let install = require("grant_lets_the_user_bind_and_revoke_takes_it_back");
    let out = sandbox(&install, "policy-grant").run(
        r#"
r dry      $APOL grant $U 80 --dry-run
r dry_file test -e /etc/authbind/byuid/$U
r grant    $APOL grant $U 80
r again    $APOL grant $U 80
r lines    cat /etc/authbind/byuid/$U
r mode     stat -c '%U:%G %a' /etc/authbind/byuid/$U
r v4       as_user $U $AB $BT 4 127.0.0.1 80 tcp
r v6       as_user $U $AB $BT 6 ::1 80 tcp
r other    as_user $O $AB $BT 4 127.0.0.1 80 tcp
r explain  as_user $U $APOL explain 127.0.0.1:80
r group    $APOL grant @$U 81
r list     $APOL list
r listme   as_user $U $APOL list
r g_mode   stat -c '%U:%g %a' /etc/authbind/byport/81
r g_bind   as_user $U $AB $BT 4 127.0.0.1 81 tcp
r g_other  as_user $O $AB $BT 4 127.0.0.1 81 tcp
r revoke   $APOL revoke $U 80
r after    as_user $U $AB $BT 4 127.0.0.1 80 tcp
r after6   as_user $U $AB $BT 6 ::1 80 tcp
r why      as_user $U $APOL explain 127.0.0.1:80
r root_why $APOL explain --user $U 127.0.0.1:80
r g_revoke $APOL revoke @$U 81
r g_after  as_user $U $AB $BT 4 127.0.0.1 81 tcp
"#,
    );
    out.expect(&[
        ("dry.rc", "0"),
        ("dry_file.rc", "1"),
        ("grant.rc", "0"),
        ("again.rc", "0"),
        ("lines", "0.0.0.0/0,80 ::/0,80"),
        ("mode", "root:root 644"),
        ("v4", "ok"),
        ("v6", "ok"),
        ("other", "errno=13"),
        ("explain.rc", "0"),
        ("group.rc", "0"),
        ("g_mode", &format!("root:{USER} 10")),
        ("g_bind", "ok"),
        ("g_other", "errno=13"),
        ("revoke.rc", "0"),
        ("after", "errno=13"),
        ("after6", "errno=13"),
        ("why.rc", "1"),
        ("root_why.rc", "1"),
        ("g_revoke.rc", "0"),
        ("g_after", "errno=13"),
    ]);
    out.ensure(
        out.get("again").contains("nothing to do: already granted"),
        "a second grant changes nothing",
    );
    // list: every grant of the user with the file (and line) that makes it.
    let grants = "uid 1500:   port 81 on every address: byport/81 (group 1500)   \
                  port 80 on every IPv4 address: byuid/1500:1   port 80 on every IPv6 address: byuid/1500:2";
    out.expect(&[
        ("list", &format!("{grants} any other user:   nothing")),
        ("list.rc", "0"),
        (
            "listme",
            &format!("(only root can list other users: this is you) {grants}"),
        ),
        ("listme.rc", "0"),
    ]);
    out.ensure(
        out.get("explain").ends_with("granted by byuid/1500:1"),
        "explain names the granting line",
    );
    out.ensure(
        out.get("why")
            .ends_with("refused: no line of byuid/1500 covers 127.0.0.1:80")
            || out
                .get("why")
                .ends_with("refused: there is no byuid/1500, and no byport or byaddr file for 127.0.0.1:80"),
        "explain says why it is refused",
    );
    out.ensure(
        out.get("root_why")
            .contains("uid 1500 is not in the user database: judged with gid 1500 and no supplementary groups"),
        "root's explain says whose credentials it used",
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn a_grant_that_cannot_work_is_refused_with_its_reason() {
    let install = require("a_grant_that_cannot_work_is_refused_with_its_reason");
    let out = sandbox(&install, "policy-conflict")
        .policy(
            Policy::new()
                .byport("80", OTHER)
                .byuid(&OTHER.to_string(), &["0.0.0.0/0,82"]),
        )
        .run(
            r#"
r grant   $APOL grant $U 80 2>$W/err
r err     cat $W/err
r written test -e /etc/authbind/byuid/$U
r bind    as_user $U $AB $BT 4 127.0.0.1 80 tcp
r group   $APOL grant @$U 82 2>$W/gerr
r gerr    cat $W/gerr
r gfile   test -e /etc/authbind/byport/82
r kept    as_user $O $AB $BT 4 127.0.0.1 82 tcp
"#,
        );
    out.expect(&[
        ("grant.rc", "1"),
        ("written.rc", "1"),
        ("bind", "errno=13"),
        ("group.rc", "1"),
        ("gfile.rc", "1"),
        ("kept", "ok"),
    ]);
    let err = out.get("err");
    out.ensure(
        err.contains("refused, nothing was written"),
        "the refusal says nothing was written",
    );
    out.ensure(
        err.contains("refused: byport/80 exists and is not executable for uid 1500")
            && err.contains("byport/80 is read before any byuid file"),
        "the refusal names the file in the way and why",
    );
    out.ensure(
        out.get("gerr").contains("uid 1501 (uid 1501) would lose 0.0.0.0:82")
            || out.get("gerr").contains("uid 1501 would lose 0.0.0.0:82"),
        "a group grant that would take a port from someone else is refused",
    );
}

/// The exact lines `check` prints for one instance of each problem.
const EXPECTED: &[&str] = &[
    "error: byaddr: every user can write in it (mode 0777), and so create a grant for themselves",
    "error: byaddr/127.0.0.1,88: never consulted: byport/88 decides every bind of port 88 first",
    "error: byport/!80: never consulted: ports below 512 are looked up without the `!` (byport/80)",
    "error: byport/636: never consulted: ports 512 and up are looked up with a `!` first (byport/!636)",
    "error: byport/83: every user may bind port 83 (mode 0755: the other bits have x)",
    "error: byport/84: owned by 1501 (not root), who can chmod it to let every user bind port 84",
    "error: byuid/1500:1: authbind ignores `127.0.0.1:84`: no comma between the addresses and the ports (`127.0.0.1:84`)",
    "error: byuid/1500:2: authbind ignores `127.0.0.1,85 # web`: the ports are not PORT or PORT-PORT (nothing may follow them, not even a comment) (`85 # web`)",
    "error: byuid/1500:3: authbind ignores ` 127.0.0.1,86`: not an address inet_pton reads (no names, no white space) (` 127.0.0.1`)",
    "error: byuid/1500:4: authbind ignores `localhost,87`: not an address inet_pton reads (no names, no white space) (`localhost`)",
    "error: byuid/1500:5: authbind ignores `127.0.0.1/8,92`: host bits set past the prefix length (`127.0.0.1`)",
    "error: byuid/1500:6: authbind ignores `127.0.0.1,95-94`: the lowest port is above the highest (`95-94`)",
    "error: byuid/1500:7: `127.0.0.1,636` grants ports 636, which are never read from byuid/1500 (ports 512 and up are read from byuid/!1500)",
    "error: byuid/!1500: is 134217729 bytes, more than the helper reads (134217728): binds that no line before the limit grants are refused",
    "error: byuid/1501: is a FIFO: the helper refuses every bind of uid 1501 that reaches it (authbind 2.1 would hang)",
    "error: byuid/1502: is a folder: every bind of uid 1502 that reaches it is refused (EISDIR)",
    "error: byuid/1503: owned by its own user, 1503, who can add lines granting uid 1503 any port",
    "warning: byport/22: sensitive port 22 (ssh) granted to every member of group nogroup (65534) (",
    "warning: byport/82: grants nobody (mode 0000, owner root (0), group root (0)): every bind of port 82 is refused, and the files after it are never read for it",
    "warning: byport/85: owned by 1501, who may bind port 85 through it and can chmod it to let every user do so",
    "warning: byport/85: its owner, uid 1501, has no user in the database",
    "warning: byport/86: is a symlink to 85: the grant is whatever that leads to",
    "warning: byport/87: is a FIFO where a file belongs: access() reads only its mode, so it decides as a file with mode 0010 would",
    "warning: byuid/1500: uid 1500 has no user in the database",
    "warning: byuid/1500:8: `0.0.0.0/0,1-511` grants the range 1-511, with sensitive ports 21 (ftp), 22 (ssh), 23 (telnet), 25 (smtp), 53 (dns), and 12 more",
];

#[test]
#[ignore = "needs root: make e2e"]
fn check_finds_each_problem_at_its_level_and_passes_a_clean_tree() {
    let install = require("check_finds_each_problem_at_its_level_and_passes_a_clean_tree");
    let out = sandbox(&install, "policy-check").run(
        r#"
r clean   $APOL check
r clean_user as_user $U $APOL check
$APOL grant nobody 80 >/dev/null && $APOL grant @nogroup 443 >/dev/null
r granted $APOL check
A=/etc/authbind
printf '%s\n' '127.0.0.1:84' '127.0.0.1,85 # web' ' 127.0.0.1,86' 'localhost,87' '127.0.0.1/8,92' \
    '127.0.0.1,95-94' '127.0.0.1,636' '0.0.0.0/0,1-511' > $A/byuid/$U
truncate -s 134217729 "$A/byuid/!$U"
mkfifo $A/byuid/1501; mkdir $A/byuid/1502; echo '0.0.0.0/0,80' > $A/byuid/1503; chown 1503 $A/byuid/1503
touch $A/byport/636 "$A/byport/!80" $A/byport/82 $A/byport/83 $A/byport/84 $A/byport/85 $A/byport/88
chmod 0000 $A/byport/82; chmod 0755 $A/byport/83
chown 1501 $A/byport/84 $A/byport/85; chmod 0050 $A/byport/84; chmod 0500 $A/byport/85
ln -s 85 $A/byport/86; mkfifo -m 0010 $A/byport/87
touch $A/byport/22; chgrp nogroup $A/byport/22; chmod 0010 $A/byport/22
touch $A/byaddr/127.0.0.1,88; chmod 0777 $A/byaddr
$APOL check > $W/check.txt; echo "check.rc=$?"
$APOL check --json > $W/check.json; echo "json.rc=$?"
r json_errors sh -c "grep -c '\"level\": \"error\"' $W/check.json"
echo '--- check output ---'; cat $W/check.txt
"#,
    );
    out.expect(&[
        ("clean.rc", "0"),
        ("clean_user.rc", "0"),
        ("granted.rc", "0"),
        ("check.rc", "2"),
        ("json.rc", "2"),
    ]);
    let printed: Vec<&str> = out.stdout.lines().collect();
    let mut missing = Vec::new();
    for want in EXPECTED {
        if !printed.iter().any(|l| l.starts_with(want)) {
            missing.push(*want);
        }
    }
    out.ensure(
        missing.is_empty(),
        &format!("check did not print:\n{}", missing.join("\n")),
    );
    let errors = EXPECTED.iter().filter(|e| e.starts_with("error:")).count();
    let json_errors: usize = out.get("json_errors").parse().unwrap_or(0);
    out.ensure(json_errors >= errors, "--json carries every error");
}

#[test]
#[ignore = "needs root: make e2e"]
fn apply_makes_the_tree_say_the_policy_and_export_reads_it_back() {
    let install = require("apply_makes_the_tree_say_the_policy_and_export_reads_it_back");
    let out = sandbox(&install, "policy-apply").run(
        r#"
cat > $W/p.toml <<EOF
[[grant]]
uid = $U
ports = [80, "600-601"]
addresses = ["127.0.0.1", "::1"]
EOF
printf 'version = 1\n' > $W/empty.toml
touch /etc/authbind/byport/22
r dry     $APOL apply --dry-run $W/p.toml
r dry_f   test -e /etc/authbind/byuid/$U
r apply   $APOL apply $W/p.toml
r again   $APOL apply $W/p.toml
r bind80  as_user $U $AB $BT 4 127.0.0.1 80 tcp
r bind600 as_user $U $AB $BT 6 ::1 600 tcp
r notaddr as_user $U $AB $BT 4 127.0.0.2 80 tcp
r export  sh -c "$APOL export > $W/x.toml"
r grants  grep -c '^\[\[grant\]\]' $W/x.toml
r remove  $APOL apply $W/empty.toml
r gone    test -e /etc/authbind/byuid/$U
r kept    test -e /etc/authbind/byport/22
r after   as_user $U $AB $BT 4 127.0.0.1 80 tcp
r prune   $APOL apply --prune $W/empty.toml
r pruned  test -e /etc/authbind/byport/22
r back    $APOL apply $W/x.toml
r bind_b  as_user $U $AB $BT 4 127.0.0.1 80 tcp
"#,
    );
    out.expect(&[
        ("dry.rc", "0"),
        ("dry_f.rc", "1"),
        ("apply.rc", "0"),
        ("again.rc", "0"),
        ("bind80", "ok"),
        ("bind600", "ok"),
        ("notaddr", "errno=13"),
        ("export.rc", "0"),
        ("remove.rc", "0"),
        ("gone.rc", "1"),
        ("kept.rc", "0"),
        ("after", "errno=13"),
        ("prune.rc", "0"),
        ("pruned.rc", "1"),
        ("back.rc", "0"),
        ("bind_b", "ok"),
    ]);
    out.ensure(out.get("again").ends_with("nothing to change"), "apply is idempotent");
    out.ensure(
        out.get("apply").contains("keep byport/22"),
        "apply names what it leaves alone",
    );
    out.ensure(out.get("grants") != "0", "export writes the grant back as a [[grant]]");
    let _ = USER;
}

/// Issue 19: `export` on one machine, `apply` on a fresh install (the
/// three folders 0755 root:root, as `make install` and the packages make
/// them) must reproduce every decision. The source's folders are not as
/// installed: byport 0705 root:$U (every user but $U's group may search
/// it), byaddr 0750 root:$O (only $O's group), byuid 0711. Before the
/// fix, apply refused (`byport exists and was not written by apply …
/// --prune replaces it`) and wrote nothing.
#[test]
#[ignore = "needs root: make e2e"]
fn export_applied_to_a_fresh_install_decides_every_bind_as_the_source() {
    let install = require("export_applied_to_a_fresh_install_decides_every_bind_as_the_source");
    let out = sandbox(&install, "policy-roundtrip").run(
        r#"
A=/etc/authbind
# Every test user, nobody too, on ports each decided by another file: a
# byport file, byuid lines, a byaddr group flag, nothing at all.
decide() {
    local uid port
    for uid in $U $O 65534; do
        for port in 80 81 82 83; do
            printf '%s:%s=%s ' $uid $port "$(as_user $uid $AB $BT 4 127.0.0.1 $port tcp)"
        done
        printf '%s:[::1]:81=%s ' $uid "$(as_user $uid $AB $BT 6 ::1 81 tcp)"
    done
}
folders() { stat -c '%n %a %u:%g' $A/byport $A/byaddr $A/byuid; }
# The source machine.
chgrp $U $A/byport; chmod 0705 $A/byport
chgrp $O $A/byaddr; chmod 0750 $A/byaddr
chmod 0711 $A/byuid
install -m 0755 /dev/null $A/byport/80
install -m 0010 -g $O /dev/null $A/byaddr/127.0.0.1,82
printf '0.0.0.0/0,81\n::/0,81\n' > $A/byuid/$U
printf '0.0.0.0/0,81\n::/0,81\n' > $A/byuid/$O
printf '0.0.0.0/0,83\n' > $A/byuid/65534
r source     decide
r src_dirs   folders
r export     sh -c "$APOL export > $W/x.toml"
# The fresh install: the three folders as installed, nothing in them.
rm -rf $A/byport $A/byaddr $A/byuid && mkdir -m 0755 $A/byport $A/byaddr $A/byuid
r dry        $APOL apply --dry-run $W/x.toml
r apply      $APOL apply $W/x.toml
r dst_dirs   folders
r applied    decide
# The same files under folders as installed decide otherwise: the
# folders are part of the policy. apply sets them back (it wrote them).
chown root:root $A/byport $A/byaddr $A/byuid; chmod 0755 $A/byport $A/byaddr $A/byuid
r plain      decide
r reapply    $APOL apply $W/x.toml
r reapplied  decide
r again      $APOL apply $W/x.toml
"#,
    );
    out.expect(&[
        ("export.rc", "0"),
        ("dry.rc", "0"),
        ("apply.rc", "0"),
        ("reapply.rc", "0"),
        ("again.rc", "0"),
        (
            "src_dirs",
            &format!(
                "/etc/authbind/byport 705 0:{USER} /etc/authbind/byaddr 750 0:{OTHER} /etc/authbind/byuid 711 0:0"
            ),
        ),
    ]);
    // (b) the folders as on the source, (c) every decision as on the source.
    let source = out.get("source");
    out.expect(&[
        ("dst_dirs", out.get("src_dirs")),
        ("applied", source),
        ("reapplied", source),
    ]);
    // What the folders decide on the source: $U is kept out of byport,
    // nobody out of byaddr (a byaddr file is read before byuid), $O has
    // both; so the comparison is not one of trees that agree anyway.
    for (bind, result) in [
        (format!("{USER}:80"), "errno=13"),
        (format!("{USER}:81"), "errno=13"),
        (format!("{OTHER}:80"), "ok"),
        (format!("{OTHER}:81"), "ok"),
        (format!("{OTHER}:82"), "ok"),
        (format!("{OTHER}:83"), "errno=13"),
        ("65534:80".into(), "ok"),
        ("65534:83".into(), "errno=13"),
    ] {
        out.ensure(
            source.split(' ').any(|d| d == format!("{bind}={result}")),
            &format!("on the source, {bind} is {result}"),
        );
    }
    out.ensure(
        out.get("plain") != source,
        "the folders' owners and modes decide something",
    );
    out.ensure(
        out.get("dry")
            .contains(&format!("update byport (folder, 0:{USER} 0705)"))
            && out
                .get("dry")
                .contains(&format!("update byaddr (folder, 0:{OTHER} 0750)"))
            && out.get("dry").contains("update byuid (folder, 0:0 0711)"),
        "the plan names each folder it sets",
    );
    out.ensure(out.get("again").ends_with("nothing to change"), "apply is idempotent");
}

/// Ten grants at once each keep their line (each run holds the folder's
/// lock from its read to its write: before, they all said `done` and nine
/// lines were lost), and a grant into a byuid file others may write leaves
/// it writable by root alone.
#[test]
#[ignore = "needs root: make e2e"]
fn concurrent_grants_keep_every_line_and_edits_drop_others_write_bits() {
    let install = require("concurrent_grants_keep_every_line_and_edits_drop_others_write_bits");
    let out = sandbox(&install, "policy-concurrent").run(
        r#"
pids=""
for p in $(seq 100 109); do
    $APOL grant $O $p --addr 127.0.0.1 > "$W/grant.$p" 2>&1 & pids="$pids $!"
done
failed=0; for pid in $pids; do wait $pid || failed=$((failed+1)); done
echo "failed=$failed"
echo "lines=$(wc -l < /etc/authbind/byuid/$O)"
echo "ports=$(sed -n 's/^127\.0\.0\.1,//p' /etc/authbind/byuid/$O | sort -n | tr '\n' ' ')"
r bind105 as_user $O $AB $BT 4 127.0.0.1 105 tcp
printf '127.0.0.1,90\n' > /etc/authbind/byuid/$U; chmod 0666 /etc/authbind/byuid/$U
r loose $APOL grant $U 91 --addr 127.0.0.1
r loose_mode stat -c '%U %a' /etc/authbind/byuid/$U
r loose_lines cat /etc/authbind/byuid/$U
"#,
    );
    out.expect(&[
        ("failed", "0"),
        ("lines", "10"),
        ("ports", "100 101 102 103 104 105 106 107 108 109"),
        ("bind105", "ok"),
        ("loose.rc", "0"),
        ("loose_mode", "root 644"),
        ("loose_lines", "127.0.0.1,90 127.0.0.1,91"),
    ]);
    out.ensure(
        out.get("loose")
            .contains("no longer writable by group or others (0644 was 0666)"),
        "the grant says it changed the mode",
    );
}
