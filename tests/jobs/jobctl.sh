# Job control in a shell with a terminal (set -m): stopped jobs, bg, fg,
# kill -STOP/-CONT/-TSTP. Run by tests/run.sh under `script` (a pty), with
# dash, bash and busybox sh, natively and under uniproc. The shell's job
# notices (on stderr) come when it notices, so they are not compared.
set -m
# Is process $1 stopped (state T in /proc/PID/stat)?
stopped() {
	s=$(cat /proc/$1/stat 2>/dev/null) || return 1
	s=${s##*) }
	[ "${s%% *}" = T ]
}
wait_stopped() {
	until stopped $1; do sleep 0.02; done
}

sh -c 'kill -STOP $$; echo resumed by bg; exit 4' &
p=$!
wait_stopped $p
jobs
bg
wait
jobs >/dev/null # bash forgets the done job here, at the latest
echo "bg'd job done"

sh -c 'kill -TSTP $$; echo resumed by fg; exit 5' &
p=$!
wait_stopped $p
jobs
fg
echo "fg'd job: $?"

sleep 30 &
p=$!
kill -STOP $p
wait_stopped $p
jobs
kill -CONT $p
while stopped $p; do sleep 0.02; done
kill $p
wait
echo "killed job done"

sh -c 'trap "echo got TSTP" TSTP; kill -TSTP $$; echo not stopped; exit 6' &
wait $!
echo "trapped TSTP: $?"
