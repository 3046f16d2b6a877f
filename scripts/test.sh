#!/bin/sh
# The README's second command: build and run every test twice — a normal build and an
# AddressSanitizer + UndefinedBehaviorSanitizer build — then fuzz each parser briefly with
# libFuzzer (FUZZ_SECONDS per target, 15 by default; 0 skips). Stops at the first failure
# with a non-zero status; ends with one line "tests: N passed, 0 failed".
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh test
jobs="$(nproc)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
passed=0

# run_ctest DIR [ENV...]: ctest in DIR, its output shown, its passed tests counted
run_ctest() {
	dir="$1"
	shift
	if ! (cd "$dir" && env "$@" ctest --output-on-failure -j"$jobs") >"$log" 2>&1; then
		cat "$log"
		echo "tests: ctest failed in $dir" >&2
		exit 1
	fi
	cat "$log"
	n=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$log")
	passed=$((passed + ${n:-0}))
}

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
run_ctest build
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCAREBILL_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
run_ctest build-asan ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
secs="${FUZZ_SECONDS:-15}"
if [ "$secs" != 0 ]; then
	FUZZ_SECONDS="$secs" sh scripts/fuzz.sh
	# one passed test per fuzz target (fuzz.sh's default list; it fails on any finding)
	# shellcheck disable=SC2046
	set -- $(sed -n 's/^targets="\${\*:-\(.*\)}"$/\1/p' scripts/fuzz.sh)
	passed=$((passed + $#))
fi
echo "tests: $passed passed, 0 failed"
