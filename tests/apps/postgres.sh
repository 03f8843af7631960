#!/bin/sh
# Debian's PostgreSQL natively and under uniproc, the same scenario, and the
# results compared: initdb, pg_ctl start (a postmaster that forks a backend
# per client, its auxiliary processes, POSIX and SysV shared memory), psql
# from two concurrent clients (TCP and a unix socket), pg_ctl stop. As the
# postgres user: a root python3 switches to it inside the run, so every
# process of it is uniproc's. Usage: postgres.sh UNIPROC. Prints what failed.
U=$1
. "$(dirname "$0")/lib.sh"
PGB=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
[ -x "$PGB/initdb" ] && id postgres >/dev/null 2>&1 || { echo "no postgresql"; exit 1; }
D=$(mktemp -d /tmp/uniproc-postgres.XXXXXX)
chmod 755 "$D"
cd "$D" || exit 1 # the postgres user may not enter the caller's directory
stop_all() {
	for f in "$D"/*/data/postmaster.pid; do [ -f "$f" ] && kill -QUIT "$(head -1 "$f")" 2>/dev/null; done
	kill -9 $(pgrep -f -- "run /usr/bin/python3 $D/") 2>/dev/null
}
trap 'stop_all; rm -rf "$D"' EXIT
cat >"$D/asuser.py" <<'PY'
import os, sys, pwd
pw = pwd.getpwnam("postgres")
os.setgroups([]); os.setgid(pw.pw_gid); os.setuid(pw.pw_uid)
os.environ.update(HOME=pw.pw_dir, USER="postgres", LC_ALL="C.UTF-8")
os.execv(sys.argv[1], sys.argv[1:])
PY
cat >"$D/scenario.sh" <<'SH'
PGB=$1 D=$2 PORT=$3
q() { "$PGB/psql" -X -h "$1" -p $PORT -d postgres -Atc "$2"; }
"$PGB/initdb" -N -A trust -U postgres -D "$D/data" >"$D/initdb.out" 2>&1 || { echo "initdb failed"; tail -5 "$D/initdb.out"; exit 1; }
echo "initdb: ok"
"$PGB/pg_ctl" -D "$D/data" -l "$D/pg.log" -o "-p $PORT -k $D -c listen_addresses=127.0.0.1" -w -t 60 start >/dev/null ||
	{ echo "pg_ctl start failed"; tail -5 "$D/pg.log"; exit 1; }
echo "pg_ctl start: ok"
q "$D" "create table t (i int, s text)"
q 127.0.0.1 "insert into t select g, md5(g::text) from generate_series(1, 5000) g" >"$D/c1" &
q "$D" "insert into t select g, md5(g::text) from generate_series(5001, 10000) g" >"$D/c2" &
wait
cat "$D/c1" "$D/c2"
q 127.0.0.1 "select count(*), count(distinct s), sum(i) from t"
q "$D" "select count(*) from pg_stat_activity where backend_type = 'checkpointer'"
"$PGB/pg_ctl" -D "$D/data" -m fast -w -t 60 stop >/dev/null || { echo "pg_ctl stop failed"; exit 1; }
echo "pg_ctl stop: ok"
[ -e "$D/data/postmaster.pid" ] && echo "postmaster.pid left"
exit 0
SH
run() { # $1: native or uniproc
	n=$1
	mkdir -p "$D/$1" && chown postgres: "$D/$1"
	if [ $1 = native ]; then set -- /usr/bin/python3 "$D/asuser.py" /bin/sh "$D/scenario.sh" "$PGB" "$D/$1" "$(free_port)"
	else set -- "$U" run /usr/bin/python3 "$D/asuser.py" /bin/sh "$D/scenario.sh" "$PGB" "$D/$1" "$(free_port)"; fi
	timeout -k 5 180 "$@" >"$D/$n.out" 2>&1
	rc=$?
	grep -v "^uniproc: warning: unsupported prctl option" "$D/$n.out"
	echo "exit: $rc"
}
run native >"$D/n.txt"
run uniproc >"$D/u.txt"
printf '%s\n' "initdb: ok" "pg_ctl start: ok" "CREATE TABLE" "INSERT 0 5000" "10000|10000|50005000" "1" "pg_ctl stop: ok" >"$D/want"
grep -vxFf "$D/n.txt" "$D/want" | grep . && { echo "native run lacks the lines above:"; cat "$D/n.txt"; exit 1; }
cmp -s "$D/n.txt" "$D/u.txt" || { echo "uniproc differs from native:"; diff "$D/n.txt" "$D/u.txt"; tail -5 "$D/uniproc/pg.log"; exit 1; }
sleep 0.2
left=$(pgrep -f -- "$D/")
[ -z "$left" ] || { echo "processes left: $left"; exit 1; }
echo "postgres: initdb, pg_ctl start, 2 concurrent psql clients, pg_ctl stop"
