//! The launcher itself: running programs, exit statuses, --help, --version,
//! usage errors.

use authbind_e2e::{ready, Policy, Sandbox, USER};
use std::os::unix::fs::MetadataExt;

#[test]
#[ignore = "needs root: make e2e"]
fn installed_layout() {
    let install = ready("installed_layout");
    let meta = |p: std::path::PathBuf| std::fs::metadata(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let helper = meta(install.helper());
    assert_eq!(
        (helper.uid(), helper.mode() & 0o7777),
        (0, 0o4755),
        "{}: must be root's, mode 4755",
        install.helper().display()
    );
    let launcher = meta(install.launcher());
    assert!(
        launcher.mode() & 0o111 == 0o111,
        "{}: not executable by all",
        install.launcher().display()
    );
    let shim = meta(install.shim());
    assert!(
        shim.mode() & 0o444 == 0o444,
        "{}: not readable by all",
        install.shim().display()
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn runs_the_program_with_its_arguments_and_exit_status() {
    let install = ready("runs_the_program_with_its_arguments_and_exit_status");
    let out = Sandbox::new(&install, "launcher-run")
        .policy(Policy::new().byport("80", USER))
        .run(
            r#"
r args    as_user $U $AB printf '%s|' a 'b c' '' --depth -x
r status  as_user $U $AB sh -c 'exit 7'
r dashdash as_user $U $AB -- $BT 4 127.0.0.1 80 tcp
r path    as_user $U PATH="/usr/bin:/bin:${BT%/*}" $AB bindtest 4 127.0.0.1 80 tcp
"#,
        );
    out.expect(&[
        ("args", "a|b c||--depth|-x|"),
        ("args.rc", "0"),
        ("status", ""),
        ("status.rc", "7"),
        ("dashdash", "ok"),
        // The program is looked up in PATH.
        ("path", "ok"),
    ]);
}

#[test]
#[ignore = "needs root: make e2e"]
fn exit_255_and_a_message_when_the_program_cannot_be_run() {
    let install = ready("exit_255_and_a_message_when_the_program_cannot_be_run");
    let out = Sandbox::new(&install, "launcher-noexec").run(
        r#"
printf '#!/bin/sh\necho ran\n' > "$W/notexec"; chmod 0644 "$W/notexec"
r missing as_user $U $AB /nonexistent/program arg 2>"$W/missing.err"
echo "missing_err=$(head -c 300 "$W/missing.err" | tr '\n' ' ')"
r notexec as_user $U $AB "$W/notexec" 2>"$W/notexec.err"
echo "notexec_err=$(head -c 300 "$W/notexec.err" | tr '\n' ' ')"
r notinpath as_user $U $AB authbind-e2e-no-such-program 2>"$W/notinpath.err"
echo "notinpath_err=$(head -c 300 "$W/notinpath.err" | tr '\n' ' ')"
"#,
    );
    out.expect(&[
        ("missing", ""),
        ("missing.rc", "255"),
        ("notexec", ""),
        ("notexec.rc", "255"),
        ("notinpath", ""),
        ("notinpath.rc", "255"),
    ]);
    for (key, name, why) in [
        (
            "missing_err",
            "/nonexistent/program",
            "No such file or directory (ENOENT)",
        ),
        ("notexec_err", "notexec", "Permission denied (EACCES)"),
        (
            "notinpath_err",
            "authbind-e2e-no-such-program",
            "No such file or directory (ENOENT)",
        ),
    ] {
        let msg = out.get(key);
        out.ensure(
            msg.contains(name),
            &format!("{key}: the message does not name the program `{name}`: `{msg}`"),
        );
        // The error by its text and name, never "os error N".
        out.ensure(
            msg.contains(&format!("{name}: {why}")),
            &format!("{key}: expected `{name}: {why}` in `{msg}`"),
        );
    }
}

#[test]
#[ignore = "needs root: make e2e"]
fn help_and_version() {
    let install = ready("help_and_version");
    let out = Sandbox::new(&install, "launcher-help").run(
        r#"
r help    as_user $U $AB --help
r version as_user $U $AB --version
"#,
    );
    out.expect(&[("help.rc", "0"), ("version.rc", "0")]);
    let help = out.get("help");
    for word in ["usage", "--depth", "--deep"] {
        out.ensure(
            help.to_lowercase().contains(word),
            &format!("--help on stdout does not mention `{word}`: `{help}`"),
        );
    }
    let version = out.get("version");
    out.ensure(
        version.contains("authbind") && version.chars().any(|c| c.is_ascii_digit()),
        &format!("--version on stdout does not name authbind and a version: `{version}`"),
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn usage_errors() {
    let install = ready("usage_errors");
    // Each case is a whole command line; none may run `echo RAN`.
    let cases = [
        "--depth x echo RAN",
        "--depth 0 echo RAN",
        "--depth -1 echo RAN",
        "--depth 1x echo RAN",
        "--depth '' echo RAN",
        "--depth 99999999999999999999 echo RAN",
        "--depth",
        "--deep",
        "",
    ];
    let mut body = String::new();
    for (n, args) in cases.iter().enumerate() {
        body += &format!(
            "as_user $U $AB {args} >\"$W/{n}.out\" 2>\"$W/{n}.err\"; echo \"case{n}.rc=$?\"\n\
             echo \"case{n}.ran=$(grep -c RAN \"$W/{n}.out\")\"\n\
             echo \"case{n}.usage=$(grep -ci usage \"$W/{n}.err\")\"\n"
        );
    }
    body += "r ok_depth as_user $U $AB --depth 3 echo fine\n";
    let out = Sandbox::new(&install, "launcher-usage").run(&body);
    out.expect(&[("ok_depth", "fine"), ("ok_depth.rc", "0")]);
    for (n, args) in cases.iter().enumerate() {
        let rc = out.get(&format!("case{n}.rc"));
        out.ensure(
            rc != "0",
            &format!("`authbind {args}` exited 0, not with a usage error"),
        );
        out.ensure(
            out.get(&format!("case{n}.ran")) == "0",
            &format!("`authbind {args}` ran the program"),
        );
        out.ensure(
            out.get(&format!("case{n}.usage")) != "0",
            &format!("`authbind {args}`: no usage message on stderr"),
        );
    }
}
