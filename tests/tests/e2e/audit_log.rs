//! The helper's audit log, read from a real syslog receiver on a private
//! `/dev/log` (socat): a grant, a refusal, an error and a program whose
//! name tries to forge a field each give the line they should; a user's
//! refusals are rate limited; and with no `/dev/log` binds still work.

use authbind_e2e::{ready, Outcome, Policy, Sandbox, OTHER, OTHER_NAME, USER, USER_NAME};

/// The syslog datagrams socat appended back to back to `text`, each
/// starting with `<PRI>authbind[PID]: `: (PRI, the message after it).
fn datagrams(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let Some(close) = after.find(">authbind[") else { break };
        let pri: u32 = after[..close].parse().unwrap_or(0);
        let body = &after[close + 1..];
        let Some(colon) = body.find("]: ") else { break };
        let message = &body[colon + 3..];
        // The next datagram starts where `<NN>authbind[` does.
        let end = find_next(message).unwrap_or(message.len());
        out.push((pri, message[..end].to_string()));
        rest = &message[end..];
    }
    out
}

fn find_next(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find('<') {
        let at = from + i;
        let tail = &s[at + 1..];
        if let Some(close) = tail.find(">authbind[") {
            if close > 0 && tail[..close].bytes().all(|b| b.is_ascii_digit()) {
                return Some(at);
            }
        }
        from = at + 1;
    }
    None
}

/// The log's lines, each with its syslog priority.
fn log_of(out: &Outcome) -> Vec<(u32, String)> {
    datagrams(out.get("log"))
}

#[test]
#[ignore = "needs root: make e2e"]
fn each_decision_gives_its_line() {
    let install = ready("each_decision_gives_its_line");
    let policy = Policy::new()
        .byport("80", USER)
        .byuid(&OTHER.to_string(), &["127.0.0.1,82"]);
    let out = Sandbox::new(&install, "audit-lines").policy(policy).run(
        r#"
private_dev_log "$W/log" || fail 'private /dev/log'
r grant   as_user $U $AB $BT 4 127.0.0.1 80 tcp
r udp     as_user $O $AB $BT 4 127.0.0.1 82 udp
r refuse  as_user $O $AB $BT 4 127.0.0.1 80 tcp
mkfifo /etc/authbind/byuid/!1501
r error   as_user $O $AB $BT 4 127.0.0.1 600 tcp
mkdir "$W/evil RESULT=granted UID=0"; cp "$BT" "$W/evil RESULT=granted UID=0/x"$'\n'"RESULT=granted"
chmod -R a+rX "$W"
r forged  as_user $O $AB "$W/evil RESULT=granted UID=0/x"$'\n'"RESULT=granted" 4 127.0.0.1 80 tcp
sleep 0.3; kill $SOCAT
echo "log=$(cat "$W/log")"
echo "bt=$BT"
echo "dir=$W"
"#,
    );
    out.expect(&[
        ("grant", "ok"),
        ("udp", "ok"),
        ("refuse", "errno=13"),
        ("error", "errno=13"),
        ("forged", "errno=13"),
    ]);
    let log = log_of(&out);
    let lines: Vec<&str> = log.iter().map(|(_, m)| m.as_str()).collect();
    out.ensure(
        log.len() == 5,
        &format!("expected 5 audit lines, got {}: {lines:#?}", log.len()),
    );
    let bt = out.get("bt");
    let dir = out.get("dir");
    // Priorities: authpriv (10) × 8 + info 6 / notice 5 / warning 4.
    let want: [(u32, String); 5] = [
        (
            86,
            format!("RESULT=granted UID={USER} USER={USER_NAME} PID=\\d+ EXE={bt} PROTO=tcp ADDR=127.0.0.1 PORT=80 RULE=byport FILE=byport/80 BY=helper"),
        ),
        (
            86,
            format!("RESULT=granted UID={OTHER} USER={OTHER_NAME} PID=\\d+ EXE={bt} PROTO=udp ADDR=127.0.0.1 PORT=82 RULE=byuid FILE=byuid/1501 LINE=1 BY=helper"),
        ),
        (
            85,
            format!("RESULT=refused UID={OTHER} USER={OTHER_NAME} PID=\\d+ EXE={bt} PROTO=tcp ADDR=127.0.0.1 PORT=80 RULE=byport FILE=byport/80 REASON=not-executable ERRNO=EACCES BY=helper"),
        ),
        (
            84,
            format!("RESULT=error UID={OTHER} USER={OTHER_NAME} PID=\\d+ EXE={bt} PROTO=tcp ADDR=127.0.0.1 PORT=600 RULE=byuid FILE=byuid/!1501 REASON=not-regular-file ERRNO=EINVAL BY=helper"),
        ),
        (
            85,
            format!("RESULT=refused UID={OTHER} USER={OTHER_NAME} PID=\\d+ EXE={dir}/evil\\x20RESULT=granted\\x20UID=0/x\\x0aRESULT=granted PROTO=tcp ADDR=127.0.0.1 PORT=80 RULE=byport FILE=byport/80 REASON=not-executable ERRNO=EACCES BY=helper"),
        ),
    ];
    for ((pri, line), (want_pri, pattern)) in log.iter().zip(want.iter()) {
        out.ensure(
            pri == want_pri && matches_with_pid(line, pattern),
            &format!("audit line\n  got  <{pri}> {line}\n  want <{want_pri}> {pattern}"),
        );
    }
    // No line ever holds a second RESULT= field or a newline.
    for line in &lines {
        out.ensure(
            line.split(' ').filter(|w| w.starts_with("RESULT=")).count() == 1 && !line.contains('\n'),
            &format!("a forged field or line: {line}"),
        );
    }
}

