#!/bin/sh
# Debian's redis-server natively and under uniproc, the same scenario, and
# the results compared: PING/SET/GET, DEBUG POPULATE 200000, BGSAVE (a
# forked child, its own VM under uniproc, writes dump.rdb) while the parent
# answers writes, then a fresh server loads the dump: same key count, same
# DEBUG DIGEST as at the fork. Usage: redis.sh UNIPROC. Prints what failed,
# or one line with the fork times (redis's INFO latest_fork_usec).
U=$1
. "$(dirname "$0")/lib.sh"
D=$(mktemp -d /tmp/uniproc-redis.XXXXXX)
PORTS=""
trap 'redis_kill "$D" $PORTS; rm -rf "$D"' EXIT
N=200000

# scenario NAME HOW: the transcript of one run on stdout (HOW: "native" or
# the uniproc binary); stops at what failed.
scenario() {
	how=$2 dir=$D/$1
	mkdir -p "$dir"
	P=$(free_port)
	PORTS="$PORTS $P"
	redis_start "$how" $P "$dir" || { echo "no PONG"; return 1; }
	echo "ping: $(rcli $P PING)"
	echo "set: $(rcli $P SET greeting "hello from redis")"
	echo "get: $(rcli $P GET greeting)"
	echo "populate: $(rcli $P DEBUG POPULATE $N)"
	echo "dbsize: $(rcli $P DBSIZE)"
	digest=$(rcli $P DEBUG DIGEST)
	echo "digest: $digest"
	echo "bgsave: $(rcli $P BGSAVE)"
	# Writes to the parent while its child saves (one connection, so they
	# follow the fork); they are not in the dump.
	printf 'SET w%s x\n' 1 2 3 4 5 | rcli $P | tr '\n' ' '
	echo
	redis_field $P persistence rdb_bgsave_in_progress >"$dir/during"
	redis_bgsave_wait $P || { echo "bgsave failed: $(tail -3 "$dir/log" | tr '\n' '|')"; return 1; }
	echo "bgsave: ok"
	echo "dbsize after writes: $(rcli $P DBSIZE)"
	fork=$(redis_field $P stats latest_fork_usec)
	echo "$fork" >"$dir/fork"
	[ "${fork:-0}" -gt 0 ] 2>/dev/null && echo "latest_fork_usec: positive"
	[ -s "$dir/dump.rdb" ] && echo "dump.rdb written"
	redis_stop $P
	echo "exit: $?"
	# A fresh server on the dump.
	redis_start "$how" $P "$dir" || { echo "no PONG from the reloaded server"; return 1; }
	wait_for "[ \"\$(redis_field $P persistence loading)\" = 0 ]"
	echo "reloaded dbsize: $(rcli $P DBSIZE)"
	[ "$(rcli $P DEBUG DIGEST)" = "$digest" ] && echo "reloaded digest: as at the fork"
	echo "reloaded get: $(rcli $P GET greeting)"
	echo "reloaded w1 exists: $(rcli $P EXISTS w1)"
	redis_stop $P
	echo "exit: $?"
}

scenario native native >"$D/n.txt" 2>&1
scenario uniproc "$U" >"$D/u.txt" 2>&1
# The native run must itself be right, or comparing it proves nothing.
printf '%s\n' "ping: PONG" "set: OK" "get: hello from redis" "populate: OK" "dbsize: $((N + 1))" \
	"bgsave: Background saving started" "OK OK OK OK OK " "bgsave: ok" "dbsize after writes: $((N + 6))" \
	"latest_fork_usec: positive" "dump.rdb written" "reloaded dbsize: $((N + 1))" \
	"reloaded digest: as at the fork" "reloaded w1 exists: 0" >"$D/want"
grep -vxFf "$D/n.txt" "$D/want" | grep . && { echo "native run lacks the lines above:"; cat "$D/n.txt"; exit 1; }
grep -c "^exit: 0$" "$D/n.txt" | grep -qx 2 || { echo "native exit status:"; cat "$D/n.txt"; exit 1; }
cmp -s "$D/n.txt" "$D/u.txt" || { echo "uniproc differs from native:"; diff "$D/n.txt" "$D/u.txt"; tail -5 "$D/uniproc/log" 2>/dev/null; exit 1; }
sleep 0.2
left=$(pgrep -f -- "--dir $D/"; for p in $PORTS; do pgrep -f "redis-(server|rdb-bgsave) 127.0.0.1:$p\$"; done)
[ -z "$left" ] || { echo "processes left: $left"; exit 1; }
grep -h "uniproc: warning" "$D"/*/log | sort -u
echo "redis: $N keys, BGSAVE while serving writes, dump reloaded; latest_fork_usec native $(cat "$D/native/fork"), uniproc $(cat "$D/uniproc/fork") (parent saving during the writes: $(cat "$D/native/during")/$(cat "$D/uniproc/during"))"
