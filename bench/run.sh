#!/bin/sh
# Benchmarks: uniproc against native Linux processes, side by side in one
# run. Prints medians and ratios (uniproc / native).
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
make -s
B=build/bench
mkdir -p $B
cc -O2 -o $B/spawn bench/spawn.c
cc -O2 -o $B/pss bench/pss.c
cc -O2 -o $B/pss_many bench/pss_many.c
gcc -O2 -o $B/shm bench/shm.c
musl-gcc -static -O2 -o $B/net bench/net.c
musl-gcc -static -O2 -o $B/redis_load bench/redis_load.c
for libc in musl glibc; do
	CC=gcc; [ $libc = musl ] && CC=musl-gcc
	for p in hello getpid fork forkmem pipe threads; do
		$CC -static -O2 -o $B/$p-$libc bench/$p.c
	done
done
U=$(pwd)/build/uniproc
ratio() { awk "BEGIN { printf \"%.1fx\", $1 / $2 }"; }

echo "benchmark                         native     uniproc    ratio"
for libc in musl glibc; do
	n=$($B/spawn 200 $B/hello-$libc)
	u=$($B/spawn 200 $U run $B/hello-$libc)
	printf "%-30s %8s us %8s us  %s\n" "hello start-to-exit ($libc)" "$n" "$u" "$(ratio $u $n)"
done
# Dynamic programs (Debian's): ld.so and libc.so mapped from the page cache.
n=$($B/spawn 200 /bin/true)
u=$($B/spawn 200 $U run /bin/true)
s=$($B/spawn 200 $U run /bin/busybox true)
printf "%-30s %8s us %8s us  %s\n" "Debian /bin/true (dynamic)" "$n" "$u" "$(ratio $u $n)"
printf "%-30s %8s us %8s us  %s  (dynamic/static under uniproc: %s)\n" "busybox true (static)" \
	"$($B/spawn 200 /bin/busybox true)" "$s" "$(ratio $s $($B/spawn 200 /bin/busybox true))" "$(ratio $u $s)"
x=$($U run --stats /bin/true 2>&1 | sed -n 's/uniproc: \([0-9]*\) VM exits/\1/p')
echo "  (/bin/true under uniproc takes $x VM exits)"
for libc in musl glibc; do
	n=$($B/getpid-$libc 200000)
	u=$($U run $B/getpid-$libc 200000)
	t=$($U run --no-rewrite $B/getpid-$libc 5000)
	printf "%-30s %8s ns %8s ns  %s\n" "getpid, rewritten ($libc)" "$n" "$u" "$(ratio $u $n)"
	printf "%-30s %8s ns %8s ns  %s\n" "getpid, trap ($libc)" "$n" "$t" "$(ratio $t $n)"
done
for libc in musl glibc; do
	for kind in small big; do
		n=$($B/fork-$libc 300 $kind)
		u=$($U run $B/fork-$libc 100 $kind)
		label="fork+exit+wait, $kind ($libc)"
		[ $kind = big ] && label="fork+exit+wait, 64M/4M ($libc)"
		printf "%-30s %8s us %8s us  %s\n" "$label" "$n" "$u" "$(ratio $u $n)"
	done
done
# Median of 3 runs of a command that prints one number.
med3() { for i in 1 2 3; do "$@"; done | sort -n | sed -n 2p; }
for chunk in 4096 65536 1048576; do
	n=$(med3 $B/pipe-musl tput $chunk 1024)
	u=$(med3 $U run $B/pipe-musl tput $chunk 1024)
	x=$($U run --stats $B/pipe-musl tput $chunk 1024 2>&1 >/dev/null | sed -n 's/uniproc: \([0-9]*\) VM exits/\1/p')
	printf "%-30s %6s MiB/s %6s MiB/s  %s  (%s VM exits/MiB)\n" "pipe 1 GiB, $chunk B writes" "$n" "$u" \
		"$(ratio $u $n)" "$(awk "BEGIN { printf \"%.2f\", $x / 1024 }")"
