#!/bin/sh
# Installs what carebill needs to build (and, with the argument `test`, to run every test) on
# Debian (apt-get), if it is missing.
set -eu
PKGS="cmake make gcc pkg-config libsqlite3-dev libxml2-dev libgmp-dev libssl-dev libcunit1-dev"
# `deps.sh test`: also what the tests need — clang with libFuzzer for the short fuzzing run
# (Debian 12 names) and python3 for the reference model
[ "${1:-}" = test ] && PKGS="$PKGS clang libclang-rt-14-dev python3"
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
