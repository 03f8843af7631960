#!/bin/sh
# Debian's nginx under uniproc: a master and 2 workers (which switch to
# nobody), each its own VM, serving a static file on 127.0.0.1; reload
# (SIGHUP) replaces the workers, a SIGKILLed worker is replaced, SIGQUIT
# ends it all. Usage: nginx.sh UNIPROC PORT. Prints what failed.
U=$1 PORT=$2
. "$(dirname "$0")/lib.sh"
D=$(mktemp -d /tmp/uniproc-nginx.XXXXXX)
trap 'kill -9 $(pgrep -f "run /usr/sbin/nginx -c $D/") 2>/dev/null; rm -rf "$D"' EXIT
chmod 755 "$D" && mkdir -p "$D/www" "$D/logs"
echo "hello from nginx in a VM" >"$D/www/index.html"
cat >"$D/nginx.conf" <<CONF
worker_processes 2;
daemon off;
error_log $D/logs/error.log;
pid $D/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $D/body;
    proxy_temp_path $D/proxy;
    fastcgi_temp_path $D/fcgi;
    uwsgi_temp_path $D/uwsgi;
    scgi_temp_path $D/scgi;
    server { listen 127.0.0.1:$PORT; root $D/www; }
}
CONF
get() { python3 -c "import urllib.request as u; print(u.urlopen('http://127.0.0.1:$PORT/', timeout=5).read().decode(), end='')" 2>/dev/null; }
workers() { ps -o pid= -o user= --ppid "$M" | awk '$2 == "nobody" { print $1 }' | sort | tr '\n' ' '; }

"$U" run /usr/sbin/nginx -c "$D/nginx.conf" -p "$D" >"$D/out" 2>&1 &
M=$!
wait_for 'get | grep -q "hello from nginx in a VM"' || { echo "no answer"; tail -3 "$D/out" "$D/logs/error.log"; exit 1; }
wait_for '[ $(workers | wc -w) = 2 ]' || { echo "not 2 workers: $(workers)"; exit 1; }
old=$(workers)
for w in $old; do
	grep -q "^Uid:.*65534" /proc/$w/status || { echo "worker $w is not nobody"; exit 1; }
	test -e /proc/$w/fd/$(ls /proc/$w/fd | head -1) || exit 1
done
kill -HUP $M
wait_for '[ "$(workers)" != "$old" ] && [ $(workers | wc -w) = 2 ]' || { echo "reload kept workers: $old / $(workers)"; exit 1; }
get | grep -q "hello from nginx" || { echo "no answer after reload"; exit 1; }
w=$(workers | cut -d' ' -f1)
kill -9 $w
wait_for '! workers | grep -qw $w && [ $(workers | wc -w) = 2 ]' || { echo "killed worker not replaced: $(workers)"; exit 1; }
get | grep -q "hello from nginx" || { echo "no answer after a worker died"; exit 1; }
kill -QUIT $M
wait $M
rc=$?
[ $rc = 0 ] || { echo "master exit status $rc"; cat "$D/out"; exit 1; }
! pgrep -f "run /usr/sbin/nginx -c $D/" >/dev/null || { echo "processes left"; exit 1; }
# (the worker we killed is the one alert nginx may log)
grep "\[alert\]\|\[emerg\]" "$D/logs/error.log" | grep -v "exited on signal 9" | grep . && { echo "nginx complained"; exit 1; }
echo "nginx: served, reloaded, replaced a killed worker, quit"
