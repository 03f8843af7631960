# Helpers of the OCI runtime tests (sourced). Each test prints one line:
# "PASS name", "FAIL name: why" or "SKIP name: why"; tests/run.sh counts them.
ok() { echo "PASS oci/$1"; }
bad() { echo "FAIL oci/$1: $(echo "$2" | head -c 600 | tr '\n' '|')"; }
skip() { echo "SKIP oci/$1: $2"; }

# mkroot DIR: a root file system of Debian's static busybox, its applets as
# relative links (so they resolve inside the root).
mkroot() {
	mkdir -p "$1/bin" "$1/tmp" "$1/etc" "$1/proc" "$1/dev" "$1/sys" || return 1
	chmod 1777 "$1/tmp"
	cp /bin/busybox "$1/bin/busybox" || return 1
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sfn busybox "$1/bin/$a"
	done
}

# mnt_ns PID: the inode of PID's mount namespace.
mnt_ns() { stat -L -c %i "/proc/$1/ns/mnt" 2>/dev/null; }

# ns_pids NS: the processes in the mount namespace NS (an inode number).
ns_pids() {
	ls -l /proc/[0-9]*/ns/mnt 2>/dev/null |
		awk -v ns="mnt:[$1]" '$NF == ns { split($(NF - 2), p, "/"); print p[3] }'
}

# is_vm PID: its monitor holds a KVM VM (an anon_inode:kvm-vm descriptor).
is_vm() { ls -l "/proc/$1/fd" 2>/dev/null | grep -q 'anon_inode:kvm-vm'; }

# vms_in NS MIN: wait (at most 30 s) until the namespace holds MIN VMs, then
# check that every process in it is one (the run's watchdog aside), until
# that holds or 30 s have passed. Prints
# what it found; fails if a process is no VM or fewer than MIN appeared.
vms_in() {
	i=0
	while :; do
		n=0 novm="" all=""
		for p in $(ns_pids "$1"); do
			c=$(cat "/proc/$p/comm" 2>/dev/null) || continue
			[ "$c" = uniproc-watchdo ] && continue
			if is_vm "$p"; then n=$((n + 1)); all="$all $p"; else novm="$novm $p($c)"; fi
		done
		# A process just forked is no VM yet, and the watchdog is titled
		# only once it runs: wait for both to settle.
		[ $n -ge "$2" ] && [ -z "$novm" ] && break
		i=$((i + 1))
		[ $i -ge 300 ] && break
		sleep 0.1
	done
	echo "VMs:$all; not VMs:$novm"
	[ $n -ge "$2" ] && [ -z "$novm" ]
}

# gone NS: wait (at most 20 s) until no process is left in the namespace.
gone() {
	[ -z "$1" ] && return 0
	i=0
	while [ -n "$(ns_pids "$1")" ]; do
		i=$((i + 1))
		[ $i -ge 200 ] && { echo "left: $(ns_pids "$1" | tr '\n' ' ')"; return 1; }
		sleep 0.1
	done
}

# wait_for CMD: until the shell snippet CMD succeeds, at most 30 s.
wait_for() {
	i=0
	until eval "$1"; do
		i=$((i + 1))
		[ $i -ge 300 ] && return 1
		sleep 0.1
	done
}

# start_containerd DIR: a containerd of its own, its state and socket in DIR
# ($DIR/containerd.sock); its pid in D.
start_containerd() {
	cat >"$1/config.toml" <<CONF
version = 2
root = "$1/root"
state = "$1/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$1/containerd.sock"
CONF
	containerd --config "$1/config.toml" >"$1/containerd.log" 2>&1 &
	D=$!
}
