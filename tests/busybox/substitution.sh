# Command substitution, nested; subshells and their exit codes.
x=$(echo $(echo inner | tr a-z A-Z) outer)
echo "$x"
echo "count: $(seq 1 10 | wc -l) and $(echo `echo backticks`)"
(exit 3); echo "subshell: $?"
(false || exit 4); echo "or: $?"
( (exit 6) ); echo "nested: $?"
sh -c 'sh -c "exit 7"'; echo "sh in sh: $?"
if (true && exit 0); then echo then; fi
