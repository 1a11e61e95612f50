//! Regressions for the findings of an independent security review (each
//! of these failed on the code before the fix; see the comments):
//! - the supervisor must not bind for a process that moved into a user
//!   namespace of its own and gave up its capabilities there;
//! - the root helper ends by itself within its deadline, whatever the
//!   caller did to its reply queue or its stderr;
//! - the launcher answers at once, with the kernel's error, when the
//!   program or its `#!` interpreter is a FIFO;
//! - without /proc the supervisor says why it refuses;
//! - the helper never opens for reading, as root, what a byuid link leads
//!   to before it has checked that it is a regular file.

use authbind_e2e::{adversaries, ready, Ended, Outcome, Policy, Report, Sandbox, USER};

fn report(out: &Outcome, key: &str) -> Report {
    let line = out.get(key);
    Report::parse(line).unwrap_or_else(|| out.fail(&format!("`{key}`: not a report: `{line}`")))
}

/// Before the fix the supervisor bound the socket with its own
/// credentials, and as the owner of the program's new user namespace it
/// held CAP_NET_BIND_SERVICE over that namespace's network: the bind
/// succeeded with an empty policy.
#[test]
#[ignore = "needs root: make e2e"]
fn supervisor_does_not_bind_for_a_process_in_its_own_user_namespace() {
    let install = ready("supervisor_does_not_bind_for_a_process_in_its_own_user_namespace");
    let out = Sandbox::new(&install, "userns-escape")
        .policy(Policy::new().byport("80", USER))
        .run(
            r#"
# unshare execs the test program with no capabilities in the new user
# namespace (uid 1501 there is not its root); its network namespace is
# owned by that user namespace.
NS="unshare --user --map-current-user --net"
r native     as_user $O $NS $BT 4 0.0.0.0 80 tcp
r library    as_user $O $AB --preload $NS $BT 4 0.0.0.0 80 tcp
r supervised as_user $O AUTHBIND_DEBUG=1 $AB --seccomp $NS $BT 4 0.0.0.0 80 tcp 2>"$W/sup.err"
echo "said=$(grep -c 'another user namespace' "$W/sup.err")"
# The controls: the supervisor does bind for a granted user in its own namespace,
# and unshare alone does not stop a plain bind of an unprivileged port.
r granted    as_user $U $AB --seccomp $BT 4 127.0.0.1 80 tcp
r high       as_user $O $AB --seccomp $NS $BT 4 0.0.0.0 8080 tcp
"#,
        );
    out.expect(&[
        ("native", "errno=13"),
        ("library", "errno=13"),
        ("supervised", "errno=13"),
        ("said", "1"),
        ("granted", "ok"),
        ("high", "ok"),
    ]);
}

/// Before the fix the helper slept in sendmsg() for ever when the reply's
/// queue was full, and in write() for ever on a full stderr pipe: a
/// setuid-root process parked by any user.
#[test]
#[ignore = "needs root: make e2e"]
fn the_helper_never_waits_on_its_reply_or_its_stderr() {
    let install = ready("the_helper_never_waits_on_its_reply_or_its_stderr");
    let mut body = adversaries().prelude();
    body += r#"
r full_o as_user $O $ADV_NATIVE "$HELPER" fullreply
r full_u as_user $U $ADV_NATIVE "$HELPER" fullreply
# A message to a stderr pipe that is full and never read: bad usage, an
# unreadable byuid file (a FIFO), and the native protocol's complaint.
mkfifo /etc/authbind/byuid/1501
r usage    as_user $O $ADV_RUN -S -t 20000 -0 tcp4 -- "$HELPER" junk
r fault    as_user $O $ADV_RUN -S -t 20000 -0 tcp4 -- "$HELPER" 0100007f 5000
r native   as_user $O $ADV_RUN -S -t 20000 -0 tcp4 -- "$HELPER" --native
"#;
    let out = Sandbox::new(&install, "helper-deadline")
        .policy(Policy::new().byport("80", USER))
        .timeout(std::time::Duration::from_secs(120))
        .run(&body);
    let mut problems = Vec::new();
    for key in ["full_o", "full_u", "usage", "fault", "native"] {
        let r = report(&out, key);
        if matches!(r.ended, Ended::Timeout) || r.ms() > 7000 {
            problems.push(format!("{key}: did not end within the helper's deadline: {}", r.line));
        }
        if r.panicked() {
            problems.push(format!("{key}: panic text: {}", r.line));
        }
    }
    // The quick ones are quick: nothing waits for the deadline.
    for key in ["full_o", "full_u", "usage", "fault", "native"] {
        if report(&out, key).ms() > 2000 {
            problems.push(format!("{key}: took over 2 s: {}", report(&out, key).line));
        }
    }
    let usage = report(&out, "usage");
    if usage.exit() != Some(libc::ENOSYS) {
        problems.push(format!("usage: expected exit {}: {}", libc::ENOSYS, usage.line));
    }
    out.ensure(problems.is_empty(), &problems.join("\n"));
}

