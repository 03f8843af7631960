#!/bin/sh
# Install what the OCI runtime's tests and benchmark drive uniproc with, if
# missing: podman (with conmon), containerd (ctr and the runc v2 shim), and
# runc to compare with. Separate from deps.sh's list because they are large.
exec sh "$(dirname "$0")/deps.sh" podman conmon containerd runc
