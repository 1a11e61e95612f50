//! Never handed out by accident: authbindd keeps every reserved port in
//! `net.ipv4.ip_local_reserved_ports` of its network namespace (the
//! sandbox's), merged with the administrator's entries. In a narrow
//! `ip_local_port_range` (40000-40009), with 40001, 40003, 40004 and
//! 127.0.0.1,40005 reserved and 40003, 40008 listed by the administrator:
//! bind(0) and connect() by another user, TCP and UDP, IPv4 and IPv6, pick
//! only the five ports left; a reservation removed from the tree leaves the
//! sysctl at the next reload (the administrator's 40003 stays); a daemon
//! restarted after `kill -9` still knows its own entries; reserved ports
//! a configuration run takes out of the sysctl are put back; `--detach`
//! leaves the administrator's alone. A sysctl that cannot be written fails
//! no grant, and is said.

use authbind_e2e::{ready, Kernel, Policy, USER};
use authbind_testkit::cc::{self, CSource};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// tests/c/autoport.c, built once; cached apart from the kernel-mode
/// programs (a cache of other sources under one name replaces it).
fn autoport() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    const SOURCES: &[CSource] = &[("autoport", include_str!("../../c/autoport.c"), &[])];
    BIN.get_or_init(|| cc::build_cached("authbind-e2e-autoport-", SOURCES).join("autoport"))
        .clone()
}

/// Shell functions: `v` prints the sysctl with the administrator's long
/// list (every other port from 20001 to 39999, longer than a page, so
/// that the daemon's writes go in pieces) shown as `ADMIN`; `picks ARGS`
/// runs autoport (`$AP`) as $O in the cgroup and prints the ports (and errors) it
/// got, sorted, once each.
const HELPERS: &str = r#"
S=/proc/sys/net/ipv4/ip_local_reserved_ports
big=$(seq -s, 20001 2 39999)
# (A string comparison: bash's patterns are slow on a 60 kB value.)
v() { local x; x=$(cat $S); if [ "${x:0:${#big}}" = "$big" ]; then echo "ADMIN${x:${#big}}"; else echo "$x"; fi; }
# One write(2) (the shell's echo writes in pieces, and the kernel would
# read a number cut between two writes as two).
put() { printf '%s\n' "$1" | dd of=$S bs=1M iflag=fullblock status=none; }
picks() { cg_user $O $AP "$@" | sort -u | tr '\n' ' ' | sed 's/ $//'; }
sysctl -qw net.ipv4.ip_local_port_range="40000 40009" || echo "range=failed"
put "$big,40003,40008,50000" || echo "admin=failed"
mkdir -m 0755 /etc/authbind/reserve
reserve() { install -o $U -m 0500 /dev/null "/etc/authbind/reserve/$1"; }
"#;

/// The ports of the range the reservations and the administrator leave.
const FREE: [u16; 5] = [40000, 40002, 40006, 40007, 40009];

