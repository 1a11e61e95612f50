//! 8 threads × 50 concurrent privileged binds, plain, with SIGCHLD ignored,
//! with a thread reaping every child with waitpid(-1), and with one reaping
//! with __WALL (which collects the shim's intermediate clone process too):
//! no bind may fail, and a refused port must still be refused (EACCES) in
//! the same program.

use authbind_e2e::{ready, Policy, Sandbox, USER};
use std::time::Duration;

fn storm(test: &str, mode: &str) -> authbind_e2e::Outcome {
    let install = ready(test);
    let mut policy = Policy::new();
    for port in 100..108 {
        policy = policy.byport(&port.to_string(), USER);
    }
    let out = Sandbox::new(&install, &format!("bindstorm-{mode}"))
        .policy(policy)
        .timeout(Duration::from_secs(90))
        .run(&format!(
            "as_user $U $AB $BS {mode} 100 200 > \"$W/out\"; echo \"rc=$?\"; cat \"$W/out\"\n"
        ));
    out.expect(&[
        ("rc", "0"),
        ("total", "400"),
        ("failures", "0"),
        ("refused", "errno=13"),
    ]);
    out
}

#[test]
#[ignore = "needs root: make e2e"]
fn concurrent_binds_plain() {
    storm("concurrent_binds_plain", "plain");
}

#[test]
#[ignore = "needs root: make e2e"]
fn concurrent_binds_with_sigchld_ignored() {
    storm("concurrent_binds_with_sigchld_ignored", "sigign");
}

#[test]
#[ignore = "needs root: make e2e"]
fn concurrent_binds_with_a_waitpid_thread() {
    storm("concurrent_binds_with_a_waitpid_thread", "waiter");
}

/// A reaper with __WALL does collect the intermediate process (the README
/// says so): the binds must succeed all the same.
#[test]
#[ignore = "needs root: make e2e"]
fn concurrent_binds_with_a_wall_reaper_thread() {
    let out = storm("concurrent_binds_with_a_wall_reaper_thread", "wall");
    let reaped: u32 = out.get("reaped_clones").parse().unwrap_or(0);
    out.ensure(
        reaped > 0,
        "the __WALL reaper collected none of the intermediate processes: the test did not test what it says",
    );
}
