# Checks that say what they checked, for the package tests. Sourced
# (through lib.sh), never run.
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
