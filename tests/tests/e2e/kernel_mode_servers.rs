//! Kernel mode grants privileged ports to real programs that authbind
//! never touches: each runs as the granted user in a fresh network
//! namespace, from a process in the scratch cgroup where `authbindd` is
//! attached, **without authbind and under `setpriv --no-new-privs`** (a
//! setuid helper could not help it there), is fetched over loopback, and
//! then fails with "permission denied" for a user without a grant:
//! python3's http.server (IPv4 and IPv6), node, a Java dual-stack `::`
//! server, a Go HTTP server (static), busybox-static's httpd; and binds
//! made from a second thread with `syscall(SYS_bind)` (TCP over IPv4 and
//! IPv6, UDP) by a static C program, and by io_uring's IORING_OP_BIND.

use authbind_e2e::{go_programs, java_classes, node_server, ready, sh_quote, Kernel, Policy, USER};
use std::time::Duration;

/// Serves with `command` (port 80) as USER in the scratch cgroup, fetches
/// every URL, stops it; then runs it as OTHER, which must be refused.
fn serve(test: &str, command: &str, body: &str, urls: &[&str]) {
    let install = ready(test);
    let k = Kernel::new(test);
    let mut script = format!(
        r#"
mkdir "$W/www" && echo "hello from a file" > "$W/www/hello.txt" && chmod -R a+rX "$W/www"
kd_start || echo "kd_start=failed"
bg_cg_user $U {command} >"$W/server.out" 2>"$W/server.err"
srv=$BGPID
"#
    );
    for (n, url) in urls.iter().enumerate() {
        script += &format!("r fetch{n} fetch $srv {} 150\n", sh_quote(url));
    }
    script += &format!(
        r#"
kill -0 $srv 2>/dev/null && echo alive=yes || echo alive=no
kill -TERM $srv; wait $srv
echo "--- server stderr ---" >&2; cat "$W/server.err" >&2
timeout -s KILL 30 bash -c 'cg_user "$@"' _ $O {command} >"$W/refused.out" 2>&1
echo "refused_rc=$?"
echo "refused_says=$(grep -ci 'permission denied' "$W/refused.out")"
echo "--- refused output ---" >&2; cat "$W/refused.out" >&2
echo "--- authbindd ---" >&2; cat "$W/kd.err" >&2
"#
    );
    let sandbox = k
        .sandbox(&install, test)
        .policy(Policy::new().byport("80", USER))
        .var("JAVA_CP", java_classes())
        .var("NODE_JS", node_server())
        .var("GO", go_programs().static_())
        .timeout(Duration::from_secs(90));
    // cg_user must be visible to the `bash -c` of the refused run.
    let out = k.run(sandbox, &format!("export -f in_cg cg_user; export CG\n{script}"));
    let mut want: Vec<(String, &str)> = (0..urls.len()).map(|n| (format!("fetch{n}"), body)).collect();
    want.push(("alive".into(), "yes"));
    let want: Vec<(&str, &str)> = want.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    out.expect(&want);
    out.ensure(out.value("kd_start").is_none(), "authbindd did not attach");
    let rc = out.get("refused_rc");
    out.ensure(
        rc != "0" && rc != "137",
        &format!("without a grant the server exited {rc}"),
    );
    out.ensure(
        out.get("refused_says") != "0",
        "without a grant: no `permission denied`",
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn python_http_server_ipv4() {
    serve(
        "kernel_python_ipv4",
        "python3 -m http.server 80 --bind 127.0.0.1 --directory $W/www",
        "hello from a file",
        &["http://127.0.0.1:80/hello.txt"],
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn python_http_server_ipv6() {
    serve(
        "kernel_python_ipv6",
        "python3 -m http.server 80 --bind ::1 --directory $W/www",
        "hello from a file",
        &["http://[::1]:80/hello.txt"],
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn node_http_server() {
    serve(
        "kernel_node",
        "node $NODE_JS 80",
        "hello from node",
        &["http://127.0.0.1:80/", "http://[::1]:80/"],
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn java_dual_stack_server() {
    serve(
        "kernel_java",
        "java -XX:-UsePerfData -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx64m -cp $JAVA_CP HelloServer 80",
        "hello from java",
        &["http://127.0.0.1:80/", "http://[::1]:80/"],
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn go_http_server() {
    serve(
        "kernel_go",
        "$GO serve :80 0",
        "hello from go",
        &["http://127.0.0.1:80/", "http://[::1]:80/"],
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn busybox_static_httpd() {
    serve(
        "kernel_busybox",
        "/bin/busybox httpd -f -p 80 -h $W/www",
        "hello from a file",
        &["http://127.0.0.1:80/hello.txt", "http://[::1]:80/hello.txt"],
    );
}

/// The static sysbind program binds with syscall(SYS_bind) from its main
/// thread and from a second one: TCP 127.0.0.1 and [::1], UDP 127.0.0.1.
#[test]
#[ignore = "needs root: make e2e"]
fn static_program_binding_from_a_second_thread() {
    let test = "kernel_sysbind_threads";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k.sandbox(&install, test).policy(Policy::new().byport("80", USER));
    let out = k.run(
        sandbox,
        r#"
kd_start || echo "kd_start=failed"
cg_user $U $SB grid 80
cg_user $O $SB grid 80 | sed 's/^/other_/'
echo "--- authbindd ---" >&2; cat "$W/kd.err" >&2
"#,
    );
    let eacces = format!("errno={}", authbind_e2e::EACCES);
    out.expect(&[
        ("v4_main", "ok"),
        ("v6_main", "ok"),
        ("udp4_main", "ok"),
        ("v4_thread", "ok"),
        ("v6_thread", "ok"),
        ("udp4_thread", "ok"),
        ("other_v4_thread", eacces.as_str()),
        ("other_v6_thread", eacces.as_str()),
        ("other_udp4_thread", eacces.as_str()),
    ]);
}

/// io_uring's IORING_OP_BIND (Linux 6.11) goes through the same hook. On
/// an older kernel the probe must say the operation is missing, and the
/// test says that it could only check that.
#[test]
#[ignore = "needs root: make e2e"]
fn io_uring_bind() {
    let test = "kernel_io_uring";
    let install = ready(test);
    let k = Kernel::new(test);
    let sandbox = k.sandbox(&install, test).policy(Policy::new().byport("80", USER));
    let out = k.run(
        sandbox,
        r#"
kd_start || echo "kd_start=failed"
r granted cg_user $U $UB 4 127.0.0.1 80
r granted6 cg_user $U $UB 6 ::1 80
r other cg_user $O $UB 4 127.0.0.1 80
r outside as_user $U $UB 4 127.0.0.1 80
"#,
    );
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut v = release
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (v.next().unwrap_or(0), v.next().unwrap_or(0));
    if (major, minor) < (6, 11) {
        out.expect(&[("granted", "unsupported")]);
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!! io_uring_bind: kernel {} has no IORING_OP_BIND: only its absence was checked !!!!!\n",
            release.trim()
        );
        return;
    }
    let eacces = format!("errno={}", authbind_e2e::EACCES);
    out.expect(&[
        ("granted", "ok"),
        ("granted6", "ok"),
        ("other", eacces.as_str()),
        ("outside", eacces.as_str()),
    ]);
}