done
n=$(med3 $B/pipe-musl pingpong 20000)
u=$(med3 $U run $B/pipe-musl pingpong 20000)
printf "%-30s %8s us %8s us  %s\n" "pipe 1-byte ping-pong" "$n" "$u" "$(ratio $u $n)"
n=$(med3 $B/pipe-musl create 2000)
u=$(med3 $U run $B/pipe-musl create 500)
printf "%-30s %8s us %8s us  %s\n" "pipe() + 2 x close()" "$n" "$u" "$(ratio $u $n)"
# Host calls back to back (issue 16): exitless (a call server) against
# every call an exit (--no-exitless); microseconds per call, and CPU time
# per call (all the process's threads: the server's spinning included).
musl-gcc -static -O2 -o $B/hostcall bench/hostcall.c
for m in pread write fstat openclose; do
	set -- $($B/hostcall $m 100000); n=$1 nc=$2
	set -- $($U run $B/hostcall $m 40000); u=$1 uc=$2
	set -- $($U run --no-exitless $B/hostcall $m 4000); x=$1
	printf "%-30s %6s us %8s us  %s  (cpu %s vs %s us; each an exit: %s us)\n" "host call: $m" "$n" "$u" \
		"$(ratio $u $n)" "$uc" "$nc" "$x"
done
# One call after 5 ms without any (the call server asleep): what an
# interactive or event-driven program pays per call.
set -- $($B/hostcall idle 200); n=$1 nc=$2
set -- $($U run $B/hostcall idle 200); u=$1 uc=$2
printf "%-30s %6s us %8s us  %s  (cpu per call incl. the sleep: %s vs %s us)\n" "host call after 5 ms idle" "$n" "$u" "$(ratio $u $n)" "$uc" "$nc"
# And after an idle second (issue 16), 5 of them.
set -- $($B/hostcall idle 5 1000); n=$1 nc=$2
set -- $($U run $B/hostcall idle 5 1000); u=$1 uc=$2
printf "%-30s %6s us %8s us  %s  (cpu per call incl. the sleep: %s vs %s us)\n" "host call after 1 s idle" "$n" "$u" "$(ratio $u $n)" "$uc" "$nc"
# What the monitor's seccomp filter costs (monitor/sandbox.c): the same
# calls with it and without (--no-seccomp), medians of 3.
for m in fstat openclose; do
	u=$(med3 sh -c "$U run $B/hostcall $m 40000 | cut -d' ' -f1")
	x=$(med3 sh -c "$U run --no-seccomp $B/hostcall $m 40000 | cut -d' ' -f1")
	printf "%-30s %6s us %8s us  %s  (with the filter / without)\n" "seccomp filter: $m" "$x" "$u" "$(ratio $u $x)"
