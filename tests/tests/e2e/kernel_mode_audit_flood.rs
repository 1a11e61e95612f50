//! The kernel-mode audit log under a flood of grants: one user binding
//! in a loop gets at most its window's lines (then one `SUPPRESSED=`
//! line saying how many were left out), another user's single grant in
//! that window still gets its line (a reload in the middle changes
//! nothing of this), and `authbindd --status` counts
//! every grant line the log did not get. Every grant is accounted for:
//! written, suppressed, or lost in the ring (which `--status` counts);
//! and since the programs keep each user's limit before the ring, one
//! user's flood loses nothing in it (the ring is no longer what stands
//! between a flood and another user's record).

use authbind_e2e::{ready, Kernel, Policy, OTHER, USER, USER_NAME};
use std::time::Duration;

#[test]
#[ignore = "needs root: make e2e"]
fn one_users_flood_is_limited_and_another_users_line_arrives() {
    let test = "kernel_audit_flood";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k
        .sandbox(&install, test)
        .policy(Policy::new().byport("80", USER).byport("82", USER).byport("81", OTHER))
        .timeout(Duration::from_secs(120));
    let out = k.run(
        sandbox,
        &format!(
            r#"
private_dev_log "$W/log" || echo "devlog=failed"
kd_start || echo "kd_start=failed"
bg_cg_user $U $KL 127.0.0.1 80 82 "$W/stop" > "$W/loop.out"
LOOP=$BGPID
sleep 1.5
r other cg_user $O $BT 4 127.0.0.1 81 tcp
# A reload in the middle of the flood renews no budget and loses no count
# (the budgets are kept across reloads, as the ring is).
kill -HUP $KDPID
sleep 1.5
echo "reloads=$(grep -c 'reloaded' "$W/kd.err")"
touch "$W/stop"; wait $LOOP
cat "$W/loop.out" >&2
. <(tr ' ' '\n' < "$W/loop.out" | grep -E '^[ab]_ok=')
echo "flood_grants=$((a_ok + b_ok))"
# Each window that left lines out is said within a second of its end
# (the programs' windows, 10 s, aligned on the monotonic clock: the flood
# may span two): wait until the log accounts for every grant.
said() {{ tr '<' '\n' < "$W/log" | sed -n "s/.* UID=$U USER={USER_NAME} SUPPRESSED=\([0-9]*\) .*/\1/p" | awk '{{ s += $1 }} END {{ print s + 0 }}'; }}
for i in $(seq 1 300); do
    [ $(( $(said) + $(tr '<' '\n' < "$W/log" | grep -c "UID=$U .*PORT=8[02] .*BY=kernel") )) -ge $((a_ok + b_ok)) ] && break
    sleep 0.05
done
sleep 0.5
"$KD" --status --cgroup "$CG" > "$W/status"
kd_stop
cat "$W/status" >&2
tr '<' '\n' < "$W/log" | grep 'BY=kernel' > "$W/grants"
grep -v 'PORT=8[02]' "$W/grants" >&2
echo "flood_lines=$(grep -c "UID=$U .*PORT=8[02] .*BY=kernel" "$W/grants")"
echo "other_lines=$(grep -c "RESULT=granted UID=$O .* PROTO=tcp ADDR=127.0.0.1 PORT=81 RULE=byport FILE=byport/81 BY=kernel\$" "$W/grants")"
echo "suppressed=$(grep "UID=$U " "$W/grants" | sed -n 's/.* SUPPRESSED=\([0-9]*\) .*/\1/p' | awk '{{ s += $1 }} END {{ print s + 0 }}')"
echo "summary_lines=$(grep -c "^86>authbind\[$KDPID\]: RESULT=granted UID=$U USER={USER_NAME} SUPPRESSED=[0-9]* BY=kernel\$" "$W/grants")"
echo "ring_lost=$(sed -n 's/^  audit records lost (ring full): //p' "$W/status")"
echo "status_suppressed=$(sed -n 's/^  audit lines left out by the per-user rate limit: //p' "$W/status")"
echo "status_undelivered=$(sed -n 's/^  audit lines syslog did not take (lost): //p' "$W/status")"
"#
        ),
    );
    out.ensure(
        out.value("kd_start").is_none() && out.value("devlog").is_none(),
        "setup failed",
    );
    out.expect(&[("other", "ok"), ("other_lines", "1")]);
    let n = |key: &str| {
        out.get(key)
            .parse::<u64>()
            .unwrap_or_else(|_| panic!("{key}: not a count: {}", out.get(key)))
    };
    let (grants, lines, suppressed) = (n("flood_grants"), n("flood_lines"), n("suppressed"));
    out.ensure(n("reloads") >= 1, "the daemon did not reload during the flood");
    // One line per window that left lines out: the flood spans one or two.
    out.ensure(
        (1..=2).contains(&n("summary_lines")),
        &format!("{} SUPPRESSED= lines for a flood of 3 s", n("summary_lines")),
    );
    out.ensure(grants > 1000, &format!("the loop made only {grants} grants: no flood"));
    // One window's worth (audit::GRANTS_PER_WINDOW, 50; a second window
    // may begin before the loop stops); the first daemon wrote one a grant.
    let most = 100;
    out.ensure(
        (1..=most).contains(&lines),
        &format!("{lines} lines for {grants} grants of the flooding user (at most {most})"),
    );
    // Every grant accounted for: a line, a suppressed one, a line syslog
    // did not take, or a record lost in the ring; --status tells the truth.
    let (ring, undelivered) = (n("ring_lost"), n("status_undelivered"));
    out.ensure(
        lines + suppressed + undelivered + ring == grants,
        &format!(
            "{grants} grants but {lines} lines + {suppressed} suppressed + {undelivered} not taken by syslog \
             + {ring} lost in the ring"
        ),
    );
    // The flooding user's budget is spent before the ring: nothing is
    // lost in it (before the budget moved into the programs, a 1 MiB ring
    // lost tens of thousands of records in this test).
    out.expect(&[("ring_lost", "0")]);
    // syslog's small queue (10 datagrams) outrun by a burst loses nothing:
    // the daemon keeps the lines until it drains.
    out.expect(&[("status_undelivered", "0")]);
    out.ensure(
        n("status_suppressed") == suppressed,
        &format!(
            "--status says {} suppressed, the log {suppressed}",
            n("status_suppressed")
        ),
    );
    eprintln!(
        "{test}: {grants} grants of the flooding user: {lines} lines, {suppressed} suppressed, \
         {undelivered} not taken by syslog, {ring} lost in the ring"
    );
}
