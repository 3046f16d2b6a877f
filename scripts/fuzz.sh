#!/bin/sh
# Fuzz the engine with libFuzzer (issue 7; docs/hardening.md).
#
#   sh scripts/fuzz.sh [TARGET...]      default: all five targets
#
# Configures a clang build with -DCAREBILL_FUZZ=ON in build-fuzz (FUZZ_BUILD to change), builds
# the targets, seeds their corpora from fixtures/, rules/ and tests/bad-input/
# (tests/fuzz/seeds.sh; the corpora live in the build directory and grow from run to run) and
# runs each target for FUZZ_SECONDS seconds (default 20). Prints the executions of each target
# (libFuzzer's final stats). Every crash, leak, timeout or out-of-memory input is copied to
# tests/fuzz/regressions/<target>/, where the ctest tests fuzz-regressions/<target> replay it
# in the normal builds. Exit status: 0 when no target found anything, 1 otherwise, 2 when the
# build failed.
#
# Environment: FUZZ_SECONDS (per target), FUZZ_BUILD (build directory), FUZZ_JOBS (libFuzzer
# worker processes per target, default 1), FUZZ_TIMEOUT (seconds one input may take, default
# 10), FUZZ_RSS_MB (memory limit per process, default 2048).
set -eu
cd "$(dirname "$0")/.."
root="$(pwd)"
secs="${FUZZ_SECONDS:-20}"
build="${FUZZ_BUILD:-build-fuzz}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
jobs="${FUZZ_JOBS:-1}"
timeout="${FUZZ_TIMEOUT:-10}"
rss="${FUZZ_RSS_MB:-2048}"
targets="${*:-fuzz_decimal fuzz_ruleset fuzz_case fuzz_price_write fuzz_build}"

command -v clang >/dev/null || { echo "fuzz.sh: clang is required (apt-get install clang)" >&2; exit 2; }
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAREBILL_FUZZ=ON \
	-DCAREBILL_TESTS=OFF >/dev/null || exit 2
# shellcheck disable=SC2086
cmake --build "$build" -j"$(nproc)" --target $targets >/dev/null || {
	echo "fuzz.sh: build failed; run: cmake --build $build" >&2
	exit 2
}

corpus="$build/fuzz-corpus"
sh tests/fuzz/seeds.sh "$corpus" >/dev/null
status=0
summary=""
for t in $targets; do
	artifacts="$build/fuzz-artifacts/$t"
	log="$build/fuzz-$t.log"
	rm -rf "$artifacts"
	mkdir -p "$artifacts"
	opts=""
	case "$t" in fuzz_decimal | fuzz_build) ;; *) opts="-dict=$root/tests/fuzz/xml.dict" ;; esac
	[ "$jobs" -le 1 ] || opts="$opts -jobs=$jobs -workers=$jobs"
	echo "fuzz.sh: $t for ${secs}s ..."
	set +e
	# shellcheck disable=SC2086
	(cd "$build" && exec "$build/$t" -max_total_time="$secs" -timeout="$timeout" \
		-rss_limit_mb="$rss" -print_final_stats=1 -artifact_prefix="$artifacts/" $opts \
		"$corpus/$t") >"$log" 2>&1
	rc=$?
	set -e
	# with -jobs, each worker logs to fuzz-N.log in the build directory
	if [ "$jobs" -gt 1 ]; then
		cat "$build"/fuzz-[0-9]*.log >>"$log" 2>/dev/null || true
		rm -f "$build"/fuzz-[0-9]*.log
	fi
	execs=$(grep -E '^stat::number_of_executed_units:' "$log" |
		awk '{s += $2} END {print s + 0}')
	found=$(find "$artifacts" -type f | wc -l)
	if [ "$found" -gt 0 ] || [ "$rc" -ne 0 ]; then
		status=1
		mkdir -p "tests/fuzz/regressions/$t"
		for f in "$artifacts"/*; do
			[ -f "$f" ] || continue
			cp "$f" "tests/fuzz/regressions/$t/"
			echo "fuzz.sh: $t: kept $(basename "$f") in tests/fuzz/regressions/$t/"
		done
		echo "fuzz.sh: $t: exit status $rc; log $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 || true
	fi
	line="$t: $execs executions in ${secs}s, $found finding(s)"
	summary="$summary$line
"
	echo "fuzz.sh: $line"
done
printf '\n%s' "$summary"
exit "$status"
