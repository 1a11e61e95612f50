//! `--kernel AUTHBINDD`: the helper's decision against an actual bind
//! under kernel mode. In the difftest's own mount namespace: a private
//! bpffs, a user database ([`users`], mounted by the sandbox) giving the
//! two test users supplementary groups, a scratch cgroup
//! `authbind-difftest-PID` below the cgroup2 root, where `authbindd`
//! attaches. Each case writes a tree, runs `authbindd --reload` (which
//! returns once the tree is in force), runs the helper as the user with
//! a set of groups ([`kernel_groups`]: the database's, none, or groups the
//! database does not give) and then binds the same address and port as
//! that user with the same groups, from a process in the scratch cgroup,
//! without authbind and under no_new_privs. A bind of port 1024 or above
//! needs no grant; below, it must succeed exactly when the helper grants.

use crate::kernel_groups;
use crate::request::Request;
use authbind_testkit::{cc, Scratch, ScratchCgroup, UserDb, OTHER_NAME, USER_NAME};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The bind program (tests/c/bindtest.c): `bindtest 4|6 ADDR PORT tcp`
/// prints `ok` or `errno=N`.
const BINDTEST_C: &str = include_str!("../../tests/c/bindtest.c");

/// The test users' database: uid 1500 (group 1500, also in 1501), uid
/// 1501 (group 1501, also in root's group 0), so that file groups decide
/// through the database's memberships too (which the binds then follow
/// or not, [`kernel_groups`]).
pub fn users() -> UserDb {
    UserDb::standard()
        .member(OTHER_NAME, USER_NAME)
        .member("root", OTHER_NAME)
}

pub struct Kernel {
    authbindd: String,
    cgroup: ScratchCgroup,
    work: Scratch,
}

fn sh(cmd: &str) -> Result<(), String> {
    crate::sh(cmd)
}

impl Kernel {
    pub fn setup(authbindd: &str) -> Result<Kernel, String> {
        let work = Scratch::create("difftest-kernel").map_err(|e| e.to_string())?;
        sh("mount -t bpf bpf /sys/fs/bpf")?;
        // The bind program, runnable by the test users.
        cc::compile(work.path(), ("bindtest", BINDTEST_C, &[]))?;
        let cgroup = ScratchCgroup::create("difftest").map_err(|e| e.to_string())?;
        let k = Kernel {
            authbindd: authbindd.to_string(),
            cgroup,
            work,
        };
        k.attach()?;
        Ok(k)
    }

    fn status(&self) -> bool {
        Command::new(&self.authbindd)
            .args(["--status", "--cgroup"])
            .arg(self.cgroup.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Starts the daemon, waits for its links, stops it: SIGTERM leaves
    /// them attached, and each case then swaps its tree in with --reload.
    fn attach(&self) -> Result<(), String> {
        let mut daemon: Child = Command::new(&self.authbindd)
            .arg("--cgroup")
            .arg(self.cgroup.path())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", self.authbindd))?;
        let started = Instant::now();
        while !self.status() {
            if started.elapsed() > Duration::from_secs(20) || daemon.try_wait().map_or(true, |s| s.is_some()) {
                let _ = daemon.kill();
                let _ = daemon.wait();
                return Err("authbindd did not attach".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        sh(&format!("kill -TERM {}", daemon.id()))?;
        let _ = daemon.wait();
        if !self.status() {
            return Err("the grants did not stay attached after SIGTERM".into());
        }
        Ok(())
    }

    /// Puts the tree just written in force.
    pub fn reload(&self) -> Result<(), String> {
        let out = Command::new(&self.authbindd)
            .args(["--reload", "--cgroup"])
            .arg(self.cgroup.path())
            .output()
            .map_err(|e| format!("{}: {e}", self.authbindd))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "authbindd --reload: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// Binds the request's address and port as its user, in the scratch
    /// cgroup, with the request's groups ([`kernel_groups::set_for`]):
    /// `ok` or `errno=N`.
    pub fn bind(&self, req: &Request) -> Result<String, String> {
        let (family, addr) = match req.addr {
            std::net::IpAddr::V4(a) => ("4", a.to_string()),
            std::net::IpAddr::V6(a) => ("6", a.to_string()),
        };
        let out = Command::new("sh")
            .arg("-c")
            .arg("echo $$ > \"$1/cgroup.procs\" && shift && exec \"$@\"")
            .arg("sh")
            .arg(self.cgroup.path())
            .args([
                "setpriv",
                "--reuid",
                &req.uid.to_string(),
                "--regid",
                &req.uid.to_string(),
            ])
            .args([kernel_groups::set_for(req), "--no-new-privs", "--"])
            .arg(self.work.join("bindtest"))
            .args([family, addr.as_str(), &req.port.to_string(), "tcp"])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .output()
            .map_err(|e| format!("sh: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if text == "ok" || text.starts_with("errno=") {
            Ok(text)
        } else {
            Err(format!(
                "bindtest: {text:?} {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    pub fn cgroup(&self) -> &Path {
        self.cgroup.path()
    }

    /// The helper's exit status for the request, run as its user with the
    /// request's groups (those its bind gets).
    pub fn helper(&self, helper: &str, args: &[String], req: &Request) -> std::io::Result<i32> {
        let uid = req.uid.to_string();
        let mut cmd = Command::new("setpriv");
        cmd.args([
            "--reuid",
            &uid,
            "--regid",
            &uid,
            kernel_groups::set_for(req),
            "--",
            helper,
        ])
        .args(args);
        crate::run::status_with_socket(cmd, &req.addr)
    }
}

impl Drop for Kernel {
    fn drop(&mut self) {
        let _ = Command::new(&self.authbindd)
            .args(["--detach", "--cgroup"])
            .arg(self.cgroup.path())
            .stdout(Stdio::null())
            .status();
        // Then the scratch cgroup (anything left in it killed first) and
        // folder go as the fields drop.
    }
}
