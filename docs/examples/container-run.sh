#!/bin/sh
# usage: container-run.sh CGROUP UID COMMAND [ARG...]
#
# Runs COMMAND the way a container engine runs a container started with
# `--security-opt no-new-privileges --user UID --network host`, without the
# engine (docs/container.md): new mount, PID, UTS and IPC namespaces, the
# process placed in the cgroup CGROUP (made if missing; a container's own,
# below the folder kernel mode serves), and run as UID with no_new_privs,
# no capability left in any set, and no supplementary group. As root.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 CGROUP UID COMMAND [ARG...]" >&2; exit 2; }
cgroup=$1 uid=$2
shift 2
mkdir -p "$cgroup"
# This shell joins the cgroup; everything it starts is born there.
echo $$ > "$cgroup/cgroup.procs"
exec unshare --mount --pid --uts --ipc --fork --kill-child --mount-proc \
    setpriv --no-new-privs --reuid="$uid" --regid="$uid" --clear-groups \
        --inh-caps=-all --ambient-caps=-all --bounding-set=-all \
        env -i PATH=/usr/bin:/bin HOME=/ "$@"
