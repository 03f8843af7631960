# Redirections into files, appends, fds, stderr.
echo one > f1
echo two >> f1
wc -l < f1
cat f1 nonexistent 2> err.txt; echo "cat status: $?"
wc -l < err.txt
exec 3> fd3.txt
echo via3 >&3
exec 3>&-
cat fd3.txt
echo both > both.txt 2>&1
echo hello | tee t.txt | tr h H
cat t.txt
ls f1 fd3.txt t.txt
rm f1; ls f1 2>/dev/null || echo gone
echo x > ro.txt; chmod 400 ro.txt; ls -l ro.txt | cut -c1-10
ln -s t.txt link.txt; readlink link.txt; cat link.txt
