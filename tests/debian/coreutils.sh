# Debian's coreutils, grep, sed, mawk, findutils, tar and make, driven by
# dash: every command is a dynamically linked program, each its own VM.
rm -rf d out x.tar Makefile # the same directory serves the native run first
seq 1 1000 | sort -rn | head -3
printf 'b\na\nc\na\n' | sort | uniq -c | md5sum
env -i A=1 B='two words' env
wc -l /etc/passwd >/dev/null && echo wc ok
echo hello | grep -c ell
echo abcabc | sed 's/b/X/g; s/^a/[&]/'
printf '3 4\n5 6\n' | mawk '{ s += $1 * $2 } END { print "sum", s }'
mkdir -p d/e && touch d/e/f d/g && echo text > d/h
find d | sort
find d -type f | sort | xargs ls -l | mawk '{ print $1, $5, $NF }'
tar cf x.tar d && tar tf x.tar | sort
mkdir out && tar xf x.tar -C out && cat out/d/h
ls -la d | wc -l
ls -1 --color=never d
cut -d: -f1 /etc/passwd | head -1
printf 'all: a b\n\t@echo made $$((1+2)) $^\na:\n\t@echo building a\nb:\n\t@echo building b\n' > Makefile
make -s
make -s -j2 a
basename /usr/lib/x; dirname /usr/lib/x; readlink -f /bin/.. ; id -u >/dev/null && echo id ok
stat -c '%s %F' d/h
date -d @0 -u +%Y
sha1sum d/h | cut -c1-12; cksum d/h; od -c d/h | head -1
nosuchcommand 2>/dev/null; echo "missing: $?"
ls nonexistent-file; echo "ls: $?"
false || echo "false: $?"
