#!/bin/sh
# Every syscall of the x86-64 table (the host's <asm/unistd_64.h>) is either
# served or named in README.md's table "Syscalls not served". Served means:
# guest/syscall.c's table has an entry for it, and when that entry sends it
# to the monitor (H), monitor/hsys.c's table has a handler too. Prints what
# is neither (and what the README lists but is served), then a summary;
# exits 1 if any syscall is neither, or sent to a monitor that lacks it.
set -eu
cd "$(dirname "$0")/.."
W=$(mktemp -d /tmp/syscalls-served.XXXXXX)
trap 'rm -rf "$W"' EXIT

echo '#include <asm/unistd_64.h>' | ${CC:-gcc} -E -dM - |
	awk '/^#define __NR_[a-z0-9_]+ [0-9]+$/ { sub("__NR_", "", $2); print $2 }' | sort -u >"$W/all"
# "[__NR_name] = H(...)", "= L(...)", "= M(...)" or "= {sys_..."
sed -n 's/^[[:space:]]*\[__NR_\([a-z0-9_]*\)\] = \([A-Z{]\).*/\1 \2/p' guest/syscall.c >"$W/guest"
awk '$2 == "H" { print $1 }' "$W/guest" | sort -u >"$W/to-monitor"
awk '$2 != "H" { print $1 }' "$W/guest" | sort -u >"$W/in-guest"
sed -n 's/^[[:space:]]*\[SYS_\([a-z0-9_]*\)\] = hsys_.*/\1/p' monitor/hsys.c | sort -u >"$W/monitor"
comm -12 "$W/to-monitor" "$W/monitor" >"$W/in-monitor"
sort -u "$W/in-guest" "$W/in-monitor" >"$W/served"
# The README's table: the backquoted names in the first column of its rows.
awk -F'|' '/^## Syscalls not served/ { on = 1; next } on && /^## / { on = 0 } on && /^\|/ { print $2 }' README.md |
	grep -o '`[a-z0-9_]*`' | tr -d '`' | sort -u >"$W/listed"

bad=0
for n in $(comm -23 "$W/to-monitor" "$W/monitor"); do
	echo "sent to the monitor, which has no handler: $n"
	bad=1
done
for n in $(comm -23 "$W/all" "$W/served" | comm -23 - "$W/listed"); do
	echo "neither served nor in README.md's table: $n"
	bad=1
done
for n in $(comm -12 "$W/served" "$W/listed"); do
	echo "note: served, but README.md's table lists it: $n"
done
for n in $(comm -23 "$W/listed" "$W/all"); do
	echo "note: README.md's table lists a name that is no syscall: $n"
done
echo "$(wc -l <"$W/all") syscalls: $(comm -12 "$W/all" "$W/served" | wc -l) served" \
	"($(comm -12 "$W/all" "$W/in-guest" | wc -l) in the guest), $(comm -23 "$W/all" "$W/served" | comm -12 - "$W/listed" | wc -l) not served (README.md)"
exit $bad
