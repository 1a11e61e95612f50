# What the tests run inside a throwaway root: package states, tree
# snapshots, users, servers and refused binds, cgroups. Sourced (through
# lib.sh), never run.

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
