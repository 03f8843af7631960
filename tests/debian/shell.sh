# dash itself: pipelines, command substitution, functions, here-documents,
# traps, redirections and exit statuses.
f() { echo "f($1)"; return 3; }
f one; echo "status $?"
x=$(echo nested $(echo inner | tr a-z A-Z))
echo "$x"
y=`expr 6 \* 7`; echo "y=$y"
for i in 1 2 3; do echo "item $i"; done | sort -r | head -2
i=0; while [ $i -lt 20 ]; do i=$((i + 1)); done; echo "counted $i"
cat <<END | sed 's/^/> /'
line with $x
END
(exit 7); echo "subshell $?"
exec 3>fd3.txt; echo to-fd3 >&3; exec 3>&-; cat fd3.txt
echo err >&2
trap 'echo trapped' EXIT
sh -c 'exit 9'; echo "sh -c: $?"
echo a b c | { read p q r; echo "$r $q $p"; }
seq 1 5 | while read n; do printf '%s,' "$n"; done; echo
case "$x" in nested*) echo matched;; *) echo no;; esac
kill -0 $$ && echo self alive
sleep 0.1 & wait $!; echo "bg waited $?"
