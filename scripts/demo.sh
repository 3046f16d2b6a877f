#!/bin/sh
# The README's first command: install, build, and price the demo case (claim on stdout).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
./build/carebill price --rules rules/cq-demo-2023.xml fixtures/demo/case.xml
