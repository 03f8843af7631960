#!/bin/sh
# The runtime driven directly with runc's command line, as conmon and the
# containerd shim drive it: bundles of a busybox root. Needs KVM and root.
# Usage: cli.sh UNIPROC WORKDIR
U=$1 W=$2
. "$(dirname "$0")/lib.sh"
S=$W/state
R=$W/rootfs
O="$U --root $S --log $W/log.json --log-format json"
rm -rf "$S" && mkroot "$R" || { bad cli-setup "cannot make the root"; exit 0; }

# conf BUNDLE ARGS_JSON [PROCESS_EXTRA] [LINUX_EXTRA] [MOUNTS_EXTRA] [TOP_EXTRA]
conf() {
	mkdir -p "$1"
	cat >"$1/config.json" <<EOF
{"ociVersion": "1.0.2",
 "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": $2,
   "env": ["PATH=/bin", "FOO=bar baz"], "cwd": "/", "noNewPrivileges": true,
   "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
   "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_SETGID",
     "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SETPCAP"]}$3},
 "root": {"path": "$R"$6},
 "hostname": "oci-host",
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
   {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
    "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
   {"destination": "/dev/pts", "type": "devpts", "source": "devpts"}$5],
 "annotations": {"org.example.test": "yes"},
 "linux": {"namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"},
   {"type": "mount"}, {"type": "network"}]$4}
}
EOF
}
st() { $O state "$1" 2>/dev/null | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p'; }

# run: the first process's status, env, cwd, hostname, a pipeline, no state left.
conf "$W/b-run" '["/bin/sh", "-c", "echo \"$FOO\"; cd /tmp && pwd; hostname; seq 1 100 | grep 1 | wc -l; exit 7"]'
out=$($O run --bundle "$W/b-run" t-run 2>&1)
rc=$?
exp=$(printf 'bar baz\n/tmp\noci-host\n20')
if [ $rc = 7 ] && [ "$out" = "$exp" ] && [ ! -e "$S/t-run" ]; then ok cli-run-status
else bad cli-run-status "rc=$rc out=$out"; fi

# create, state, start, ps, exec, kill, delete.
conf "$W/b-life" '["/bin/sh", "-c", "sleep 1000 | cat"]'
N=cli-create-start
$O create --bundle "$W/b-life" --pid-file "$W/life.pid" t-life >"$W/create.out" 2>&1
rc=$?
pid=$(cat "$W/life.pid" 2>/dev/null)
s1=$(st t-life)
ns=$(mnt_ns "$pid")
if [ $rc != 0 ] || [ "$s1" != created ] || [ -z "$ns" ] || is_vm "$pid"; then
	bad $N "rc=$rc status=$s1 pid=$pid $(cat "$W/create.out")"
elif ! $O state t-life | grep -q '"org.example.test": "yes"'; then
	bad $N "no annotations in: $($O state t-life)"
elif ! $O start t-life || [ "$(st t-life)" != running ]; then
	bad $N "start: status $(st t-life)"
elif ! why=$(vms_in "$ns" 3); then
	bad $N "$why"
else
	ok $N
	N=cli-ps
	ps=$($O ps --format json t-life)
	case $ps in "[$pid,"* | *",$pid,"* | *",$pid]") ok $N ;; *) bad $N "pid $pid not in $ps" ;; esac
	N=cli-exec
	cat >"$W/proc.json" <<EOF
{"terminal": false, "user": {"uid": 0, "gid": 0}, "cwd": "/tmp", "env": ["PATH=/bin", "E=exec"],
 "args": ["/bin/sh", "-c", "echo \"\$E in \$(pwd) on \$(hostname)\"; exit 4"]}
EOF
	out=$($O exec --process "$W/proc.json" t-life 2>&1)
	rc=$?
	if [ $rc = 4 ] && [ "$out" = "exec in /tmp on oci-host" ]; then ok $N; else bad $N "rc=$rc out=$out"; fi
	N=cli-exec-detach-is-vm
	echo '{"cwd": "/", "env": ["PATH=/bin"], "args": ["/bin/sleep", "999"]}' >"$W/sleep.json"
	if $O exec --detach --pid-file "$W/exec.pid" --process "$W/sleep.json" t-life &&
		e=$(cat "$W/exec.pid") && [ "$(mnt_ns "$e")" = "$ns" ] && wait_for "is_vm $e"; then
		ok $N
	else bad $N "exec pid $(cat "$W/exec.pid" 2>/dev/null)"; fi
	N=cli-kill-term
	$O kill t-life TERM
	if wait_for "[ \"\$(st t-life)\" = stopped ]" && why=$(gone "$ns"); then ok $N
	else bad $N "status $(st t-life) $why"; fi
fi
N=cli-delete
$O delete t-life
if [ ! -e "$S/t-life" ] && ! $O state t-life 2>"$W/err" && grep -q 'does not exist' "$W/err"; then ok $N
else bad $N "state after delete: $(cat "$W/err")"; fi

