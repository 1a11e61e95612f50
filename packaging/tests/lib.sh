# Shared by the package tests: checks that say what they checked, and a
# throwaway root to install packages in. Sourced, never run.
#
# Safe under `set -e`: a check never stops the script.
#
# Every check prints "ok   NAME" or "FAIL NAME" (and what it got); `finish`
# exits 1 if any failed, or if none ran, so a test that checked nothing
# never passes.

CHECKS=0
FAILED=0

pass() { CHECKS=$((CHECKS + 1)); echo "ok   $1"; }
fail() { CHECKS=$((CHECKS + 1)); FAILED=$((FAILED + 1)); echo "FAIL $1${2:+: $2}"; }

# check NAME COMMAND...: passes when COMMAND exits 0 (its output is shown
# on failure).
check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "exit $?"; [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/     | /'; fi
}

# check_not NAME COMMAND...: passes when COMMAND fails.
check_not() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then fail "$name" "succeeded"; printf '%s\n' "$out" | sed 's/^/     | /'; else pass "$name"; fi
}

# expect NAME GOT WANT: string equality.
expect() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

# expect_same NAME FILE_GOT FILE_WANT: file equality, with the diff.
expect_same() {
    if cmp -s "$2" "$3"; then pass "$1"; else fail "$1" "differs:"; diff "$3" "$2" | sed 's/^/     | /' || true; fi
}

finish() {
    local name=${TEST_NAME:-$(basename "$0")}
    echo "== $name: $CHECKS checks, $FAILED failed"
    [ "$CHECKS" -gt 0 ] || { echo "FAIL $name checked nothing"; exit 1; }
    [ "$FAILED" -eq 0 ]
}

# in_throwaway_root DIR SCRIPT: runs bash SCRIPT as root, chrooted into an
# overlay of / (writes go to a tmpfs and vanish), in private mount, network
# and PID namespaces (no network: what it installs must be in DIR, seen
# inside as /tmp/in). Inside: loopback up, a private /run, /tmp and /dev
# (the usual devices; no /dev/log, so no line reaches the machine's log),
# this folder's lib.sh at /tmp/lib.sh. Its output and exit status are the
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
        mkdir "$R/tmp/in"; cp -a "$dir/." "$R/tmp/in/"
        cp "$here/lib.sh" "$R/tmp/lib.sh"
        printf "TEST_NAME=%s\n%s\n" "$name" "$script" > "$R/tmp/test.sh"
        exec chroot "$R" /bin/bash -c "ip link set lo up && cd /tmp && exec bash /tmp/test.sh"
    ' throwaway-root "$dir" "$here" "$script" "$(basename "$0")"
}

# --- inside a throwaway root --------------------------------------------

# The package's state and version: "installed 0.1.0", "config-files 2.1.3",
# "not-installed".
package_state() {
    local s
    s=$(dpkg-query -W -f '${db:Status-Status} ${Version}' "$1" 2>/dev/null) || s=not-installed
    echo "${s% }"
}

# Everything about a tree that a change would show: per entry its type,
# mode, owner, group, size, mtime, inode and link target, and the content
# of every file.
tree_snapshot() {
    local dir=$1
    (cd "$dir" && find . -printf '%p %y %m %U %G %s %T@ %i %l\n' | LC_ALL=C sort &&
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
}

# as_user UID PROGRAM ARGS...: the program as that user (and group, no
# others), empty environment but PATH.
as_user() {
    local uid=$1
    shift
    setpriv --reuid="$uid" --regid="$uid" --clear-groups env -i PATH=/usr/bin:/bin "$@"
}

# stop_tree PID: SIGTERM to PID and all its descendants, SIGKILL after
# 3 s to those left (a PID namespace's first process ignores SIGTERM, and
# unshare ignores it while it waits), then reaps PID.
descendants() {
    local p
    for p in $(pgrep -P "$1"); do descendants "$p"; echo "$p"; done
}
stop_tree() {
    local pid=$1 all i
    all="$(descendants "$pid") $pid"
    kill -TERM $all 2>/dev/null || true
    for i in $(seq 1 30); do kill -0 $all 2>/dev/null || break; sleep 0.1; done
    kill -KILL $all 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# serves NAME URL WANT COMMAND...: starts COMMAND in the background and
# checks that curl gets WANT from URL (tries for 20 s while it starts),
# then stops it. COMMAND may be a function (then $pid is a subshell, the
# server its child).
serves() {
    local name=$1 url=$2 want=$3 log got="" i pid
    shift 3
    log=$(mktemp /tmp/serves.XXXXXX)
    "$@" >"$log" 2>&1 &
    pid=$!
    for i in $(seq 1 200); do
        got=$(curl -gsS --max-time 2 "$url" 2>/dev/null) && [ "$got" = "$want" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    stop_tree "$pid"
    if [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "fetched '$got'"; sed 's/^/     | /' "$log"; fi
}

# serve NAME PORT RUNNER...: `RUNNER python3 -m http.server PORT` on
# 127.0.0.1 (RUNNER: e.g. `as_user UID authbind`) serves a file.
serve() {
    local name=$1 port=$2 www
    shift 2
    www=$(mktemp -d /tmp/www.XXXXXX)
    echo "hello from $name" > "$www/hello.txt"
    chmod -R a+rX "$www"
    serves "$name" "http://127.0.0.1:$port/hello.txt" "hello from $name" \
        "$@" python3 -m http.server "$port" --bind 127.0.0.1 --directory "$www"
}

# in_cgroup DIR COMMAND...: COMMAND (a function too) in the cgroup DIR
# (made if missing), from a subshell that moves there first.
in_cgroup() {
    mkdir -p "$1"
    (echo "$BASHPID" > "$1/cgroup.procs" && shift && "$@")
}

# as_user_nnp UID COMMAND...: as_user, with no_new_privs (as a hardened
# service or a container runs).
as_user_nnp() {
    local uid=$1
    shift
    setpriv --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs env -i PATH=/usr/bin:/bin "$@"
}

# refused NAME PORT RUNNER...: `RUNNER python3` binding 127.0.0.1:PORT
# fails with EACCES, the kernel's answer.
refused() {
    local name=$1 port=$2 out
    shift 2
    if out=$("$@" python3 -c "import socket; socket.socket().bind(('127.0.0.1', $port))" 2>&1); then
        fail "$name" "the bind succeeded"
    elif printf '%s' "$out" | grep -q 'Errno 13'; then
        pass "$name"
    else
        fail "$name" "not EACCES: $out"
    fi
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
