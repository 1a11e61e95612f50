//! Compatibility with Debian's authbind 2.1 (/usr/bin/authbind,
//! /usr/lib/authbind/{libauthbind.so.1,helper}, package `authbind`):
//! - Debian's launcher and library with OUR helper bind-mounted over theirs
//!   give, case for case, the results Debian's own helper gives;
//! - our launcher and library treat the environment a user already has
//!   (AUTHBIND_LIB, LD_PRELOAD, AUTHBIND_LEVELS) as Debian's do: the same
//!   program chain, run under each, sees the same thing at every level.

use authbind_e2e::{ready, Outcome, Policy, Sandbox, OTHER, USER};

const DEBIAN_LAUNCHER: &str = "/usr/bin/authbind";
const DEBIAN_LIB: &str = "/usr/lib/authbind/libauthbind.so.1";
const DEBIAN_HELPER: &str = "/usr/lib/authbind/helper";

/// Debian's pieces must be installed (`apt-get install authbind`, as
/// .ci/run does); a missing one fails the test rather than skipping it.
fn debian_installed() {
    for path in [DEBIAN_LAUNCHER, DEBIAN_LIB, DEBIAN_HELPER] {
        assert!(
            std::path::Path::new(path).exists(),
            "{path} is missing: install Debian's authbind (apt-get install authbind)"
        );
    }
}

/// (key, uid, family, address, port, proto, the result Debian's helper gives)
const HELPER_CASES: &[(&str, u32, &str, &str, u16, &str, &str)] = &[
    ("byport", USER, "4", "127.0.0.1", 80, "tcp", "ok"),
    ("byport_udp", USER, "4", "127.0.0.1", 80, "udp", "ok"),
    ("byport6", USER, "6", "::1", 80, "tcp", "ok"),
    ("byuid_line", USER, "4", "127.0.0.1", 81, "tcp", "ok"),
    ("byuid_line6", USER, "6", "::1", 81, "tcp", "ok"),
    ("byaddr", USER, "4", "127.0.0.1", 82, "tcp", "ok"),
    // byport/80 exists but OTHER may not execute it.
    ("byport_not_executable", OTHER, "4", "127.0.0.1", 80, "tcp", "errno=13"),
    // No byuid/1501.
    ("no_byuid_file", OTHER, "4", "127.0.0.1", 81, "tcp", "errno=1"),
    ("no_byuid_file6", OTHER, "6", "::1", 81, "udp", "errno=1"),
    // byuid/1500 exists; no line covers port 83.
    ("no_matching_line", USER, "4", "127.0.0.1", 83, "tcp", "errno=2"),
    ("no_matching_line6", USER, "6", "::1", 83, "tcp", "errno=2"),
    // 512–1023 need byuid/!1500, which does not exist.
    ("bang_range", USER, "4", "127.0.0.1", 600, "tcp", "errno=1"),
    ("unprivileged", OTHER, "4", "127.0.0.1", 8080, "tcp", "ok"),
];

#[test]
#[ignore = "needs root: make e2e"]
fn debian_launcher_and_library_with_our_helper_match_debians_helper() {
    let install = ready("debian_launcher_and_library_with_our_helper_match_debians_helper");
    debian_installed();
    let policy = Policy::new()
        .byport("80", USER)
        .byaddr("127.0.0.1:82", USER)
        .byuid(&USER.to_string(), &["127.0.0.1,81", "::1,81"]);
    let mut cases = String::new();
    for (key, uid, family, addr, port, proto, _) in HELPER_CASES {
        cases += &format!("    r $1.{key} as_user {uid} {DEBIAN_LAUNCHER} $BT {family} {addr} {port} {proto}\n");
    }
    let out = Sandbox::new(&install, "interop-helper").policy(policy).run(&format!(
        r#"
all_cases() {{
{cases}}}
echo "debian_helper_is_ours=$(cmp -s $HELPER {DEBIAN_HELPER} && echo yes || echo no)"
all_cases debian
mount --bind $HELPER {DEBIAN_HELPER} || fail 'mount --bind our helper'
echo "our_helper_mounted=$(cmp -s $HELPER {DEBIAN_HELPER} && echo yes || echo no)"
all_cases ours
"#
    ));
    out.expect(&[("debian_helper_is_ours", "no"), ("our_helper_mounted", "yes")]);
    for (key, _, _, _, _, _, want) in HELPER_CASES {
        // Debian's helper first (the reference), then ours in its place.
        out.expect(&[(&format!("debian.{key}"), want), (&format!("ours.{key}"), want)]);
    }
}

