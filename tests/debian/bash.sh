# bash: arrays, [[ ]], arithmetic, pipelines and PIPESTATUS, read loops.
set -o pipefail
a=(zero one two three)
echo "${#a[@]} ${a[2]} ${a[@]:1:2}"
declare -A m=([k]=v [x]=y); echo "${m[k]}${m[x]}"
[[ "abc" == a* ]] && echo glob-match
(( n = 6 * 7 )); echo "n=$n"
false | true; echo "pipefail $?"
true | (exit 4) | true; echo "PIPESTATUS ${PIPESTATUS[*]}"
s=""; while IFS=: read -r user rest; do s="$s$user"; break; done < /etc/passwd; echo "first user ${s}"
printf '%05d|%-4s|%x\n' 42 ab 255
str="Hello World"; echo "${str,,} ${str^^} ${str/World/There}"
for f in $(seq 1 3); do echo -n "$f "; done; echo
mapfile -t lines < <(printf 'x\ny\n') 2>/dev/null || lines=(x y); echo "${#lines[@]}"
echo $(( 2 ** 10 )) $(( 17 % 5 ))
exit 3
