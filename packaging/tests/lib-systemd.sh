# A throwaway root that boots systemd, for the tests of units: sourced
# after lib.sh, never run.
#
# in_systemd_root DIR SETUP TEST: like in_throwaway_root (an overlay of
# /, private mount, network, PID, UTS and IPC namespaces), and also a
# cgroup namespace rooted at a scratch cgroup (removed afterwards) with
# its own cgroup2 mount. SETUP runs first in the plain chroot (install
# packages, add users: no systemd yet, so no unit starts); then systemd
# 252 boots there as PID 1 (container mode, unified hierarchy) into a
# target that runs TEST as a oneshot service and powers off. TEST's output
# and exit status are returned.
in_systemd_root() {
    local dir=$1 setup=$2 test=$3 here cg2 cg out rc
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
    [ -n "$cg2" ] || { fail "a cgroup2 hierarchy is mounted"; return 1; }
    cg=$cg2/authbind-pkgtest-systemd-$$
    out=$(mktemp -d /tmp/authbind-pkgtest-out.XXXXXX)
    mkdir "$cg"
    bash -c 'echo $$ > "$1/cgroup.procs" && exec timeout -s KILL 300 unshare --cgroup --mount --net --pid --uts --ipc --fork --kill-child bash -c "$2" boot "$3" "$4" "$5" "$6" "$7" "$(basename "$0")"' \
        "$0" "$cg" '
        set -e
        dir=$1 here=$2 out=$3 setup=$4 test=$5 name=$6
        mount --make-rprivate /
        M=/mnt
        mount -t tmpfs -o mode=0700 systemd-root "$M"
        mkdir "$M/u" "$M/w" "$M/r"
        mount -t overlay overlay -o "lowerdir=/,upperdir=$M/u,workdir=$M/w" "$M/r"
        R=$M/r
        mount -t proc proc "$R/proc"
        mount --rbind /sys "$R/sys"
        umount -R "$R/sys/fs/cgroup"
        mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup"
        # What systemd mounts at boot on a machine (not in a container).
        mount -t bpf -o mode=0700 bpf "$R/sys/fs/bpf"
        mount -t tmpfs -o mode=0755 systemd-dev "$R/dev"
        for d in null zero full random urandom tty; do touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done
        mkdir "$R/dev/pts" "$R/dev/shm"
        mount -t devpts -o newinstance,ptmxmode=0666 devpts "$R/dev/pts"; ln -s pts/ptmx "$R/dev/ptmx"
        mount -t tmpfs tmpfs "$R/dev/shm"
        touch "$R/dev/console"; mount --bind "$out/console" "$R/dev/console" 2>/dev/null || { : > "$out/console"; mount --bind "$out/console" "$R/dev/console"; }
        mount -t tmpfs -o mode=0755 systemd-run "$R/run"
        mount -t tmpfs -o mode=1777 systemd-tmp "$R/tmp"
        mkdir "$R/tmp/in" "$R/results" "$R/pkgtest"; cp -a "$dir/." "$R/tmp/in/"; mount --bind "$out" "$R/results"
        cp "$here/lib.sh" "$here/checks.sh" "$here/root.sh" "$here/inside.sh" "$R/tmp/"; cp "$R"/tmp/*.sh "$R/pkgtest/"
        printf "TEST_NAME=%s\n%s\n" "$name" "$setup" > "$R/tmp/setup.sh"
        printf "TEST_NAME=%s\n%s\n" "$name" "$test" > "$R/pkgtest/test.sh"
        chroot "$R" /bin/bash -c "cd /tmp && bash /tmp/setup.sh" > "$out/setup.log" 2>&1 || { echo "setup failed:"; cat "$out/setup.log"; exit 1; }
        U=$R/etc/systemd/system
        printf "[Unit]\nDescription=package test\n" > "$U/pkgtest.target"
        printf "%s\n" "[Unit]" "Description=package test" "After=basic.target" \
            "[Service]" "Type=oneshot" "WorkingDirectory=/pkgtest" \
            "ExecStart=/bin/bash -c \"bash /pkgtest/test.sh > /results/out 2>&1; echo \$\$? > /results/rc\"" \
            "ExecStopPost=/bin/systemctl --no-block poweroff" > "$U/pkgtest.service"
        mkdir -p "$U/pkgtest.target.wants"; ln -s ../pkgtest.service "$U/pkgtest.target.wants/pkgtest.service"
        cd "$R"
        exec chroot "$R" env container=authbind-pkgtest \
            SYSTEMD_PROC_CMDLINE="systemd.unit=pkgtest.target systemd.unified_cgroup_hierarchy=1" \
            /lib/systemd/systemd --log-target=console --log-level=notice
    ' "$dir" "$here" "$out" "$setup" "$test" >"$out/boot.log" 2>&1 || true
    # Empty now: everything in it is gone with its namespace.
    find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
    if [ -d "$cg" ]; then fail "the scratch cgroup $cg is removed"; fi
    if [ -f "$out/rc" ]; then
        cat "$out/out"; rc=$(cat "$out/rc")
    else
        echo "FAIL systemd did not run the test:"; sed 's/^/     | /' "$out/boot.log" "$out/console" "$out/setup.log" 2>/dev/null | tail -40; rc=1
    fi
    rm -rf "$out"
    return "$rc"
}
