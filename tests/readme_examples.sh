#!/bin/sh
# readme_examples.sh — the C examples of README.md must compile and run (README.md is kept
# true): each ```c block of the section "The C API" is built against the library just built
# and run in a scratch directory that sees the repository's rules/ and fixtures/. A block
# without a main() is a fragment: it is run inside a main that loads rules/cq-demo-2023.xml as
# `rs`. Every example must exit 0 and write claim.xml.
#
#   sh tests/readme_examples.sh SOURCE_DIR BUILD_DIR [CC [EXTRA_FLAGS]]
#
# EXTRA_FLAGS: e.g. the sanitizer flags, when the library was built with them.
set -eu
src="$1"
build="$2"
cc="${3:-cc}"
extra="${4:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ln -s "$src/rules" "$work/rules"
ln -s "$src/fixtures" "$work/fixtures"
awk -v dir="$work" '
	/^## The C API/ { in_api = 1 }
	/^## / && !/^## The C API/ { in_api = 0 }
	in_api && /^```c$/ { n++; file = sprintf("%s/example%d.c", dir, n); inblock = 1; next }
	inblock && /^```$/ { inblock = 0; close(file); next }
	inblock { print > file }
' "$src/README.md"
count=0
for example in "$work"/example*.c; do
	[ -f "$example" ] || continue
	count=$((count + 1))
	if ! grep -q 'int main' "$example"; then
		{
			printf '#include <carebill.h>\n#include <stdio.h>\n\nint main(void)\n{\n'
			printf '\tcb_ruleset *rs = NULL;\n'
			printf '\tif (cb_ruleset_load_file(&rs, "rules/cq-demo-2023.xml") != CB_OK)\n'
			printf '\t\treturn 2;\n\t{\n'
			cat "$example"
			printf '\t}\n\tcb_ruleset_free(rs);\n\treturn 0;\n}\n'
		} >"$example.main.c"
		mv "$example.main.c" "$example"
	fi
	bin="${example%.c}"
	# shellcheck disable=SC2086
	"$cc" -std=c11 -Wall -Wextra -Werror $extra -I"$src/include" "$example" -o "$bin" \
		-L"$build" -lcarebill -Wl,-rpath,"$build"
	rm -f "$work/claim.xml"
	(cd "$work" && "$bin" >/dev/null)
	if [ ! -s "$work/claim.xml" ]; then
		echo "readme_examples: $(basename "$example") wrote no claim.xml" >&2
		exit 1
	fi
	echo "readme_examples: $(basename "$example") compiled, ran and wrote claim.xml"
done
if [ "$count" -lt 2 ]; then
	echo "readme_examples: expected at least 2 C examples in README.md, found $count" >&2
	exit 1
fi
