#!/bin/sh
# nginx natively and under uniproc, side by side: requests per second with
# 2 clients making short connections (bench/net.c client, run natively), and
# the PSS of the master plus 4 workers. Usage: nginx.sh UNIPROC NET PSS_TREE
U=$1 NET=$2
D=$(mktemp -d /tmp/uniproc-nginx-bench.XXXXXX)
chmod 755 "$D"
trap 'kill -9 $(pgrep -f "nginx -c $D/") 2>/dev/null; rm -rf "$D"' EXIT
mkdir -p "$D/www" "$D/logs"
echo "hello" >"$D/www/index.html"
conf() {
	cat >"$D/nginx.conf" <<CONF
worker_processes 4;
daemon off;
error_log $D/logs/error.log;
pid $D/nginx.pid;
events { worker_connections 512; }
http { access_log off; client_body_temp_path $D/body; proxy_temp_path $D/proxy;
  fastcgi_temp_path $D/fcgi; uwsgi_temp_path $D/uwsgi; scgi_temp_path $D/scgi;
  server { listen 127.0.0.1:$1; root $D/www; } }
CONF
}
pss_of() { # the master $1 and its nginx children
	t=0
	for p in $1 $(ps -o pid= --ppid $1); do
		grep -q nginx /proc/$p/cmdline 2>/dev/null || continue
		k=$(awk '/^Pss:/ { print $2 }' /proc/$p/smaps_rollup 2>/dev/null)
		t=$((t + ${k:-0}))
	done
	echo $t
}
run() { # $1: "native" or "uniproc", $2 port
	conf $2
	if [ $1 = native ]; then /usr/sbin/nginx -c "$D/nginx.conf" -p "$D" 2>/dev/null &
	else "$U" run /usr/sbin/nginx -c "$D/nginx.conf" -p "$D" 2>/dev/null & fi
	m=$!
	for i in $(seq 100); do [ "$($NET client $2 1)" != 0 ] && break; sleep 0.1; done
	sleep 0.5
	r1=$($NET client $2 2000); r2=$($NET client $2 2000); r3=$($NET client $2 2000)
	rps=$(printf '%s\n' $r1 $r2 $r3 | sort -n | sed -n 2p)
	pss=$(pss_of $m)
	kill -QUIT $m; wait $m
	echo "$rps $pss"
}
n=$(run native 18091); u=$(run uniproc 18092)
printf "%-30s %8s r/s %8s r/s  %s\n" "nginx, 4 workers, 2 clients" "${n% *}" "${u% *}" \
	"$(awk "BEGIN { printf \"%.2fx\", ${u% *} / ${n% *} }")"
printf "%-30s %8s KiB %8s KiB\n" "nginx master + 4 workers, PSS" "${n#* }" "${u#* }"
