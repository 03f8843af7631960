# SIGPIPE ends the producer when its consumer exits early.
yes | head -c 2000000 | md5sum
yes hello | head -n 3
seq 1 100000 | head -n 2
