//! Real servers nobody here wrote, started through our `authbind` as the
//! granted user in a fresh network namespace, fetched with curl, stopped;
//! and the same servers started by a user without a grant, which must fail
//! with "permission denied":
//! - node's http module (dynamic: the LD_PRELOAD library);
//! - the JDK's com.sun.net.httpserver in a multithreaded JVM, bound to the
//!   dual-stack wildcard (LD_PRELOAD library, sockaddr lengths of its own);
//! - busybox httpd from Debian's busybox-static (a static executable: the
//!   seccomp supervisor).
//!
//! (python3 -m http.server is in http_server.rs.)

use authbind_e2e::{java_classes, node_server, ready, sh_quote, Policy, Sandbox, USER};
use std::time::Duration;

struct Server<'a> {
    test: &'a str,
    /// The server's command line after `$AB`, port 80 (may use $W/www,
    /// which holds hello.txt).
    command: &'a str,
    /// What a GET of each URL answers.
    body: &'a str,
    urls: &'a [&'a str],
    /// The launcher's exit status after SIGTERM (bash's 128+N when killed).
    stopped_rc: &'a str,
    /// How the launcher reaches its binds: "LD_PRELOAD library" or
    /// "seccomp supervisor" (its AUTHBIND_DEBUG=1 line).
    mechanism: &'a str,
}

/// Starts the server as USER under authbind, fetches each URL (retrying
/// while it starts), stops it with SIGTERM, checks the port is free again;
/// then starts it as OTHER, which must fail naming "permission denied".
fn serve(s: &Server) {
    let install = ready(s.test);
    let mut body = format!(
        r#"
mkdir "$W/www" && echo "hello from a file" > "$W/www/hello.txt" && chmod -R a+rX "$W/www"
bg_as_user $U AUTHBIND_DEBUG=1 $AB {command} >"$W/server.out" 2>"$W/server.err"
srv=$BGPID
"#,
        command = s.command
    );
    for (n, url) in s.urls.iter().enumerate() {
        body += &format!("r fetch{n} fetch $srv {} 150\n", sh_quote(url));
    }
    body += &format!(
        r#"
kill -0 $srv 2>/dev/null && echo alive=yes || echo alive=no
echo "chosen=$(grep -m1 'authbind: using' "$W/server.err")"
kill -TERM $srv; wait $srv; echo "stopped_rc=$?"
curl -gs --max-time 3 -o /dev/null {first}; echo "after_stop_curl_rc=$?"
echo "--- server stdout ---" >&2; cat "$W/server.out" >&2
echo "--- server stderr ---" >&2; cat "$W/server.err" >&2
echo "--- curl stderr ---" >&2; cat "$W/curl.err" >&2 2>/dev/null
# No grant: the server must not start, and must say why.
timeout -s KILL 30 setpriv --reuid=$O --regid=$O --clear-groups env -i PATH=/usr/bin:/bin \
    $AB {command} >"$W/refused.out" 2>"$W/refused.err"
echo "refused_rc=$?"
echo "refused_says=$(cat "$W/refused.out" "$W/refused.err" | grep -ci 'permission denied')"
echo "--- refused output ---" >&2; cat "$W/refused.out" "$W/refused.err" >&2
"#,
        first = sh_quote(s.urls[0]),
        command = s.command
    );
    let out = Sandbox::new(&install, s.test)
        .policy(Policy::new().byport("80", USER))
        .var("JAVA_CP", java_classes())
        .var("NODE_JS", node_server())
        .timeout(Duration::from_secs(60))
        .run(&body);
    let mut want: Vec<(String, &str)> = Vec::new();
    for n in 0..s.urls.len() {
        want.push((format!("fetch{n}"), s.body));
    }
    want.push(("alive".into(), "yes"));
    want.push(("stopped_rc".into(), s.stopped_rc));
    // curl: "Failed to connect" once the server is gone.
    want.push(("after_stop_curl_rc".into(), "7"));
    let want: Vec<(&str, &str)> = want.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    out.expect(&want);
    let chosen = out.get("chosen");
    out.ensure(
        chosen.contains(&format!("using the {}", s.mechanism)),
        &format!("expected the launcher to use the {}: `{chosen}`", s.mechanism),
    );
    let refused_rc = out.get("refused_rc");
    out.ensure(
        refused_rc != "0" && refused_rc != "137",
        &format!("without a grant the server exited {refused_rc} (0: it ran; 137: it hung)"),
    );
    out.ensure(
        out.get("refused_says") != "0",
        "without a grant the server failed without saying `permission denied`",
    );
}

#[test]
#[ignore = "needs root: make e2e"]
fn node_http_server() {
    serve(&Server {
        test: "node_http_server",
        command: "node $NODE_JS 80",
        body: "hello from node",
        urls: &["http://127.0.0.1:80/", "http://[::1]:80/"],
        // server.js closes and exits 0 on SIGTERM.
        stopped_rc: "0",
        mechanism: "LD_PRELOAD library",
    });
}

#[test]
#[ignore = "needs root: make e2e"]
fn java_http_server() {
    serve(&Server {
        test: "java_http_server",
        // Small and quick to start: no perf data file in /tmp, serial GC,
        // the client compiler only.
        command: "java -XX:-UsePerfData -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx64m \
                  -cp $JAVA_CP HelloServer 80",
        body: "hello from java",
        urls: &["http://127.0.0.1:80/", "http://[::1]:80/"],
        // The JVM dies of SIGTERM (after its shutdown hooks): 128 + 15.
        stopped_rc: "143",
        mechanism: "LD_PRELOAD library",
    });
}

#[test]
#[ignore = "needs root: make e2e"]
fn busybox_static_httpd() {
    serve(&Server {
        test: "busybox_static_httpd",
        command: "/bin/busybox httpd -f -p 80 -h $W/www",
        body: "hello from a file",
        urls: &["http://127.0.0.1:80/hello.txt", "http://[::1]:80/hello.txt"],
        // busybox dies of SIGTERM, and so does the supervisor: 128 + 15.
        stopped_rc: "143",
        mechanism: "seccomp supervisor",
    });
}
