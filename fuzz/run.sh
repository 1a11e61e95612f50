#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after
# the other, and exits non-zero if any of them finds something.
#
#   fuzz/run.sh SECONDS [TARGET...]
#
# Works on the stable toolchain: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its
# -Z flags, and `-s none` skips AddressSanitizer (the code under test is
# safe Rust; only the glibc oracles in ../oracles call C). Installs
# cargo-fuzz if it is missing.
#
# The seed corpus is fuzz/corpus/TARGET (kept in git); what the fuzzer
# learns goes to fuzz/work/corpus/TARGET (ignored), so later runs resume
# from it. Findings are written to fuzz/artifacts/TARGET/ and printed with
# the command that reproduces them.
set -uo pipefail

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ]; then
    echo "usage: $0 SECONDS [TARGET...]" >&2
    exit 2
fi
secs=$1
shift

here=$(cd "$(dirname "$0")" && pwd)
cd "$here" || exit 2
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1
# The fuzz build has flags of its own: never share the workspace's target
# directory (the Makefile exports a relative CARGO_TARGET_DIR).
export CARGO_TARGET_DIR="$here/target"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install --locked cargo-fuzz || exit 2
fi

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

echo "== building"
mkdir -p work/logs
if ! cargo fuzz build -s none >work/logs/build.log 2>&1; then
    cat work/logs/build.log >&2
    exit 2
fi

failed=()
printf '%-14s %8s %12s %10s %8s %8s  %s\n' target seconds executions exec/s cov ft result
summary=()
for t in "${targets[@]}"; do
    mkdir -p "work/corpus/$t" "corpus/$t" "work/logs" "artifacts/$t"
    log="work/logs/$t.log"
    start=$(date +%s)
    cargo fuzz run -s none "$t" "work/corpus/$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1
    rc=$?
    took=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
    if [ $rc -eq 0 ]; then
        result=ok
    else
        result="FOUND (exit $rc)"
        failed+=("$t")
    fi
    summary+=("$(printf '%-14s %8s %12s %10s %8s %8s  %s' "$t" "$took" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result")")
    echo "${summary[-1]}"
    if [ $rc -ne 0 ]; then
        echo "---- $t: what failed (full log: fuzz/$log)"
        # The panic message (assertion and values), else libFuzzer's report.
        if grep -q 'panicked at' "$log"; then
            grep -m1 -A12 'panicked at' "$log" | sed '/^stack backtrace:/,$d'
        else
            grep -E '==[0-9]+== ?ERROR|SUMMARY|timeout|out-of-memory' "$log" | head -n 10
        fi
        grep -m1 -A3 '^Output of `std::fmt::Debug`' "$log"
        for a in $(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log"); do
            echo "---- reproduce: (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s none $t $a)"
            echo "---- input:     (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz fmt -s none $t $a)"
        done
    fi
done

echo "== summary (${secs}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "!! findings in: ${failed[*]} (see fuzz/artifacts/)" >&2
    exit 1
fi
echo "no findings"
