#!/bin/sh
# The benchmark command (issue 8; tests/bench/README.md): builds a Release build in
# build-bench, generates the deterministic workload, runs every benchmark in this one
# invocation and prints a Markdown table with the ratios engine/floor and engine/baseline.
#
#   sh scripts/bench.sh
#
# Environment:
#   BENCH_LINES=N      charge lines of the workload (default 1000000)
#   BENCH_QUICK=1      a tiny smoke run (3000 lines) that also checks the Python baseline's
#                      amounts against the engine's (what CI runs, through ctest bench_smoke)
#   BENCH_RUNS=K       timed runs per measurement (default 5; the median is reported)
#   BENCH_CHECK=1      check the baseline against the engine at any size (writes both outputs)
#   BENCH_PROFILE=1    also run callgrind on bench_price over a 20000-line case and list the top
#                      functions by inclusive instruction count (needs valgrind)
#   BENCH_BUILD_DIR=D  use the programs already built in D (no dependency install, no build)
#   BENCH_WORK_DIR=D   where the workload and outputs go (default BUILD/bench-work)
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ -n "${BENCH_BUILD_DIR:-}" ]; then
	build="$BENCH_BUILD_DIR"
else
	build="$root/build-bench"
	sh scripts/deps.sh
	cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$build" -j"$(nproc)" >/dev/null
fi
work="${BENCH_WORK_DIR:-$build/bench-work}"
mkdir -p "$work"
rules="$root/rules/cq-demo-2023.xml"
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	lines="${BENCH_LINES:-3000}"
	check=1
else
	lines="${BENCH_LINES:-1000000}"
	check="${BENCH_CHECK:-0}"
fi
runs="${BENCH_RUNS:-5}"
export BENCH_RUNS="$runs"
patients=$((lines / 20))
[ "$patients" -ge 1 ] || patients=1
results="$work/results.txt"
: >"$results"

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
mem="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
machine="$(nproc) CPUs ($cpu), $mem memory, $(uname -sr), $(date -u '+%Y-%m-%d %H:%M UTC')"
machine="$machine, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $machine"
echo "workload: gencase seed 1, $patients patients, $lines charge lines; $runs runs each"

# run NAME CMD...: run a benchmark, show its output, keep its BENCH lines.
run() {
	name="$1"
	shift
	echo "== $name"
	if "$@" >"$work/$name.out" 2>"$work/$name.err"; then
		cat "$work/$name.out"
		grep '^BENCH ' "$work/$name.out" >>"$results" || true
	else
		cat "$work/$name.out" "$work/$name.err"
		echo "BENCH name=$name failed=1" >>"$results"
		echo "$name FAILED" >&2
		failed=1
	fi
}
failed=0

"$build/gencase" 1 "$patients" "$lines" >"$work/case.xml"
"$build/loaddb" "$work/case.xml" "$work/case.sqlite"

run price "$build/bench_price" "$rules" "$work/case.xml"
run write "$build/bench_write" "$rules" "$work/case.xml"
run cli "$build/bench_cli" "$build/carebill" "$rules" "$work/case.xml"
# The three readers of the SQLite rows run interleaved, one run each per round, so that the
# load of a shared machine falls on all three alike and their ratios stay meaningful; the
# table takes the median of the rounds. The floor writes as many bytes per charge line as
# the engine's claim documents did in the first round.
python=""
if command -v python3 >/dev/null 2>&1; then
	python=python3
else
	echo "baseline: python3 not found"
	echo "BENCH name=baseline missing=python3" >>"$results"
fi
bpl=""
round=1
while [ "$round" -le "$runs" ]; do
	echo "-- SQLite round $round of $runs"
	run sqlite "$build/bench_sqlite" "$rules" "$work/case.sqlite" 1
	if [ -z "$bpl" ]; then
		bpl="$(awk '$2 == "name=sqlite" { for (i = 3; i <= NF; i++) {
			split($i, kv, "="); v[kv[1]] = kv[2] }
			if (v["lines"] > 0) printf "%d", v["bytes"] / v["lines"] + 0.5 }' "$results")"
	fi
	run floor "$build/bench_floor" "$work/case.sqlite" "${bpl:-360}" 1
	run sqlite_xml "$build/bench_sqlite" "$rules" "$work/case.sqlite" 1 /dev/null xml
	if [ -n "$python" ]; then
		run baseline python3 "$root/tests/bench/baseline.py" "$rules" "$work/case.sqlite" 1
	fi
	round=$((round + 1))
done

if [ "$check" = 1 ]; then
	echo "== check: the baseline's amounts against the engine's"
	"$build/bench_sqlite" "$rules" "$work/case.sqlite" 1 "$work/engine-claims.xml" >/dev/null
	if [ -n "$python" ]; then
		python3 "$root/tests/bench/baseline.py" "$rules" "$work/case.sqlite" 1 \
			"$work/baseline-claims.xml" >/dev/null
		python3 "$root/tests/bench/check_baseline.py" "$work/engine-claims.xml" \
			"$work/baseline-claims.xml" || failed=1
	else
		echo "check: python3 not found, skipped"
	fi
fi

# The nightly batch's own benchmark (issue 5; tests/bench/bench_batch.c), written with the
# batch: run when it is built, at a tenth of the workload and at the whole workload (10^5 and
# 10^6 lines by default), to show that its peak RSS does not grow with the database. Its BENCH
# lines (name=batch, one per size) join the table.
batch=""
for candidate in "$build/tests/bench_batch" "$build/bench_batch"; do
	if [ -x "$candidate" ] && [ -z "$batch" ]; then
		batch="$candidate"
	fi
done
if [ -n "$batch" ]; then
	rm -rf "$work/batch"
	if [ "${BENCH_QUICK:-0}" = 1 ]; then
		run batch "$batch" --smoke --work "$work/batch"
	else
		small=$((lines / 10))
		[ "$small" -ge 1 ] || small=1
		run batch "$batch" --work "$work/batch" "$small" "$lines"
	fi
	rm -rf "$work/batch"
else
	echo "BENCH name=batch missing=pending" >>"$results"
fi

if [ "${BENCH_PROFILE:-0}" = 1 ] && ! command -v valgrind >/dev/null 2>&1; then
	echo "profile: valgrind not found, skipped"
elif [ "${BENCH_PROFILE:-0}" = 1 ]; then
	echo "== profile: callgrind on bench_price, 20000 lines, 1 run of cb_case_price_buffer"
	"$build/gencase" 1 1000 20000 >"$work/profile.xml"
	valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
		"$build/bench_price" "$rules" "$work/profile.xml" 1 0 >/dev/null 2>&1
	callgrind_annotate --inclusive=yes "$work/callgrind.out" 2>/dev/null |
		grep -E '^ *[0-9,]+ \(' | grep -v -e 'PROGRAM TOTALS' -e 'ld-linux' -e 'below main' \
		-e 'libc-start' | head -n 30 | tee "$work/profile.txt"
fi

machine="$machine, at end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
awk -v machine="$machine" -v lines="$lines" -v patients="$patients" \
	-f "$root/tests/bench/table.awk" "$results" >"$work/table.md"
cat "$work/table.md"
exit "$failed"
