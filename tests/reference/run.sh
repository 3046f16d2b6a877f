#!/bin/sh
# tests/reference/run.sh [N] [SEED] — price N generated cases with the engine and compare every
# amount with the independent reference model (README.md). Prints one line per discrepancy
# class (count and an example), then "reference: N passed, M failed"; exit 1 if any failed.
#
# Environment: CAREBILL (default /tmp/build-ref/carebill, built there if missing),
# REF_OUT (work directory, default /tmp/carebill-ref-SEED-N), REF_RULES (rules directory,
# default the repository's rules/), REF_JOBS (parallel engine runs, default 2),
# REF_ERRORS (share of patients given input errors, default 0.06).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
N=${1:-${REF_N:-3000}}
SEED=${2:-${REF_SEED:-1}}
CAREBILL=${CAREBILL:-/tmp/build-ref/carebill}
OUT=${REF_OUT:-/tmp/carebill-ref-$SEED-$N}
RULES=${REF_RULES:-$ROOT/rules}
JOBS=${REF_JOBS:-2}
ERRORS=${REF_ERRORS:-0.06}

command -v python3 >/dev/null || { echo "reference: python3 not found, skipped"; exit 77; }
if [ ! -x "$CAREBILL" ]; then
	cmake -S "$ROOT" -B /tmp/build-ref >/dev/null
	cmake --build /tmp/build-ref -j2 --target carebill >/dev/null
	CAREBILL=/tmp/build-ref/carebill
fi

rm -rf "$OUT"
mkdir -p "$OUT"
python3 "$HERE/gen.py" --seed "$SEED" --n "$N" --errors "$ERRORS" --out "$OUT/cases" --rules-dir "$RULES"
echo "cases: $OUT/cases  engine claims: $OUT/claims  report: $OUT/claims/report.txt"
exec python3 "$HERE/ref.py" batch "$OUT/cases" --engine "$CAREBILL" --rules-dir "$RULES" \
	--out "$OUT/claims" --jobs "$JOBS"
