# The throwaway root and what the tests bring into it, scratch cgroups,
# clean-up at exit: the machine's side of the package tests. Sourced
# (through lib.sh), never run.

# in_throwaway_root DIR SCRIPT: runs bash SCRIPT as root, chrooted into an
# overlay of / (writes go to a tmpfs and vanish), in private mount, network
# and PID namespaces (no network: what it installs must be in DIR, seen
# inside as /tmp/in). Inside: loopback up, a private /run, /tmp and /dev
# (the usual devices; no /dev/log, so no line reaches the machine's log),
# this folder's library at /tmp/lib.sh. Its output and exit status are the
# script's.
in_throwaway_root() {
    local dir=$1 script=$2 here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    timeout -s KILL 900 unshare --mount --net --pid --fork --kill-child bash -c '
        set -e
        dir=$1 here=$2 script=$3 name=$4
        mount --make-rprivate /
        M=/mnt
        mount -t tmpfs -o mode=0700 throwaway-root "$M"
        mkdir "$M/u" "$M/w" "$M/r"
        mount -t overlay overlay -o "lowerdir=/,upperdir=$M/u,workdir=$M/w" "$M/r"
        R=$M/r
        mount -t proc proc "$R/proc"
        mount --rbind /sys "$R/sys"
        mount -t tmpfs -o mode=0755 throwaway-dev "$R/dev"
        for d in null zero full random urandom tty; do touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done
        mkdir "$R/dev/pts" "$R/dev/shm"; mount --bind /dev/pts "$R/dev/pts"; mount -t tmpfs tmpfs "$R/dev/shm"
        ln -s /proc/self/fd "$R/dev/fd"; ln -s pts/ptmx "$R/dev/ptmx"
        mount -t tmpfs -o mode=0755 throwaway-run "$R/run"
        mount -t tmpfs -o mode=1777 throwaway-tmp "$R/tmp"
        # The machine'"'"'s own users stay outside: the root'"'"'s user database is
        # a fresh install'"'"'s (system accounts and groups, id below 1000, and
        # nobody/nogroup), read from files only, so a test'"'"'s useradd -u 1500
        # never meets a uid, gid or name the machine already uses.
        awk -F: '"'"'$3 < 1000 || $3 >= 65534'"'"' /etc/passwd > "$R/etc/passwd.fresh"
        awk -F: '"'"'$3 < 1000 || $3 >= 65534'"'"' /etc/group > "$R/etc/group.fresh"
        for f in shadow gshadow; do
            [ -e "/etc/$f" ] || continue
            if [ $f = shadow ]; then keep="$R/etc/passwd.fresh"; else keep="$R/etc/group.fresh"; fi
            awk -F: '"'"'NR == FNR { k[$1] = 1; next } k[$1]'"'"' "$keep" "/etc/$f" > "$R/etc/$f.fresh"
        done
        for f in passwd group shadow gshadow; do
            [ -e "$R/etc/$f.fresh" ] || continue
            cat "$R/etc/$f.fresh" > "$R/etc/$f" && rm "$R/etc/$f.fresh"
        done
        sed -E -i '"'"'s/^(passwd|group|shadow|gshadow|initgroups|netgroup):.*/\1: files/'"'"' "$R/etc/nsswitch.conf"
        mkdir "$R/tmp/in"; cp -a "$dir/." "$R/tmp/in/"
        cp "$here/lib.sh" "$here/checks.sh" "$here/root.sh" "$here/inside.sh" "$R/tmp/"
        printf "TEST_NAME=%s\n%s\n" "$name" "$script" > "$R/tmp/test.sh"
        exec chroot "$R" /bin/bash -c "ip link set lo up && cd /tmp && exec bash /tmp/test.sh"
    ' throwaway-root "$dir" "$here" "$script" "$(basename "$0")"
}

# at_exit COMMAND: runs COMMAND (eval) when the script exits, after those
# registered before it.
AT_EXIT=()
at_exit() {
    AT_EXIT+=("$1")
    trap 'for c in "${AT_EXIT[@]}"; do eval "$c"; done' EXIT
}

# throwaway_inputs: sets IN to a folder (removed at exit) holding the .deb
# under test as ours.deb, Debian's authbind as theirs.deb and the docs'
# examples (docs/examples) as examples/, for in_throwaway_root.
throwaway_inputs() {
    IN=$(mktemp -d /tmp/authbind-pkgtest.XXXXXX)
    at_exit 'rm -rf "$IN"'
    cp "$DEB_FILE" "$IN/ours.deb"
    cp "$(ls "$DEBS_DIR"/authbind_*.deb | head -n 1)" "$IN/theirs.deb"
    cp -r "$(dirname "${BASH_SOURCE[0]}")/../../docs/examples" "$IN/examples"
    chmod -R a+rX "$IN"
}

# scratch_cgroup NAME: sets CG to a new cgroup2 folder of the machine
# (never its root), removed at exit with everything below it, once its
# processes are gone (kill the namespace that holds them first: a
# throwaway root's processes die with it). Kernel mode is attached only
# there.
scratch_cgroup() {
    local cg2
    cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
    [ -n "$cg2" ] || { echo "FAIL no cgroup2 hierarchy is mounted"; exit 1; }
    CG=$cg2/authbind-pkgtest-$1-$$
    mkdir "$CG"
    at_exit 'find "$CG" -depth -type d -exec rmdir {} + 2>/dev/null; [ ! -d "$CG" ] || { echo "FAIL the scratch cgroup $CG is left"; exit 1; }'
}

# has_authbindd: whether the .deb under test ships kernel mode (until it
# is merged, the checks that need it fail, saying so).
has_authbindd() {
    # (grep -q would quit early: a SIGPIPE for dpkg-deb fails the pipe)
    dpkg-deb -c "$DEB_FILE" | grep ' \./usr/sbin/authbindd$' >/dev/null
}