/// Before the fix the launcher opened the program (and each `#!`
/// interpreter) to read its header, and blocked for ever on a FIFO; now it
/// answers at once with the kernel's error, as Debian's authbind does.
#[test]
#[ignore = "needs root: make e2e"]
fn a_fifo_as_program_or_interpreter_is_answered_at_once() {
    let install = ready("a_fifo_as_program_or_interpreter_is_answered_at_once");
    let out = Sandbox::new(&install, "launcher-fifo").run(
        r#"
mkfifo -m 0777 "$W/fifo"
printf '#!%s\n' "$W/fifo" > "$W/script"; chmod 0755 "$W/script"
timed() {
    local key=$1 start end rc; shift
    start=$(date +%s%N)
    timeout 20 setpriv --reuid=$U --regid=$U --clear-groups env -i PATH=/usr/bin:/bin "$@" 2>"$W/$key.err" </dev/null
    rc=$?; end=$(date +%s%N)
    echo "$key.rc=$rc"; echo "$key.ms=$(( (end - start) / 1000000 ))"
    echo "$key.err=$(head -c 300 "$W/$key.err" | tr '\n' ' ')"
}
timed program $AB "$W/fifo"
timed interpreter $AB "$W/script"
timed seccomp $AB --seccomp "$W/fifo"
"#,
    );
    for key in ["program", "interpreter", "seccomp"] {
        let rc = out.get(&format!("{key}.rc"));
        let ms: u64 = out.get(&format!("{key}.ms")).parse().unwrap_or(u64::MAX);
        let err = out.get(&format!("{key}.err"));
        out.ensure(
            rc == "255",
            &format!("{key}: expected exit 255 (could not run it), got {rc}"),
        );
        out.ensure(ms < 3000, &format!("{key}: took {ms} ms"));
        out.ensure(
            err.contains("Permission denied"),
            &format!("{key}: the message does not give the kernel's EACCES: `{err}`"),
        );
    }
}

/// Before the fix, without /proc every privileged bind under the
/// supervisor was refused without a word, even with AUTHBIND_DEBUG=1.
#[test]
#[ignore = "needs root: make e2e"]
fn without_proc_the_supervisor_says_why_once() {
    let install = ready("without_proc_the_supervisor_says_why_once");
    let out = Sandbox::new(&install, "no-proc")
        .policy(Policy::new().byport("80", USER))
        .run(
            r#"
r with_proc as_user $U $AB $SB grid 80
mount -t tmpfs -o mode=0755 no-proc /proc || fail 'tmpfs over /proc'
r quiet as_user $U $AB $SB grid 80 2>"$W/quiet.err"
r debug as_user $U AUTHBIND_DEBUG=1 $AB $SB grid 80 2>"$W/debug.err"
echo "quiet_lines=$(grep -c 'is /proc mounted' "$W/quiet.err")"
echo "debug_lines=$(grep -c 'is /proc mounted' "$W/debug.err")"
echo "text=$(grep -m1 'is /proc mounted' "$W/quiet.err")"
"#,
        );
    let binds = |key: &str| out.get(key).split_whitespace().filter(|w| w.ends_with("=ok")).count();
    out.ensure(
        binds("with_proc") == 6,
        "with /proc, the granted binds did not all succeed",
    );
    out.ensure(
        binds("quiet") == 0 && binds("debug") == 0,
        "without /proc, a bind succeeded",
    );
    out.expect(&[("quiet_lines", "1"), ("debug_lines", "1")]);
}

/// Before the fix the helper opened a byuid file for reading (as root,
/// O_NONBLOCK) and only then looked at what it was: a byuid link into a
/// place users control could make root open a device. Here the target is
/// a FIFO with a writer waiting in open(): any open for reading lets that
/// writer through. Now the target is reached with O_PATH, checked, and
/// never opened.
#[test]
#[ignore = "needs root: make e2e"]
fn a_byuid_link_is_checked_before_root_opens_it() {
    let install = ready("a_byuid_link_is_checked_before_root_opens_it");
    let out = Sandbox::new(&install, "byuid-link").run(
        r#"
mkdir "$W/u"; chown $O "$W/u"
as_user $O mkfifo "$W/u/grants"
ln -s "$W/u/grants" /etc/authbind/byuid/1501
# The writer gets past open() only if someone opens the FIFO for reading.
( as_user $O sh -c 'exec 3>"$1"; echo opened' sh "$W/u/grants" > "$W/writer.out" ) & WRITER=$!
sleep 0.3
r bind as_user $O $AB $BT 4 127.0.0.1 80 tcp
sleep 0.5
echo "writer=$(cat "$W/writer.out")"
# Let the writer go, so that nothing is left behind.
exec 4<>"$W/u/grants"; wait $WRITER; exec 4>&-
"#,
    );
    out.expect(&[("bind", "errno=13"), ("writer", "")]);
}
