//! Odd `bind()` calls through the shim (tests/c/adv_shim.c), by uid 1500
//! granted port 80 (`byport/80`): the answer must be the kernel's own —
//! the unprivileged kernel's where the call fails before any privilege
//! check or the policy refuses, the privileged kernel's (root's) where the
//! policy grants — with errno preserved, errno untouched on success, and no
//! descriptor left behind. the robustness module covers `bind(fd, NULL,
//! 16)`, an IPv4 `sockaddr_storage` length, and errno / descriptors for a
//! plain IPv4 bind; these are the rest.

use authbind_e2e::{adversaries, ready, Install, Outcome, Policy, Sandbox, USER};

/// Granted by the policy: through the shim exactly as root's bind.
const GRANTED: &[&str] = &[
    "tcp4",
    "udp4",
    "tcp6",
    "udp6",
    "storage6",
    "mapped",
    "mapped_v6only",
    "badscope",
    "inuse",
    "guard16",
];

/// Refused by the policy (or EACCES from the kernel for a reason of its
/// own): EACCES, as without the shim.
const REFUSED: &[&str] = &["refused4", "refused6", "refused_mapped", "unix_eacces"];

/// Failing (or succeeding) before any privilege check: the policy is
/// irrelevant, the shim must return what the kernel returned.
const KERNEL: &[&str] = &[
    "high",
    "null0",
    "null6",
    "null_storage",
    "badptr",
    "guard128",
    "len0",
    "len2",
    "len15",
    "len6_23",
    "len129",
    "lenhuge",
    "v6on4",
    "v6on4_storage",
    "v4on6",
    "v4on6_storage",
    "badfd",
    "closedfd",
    "notsock",
    "unix_inet",
    "unix_abstract",
    "multicast6",
];

/// Address forms the kernel takes for a privileged port although they are
/// not a full `sockaddr_in` / `sockaddr_in6`: a 24-byte (RFC 2133)
/// `sockaddr_in6`, and `AF_UNSPEC` with `INADDR_ANY` on an `AF_INET` socket.
const KERNEL_ACCEPTED_FORMS: &[&str] = &["v6len24", "unspec_any"];

/// Runs adv_shim for `cases` as `$U` without the shim (`native`), through
/// the launcher (`shim`), with `LD_PRELOAD` alone (`preload`), and as root
/// without the shim (`root`, last: it creates the Unix socket file).
fn run_all(install: &Install, name: &str, cases: &[&str]) -> Outcome {
    let list = cases.join(" ");
    let body = format!(
        "{prelude}S=/etc/authbind/adv.sock\n\
         as_user $U $ADV_SHIM native $S {list}\n\
         as_user $U $AB $ADV_SHIM shim $S {list}\n\
         as_user $U LD_PRELOAD=$LIB $ADV_SHIM preload $S {list}\n\
         $ADV_SHIM root $S {list}\n",
        prelude = adversaries().prelude()
    );
    let out = Sandbox::new(install, name)
        .policy(Policy::new().byport("80", USER))
        .run(&body);
    out.expect(&[
        ("native.done", "1"),
        ("shim.done", "1"),
        ("preload.done", "1"),
        ("root.done", "1"),
    ]);
    out
}

fn settle(out: &Outcome, problems: Vec<String>) {
    out.ensure(
        problems.is_empty(),
        &format!("{} problem(s):\n  {}", problems.len(), problems.join("\n  ")),
    );
}

/// What every call through the shim must satisfy whatever the case: no
/// stray descriptor, errno untouched on success.
fn hygiene(case: &str, tag: &str, got: &str, problems: &mut Vec<String>) {
    if !got.ends_with(" fds=0") {
        problems.push(format!("{tag}.{case}: descriptors left behind: `{got}`"));
    }
    if got.starts_with("ok") && !got.contains(" errno=4242 ") {
        problems.push(format!("{tag}.{case}: errno changed by a successful bind: `{got}`"));
    }
}