/// The environment edits every level of a chain of envprobes sees, run
/// once through Debian's pieces and once through ours, with paths
/// normalized: Debian's library and ours → `LIB`, copies of either in the
/// scratch folder → `ALT/…`, the marker library → `MARK`.
///
/// `chains` holds (key, the command for Debian, the command for ours); the
/// commands may use `$DLAUNCH`/`$DLIB` (Debian's), `$AB`/`$LIB` (ours),
/// `$DALT`/`$OALT` (copies of Debian's and our library, same file name),
/// and `$CHAIN` (four envprobe levels binding port 80).
fn compare_chains(test: &str, chains: &[(&str, &str, &str)]) -> Outcome {
    let install = ready(test);
    debian_installed();
    let mut body = format!(
        r#"
DLAUNCH={DEBIAN_LAUNCHER}; DLIB={DEBIAN_LIB}
mkdir -p "$W/deb" "$W/ours"
cp "$DLIB" "$W/deb/libauthbind.so.1"; cp "$LIB" "$W/ours/libauthbind.so.1"
ln -s "$DLIB" "$W/deb/link.so.1"; ln -s "$LIB" "$W/ours/link.so.1"
chmod -R a+rX "$W/deb" "$W/ours"
DALT="$W/deb"; OALT="$W/ours"
CHAIN="$EP 80 $EP 80 $EP 80 $EP 80"
DREAL=$(readlink -f "$DLIB"); OREAL=$(readlink -f "$LIB")
norm() {{
    sed -e "s#$W/deb/#ALT/#g" -e "s#$W/ours/#ALT/#g" -e "s#$DREAL#LIB#g" -e "s#$DLIB#LIB#g" \
        -e "s#$OREAL#LIB#g" -e "s#$LIB#LIB#g" -e "s#$MARK#MARK#g"
}}
# chain KEY CMD…: each line the chain prints, as KEY.N=LINE
chain() {{ local key=$1; shift; "$@" 2>"$W/$key.err" | norm | awk -v k="$key" '{{ print k "." NR "=" $0 }}'; }}
"#
    );
    for (key, debian, ours) in chains {
        body += &format!("chain debian.{key} {debian}\nchain ours.{key} {ours}\n");
    }
    let out = Sandbox::new(&install, test)
        .policy(Policy::new().byport("80", USER))
        .run(&body);
    for (key, _, _) in chains {
        for level in 1..=4 {
            let theirs = out.get(&format!("debian.{key}.{level}")).to_string();
            out.expect(&[(&format!("ours.{key}.{level}"), &theirs)]);
        }
    }
    out
}

/// One envprobe line, normalized: the marker library is preloaded, and
/// the authbind library is mapped exactly when the bind succeeded.
fn line(bind: &str, preload: &str, levels: &str, lib: &str, marker: bool, maps: &str) -> String {
    format!(
        "bind={bind} preload={preload} levels={levels} lib={lib} marker={} maps={maps}",
        if marker { "yes" } else { "no" }
    )
}

fn expect_levels(out: &Outcome, key: &str, lines: &[String]) {
    for (n, want) in lines.iter().enumerate() {
        out.expect(&[(&format!("ours.{key}.{}", n + 1), want)]);
    }
}