#[test]
#[ignore = "needs root: make e2e"]
fn reserved_ports_are_never_picked_and_only_ours_are_removed() {
    let test = "kernel_reserved_ports";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k
        .sandbox(&install, test)
        .policy(Policy::new().byport("80", USER))
        .var("AP", autoport());
    let body = format!(
        r#"{HELPERS}
for n in 40001 40003 40004 127.0.0.1,40005; do reserve $n; done
kd_start || echo "kd_start=failed"
echo "started=$(v)"
for fam in 4 6; do
    addr=127.0.0.1; [ $fam = 6 ] && addr=::1
    for proto in tcp udp; do
        echo "bind_${{fam}}_${{proto}}=$(picks $fam $proto bind $addr 200)"
        echo "bindhold_${{fam}}_${{proto}}=$(picks $fam $proto bind-hold $addr 20)"
        echo "connect_${{fam}}_${{proto}}=$(picks $fam $proto connect $addr 200 5555)"
        echo "connecthold_${{fam}}_${{proto}}=$(picks $fam $proto connect-hold $addr 20 5555)"
    done
done
# The grants are the daemon's as ever.
r granted80 cg_user $U $BT 4 127.0.0.1 80 tcp
ls -ld /run/authbindd/.reserved-ports /run/authbindd/.reserved-ports/* >&2
echo "state_modes=$(stat -c '%a:%u' /run/authbindd/.reserved-ports /run/authbindd/.reserved-ports/* | tr '\n' ' ')"

# Released: 40004 (ours) and 40003 (the administrator's too).
rm /etc/authbind/reserve/40004 /etc/authbind/reserve/40003
kill -HUP $KDPID
echo "release_ms=$(LIMIT_MS=5000 flips ADMIN,40001,40003,40005,40008,50000 v)"
echo "released=$(v)"

# kill -9; meanwhile the administrator lists 40006 and the tree reserves 40002.
kill -KILL $KDPID; wait $KDPID 2>/dev/null
echo "killed=$(v)"
put "$(cat $S),40006"
reserve 40002
kd_start || echo "restart=failed"
echo "restarted=$(v)"
# A configuration run (sysctl --system) writes the administrator's list
# alone: the reserved ports are put back within a few seconds.
put "$big,40003,40006,40008,50000"
echo "wiped=$(v)"
echo "restore_ms=$(LIMIT_MS=5000 flips ADMIN,40001-40003,40005-40006,40008,50000 v)"
"$KD" --status --cgroup "$CG" > "$W/status"; echo "status_rc=$?"
cat "$W/status" >&2
echo "status_ours=$(sed -n 's/^  entries added by authbindd: //p' "$W/status")"
echo "status_missing=$(grep -c MISSING "$W/status")"
"$KD" --detach --cgroup "$CG" > "$W/detach"; echo "detach_rc=$?"
cat "$W/detach" >&2
wait $KDPID
echo "detached=$(v)"
echo "state_left=$(ls -A /run/authbindd/.reserved-ports | tr '\n' ' ')"
# What kept the ports out was the sysctl: free again now.
echo "after_detach=$(picks 4 tcp bind-hold 127.0.0.1 20)"
cat "$W/kd.err" >&2
"#
    );
    let out = k.run(sandbox.timeout(Duration::from_secs(120)), &body);
    out.ensure(out.value("kd_start").is_none(), "authbindd did not attach");
    out.ensure(
        out.value("restart").is_none(),
        "authbindd did not attach again after kill -9",
    );
    out.ensure(
        out.value("range").is_none() && out.value("admin").is_none(),
        "sysctl setup",
    );
    out.ensure(
        out.value("restore_ms").is_some_and(|v| v != "never"),
        "reserved ports taken out of the sysctl were not put back within 5 s",
    );
    out.expect(&[
        ("started", "ADMIN,40001,40003-40005,40008,50000"),
        ("granted80", "ok"),
        ("state_modes", "700:0 600:0"),
        ("released", "ADMIN,40001,40003,40005,40008,50000"),
        ("killed", "ADMIN,40001,40003,40005,40008,50000"),
        ("restarted", "ADMIN,40001-40003,40005-40006,40008,50000"),
        ("wiped", "ADMIN,40003,40006,40008,50000"),
        ("status_ours", "40001-40002,40005"),
        ("status_missing", "0"),
        ("detach_rc", "0"),
        ("detached", "ADMIN,40003,40006,40008,50000"),
        ("state_left", ""),
        ("after_detach", "40000 40001 40002 40004 40005 40007 40009 errno=98"),
    ]);
    let free: BTreeSet<u16> = FREE.into_iter().collect();
    for fam in ["4", "6"] {
        for proto in ["tcp", "udp"] {
            for how in ["bind", "bindhold", "connect", "connecthold"] {
                let key = format!("{how}_{fam}_{proto}");
                let got = out.get(&key);
                let ports: BTreeSet<u16> = got.split(' ').filter_map(|w| w.parse().ok()).collect();
                let errors = got.split(' ').filter(|w| w.starts_with("errno=")).count();
                out.ensure(
                    ports.is_subset(&free) && !ports.is_empty(),
                    &format!("{key}: picked {got}, not only ports of {FREE:?}"),
                );
                if how.ends_with("hold") {
                    // Every free port, then none left: the reserved ones
                    // were never among those it could take.
                    out.ensure(
                        ports == free && errors == 1,
                        &format!("{key}: held {got}, not each of {FREE:?} then a refusal"),
                    );
                } else {
                    out.ensure(errors == 0, &format!("{key}: {got}"));
                }
            }
        }
    }
    let ms = out.get("release_ms");
    out.ensure(ms != "never", "the released reservation stayed in the sysctl");
    eprintln!(
        "{test}: bind(0) tcp4 picked {}, connect tcp4 {}; release in force after {ms} ms",
        out.get("bind_4_tcp"),
        out.get("connect_4_tcp")
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn a_sysctl_that_cannot_be_written_fails_no_grant_and_is_said() {
    let test = "kernel_reserved_ports_ro";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k.sandbox(&install, test).policy(Policy::new().byport("80", USER));
    let body = format!(
        r#"{HELPERS}
reserve 40001
mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys || echo "ro=failed"
kd_start || echo "kd_start=failed"
r granted80 cg_user $U $BT 4 127.0.0.1 80 tcp
echo "value=$(v)"
echo "logged=$(grep -c 'reserved ports not kept from automatic assignment' "$W/kd.err")"
"$KD" --status --cgroup "$CG" > "$W/status"
cat "$W/status" >&2
echo "status_failed=$(grep -c '^  the last update FAILED: .*EROFS\|^  the last update FAILED: .*Read-only' "$W/status")"
echo "status_missing=$(sed -n 's/^  MISSING from the sysctl.*: //p' "$W/status")"
"$KD" --check > "$W/check"
echo "check_missing=$(sed -n 's/^  MISSING from the sysctl.*: //p' "$W/check")"
kd_stop
"#
    );
    let out = k.run(sandbox.timeout(Duration::from_secs(60)), &body);
    out.ensure(out.value("kd_start").is_none(), "authbindd did not attach");
    out.ensure(out.value("ro").is_none(), "/proc/sys could not be made read-only");
    out.expect(&[
        ("granted80", "ok"),
        ("value", "ADMIN,40003,40008,50000"),
        ("logged", "1"),
        ("status_failed", "1"),
        ("status_missing", "40001"),
        ("check_missing", "40001"),
    ]);
}
