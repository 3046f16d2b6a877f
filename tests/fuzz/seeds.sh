#!/bin/sh
# seeds.sh OUT — build the fuzzers' seed corpora from the repository at run time (nothing is
# committed): OUT/fuzz_case and OUT/fuzz_price_write get every fixtures/**/case.xml and the
# bad-input catalogue's case inputs, OUT/fuzz_ruleset every rules/*.xml and the catalogue's
# rule-set inputs, OUT/fuzz_decimal every distinct decimal attribute value found in them; every
# target also gets its kept crash inputs (tests/fuzz/regressions/<target>/), so a run starts by
# re-checking them. OUT/fuzz_build gets a few builder programs (tests/fuzz/fuzz_build.c reads
# its input as one) that build a billed case of each track.
# Existing corpus files are kept (a longer run grows the corpus in place).
set -eu
out="${1:?usage: seeds.sh OUT_DIR}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$out/fuzz_case" "$out/fuzz_price_write" "$out/fuzz_ruleset" "$out/fuzz_decimal" \
	"$out/fuzz_build"

n=0
for f in $(find "$root/fixtures" -name case.xml | sort); do
	n=$((n + 1))
	name="fixture-$(echo "${f#"$root"/fixtures/}" | tr '/' '_')"
	cp "$f" "$out/fuzz_case/$name"
	cp "$f" "$out/fuzz_price_write/$name"
done
for f in "$root"/rules/*.xml; do
	cp "$f" "$out/fuzz_ruleset/rules-$(basename "$f")"
done
for d in "$root"/tests/bad-input/*/; do
	[ -f "$d/input.xml" ] || continue
	name="badinput-$(basename "$d")"
	case "$(cat "$d/kind")" in
	case)
		cp "$d/input.xml" "$out/fuzz_case/$name"
		cp "$d/input.xml" "$out/fuzz_price_write/$name" ;;
	ruleset)
		cp "$d/input.xml" "$out/fuzz_ruleset/$name" ;;
	esac
done
# decimal seeds: the values of attributes in the fixtures and rule sets, one file each, and a
# pair "amount|ratio" for the split property
i=0
for v in $(cat "$root"/rules/*.xml $(find "$root/fixtures" -name case.xml) |
	grep -oE '="[0-9][0-9.]*"' | tr -d '="' | sort -u); do
	i=$((i + 1))
	printf '%s' "$v" > "$out/fuzz_decimal/value-$i"
done
# builder programs (fuzz_build.c): flags 01 (canonical lines), then <case ruleset="fx-2023">,
# <period> for March 2023 and patient P1; then an outpatient encounter at H1 with one SVC-A1
# line; an ltc contract, a stay with nursing and a meal service; a family-doctor contract
# covering HV-FEE and a home visit with one line. The last elements are closed at the end.
bytes() { for b in "$@"; do printf "\\$(printf '%03o' "$((0x$b))")"; done; }
head="01 00 00 80 00 00 00 06 00 80 00 00 00 00 00 00 01 80 00 00 00 00 00 00 00"
# shellcheck disable=SC2086
{
	bytes $head 00 02 00 00 00 04 00 00 00 00 06 00 80 00 00 00 00 00 00 00 00 04 09 \
		>"$out/fuzz_build/seed-medical"
	bytes $head 06 01 00 10 00 01 00 00 00 00 06 04 80 10 00 01 00 00 00 00 00 09 00 00 \
		06 05 80 00 00 02 00 00 00 00 00 00 00 0e 0a >"$out/fuzz_build/seed-eldercare"
	bytes $head 00 01 00 00 00 00 00 00 00 00 06 00 00 00 00 00 00 00 00 0e 09 \
		00 03 80 00 00 00 00 00 00 04 0a 00 03 06 00 80 00 00 00 00 00 00 00 00 04 0a \
		>"$out/fuzz_build/seed-visit"
}
for t in fuzz_case fuzz_price_write fuzz_ruleset fuzz_decimal fuzz_build; do
	for f in "$root/tests/fuzz/regressions/$t"/*; do
		[ -f "$f" ] && cp "$f" "$out/$t/regression-$(basename "$f")"
	done
done
printf '%s' '12345.675|0.15' > "$out/fuzz_decimal/split-1"
printf '%s' '0.005|0.5' > "$out/fuzz_decimal/split-2"
echo "seeds.sh: $n fixture cases, $i decimal values into $out"
