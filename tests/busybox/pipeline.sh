# Pipelines of 3 and more applets.
seq 1 3000 > nums
cat nums | grep 1 | sort -r | uniq -c | sort -n | tail -3
seq 1 500 | awk '{ s += $1 } END { print s }' | tr 0-9 a-j | sed 's/a/A/g'
echo a b c d | xargs -n1 echo item | wc -l
head -c 10000 nums | md5sum
cat nums | cut -c1 | sort | uniq -c | head -n 4 | wc -l
