#!/bin/sh
# Build uniproc and run a short demo: the same programs natively and as KVM
# unikernels: static ones, then Debian's own dynamically linked dash,
# coreutils and python3, with every process its own VM.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
make -s
D=$(mktemp -d /tmp/uniproc-demo.XXXXXX)
trap 'rm -rf "$D"' EXIT
cat >"$D/hello.c" <<'C'
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	printf("hello from pid %d, argv[1]=%s, HOME=%s\n", getpid(), argc > 1 ? argv[1] : "-",
	       getenv("HOME") ? getenv("HOME") : "-");
	return 7;
}
C
sed -i '1i #include <stdlib.h>' "$D/hello.c"
musl-gcc -static -O2 "$D/hello.c" -o "$D/hello-musl"
gcc -static -O2 "$D/hello.c" -o "$D/hello-glibc"
for p in hello-musl hello-glibc; do
	echo "== native:  $p"
	"$D/$p" demo || echo "   exit status $?"
	echo "== uniproc: $p"
	build/uniproc run "$D/$p" demo || echo "   exit status $?"
done
echo "== uniproc run --trace (first lines)"
build/uniproc run --trace "$D/hello-musl" 2>&1 >/dev/null | head -6
echo "== a NULL-pointer write in the guest"
printf 'int main(void){*(volatile int*)0=1;return 0;}' >"$D/crash.c"
musl-gcc -static -O2 "$D/crash.c" -o "$D/crash"
build/uniproc run "$D/crash" || echo "   exit status $?"
echo "== a busybox shell pipeline, natively and with every process its own VM"
BB='seq 1 100000 | grep 7 | wc -l; yes | head -c 1000000 | md5sum; trap "echo trapped INT" INT; kill -INT $$'
/bin/busybox sh -c "$BB"
build/uniproc run --stats /bin/busybox sh -c "$BB"
echo "== Debian's own dash, coreutils and python3 (dynamically linked), natively and under uniproc"
DEB='ls -l /bin/dash | cut -c1-10; seq 1 1000 | sort -rn | head -2 | tr "\n" " "; echo; /usr/bin/python3 -c "import os, hashlib; print(os.getpid() > 0, hashlib.md5(b\"uniproc\").hexdigest())"'
/bin/dash -c "$DEB"
build/uniproc run --stats /bin/dash -c "$DEB"