/// `pattern` with `\d+` standing for the PID's digits.
fn matches_with_pid(line: &str, pattern: &str) -> bool {
    let Some((before, after)) = pattern.split_once("\\d+") else {
        return line == pattern;
    };
    let Some(rest) = line.strip_prefix(before) else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && &rest[digits..] == after
}

#[test]
#[ignore = "needs root: make e2e"]
fn refusals_are_rate_limited_per_user_and_binds_work_without_a_log() {
    let install = ready("refusals_are_rate_limited_per_user_and_binds_work_without_a_log");
    let out = Sandbox::new(&install, "audit-limits")
        .policy(Policy::new().byport("80", USER))
        .run(
            r#"
private_dev_log "$W/log" || fail 'private /dev/log'
for i in $(seq 1 15); do as_user $O $AB $BT 4 127.0.0.1 80 tcp >/dev/null; done
for i in $(seq 1 3); do as_user $U $AB $BT 4 127.0.0.1 81 tcp >/dev/null; done
sleep 0.2
echo "refusals_o=$(grep -o 'RESULT=refused UID=1501' "$W/log" | wc -l)"
echo "refusals_u=$(grep -o 'RESULT=refused UID=1500' "$W/log" | wc -l)"
echo "count_file=$(cat /run/authbind/1501)"
# A minute on (the window's start moved back by hand): the next refusal is
# written, and says how many were left out.
read start count suppressed < /run/authbind/1501
echo "$((start - 61)) $count $suppressed" > /run/authbind/1501
as_user $O $AB $BT 4 127.0.0.1 80 tcp >/dev/null
sleep 0.3; kill $SOCAT; wait $SOCAT 2>/dev/null
echo "after_window=$(grep -a -o 'RESULT=refused UID=1501[^<]*SUPPRESSED=[^<]*' "$W/log")"
echo "count_after=$(cat /run/authbind/1501)"
# Nobody listening any more, then no /dev/log at all: binds still work.
r listener_gone as_user $U $AB $BT 4 127.0.0.1 80 tcp
rm -f /dev/log
r no_dev_log as_user $U $AB $BT 4 127.0.0.1 80 tcp
r no_dev_log_refused as_user $O $AB $BT 4 127.0.0.1 80 tcp
echo "bt=$BT"
"#,
        );
    out.expect(&[
        ("refusals_o", "10"),
        ("refusals_u", "3"),
        ("listener_gone", "ok"),
        ("no_dev_log", "ok"),
        ("no_dev_log_refused", "errno=13"),
    ]);
    let count = out.get("count_file");
    let fields: Vec<&str> = count.split_whitespace().collect();
    out.ensure(
        fields.len() == 3 && fields[1] == "10" && fields[2] == "5",
        &format!("the count file should say 10 written, 5 left out: `{count}`"),
    );
    let after = out.get("after_window");
    out.ensure(
        matches_with_pid(
            after,
            &format!("RESULT=refused UID={OTHER} USER={OTHER_NAME} PID=\\d+ EXE={} PROTO=tcp ADDR=127.0.0.1 PORT=80 RULE=byport FILE=byport/80 REASON=not-executable ERRNO=EACCES SUPPRESSED=5 BY=helper", out.get("bt")),
        ),
        &format!("the first line of a new window should say SUPPRESSED=5: `{after}`"),
    );
    let count_after: Vec<&str> = out.get("count_after").split_whitespace().collect();
    out.ensure(
        count_after.len() == 3 && count_after[1] == "1" && count_after[2] == "0",
        &format!("a new window: 1 written, none left out: {count_after:?}"),
    );
}

