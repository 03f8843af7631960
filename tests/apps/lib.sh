# Helpers for the real-application scripts (tests/apps/*.sh, bench/*.sh);
# source it. They take no timing for granted: every wait polls, bounded.

# wait_for CMD: until the shell snippet CMD succeeds, at most 10 s.
wait_for() { for i in $(seq 100); do eval "$1" && return 0; sleep 0.1; done; return 1; }

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# redis_start HOW PORT DIR [ARGS...]: Debian's redis-server on 127.0.0.1:PORT
# with its files in DIR, in the background, natively (HOW = native) or
# under the uniproc binary HOW; sets RPID. No saving, no AOF, DEBUG allowed.
# Its log goes to DIR/log. Then waits (bounded) for PONG.
redis_start() {
	how=$1 port=$2 dir=$3
	shift 3
	set -- /usr/bin/redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
		--dir "$dir" --daemonize no --enable-debug-command yes "$@"
	if [ "$how" = native ]; then "$@" >>"$dir/log" 2>&1 &
	else "$how" run "$@" >>"$dir/log" 2>&1 & fi
	RPID=$!
	wait_for "redis-cli -p $port PING 2>/dev/null | grep -qx PONG"
}

# rcli PORT ARGS...: redis-cli, bounded (60 s) should the server hang.
rcli() { p=$1; shift; timeout 60 redis-cli -p "$p" "$@"; }

# redis_field PORT SECTION NAME: one field of INFO SECTION.
redis_field() { rcli "$1" INFO "$2" | tr -d '\r' | sed -n "s/^$3://p"; }

# redis_bgsave_wait PORT: after a BGSAVE, wait (bounded, 60 s) until the
# save ends; fails unless it ended well.
redis_bgsave_wait() {
	for i in $(seq 600); do
		[ "$(redis_field "$1" persistence rdb_bgsave_in_progress)" = 0 ] && break
		sleep 0.1
	done
	[ "$(redis_field "$1" persistence rdb_bgsave_in_progress)" = 0 ] &&
		[ "$(redis_field "$1" persistence rdb_last_bgsave_status)" = ok ]
}

# redis_bgsave PORT: BGSAVE and wait for it; prints latest_fork_usec.
redis_bgsave() {
	rcli "$1" BGSAVE | grep -q "Background saving started" && redis_bgsave_wait "$1" &&
		redis_field "$1" stats latest_fork_usec
}

# redis_stop PORT: SHUTDOWN NOSAVE, then wait (bounded) for RPID to end;
# returns its exit status (or 124 if it does not end).
redis_stop() {
	rcli "$1" SHUTDOWN NOSAVE >/dev/null 2>&1
	for i in $(seq 300); do
		s=$(ps -o stat= -p "$RPID")
		[ -z "$s" ] || [ "${s#Z}" != "$s" ] && { wait "$RPID"; return $?; }
		sleep 0.1
	done
	return 124
}

# redis_kill DIR [PORT...]: SIGKILL whatever still runs a redis-server of
# DIR: under uniproc the command line names --dir DIR; natively redis
# rewrites it to "redis-server 127.0.0.1:PORT" (its BGSAVE child's to
# "redis-rdb-bgsave 127.0.0.1:PORT").
redis_kill() {
	d=$1
	shift
	pids=$(pgrep -f -- "--dir $d/")
	for port in "$@"; do pids="$pids $(pgrep -f "redis-(server|rdb-bgsave) 127.0.0.1:$port\$")"; done
	[ -n "$(echo $pids)" ] && kill -9 $pids 2>/dev/null
	return 0
}
