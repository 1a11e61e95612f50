//! A user cannot stall root's `authbind-policy` (issue 18, item 10). To
//! ask the kernel as a user, root's `grant`, `revoke` and `explain --user`
//! start a child process with that user's identity; a child with the
//! user's uids is the user's to stop, and root's command used to wait for
//! its answer for ever, holding the policy lock. Here a process of the
//! user tries to SIGSTOP everything it may signal (`kill -1`, over and
//! over: in the sandbox's PID namespace, any process whose real or saved
//! uid is the user's) while root runs the tool: every command must end
//! within a few seconds, with its answer, and the next grant must work.
//!
//! Root only: `make e2e` runs them (`--include-ignored`).

use authbind_e2e::{ready, Sandbox, UserDb};
use std::time::Duration;

/// How long a command may take here: a child that stopped answering
/// costs authbind-policy 5 s (its patience) and then an error; a child the
/// user cannot reach costs milliseconds.
const FEW_SECONDS_MS: u64 = 4000;

#[test]
#[ignore = "needs root: make e2e"]
fn a_user_stopping_the_kernels_child_does_not_stall_root() {
    let install = ready("a_user_stopping_the_kernels_child_does_not_stall_root");
    assert!(install.policy_tool().is_file(), "authbind-policy is missing");
    // On the old code each command hangs until `timeout` kills it (10 s).
    let out = Sandbox::new(&install, "policy-stall")
        .users(UserDb::minimal())
        .var("APOL", install.policy_tool())
        .timeout(Duration::from_secs(150))
        .run(
            r#"
# key.ms = how long the command took; it is killed after 10 s.
timed() {
    local key=$1 s e; shift
    s=$(date +%s%N); r "$key" timeout -s KILL 10 "$@"; e=$(date +%s%N)
    echo "$key.ms=$(( (e - s) / 1000000 ))"
}
# A process of the user's, to show that the stopper stops what it may.
bg_as_user $U sleep 600; DECOY=$BGPID
bg_as_user $U bash -c 'while :; do kill -STOP -1 2>/dev/null; done'; STOPPER=$BGPID
for i in $(seq 1 250); do
    [ "$(cut -d' ' -f3 /proc/$DECOY/stat)" = T ] && break; sleep 0.02
done
echo "decoy=$(cut -d' ' -f3 /proc/$DECOY/stat)"
timed grant   $APOL grant $U 80
timed explain $APOL explain --user $U 127.0.0.1:80
# More chances for the stopper; stop at the first that fails or hangs.
slowest=0; runs=0
for i in $(seq 1 20); do
    s=$(date +%s%N); timeout -s KILL 10 $APOL explain --user $U 127.0.0.1:80 >/dev/null || break
    ms=$(( ($(date +%s%N) - s) / 1000000 )); [ $ms -gt $slowest ] && slowest=$ms; runs=$((runs + 1))
done
echo "runs=$runs"; echo "slowest.ms=$slowest"
timed revoke  $APOL revoke $U 80
timed second  $APOL grant $U 81
echo "stopper=$(kill -0 $STOPPER 2>/dev/null && echo running)"
kill -KILL $STOPPER; kill -KILL $DECOY
r lines cat /etc/authbind/byuid/$U
"#,
        );
    out.expect(&[
        ("decoy", "T"),
        ("grant.rc", "0"),
        ("explain.rc", "0"),
        ("runs", "20"),
        ("revoke.rc", "0"),
        ("second.rc", "0"),
        ("stopper", "running"),
        ("lines", "0.0.0.0/0,81 ::/0,81"),
    ]);
    out.ensure(
        out.get("explain").ends_with("granted by byuid/1500:1"),
        "root's explain --user answers",
    );
    for key in ["grant.ms", "explain.ms", "slowest.ms", "revoke.ms", "second.ms"] {
        let ms: u64 = out.get(key).parse().unwrap_or(u64::MAX);
        out.ensure(ms < FEW_SECONDS_MS, &format!("{key}: root's command took {ms} ms"));
    }
}