# kill --all and delete --force end the whole tree.
for how in kill-all delete-force; do
	N=cli-$how
	$O create --bundle "$W/b-life" --pid-file "$W/p.pid" t-$how && $O start t-$how
	ns=$(mnt_ns "$(cat "$W/p.pid")")
	if ! why=$(vms_in "$ns" 3); then bad $N "$why"; $O delete --force t-$how; continue; fi
	if [ $how = kill-all ]; then
		$O kill --all t-$how KILL && why=$(gone "$ns") && wait_for "[ \"\$(st t-$how)\" = stopped ]" &&
			$O delete t-$how && ok $N || bad $N "$why status $(st t-$how)"
	else
		! $O delete t-$how 2>/dev/null && $O delete --force t-$how && why=$(gone "$ns") &&
			[ ! -e "$S/t-$how" ] && ok $N || bad $N "$why"
	fi
done

# Mounts: a read-only root, a read-only bind of a host directory, a tmpfs.
N=cli-mounts
mkdir -p "$W/vol" && echo "from the host" >"$W/vol/file"
conf "$W/b-mnt" '["/bin/sh", "-c", "cat /data/file; echo x > /scratch/f && cat /scratch/f; echo y > /data/g || echo data-ro; echo z > /rootfile || echo root-ro"]' \
	'' '' ", {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$W/vol\", \"options\": [\"rbind\", \"ro\"]}, {\"destination\": \"/scratch\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"size=1m\"]}" \
	', "readonly": true'
out=$($O run --bundle "$W/b-mnt" t-mnt 2>/dev/null)
exp=$(printf 'from the host\nx\ndata-ro\nroot-ro')
if [ "$out" = "$exp" ] && [ ! -e "$W/vol/g" ] && [ ! -e "$R/rootfile" ] && ! grep -q " $R/data " /proc/mounts
then ok $N; else bad $N "out=$out"; fi

# The user, its groups, limits; no new privileges.
N=cli-user
conf "$W/b-user" '["/bin/sh", "-c", "id; grep NoNewPrivs /proc/self/status; ulimit -n"]' \
	', "user": {"uid": 1000, "gid": 1001, "additionalGids": [5, 6]}'
out=$($O run --bundle "$W/b-user" t-user 2>&1)
exp=$(printf 'uid=1000 gid=1001 groups=5,6\nNoNewPrivs:\t1\n1024')
[ "$out" = "$exp" ] && ok $N || bad $N "out=$out"

# linux.resources.pids.limit bounds the tree (--max-procs).
N=cli-pids-limit
conf "$W/b-pids" '["/bin/sh", "-c", "for i in 1 2 3 4 5 6; do sleep 30 & done 2>&1; kill $(jobs -p) 2>/dev/null; true"]' \
	'' ', "resources": {"pids": {"limit": 4}}'
out=$($O run --bundle "$W/b-pids" t-pids 2>&1)
echo "$out" | grep -qi "fork" && ok $N || bad $N "no fork refused: $out"

# linux.sysctl of the container's own network namespace; not of the host's.
N=cli-sysctl
conf "$W/b-sysctl" '["/bin/cat", "/proc/sys/net/ipv4/ip_forward"]' '' ', "sysctl": {"net.ipv4.ip_forward": "1"}'
out=$($O run --bundle "$W/b-sysctl" t-sysctl 2>&1)
conf "$W/b-sysctl2" '["/bin/true"]' '' ', "sysctl": {"kernel.panic": "1"}'
e=$($O run --bundle "$W/b-sysctl2" t-sysctl2 2>&1)
[ "$out" = 1 ] && echo "$e" | grep -q 'kernel.panic: not in a namespace' && ok $N || bad $N "out=$out err=$e"

# A terminal: the pty master goes to the console socket.
N=cli-terminal
conf "$W/b-tty" '["/bin/sh", "-c", "test -t 0 && test -t 1 && echo on-a-tty"]' ', "terminal": true'
python3 - "$W/console.sock" >"$W/tty.out" 2>&1 <<'EOF' &
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
msg, anc, flags, addr = c.recvmsg(64, socket.CMSG_LEN(4))
fd = array.array("i", anc[0][2][:4])[0]
out = b""
while True:
    try:
        b = os.read(fd, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
print(out.decode().replace("\r", "").strip())
EOF
PY=$!
wait_for "[ -S '$W/console.sock' ]"
$O create --bundle "$W/b-tty" --console-socket "$W/console.sock" --pid-file "$W/tty.pid" t-tty &&
	$O start t-tty
wait_for "! kill -0 $PY 2>/dev/null"
kill $PY 2>/dev/null
$O delete --force t-tty 2>/dev/null
grep -qx on-a-tty "$W/tty.out" && ok $N || bad $N "$(cat "$W/tty.out")"

# Clear errors.
N=cli-errors
conf "$W/b-userns" '["/bin/true"]' '' ', "uidMappings": []' && sed -i 's/{"type": "pid"}/{"type": "user"}, {"type": "pid"}/' "$W/b-userns/config.json"
e1=$($O create --bundle "$W/b-userns" t-err 2>&1)
e2=$($O state nosuch 2>&1)
e3=$($O create --bundle "$W/nosuch" t-err2 2>&1)
if echo "$e1" | grep -q 'user namespace is not supported' && echo "$e2" | grep -q 'does not exist' &&
	echo "$e3" | grep -q 'nosuch' && [ ! -e "$S/t-err" ] && grep -q '"level": *"error"' "$W/log.json"
then ok $N; else bad $N "$e1 / $e2 / $e3"; fi

N=cli-features
$O features | grep -q '"ociVersionMax"' && $U --version | grep -q uniproc && ok $N || bad $N "$($O features)"
