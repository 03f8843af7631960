#!/bin/sh
# Thousands of fork/exit/wait cycles leak no host fds, memory or processes:
# compare the monitor after 200 cycles and after 2000 (anonymous memory:
# file pages are the shared page cache), then look for stray processes.
U=$1 P=$2
D=$(mktemp -d /tmp/uniproc-leak.XXXXXX)
trap 'rm -rf "$D"' EXIT
for n in 200 2000; do
	mkfifo "$D/in"
	rm -f "$D/out" # the last round's: the new one is made once the FIFO opens
	"$U" run "$P" cycles-hold $n <"$D/in" >"$D/out" &
	pid=$!
	exec 3>"$D/in"
	while ! grep -q "cycles ok" "$D/out" 2>/dev/null; do
		kill -0 $pid 2>/dev/null || { echo "uniproc died"; exit 1; }
		sleep 0.1
	done
	grep -q "cycles ok: 1" "$D/out" || { cat "$D/out"; exit 1; }
	eval fds_$n=$(ls /proc/$pid/fd | wc -l)
	eval rss_$n=$(awk '/RssAnon/ { print $2 }' /proc/$pid/status)
	exec 3>&-
	wait $pid || exit 1
	rm "$D/in"
done
echo "fds: $fds_200 after 200 cycles, $fds_2000 after 2000; anonymous RSS: $rss_200 KiB, $rss_2000 KiB"
[ "$fds_200" = "$fds_2000" ] || exit 1
[ "$rss_2000" -le $((rss_200 + 256)) ] || exit 1
# Ours only: other builds may run the same test at the same time.
! pgrep -f "^$U run $P cycles-hold" >/dev/null || { echo "stray processes:"; pgrep -af "^$U run $P cycles-hold"; exit 1; }
