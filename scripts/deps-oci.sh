#!/bin/sh
# Install what the OCI runtime's tests and benchmark drive uniproc with, if
# missing: podman (with conmon), containerd (ctr and the runc v2 shim), and
# runc to compare with. Separate from deps.sh because they are large.
set -e
PKGS="podman conmon containerd runc"
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "uniproc: installing$missing (OCI runtime tests)"
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
