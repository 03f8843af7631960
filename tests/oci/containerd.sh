#!/bin/sh
# containerd drives uniproc through its io.containerd.runc.v2 shim
# (ctr run --runc-binary PATH): a busybox root (--rootfs), run --rm, run -d,
# task exec, task kill, task delete; every process of the container is a VM.
# A containerd of its own is started in WORKDIR. Usage: containerd.sh UNIPROC WORKDIR
U=$1 W=$2
. "$(dirname "$0")/lib.sh"
if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null; then
	skip containerd "containerd is not installed"
	exit 0
fi
R=$W/rootfs
mkroot "$R" || { bad containerd-setup "cannot make the root"; exit 0; }
start_containerd "$W"
C="ctr --address $W/containerd.sock -n uniproc-test"
RT="--runtime io.containerd.runc.v2 --runc-binary $U"
ID=uniproc-test-$$
trap '$C task kill -s KILL $ID >/dev/null 2>&1; $C task delete $ID >/dev/null 2>&1; $C container delete $ID >/dev/null 2>&1; kill $D 2>/dev/null' EXIT
if ! wait_for "$C version >/dev/null 2>&1"; then
	skip containerd "containerd does not start here: $(tail -1 "$W/containerd.log")"
	exit 0
fi

N=ctr-run-pipeline-status
out=$($C run --rm $RT --rootfs "$R" $ID-a /bin/sh -c 'seq 1 100 | grep 1 | sort -r | wc -l; exit 7' 2>&1)
rc=$?
[ $rc = 7 ] && [ "$out" = 20 ] && ok $N || bad $N "rc=$rc out=$out"

N=ctr-env-cwd
out=$($C run --rm $RT --env FOO=bar --cwd /tmp --rootfs "$R" $ID-b /bin/sh -c 'echo "$FOO"; pwd' 2>&1)
[ "$out" = "$(printf 'bar\n/tmp')" ] && ok $N || bad $N "out=$out"

N=ctr-run-detached
if ! $C run -d $RT --rootfs "$R" $ID /bin/sh -c 'sleep 1000 | cat' >"$W/run.out" 2>&1; then
	bad $N "$(cat "$W/run.out")"
	exit 0
fi
pid=$($C task ls | awk -v id=$ID '$1 == id { print $2 }')
ns=$(mnt_ns "$pid")
if [ -n "$ns" ] && why=$(vms_in "$ns" 3); then ok $N; ok ctr-every-process-a-vm
else bad $N "pid=$pid $why"; fi

N=ctr-exec
out=$($C task exec --exec-id e1 $ID /bin/sh -c 'echo in exec; exit 5' 2>&1)
rc=$?
[ $rc = 5 ] && [ "$out" = "in exec" ] && ok $N || bad $N "rc=$rc out=$out"

N=ctr-kill-delete
$C task kill $ID >/dev/null 2>"$W/kill.err" &&
	wait_for "$C task ls | grep -q '^$ID .*STOPPED'" && $C task delete $ID >/dev/null 2>>"$W/kill.err" &&
	$C container delete $ID 2>>"$W/kill.err" && why=$(gone "$ns") &&
	! pgrep -f "uniproc run --root $R" >/dev/null &&
	ok $N || bad $N "$why $(cat "$W/kill.err") $($C task ls)"
