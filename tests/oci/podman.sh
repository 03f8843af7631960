#!/bin/sh
# podman drives uniproc through conmon (--runtime PATH): a busybox root
# (--rootfs), run --rm, run -d, exec, stop, rm; every process of the
# container is a VM. On this kind of machine podman needs the cgroupfs
# manager and an RLIMIT_NOFILE it may set (the hard limit cannot be raised).
# Usage: podman.sh UNIPROC WORKDIR
U=$1 W=$2
. "$(dirname "$0")/lib.sh"
if ! command -v podman >/dev/null; then skip podman "podman is not installed"; exit 0; fi
R=$W/rootfs
mkroot "$R" || { bad podman-setup "cannot make the root"; exit 0; }
P="podman --runtime $U --cgroup-manager=cgroupfs"
ROOTFS="--ulimit nofile=1024:1024 --rootfs $R"
NAME=uniproc-test-$$
trap '$P rm -f $NAME uniproc-pre-$$ >/dev/null 2>&1' EXIT
# Can podman make a container here at all? (It does not call the runtime yet.)
if ! out=$($P create --name uniproc-pre-$$ $ROOTFS /bin/true 2>&1); then
	skip podman "podman cannot create a container on this machine: $(echo "$out" | tail -1)"
	exit 0
fi
$P rm -f uniproc-pre-$$ >/dev/null 2>&1

N=podman-run-pipeline-status
out=$($P run --rm $ROOTFS /bin/sh -c 'seq 1 100 | grep 1 | sort -r | wc -l; exit 7' 2>&1)
rc=$?
[ $rc = 7 ] && [ "$out" = 20 ] && ok $N || bad $N "rc=$rc out=$out"

N=podman-env-workdir
out=$($P run --rm -e FOO="bar baz" -w /tmp $ROOTFS /bin/sh -c 'echo "$FOO"; pwd' 2>&1)
[ "$out" = "$(printf 'bar baz\n/tmp')" ] && ok $N || bad $N "out=$out"

N=podman-run-detached
if ! $P run -d --name $NAME $ROOTFS /bin/sh -c 'sleep 1000 | cat' >"$W/id" 2>&1; then
	bad $N "$(cat "$W/id")"
	exit 0
fi
pid=$($P inspect -f '{{.State.Pid}}' $NAME)
ns=$(mnt_ns "$pid")
if [ -n "$ns" ] && why=$(vms_in "$ns" 3); then ok $N; ok podman-every-process-a-vm
else bad $N "pid=$pid $why"; fi

N=podman-exec
out=$($P exec $NAME /bin/sh -c 'echo "in exec on $(hostname)"; exit 3' 2>&1)
rc=$?
[ $rc = 3 ] && [ "$out" = "in exec on $($P inspect -f '{{.Config.Hostname}}' $NAME)" ] && ok $N ||
	bad $N "rc=$rc out=$out"
N=podman-exec-is-vm
$P exec -d $NAME /bin/sleep 998 >/dev/null 2>&1
why=$(vms_in "$ns" 4) && ok $N || bad $N "$why"

N=podman-stop-rm
$P stop -t 10 $NAME >/dev/null 2>"$W/stop.err" && $P rm $NAME >/dev/null 2>>"$W/stop.err" &&
	why=$(gone "$ns") && ! pgrep -f "uniproc run --root $R" >/dev/null &&
	ok $N || bad $N "$why $(cat "$W/stop.err") left: $(pgrep -af "uniproc run --root $R")"