#[test]
#[ignore = "needs root: make e2e"]
fn shim_answers_exactly_as_the_kernel() {
    let install = ready("shim_answers_exactly_as_the_kernel");
    let cases: Vec<&str> = GRANTED.iter().chain(REFUSED).chain(KERNEL).copied().collect();
    let out = run_all(&install, "adv-shim", &cases);
    let mut problems = Vec::new();
    for tag in ["shim", "preload"] {
        for case in &cases {
            let got = out.get(&format!("{tag}.{case}"));
            let native = out.get(&format!("native.{case}"));
            let root = out.get(&format!("root.{case}"));
            hygiene(case, tag, got, &mut problems);
            let want = if GRANTED.contains(case) { root } else { native };
            if got != want {
                problems.push(format!(
                    "{tag}.{case}: `{got}`, expected `{want}` (without the shim: `{native}`, as root: `{root}`)"
                ));
            }
        }
    }
    // Spelled out, for the reader (and in case the kernel changes).
    out.expect(&[
        ("native.tcp4", "errno=13 fds=0"),
        ("shim.mapped", "ok port=80 errno=4242 fds=0"),
        ("shim.storage6", "ok port=80 errno=4242 fds=0"),
        ("shim.mapped_v6only", "errno=22 fds=0"),
        ("shim.badscope", "errno=19 fds=0"),
        ("shim.inuse", "errno=98 fds=0"),
        ("shim.guard16", "ok port=80 errno=4242 fds=0"),
        ("shim.guard128", "errno=14 fds=0"),
        ("shim.refused4", "errno=13 fds=0"),
        ("shim.refused_mapped", "errno=13 fds=0"),
        ("shim.unix_eacces", "errno=13 fds=0"),
        ("shim.null0", "errno=22 fds=0"),
        ("shim.null6", "errno=14 fds=0"),
        ("shim.badptr", "errno=14 fds=0"),
        ("shim.len15", "errno=22 fds=0"),
        ("shim.len129", "errno=22 fds=0"),
        ("shim.v6on4", "errno=97 fds=0"),
        ("shim.v4on6", "errno=22 fds=0"),
        ("shim.badfd", "errno=9 fds=0"),
        ("shim.notsock", "errno=88 fds=0"),
        ("shim.unix_inet", "errno=22 fds=0"),
        ("shim.high", "ok port=8080 errno=4242 fds=0"),
    ]);
    settle(&out, problems);
}

#[test]
#[ignore = "needs root: make e2e"]
fn shim_grants_every_address_form_the_kernel_accepts() {
    let install = ready("shim_grants_every_address_form_the_kernel_accepts");
    let out = run_all(&install, "adv-shim-forms", KERNEL_ACCEPTED_FORMS);
    let mut problems = Vec::new();
    for tag in ["shim", "preload"] {
        for case in KERNEL_ACCEPTED_FORMS {
            let got = out.get(&format!("{tag}.{case}"));
            let native = out.get(&format!("native.{case}"));
            let root = out.get(&format!("root.{case}"));
            hygiene(case, tag, got, &mut problems);
            if got != root {
                problems.push(format!(
                    "{tag}.{case}: `{got}`; the kernel takes this address (as root: `{root}`; \
                     without privilege: `{native}`) and the policy grants port 80"
                ));
            }
        }
    }
    settle(&out, problems);
}

/// bind(2) is not a thread cancellation point, and neither may the shim's
/// bind be: a thread with a cancel pending binds a granted port, and must
/// come out bound, with nothing leaked, and be cancelled only afterwards
/// (a shim built on cancellable libc calls was cancelled halfway, leaking
/// its socket pair, or could strand its helper's intermediate for good).
#[test]
#[ignore = "needs root: make e2e"]
fn shim_bind_is_not_a_cancellation_point() {
    let install = ready("shim_bind_is_not_a_cancellation_point");
    let body = format!(
        "{prelude}r cancel as_user $U $AB $ADV_CANCEL 80\nr cancel_refused as_user $O $AB $ADV_CANCEL 80\n",
        prelude = adversaries().prelude()
    );
    let out = Sandbox::new(&install, "adv-cancel")
        .policy(Policy::new().byport("80", USER))
        .timeout(std::time::Duration::from_secs(30))
        .run(&body);
    out.expect(&[
        ("cancel", "bind=ok port=80 fds=0 cancelled=1"),
        ("cancel_refused", "bind=errno=13 fds=0 cancelled=1"),
    ]);
}
