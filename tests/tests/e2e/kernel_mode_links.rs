//! Symlinks the kernel's walk does not follow, refused by the helper and
//! by kernel mode alike: a flag file that is a link through a link on a
//! `nosymfollow` mount (`ELOOP` for the helper's `faccessat`), and flag
//! files that are links to links in a sticky world-writable folder owned
//! by another user (`fs.protected_symlinks`: with the sysctl on, such a
//! link met at the end of the path is followed by its owner only). The
//! sysctl is the machine's (one value for the whole system, not changed
//! here): the expected answers follow it, and the same links through an
//! ordinary folder show that each would grant otherwise.

use authbind_e2e::{ready, Kernel, Policy, EACCES};

#[test]
#[ignore = "needs root: make e2e"]
fn links_the_kernel_refuses_to_follow() {
    let test = "kernel_links";
    let install = ready(test);
    let protected = std::fs::read_to_string("/proc/sys/fs/protected_symlinks")
        .expect("read fs.protected_symlinks")
        .trim()
        != "0";
    let k = Kernel::new(test);
    let sandbox = k.sandbox(&install, test).policy(Policy::new());
    let out = k.run(
        sandbox,
        r#"
set -e
mkdir -m 0755 "$W/nsf" "$W/plain"
mount -t tmpfs -o nosymfollow,mode=0755 authbind-e2e-nosymfollow "$W/nsf"
# Every link leads to this file, executable by everyone.
touch "$W/grant" && chmod 0555 "$W/grant"
ln -s "$W/grant" "$W/nsf/link"; ln -s "$W" "$W/nsf/dir"
ln -s "$W/grant" "$W/plain/link"
ln -s "$W/nsf/link" /etc/authbind/byport/80
ln -s "$W/plain/link" /etc/authbind/byport/81
ln -s "$W/nsf/dir/grant" /etc/authbind/byport/84
# A sticky world-writable folder of the second user: the first user's
# link, and root's.
mkdir -m 1777 "$W/sticky" && chown $O "$W/sticky"
ln -s "$W/grant" "$W/sticky/users" && chown -h $U "$W/sticky/users"
ln -s "$W/grant" "$W/sticky/roots"
ln -s "$W/sticky/users" /etc/authbind/byport/82
ln -s "$W/sticky/roots" /etc/authbind/byport/83
set +e
kd_start || echo "kd_start=failed"
for port in 80 81 82 83 84; do
    for who in U O; do
        r "helper_${who}_$port" as_user "${!who}" $AB $BT 4 127.0.0.1 $port tcp
        r "kernel_${who}_$port" cg_user "${!who}" $BT 4 127.0.0.1 $port tcp
    done
done
echo "--- authbindd ---" >&2; cat "$W/kd.err" >&2
"#,
    );
    out.ensure(out.value("kd_start").is_none(), "authbindd did not attach");
    let eacces = format!("errno={EACCES}");
    // (port, user, granted?)
    let mut want = Vec::new();
    for who in ["U", "O"] {
        // Through a nosymfollow mount's link, at the end or on the way: never.
        want.push((80, who, false));
        want.push((84, who, false));
        // Through an ordinary folder's: always.
        want.push((81, who, true));
        // The first user's link in the second user's sticky folder: its owner.
        want.push((82, who, !protected || who == "U"));
        // Root's there: root only.
        want.push((83, who, !protected));
    }
    for (port, who, granted) in want {
        let helper = out.get(&format!("helper_{who}_{port}"));
        let kernel = out.get(&format!("kernel_{who}_{port}"));
        if granted {
            out.ensure(
                helper == "ok",
                &format!("the helper refused {who} port {port}: {helper}"),
            );
            out.ensure(
                kernel == "ok",
                &format!("kernel mode refused {who} port {port}: {kernel}"),
            );
        } else {
            out.ensure(
                helper.starts_with("errno="),
                &format!("the helper did not refuse {who} port {port}: {helper}"),
            );
            out.ensure(
                kernel == eacces,
                &format!("kernel mode did not refuse {who} port {port}: {kernel}"),
            );
        }
    }
}
