#!/bin/bash
# Runs the end-to-end tests (or COMMAND) on a machine whose user database
# gets in the way: in a private mount namespace, the machine's /etc/passwd
# and /etc/group with entries that name the tests' uids and gids (1500,
# 1501, 1600) differently, give them other groups and members, and take
# the names the sandboxes use for other ids. The machine's own files are
# never changed (copies, bind-mounted in a namespace that goes when
# COMMAND ends). Every test must pass here as it does anywhere: each
# sandbox brings its own user database.
#
#   sudo tests/hostile-users.sh                  # make e2e E2E_PREFIX=${E2E_PREFIX:-/tmp/authbind-e2e}
#   sudo tests/hostile-users.sh make e2e E2E_PREFIX=/tmp/x
#   sudo tests/hostile-users.sh cargo test -p authbind-e2e ...
#
# Not part of `make test` (it runs the whole end-to-end suite again).
set -eu
[ "$(id -u)" = 0 ] || { echo "$0: needs root (a mount namespace)" >&2; exit 1; }
[ $# -gt 0 ] || set -- make e2e E2E_PREFIX="${E2E_PREFIX:-/tmp/authbind-e2e}"

exec unshare --mount bash -c '
set -eu
mount --make-rprivate /
db=$(mktemp -d /tmp/authbind-hostile-users.XXXXXX)
mount -t tmpfs -o mode=0755 authbind-hostile "$db"
trap "umount -l \"$db\"; rmdir \"$db\"" EXIT
cp /etc/passwd "$db/passwd"
cp /etc/group "$db/group"
cat >> "$db/passwd" <<EOF
someone:x:1500:1500:uid 1500 taken:/nonexistent:/usr/sbin/nologin
other:x:1501:4000:uid 1501 with another primary group:/nonexistent:/usr/sbin/nologin
abuser:x:1700:1700:the sandboxes name for 1500, here another uid:/nonexistent:/usr/sbin/nologin
abk:x:1601:1601::/nonexistent:/usr/sbin/nologin
EOF
cat >> "$db/group" <<EOF
staff1500:x:1500:other,abuser,root
hostile4000:x:4000:someone
abother:x:1701:someone
users1600:x:1600:someone,other
abkgrp:x:1602:someone
EOF
mount --bind "$db/passwd" /etc/passwd
mount --bind "$db/group" /etc/group
echo "== hostile user database: $(getent passwd 1500) / $(getent group 1500) / $(id 1501)" >&2
"$@"
' hostile-users "$@"