done
head -c $((128 << 20)) /dev/urandom > $B/big.bin
seq 3000000 > $B/lines.txt
msec() { s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
n=$(med3 msec md5sum $B/big.bin); u=$(med3 msec $U run /usr/bin/md5sum $B/big.bin)
printf "%-30s %8s ms %8s ms  %s\n" "md5sum 128 MiB" "$n" "$u" "$(ratio $u $n)"
n=$(med3 msec wc -l $B/lines.txt); u=$(med3 msec $U run /usr/bin/wc -l $B/lines.txt)
printf "%-30s %8s ms %8s ms  %s\n" "wc -l, 3M lines" "$n" "$u" "$(ratio $u $n)"
# sort's buffers are big anonymous mappings: transparent huge pages (guest/sys_mem.c)
n=$(med3 msec sort -o /dev/null $B/lines.txt); u=$(med3 msec $U run /usr/bin/sort -o /dev/null $B/lines.txt)
printf "%-30s %8s ms %8s ms  %s\n" "sort, 3M lines" "$n" "$u" "$(ratio $u $n)"
n=$(med3 msec /usr/bin/true); u=$(med3 msec $U run /usr/bin/true)
printf "%-30s %8s ms %8s ms  %s  (the floor of the two above)\n" "/usr/bin/true (dynamic)" "$n" "$u" "$(ratio $u $n)"
rm -f $B/big.bin $B/lines.txt
# Threads (issue 11): each thread a vCPU of the process's VM. A run that
# fails (no threads) shows "-".
rq() { [ -n "$1" ] && [ -n "$2" ] && ratio "$1" "$2" || echo "-"; }
for libc in musl glibc; do
	P=$B/threads-$libc
	n=$(med3 $P cpu 100); u=$(med3 $U run $P cpu 100 2>/dev/null)
	printf "%-30s %8s x  %8s x   %s  (speedup of 2 threads over 1; target >= 1.7 on 2 cores)\n" \
		"2 CPU-bound threads ($libc)" "$n" "${u:--}" "$(rq "$u" "$n")"
	n=$(med3 $P mutex 20000000); u=$(med3 $U run $P mutex 20000000 2>/dev/null)
	printf "%-30s %8s ns %8s ns  %s  (target: within 1.5x)\n" "mutex lock+unlock ($libc)" "$n" "${u:--}" "$(rq "$u" "$n")"
	n=$(med3 $P pingpong 20000); u=$(med3 $U run $P pingpong 20000 2>/dev/null)
	printf "%-30s %8s us %8s us  %s\n" "condvar ping-pong ($libc)" "$n" "${u:--}" "$(rq "$u" "$n")"
	n=$(med3 $P create 2000); u=$(med3 $U run $P create 2000 2>/dev/null)
	printf "%-30s %8s us %8s us  %s\n" "pthread_create+join ($libc)" "$n" "${u:--}" "$(rq "$u" "$n")"
done
# Shell workloads with Debian's static busybox (glibc), each process a VM.
BB=/bin/busybox
LOOP='i=0; while [ $i -lt 200 ]; do /bin/busybox true; i=$((i+1)); done'
head -c $((48 << 20)) /dev/urandom | base64 > $B/text.txt
PIPE="cat $B/text.txt | tr a-z A-Z | grep -v XYZ | wc -l"
tsec() { s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
n=$(med3 tsec $BB sh -c "$LOOP"); u=$(med3 tsec $U run $BB sh -c "$LOOP")
printf "%-30s %8s ms %8s ms  %s\n" "sh loop: 200 x busybox true" "$n" "$u" "$(ratio $u $n)"
DLOOP='i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done'
n=$(med3 tsec /bin/dash -c "$DLOOP"); u=$(med3 tsec $U run /bin/dash -c "$DLOOP")
printf "%-30s %8s ms %8s ms  %s\n" "dash loop: 200 x /bin/true" "$n" "$u" "$(ratio $u $n)"
n=$(med3 tsec $BB sh -c "$PIPE"); u=$(med3 tsec $U run $BB sh -c "$PIPE")
printf "%-30s %8s ms %8s ms  %s\n" "4-stage pipeline, 64 MiB" "$n" "$u" "$(ratio $u $n)"
# Memory shared between two processes (two VMs): glibc, dynamic.
n=$(med3 $B/shm atomics 20000000); u=$(med3 $U run $B/shm atomics 20000000)
printf "%-30s %6s M/s %8s M/s  %s\n" "shared atomic increments" "$n" "$u" "$(ratio $u $n)"
n=$(med3 $B/shm pingpong 20000); u=$(med3 $U run $B/shm pingpong 20000)
printf "%-30s %8s us %8s us  %s\n" "pshared mutex+cond ping-pong" "$n" "$u" "$(ratio $u $n)"
n=$(med3 $B/shm create 200); u=$(med3 $U run $B/shm create 200)
printf "%-30s %8s us %8s us  %s\n" "64 MiB MAP_SHARED map+unmap" "$n" "$u" "$(ratio $u $n)"
# Sockets between VMs (musl, static): every socket call is a VM exit.
n=$(med3 $B/net prefork 1000); u=$(med3 $U run $B/net prefork 1000)
x=$($U run --stats $B/net prefork 1000 2>&1 >/dev/null | sed -n 's/uniproc: \([0-9]*\) VM exits/\1/p')
printf "%-30s %6s r/s %8s r/s  %s  (%s VM exits per request by the clients)\n" "prefork 4 workers, 2 clients" "$n" "$u" \
	"$(ratio $u $n)" "$(awk "BEGIN { printf \"%.1f\", $x / 2000 }")"
# The same server under load from native clients (bench/net.c client), as
# nginx.sh measures nginx: the server's own cost, not its clients'.
serve() { # $1: native or uniproc, $2 port; prints the median of 3
	if [ $1 = native ]; then $B/net serve $2 & else $U run $B/net serve $2 & fi
	m=$!
	for i in $(seq 100); do [ "$($B/net client $2 1)" != 0 ] && break; sleep 0.05; done
	for k in 1 2 3; do $B/net client $2 2000; done | sort -n | sed -n 2p
	kill -TERM $m; wait $m
}
n=$(serve native 18201); u=$(serve uniproc 18202)
printf "%-30s %6s r/s %8s r/s  %s\n" "prefork 4 workers, native clients" "$n" "$u" "$(ratio $u $n)"
n=$(med3 $B/net tcp 512); u=$(med3 $U run $B/net tcp 512)
printf "%-30s %6s MiB/s %6s MiB/s  %s\n" "TCP loopback, 64 KiB writes" "$n" "$u" "$(ratio $u $n)"
n=$(med3 $B/net unixrtt 5000); u=$(med3 $U run $B/net unixrtt 5000)
printf "%-30s %8s us %8s us  %s\n" "unix socket 1-byte round trip" "$n" "$u" "$(ratio $u $n)"
# Debian's nginx, natively and under uniproc (load from bench/net.c client).
sh bench/nginx.sh "$U" "$B/net"
# Debian's redis-server: SET r/s from one client (bench/redis_load.c) and
# the BGSAVE fork of 200k keys (redis's latest_fork_usec).
sh bench/redis.sh "$U" "$(pwd)/$B/redis_load"
echo
echo "memory a forked child adds (KiB)     native PSS/USS   uniproc PSS/USS"
for kib in 0 1024; do
	n=$($B/pss $B/forkmem-musl $kib)
	u=$($B/pss $U run $B/forkmem-musl $kib)
	printf "%-36s %8s/%-8s %8s/%-8s\n" "child that dirties $kib KiB" ${n% *} ${n#* } ${u% *} ${u#* }
done
echo
echo "10 concurrent processes of one dynamic program   native PSS/RSS (KiB)   uniproc PSS/RSS (KiB)"
for prog in /bin/cat "/usr/bin/python3 -c import\ sys;sys.stdin.read()"; do
	case $prog in /bin/cat) n=$($B/pss_many 10 /bin/cat); u=$($B/pss_many 10 $U run /bin/cat); label="cat";;
	*) n=$($B/pss_many 10 /usr/bin/python3 -c 'import sys; sys.stdin.read()')
	   u=$($B/pss_many 10 $U run /usr/bin/python3 -c 'import sys; sys.stdin.read()'); label="python3";;
	esac
	printf "%-48s %10s/%-10s %10s/%-10s\n" "10 x $label, blocked reading stdin" ${n% *} ${n#* } ${u% *} ${u#* }
done
# The OCI runtime: podman and containerd starting a hello container (root).
echo
if [ "$(id -u)" = 0 ]; then sh bench/oci.sh; else echo "(bench/oci.sh needs root: skipped)"; fi
