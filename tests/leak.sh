#!/bin/sh
# 1000 fork/exit/wait cycles leak no host fds, memory or processes: compare
# the monitor after 10 cycles and after 1000, then look for stray processes.
U=$1 P=$2
D=$(mktemp -d /tmp/uniproc-leak.XXXXXX)
trap 'rm -rf "$D"' EXIT
for n in 10 1000; do
	mkfifo "$D/in"
	"$U" run "$P" cycles-hold $n <"$D/in" >"$D/out" &
	pid=$!
	exec 3>"$D/in"
	while ! grep -q "cycles ok" "$D/out"; do
		kill -0 $pid 2>/dev/null || { echo "uniproc died"; exit 1; }
		sleep 0.1
	done
	grep -q "cycles ok: 1" "$D/out" || { cat "$D/out"; exit 1; }
	eval fds_$n=$(ls /proc/$pid/fd | wc -l)
	eval rss_$n=$(awk '/VmRSS/ { print $2 }' /proc/$pid/status)
	exec 3>&-
	wait $pid || exit 1
	rm "$D/in"
done
echo "fds: $fds_10 after 10 cycles, $fds_1000 after 1000; RSS: $rss_10 KiB, $rss_1000 KiB"
[ "$fds_10" = "$fds_1000" ] || exit 1
[ "$rss_1000" -le $((rss_10 + 1024)) ] || exit 1
! pgrep -f "cycles-hold" >/dev/null || { echo "stray processes:"; pgrep -af cycles-hold; exit 1; }
