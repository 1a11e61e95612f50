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
    pkill -TERM -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
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

# throwaway_inputs: sets IN to a folder (removed at exit) holding the .deb
# under test as ours.deb, Debian's authbind as theirs.deb and the docs'
# examples (docs/examples) as examples/, for in_throwaway_root.
throwaway_inputs() {
    IN=$(mktemp -d /tmp/authbind-pkgtest.XXXXXX)
    trap 'rm -rf "$IN"' EXIT
    cp "$DEB_FILE" "$IN/ours.deb"
    cp "$(ls "$DEBS_DIR"/authbind_*.deb | head -n 1)" "$IN/theirs.deb"
    cp -r "$(dirname "${BASH_SOURCE[0]}")/../../docs/examples" "$IN/examples"
    chmod -R a+rX "$IN"
}
