#!/bin/sh
# Debian's redis-server natively and under uniproc, side by side: SET
# requests per second from one client connection, no pipelining
# (bench/redis_load.c, run natively), and redis's own INFO latest_fork_usec
# for a BGSAVE of 200k keys (DEBUG POPULATE 200000). Medians of 3 and 5
# runs. Usage: redis.sh UNIPROC REDIS_LOAD
U=$1 LOAD=$2
. "$(dirname "$0")/../tests/apps/lib.sh"
D=$(mktemp -d /tmp/uniproc-redis-bench.XXXXXX)
PORTS=""
trap 'redis_kill "$D" $PORTS; rm -rf "$D"' EXIT
run() { # $1: "native" or "uniproc"; prints "SET/s fork_us"
	how=native
	[ $1 = uniproc ] && how=$U
	mkdir -p "$D/$1"
	P=$(free_port)
	PORTS="$PORTS $P"
	redis_start "$how" $P "$D/$1" || { echo "- -"; return; }
	$LOAD $P 2000 >/dev/null
	rps=$(for i in 1 2 3; do $LOAD $P 20000; done | sort -n | sed -n 2p)
	rcli $P FLUSHALL >/dev/null
	rcli $P DEBUG POPULATE 200000 >/dev/null
	fork=$(for i in 1 2 3 4 5; do redis_bgsave $P; done | sort -n | sed -n 3p)
	redis_stop $P
	echo "${rps:--} ${fork:--}"
}
n=$(run native)
u=$(run uniproc)
nr=${n% *} ur=${u% *} nf=${n#* } uf=${u#* }
rt() { awk "BEGIN { if ($2 > 0) printf \"%.2fx\", $1 / $2; else print \"-\" }" 2>/dev/null || echo -; }
ms() { awk "BEGIN { printf \"%.2f\", $1 / 1000 }" 2>/dev/null || echo -; }
printf "%-30s %8s r/s %8s r/s  %s\n" "redis SET, 1 client" "$nr" "$ur" "$(rt "$ur" "$nr")"
printf "%-30s %8s ms %8s ms  %s  (latest_fork_usec; target: within 4x; Nephele: 10.6 ms)\n" \
	"redis BGSAVE fork, 200k keys" "$(ms "$nf")" "$(ms "$uf")" "$(rt "$uf" "$nf")"
