# Background jobs and wait.
(echo bg1 > bg1.txt) &
(echo bg2 > bg2.txt) &
wait
cat bg1.txt bg2.txt
(exit 5) &
wait $!; echo "status $?"
sleep 0.05 & a=$!
(exit 9) & b=$!
wait $b; echo "b: $?"
wait $a; echo "a: $?"