#[test]
#[ignore = "needs root: make e2e"]
fn authbind_lib_names_the_library_to_preload_and_to_remove() {
    let test = "authbind_lib_names_the_library_to_preload_and_to_remove";
    let u = format!("as_user {USER}");
    let out = compare_chains(
        test,
        &[
            // A copy elsewhere: it is what gets loaded, and what is removed.
            (
                "copy",
                &format!("{u} AUTHBIND_LIB=$DALT/libauthbind.so.1 $DLAUNCH $CHAIN"),
                &format!("{u} AUTHBIND_LIB=$OALT/libauthbind.so.1 $AB $CHAIN"),
            ),
            (
                "copy_depth2",
                &format!("{u} AUTHBIND_LIB=$DALT/libauthbind.so.1 $DLAUNCH --depth 2 $CHAIN"),
                &format!("{u} AUTHBIND_LIB=$OALT/libauthbind.so.1 $AB --depth 2 $CHAIN"),
            ),
            // A symlink: removed by its name, the file it points to is loaded.
            (
                "symlink",
                &format!("{u} AUTHBIND_LIB=$DALT/link.so.1 $DLAUNCH $CHAIN"),
                &format!("{u} AUTHBIND_LIB=$OALT/link.so.1 $AB $CHAIN"),
            ),
            // Either launcher preloads either library.
            (
                "cross_debian_lib",
                &format!("{u} AUTHBIND_LIB=$DLIB $DLAUNCH $CHAIN"),
                &format!("{u} AUTHBIND_LIB=$DLIB $AB $CHAIN"),
            ),
            (
                "cross_our_lib",
                &format!("{u} AUTHBIND_LIB=$LIB $DLAUNCH $CHAIN"),
                &format!("{u} AUTHBIND_LIB=$LIB $AB $CHAIN"),
            ),
        ],
    );
    let alt = "ALT/libauthbind.so.1";
    let denied = |preload: &str, lib: &str| line("errno=13", preload, "-", lib, false, "-");
    expect_levels(
        &out,
        "copy",
        &[
            line("ok", "-", "-", alt, false, alt),
            denied("-", alt),
            denied("-", alt),
            denied("-", alt),
        ],
    );
    expect_levels(
        &out,
        "copy_depth2",
        &[
            line("ok", alt, "-", alt, false, alt),
            line("ok", "-", "-", alt, false, alt),
            denied("-", alt),
            denied("-", alt),
        ],
    );
    let link = "ALT/link.so.1";
    expect_levels(
        &out,
        "symlink",
        &[
            line("ok", "-", "-", link, false, "LIB"),
            denied("-", link),
            denied("-", link),
        ],
    );
    expect_levels(
        &out,
        "cross_debian_lib",
        &[line("ok", "-", "-", "LIB", false, "LIB"), denied("-", "LIB")],
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn an_existing_ld_preload_is_kept_and_outlives_ours() {
    let test = "an_existing_ld_preload_is_kept_and_outlives_ours";
    let u = format!("as_user {USER} LD_PRELOAD=$MARK");
    let out = compare_chains(
        test,
        &[
            ("depth1", &format!("{u} $DLAUNCH $CHAIN"), &format!("{u} $AB $CHAIN")),
            (
                "depth2",
                &format!("{u} $DLAUNCH --depth 2 $CHAIN"),
                &format!("{u} $AB --depth 2 $CHAIN"),
            ),
            (
                "deep",
                &format!("{u} $DLAUNCH --deep $CHAIN"),
                &format!("{u} $AB --deep $CHAIN"),
            ),
            (
                "copy_depth3",
                &format!("{u} AUTHBIND_LIB=$DALT/libauthbind.so.1 $DLAUNCH --depth 3 $CHAIN"),
                &format!("{u} AUTHBIND_LIB=$OALT/libauthbind.so.1 $AB --depth 3 $CHAIN"),
            ),
        ],
    );
    let ok = |preload: &str, levels: &str| line("ok", preload, levels, "LIB", true, "LIB");
    let denied = || line("errno=13", "MARK", "-", "LIB", true, "-");
    // The marker stays in LD_PRELOAD at every level; ours is appended
    // after it and gone once the depth is used up.
    expect_levels(&out, "depth1", &[ok("MARK", "-"), denied(), denied(), denied()]);
    expect_levels(
        &out,
        "depth2",
        &[ok("MARK:LIB", "-"), ok("MARK", "-"), denied(), denied()],
    );
    expect_levels(
        &out,
        "deep",
        &[
            ok("MARK:LIB", "y"),
            ok("MARK:LIB", "y"),
            ok("MARK:LIB", "y"),
            ok("MARK:LIB", "y"),
        ],
    );
    let alt = "ALT/libauthbind.so.1";
    expect_levels(
        &out,
        "copy_depth3",
        &[
            line("ok", &format!("MARK:{alt}"), "1", alt, true, alt),
            line("ok", &format!("MARK:{alt}"), "-", alt, true, alt),
            line("ok", "MARK", "-", alt, true, alt),
            line("errno=13", "MARK", "-", alt, true, "-"),
        ],
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn authbind_levels_values_behave_as_libauthbind_2_1() {
    let test = "authbind_levels_values_behave_as_libauthbind_2_1";
    // (key, AUTHBIND_LEVELS or None for unset)
    let values: &[(&str, Option<&str>)] = &[
        ("unset", None),
        ("y", Some("y")),
        ("yes", Some("yes")),
        ("3", Some("3")),
        ("2", Some("2")),
        ("1", Some("1")),
        ("0", Some("0")),
        ("empty", Some("")),
        ("junk", Some("junk")),
        ("negative", Some("-2")),
        ("digits_then_junk", Some("2x")),
    ];
    let mut chains: Vec<(String, String, String)> = Vec::new();
    for (key, value) in values {
        let levels = value.map(|v| format!("AUTHBIND_LEVELS='{v}'")).unwrap_or_default();
        // The library preloaded by hand, as the launcher would.
        chains.push((
            format!("lib_{key}"),
            format!("as_user {USER} LD_PRELOAD=$MARK:$DLIB AUTHBIND_LIB=$DLIB {levels} $CHAIN"),
            format!("as_user {USER} LD_PRELOAD=$MARK:$LIB AUTHBIND_LIB=$LIB {levels} $CHAIN"),
        ));
    }
    for (key, value) in [("y", "y"), ("2", "2"), ("0", "0"), ("junk", "junk")] {
        // Set before the launcher (at its default depth, which leaves
        // AUTHBIND_LEVELS alone).
        chains.push((
            format!("launcher_{key}"),
            format!("as_user {USER} AUTHBIND_LEVELS={value} $DLAUNCH $CHAIN"),
            format!("as_user {USER} AUTHBIND_LEVELS={value} $AB $CHAIN"),
        ));
    }
    let borrowed: Vec<(&str, &str, &str)> = chains
        .iter()
        .map(|(k, d, o)| (k.as_str(), d.as_str(), o.as_str()))
        .collect();
    let out = compare_chains(test, &borrowed);

    let ok = |preload: &str, levels: &str| line("ok", preload, levels, "LIB", true, "LIB");
    let denied = || line("errno=13", "MARK", "-", "LIB", true, "-");
    let forever = ok("MARK:LIB", "y");
    // y…: kept forever, AUTHBIND_LEVELS untouched.
    expect_levels(
        &out,
        "lib_y",
        &[forever.clone(), forever.clone(), forever.clone(), forever],
    );
    let yes = ok("MARK:LIB", "yes");
    expect_levels(&out, "lib_yes", &[yes.clone(), yes.clone(), yes.clone(), yes]);
    // n > 1: kept, n-1 passed on; 1: kept for this program, unset.
    expect_levels(
        &out,
        "lib_3",
        &[
            ok("MARK:LIB", "2"),
            ok("MARK:LIB", "1"),
            ok("MARK:LIB", "-"),
            ok("MARK", "-"),
        ],
    );
    expect_levels(
        &out,
        "lib_2",
        &[ok("MARK:LIB", "1"), ok("MARK:LIB", "-"), ok("MARK", "-"), denied()],
    );
    expect_levels(
        &out,
        "lib_1",
        &[ok("MARK:LIB", "-"), ok("MARK", "-"), denied(), denied()],
    );
    // Unset, 0, empty, junk: removed now (this program still has it loaded).
    for key in ["unset", "0", "empty", "junk", "negative"] {
        expect_levels(
            &out,
            &format!("lib_{key}"),
            &[ok("MARK", "-"), denied(), denied(), denied()],
        );
    }
    // atoi("2x") is 2.
    expect_levels(
        &out,
        "lib_digits_then_junk",
        &[ok("MARK:LIB", "1"), ok("MARK:LIB", "-"), ok("MARK", "-"), denied()],
    );
    let ok = |levels: &str| line("ok", "LIB", levels, "LIB", false, "LIB");
    let denied = || line("errno=13", "-", "-", "LIB", false, "-");
    expect_levels(&out, "launcher_y", &[ok("y"), ok("y"), ok("y"), ok("y")]);
    expect_levels(
        &out,
        "launcher_2",
        &[ok("1"), ok("-"), line("ok", "-", "-", "LIB", false, "LIB"), denied()],
    );
    for key in ["launcher_0", "launcher_junk"] {
        expect_levels(
            &out,
            key,
            &[line("ok", "-", "-", "LIB", false, "LIB"), denied(), denied(), denied()],
        );
    }
}
