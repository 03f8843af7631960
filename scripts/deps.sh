#!/bin/sh
# Install the Debian packages uniproc needs to build and test, if missing;
# with arguments, those packages instead (scripts/deps-oci.sh).
set -e
# Debian's own dynamically linked programs are run by the tests (issue 9);
# golang-go builds the static Go test program (issue 11); nginx and redis
# are the real applications of issue 13; jansson reads OCI config.json (14);
# libseccomp and libcap make the monitor's sandbox (15); clang builds the
# libFuzzer harnesses of tests/fuzz (15).
PKGS="gcc make binutils musl-tools libcapstone-dev libjansson-dev libseccomp-dev libcap-dev coreutils procps diffutils busybox-static
dash bash grep sed mawk findutils tar perl python3 nginx-light golang-go
redis-server redis-tools clang"
[ $# -gt 0 ] && PKGS="$*"
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "uniproc: installing$missing"
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