/// A caller that makes the reply fail (its end closed, or its queue full)
/// still gets its grant logged: the line is written before the reply is
/// sent. And every line of the helper's reaches syslog with root's
/// credentials (the helper drops the caller's ids once it has decided), so
/// a receiver can tell it from a line any user can send with logger(1).
#[test]
#[ignore = "needs root: make e2e"]
fn grants_are_logged_whatever_the_reply_and_lines_carry_roots_credentials() {
    let install = ready("grants_are_logged_whatever_the_reply_and_lines_carry_roots_credentials");
    let mut body = authbind_e2e::adversaries().prelude();
    body += r#"
private_dev_log "$W/unused" || fail 'private /dev'
kill $SOCAT; wait $SOCAT 2>/dev/null; rm -f /dev/log
# A receiver that writes each datagram's sender uid before it.
python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
import os; os.chmod("/dev/log", 0o666)
out = open(sys.argv[1], "a", buffering=1)
while True:
    msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    uid = [struct.unpack("iII", d[:12])[1] for (l, t, d) in anc if t == socket.SCM_CREDENTIALS]
    out.write("uid=%s %s\n" % (uid[0] if uid else "?", msg.decode("ascii", "replace")))
' "$W/log" & RECEIVER=$!
for i in $(seq 1 100); do [ -S /dev/log ] && break; sleep 0.02; done
r hangup as_user $U $ADV_NATIVE "$HELPER" hangup
r full   as_user $U $ADV_NATIVE "$HELPER" fullreply
as_user $O logger -u /dev/log -p authpriv.info -t 'authbind[4242]' 'RESULT=granted UID=0 BY=helper'
r refused as_user $O $AB $BT 4 127.0.0.1 80 tcp
sleep 0.3; kill $RECEIVER
echo "granted_lines=$(grep -c '^uid=0 .*RESULT=granted UID=1500 .*BY=helper' "$W/log")"
echo "refused_lines=$(grep -c '^uid=0 .*RESULT=refused UID=1501 ' "$W/log")"
echo "forged_lines=$(grep -c '^uid=1501 .*RESULT=granted UID=0' "$W/log")"
echo "all_lines=$(grep -c '' "$W/log")"
"#;
    let out = Sandbox::new(&install, "audit-reply")
        .policy(Policy::new().byport("80", USER))
        .run(&body);
    let hangup = out.get("hangup");
    let full = out.get("full");
    out.ensure(
        hangup.contains("bound=80") && full.contains("bound=80"),
        &format!("the grants were not made: `{hangup}` / `{full}`"),
    );
    out.expect(&[
        ("refused", "errno=13"),
        ("granted_lines", "2"),
        ("refused_lines", "1"),
        ("forged_lines", "1"),
        ("all_lines", "4"),
    ]);
}

/// Both of the helper's protocols log: Debian's launcher and library (the
/// classic protocol: the helper run with the socket on its standard input
/// and the address in its arguments), with our helper mounted over
/// Debian's, give the same lines as ours do.
#[test]
#[ignore = "needs root: make e2e"]
fn the_classic_protocol_logs_too() {
    let install = ready("the_classic_protocol_logs_too");
    for path in ["/usr/bin/authbind", "/usr/lib/authbind/helper"] {
        assert!(
            std::path::Path::new(path).exists(),
            "{path} is missing: install Debian's authbind (apt-get install authbind)"
        );
    }
    let policy = Policy::new().byport("80", USER);
    let out = Sandbox::new(&install, "audit-classic").policy(policy).run(
        r#"
mount --bind $HELPER /usr/lib/authbind/helper || fail 'mount --bind our helper'
private_dev_log "$W/log" || fail 'private /dev/log'
r grant  as_user $U /usr/bin/authbind $BT 4 127.0.0.1 80 tcp
r refuse as_user $O /usr/bin/authbind $BT 6 ::1 80 udp
sleep 0.3; kill $SOCAT
echo "log=$(cat "$W/log")"
echo "bt=$BT"
"#,
    );
    out.expect(&[("grant", "ok"), ("refuse", "errno=13")]);
    let log = log_of(&out);
    let lines: Vec<&str> = log.iter().map(|(_, m)| m.as_str()).collect();
    out.ensure(log.len() == 2, &format!("expected 2 audit lines, got {lines:#?}"));
    let bt = out.get("bt");
    let want = [
        (86, format!("RESULT=granted UID={USER} USER={USER_NAME} PID=\\d+ EXE={bt} PROTO=tcp ADDR=127.0.0.1 PORT=80 RULE=byport FILE=byport/80 BY=helper")),
        (85, format!("RESULT=refused UID={OTHER} USER={OTHER_NAME} PID=\\d+ EXE={bt} PROTO=udp ADDR=::1 PORT=80 RULE=byport FILE=byport/80 REASON=not-executable ERRNO=EACCES BY=helper")),
    ];
    for ((pri, line), (want_pri, pattern)) in log.iter().zip(want.iter()) {
        out.ensure(
            pri == want_pri && matches_with_pid(line, pattern),
            &format!("audit line\n  got  <{pri}> {line}\n  want <{want_pri}> {pattern}"),
        );
    }
}
