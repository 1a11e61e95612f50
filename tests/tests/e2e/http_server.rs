//! A real server: python3's http.server on port 80 under authbind, over IPv4,
//! IPv6 and dual stack, serving a file that curl fetches; then stopped.

use authbind_e2e::{ready, Policy, Sandbox, USER};

/// Starts `python3 -m http.server 80 --bind BIND` as the granted user under
/// authbind, fetches the file from each of `urls` (retrying while the
/// server starts), stops the server and checks the port is free again.
fn serve_and_fetch(test: &str, bind: &str, urls: &[&str]) {
    let install = ready(test);
    let mut body = format!(
        r#"
mkdir "$W/www" && echo "hello from authbind e2e" > "$W/www/hello.txt" && chmod -R a+rX "$W/www"
bg_as_user $U $AB python3 -m http.server 80 --bind {bind} --directory "$W/www" \
    >"$W/server.out" 2>"$W/server.err"
srv=$BGPID
"#
    );
    for (n, url) in urls.iter().enumerate() {
        body += &format!("r fetch{n} fetch $srv '{url}'\n");
    }
    body += r#"
kill -0 $srv 2>/dev/null && echo alive=yes || echo alive=no
kill -TERM $srv; wait $srv; echo "server_rc=$?"
curl -gs --max-time 3 -o /dev/null "$first_url"; echo "after_stop_curl_rc=$?"
echo "--- server stderr ---" >&2; cat "$W/server.err" >&2
echo "--- curl stderr ---" >&2; cat "$W/curl.err" >&2 2>/dev/null
"#;
    let body = body.replace("$first_url", urls[0]);
    let out = Sandbox::new(&install, test)
        .policy(Policy::new().byport("80", USER))
        .run(&body);
    let mut want: Vec<(String, &str)> = Vec::new();
    for n in 0..urls.len() {
        want.push((format!("fetch{n}"), "hello from authbind e2e"));
    }
    want.push(("alive".into(), "yes"));
    // Killed by SIGTERM: 128 + 15.
    want.push(("server_rc".into(), "143"));
    // curl: "Failed to connect" once the server is gone.
    want.push(("after_stop_curl_rc".into(), "7"));
    let want: Vec<(&str, &str)> = want.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    out.expect(&want);
}

#[test]
#[ignore = "needs root: make e2e"]
fn http_server_ipv4() {
    serve_and_fetch("http_server_ipv4", "127.0.0.1", &["http://127.0.0.1:80/hello.txt"]);
}

#[test]
#[ignore = "needs root: make e2e"]
fn http_server_ipv6() {
    serve_and_fetch("http_server_ipv6", "::1", &["http://[::1]:80/hello.txt"]);
}

#[test]
#[ignore = "needs root: make e2e"]
fn http_server_dual_stack() {
    serve_and_fetch(
        "http_server_dual_stack",
        "::",
        &["http://127.0.0.1:80/hello.txt", "http://[::1]:80/hello.txt"],
    );
}
