# set -e ends the script at the first failing command.
set -e
echo before
true | false || echo "or-list is fine"
false
echo after
