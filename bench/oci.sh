#!/bin/sh
# The OCI runtime: start to exit of a hello container (a busybox root,
# /bin/echo hello), podman run --rm and ctr run --rm, with uniproc against
# runc (and crun where it runs), side by side, alternated. Prints medians.
# Usage: sh bench/oci.sh [RUNS]  (root; installs podman, containerd, runc)
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/deps-oci.sh
make -s
U=$(pwd)/build/uniproc
N=${1:-15}
W=$(mktemp -d /tmp/uniproc-bench-oci.XXXXXX)
. tests/oci/lib.sh
mkroot "$W/rootfs"
# nproc too: podman's default RLIMIT_NPROC cannot be set here (runc fails).
P="podman --cgroup-manager=cgroupfs"
OPTS="--rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --rootfs $W/rootfs /bin/echo hello"
start_containerd "$W"
trap 'kill $D 2>/dev/null; rm -rf "$W"' EXIT
C="ctr --address $W/containerd.sock -n uniproc-bench"
wait_for "$C version >/dev/null 2>&1"

# ms CMD...: wall time of one run in milliseconds, or "fail".
ms() {
	a=$(date +%s%N)
	"$@" >/dev/null 2>&1 || { echo fail; return; }
	echo $((($(date +%s%N) - a) / 1000000))
}
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }

runtimes="$U runc"
crun_ok=0
$P --runtime crun run $OPTS >/dev/null 2>&1 && runtimes="$runtimes crun" && crun_ok=1
for rt in $runtimes; do eval "pod_$(basename $rt)=''; ctr_$(basename $rt)=''"; done
i=0
while [ $i -lt $N ]; do
	for rt in $runtimes; do
		b=$(basename $rt)
		t=$(ms $P --runtime $rt run $OPTS)
		[ "$t" = fail ] || eval "pod_$b=\"\$pod_$b $t\""
		t=$(ms $C run --rm --runtime io.containerd.runc.v2 --runc-binary $rt --rootfs "$W/rootfs" b$i /bin/echo hello)
		[ "$t" = fail ] || eval "ctr_$b=\"\$ctr_$b $t\""
	done
	i=$((i + 1))
done
pu=$(echo $pod_uniproc | median) pr=$(echo $pod_runc | median)
cu=$(echo $ctr_uniproc | median) cr=$(echo $ctr_runc | median)
echo "OCI runtime, hello container start to exit (median of $N, ms)"
printf "%-34s %8s %8s %8s\n" "" uniproc runc crun
printf "%-34s %8s %8s %8s\n" "podman run --rm (conmon)" "$pu" "$pr" "$( [ $crun_ok = 1 ] && echo $pod_crun | median || echo n/a)"
printf "%-34s %8s %8s %8s\n" "ctr run --rm (runc v2 shim)" "$cu" "$cr" "$( [ $crun_ok = 1 ] && echo $ctr_crun | median || echo n/a)"
[ $crun_ok = 1 ] || echo "(crun cannot run a container on this machine: $($P --runtime crun run $OPTS 2>&1 | tail -1))"
