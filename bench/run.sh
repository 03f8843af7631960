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
for libc in musl glibc; do
	CC=gcc; [ $libc = musl ] && CC=musl-gcc
	$CC -static -O2 -o $B/hello-$libc bench/hello.c
	$CC -static -O2 -o $B/getpid-$libc bench/getpid.c
done
U=$(pwd)/build/uniproc
ratio() { awk "BEGIN { printf \"%.1fx\", $1 / $2 }"; }

echo "benchmark                         native     uniproc    ratio"
for libc in musl glibc; do
	n=$($B/spawn 200 $B/hello-$libc)
	u=$($B/spawn 200 $U run $B/hello-$libc)
	printf "%-30s %8s us %8s us  %s\n" "hello start-to-exit ($libc)" "$n" "$u" "$(ratio $u $n)"
done
for libc in musl glibc; do
	n=$($B/getpid-$libc 200000)
	u=$($U run $B/getpid-$libc 200000)
	t=$($U run --no-rewrite $B/getpid-$libc 5000)
	printf "%-30s %8s ns %8s ns  %s\n" "getpid, rewritten ($libc)" "$n" "$u" "$(ratio $u $n)"
	printf "%-30s %8s ns %8s ns  %s\n" "getpid, trap ($libc)" "$n" "$t" "$(ratio $t $n)"
done
