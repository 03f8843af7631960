# A loop spawning 200 processes.
i=0
while [ $i -lt 200 ]; do
	/bin/busybox true
	i=$((i + 1))
done
echo "ran $i"
n=0
for w in $(seq 1 50); do n=$((n + $(echo $w | wc -c))); done
echo "n=$n"
