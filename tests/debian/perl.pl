# perl: fork, a pipe, backticks, open -|, hashes and an XS module (POSIX).
use strict; use warnings; use POSIX ();
pipe(my $r, my $w) or die;
my $pid = fork();
if ($pid == 0) { close $r; print $w "child $_\n" for 1..3; close $w; exit 5; }
close $w; my @l = <$r>; waitpid($pid, 0);
print "got ", scalar(@l), " lines, status ", $? >> 8, "\n";
my %h = map { $_ => length $_ } qw(alpha beta gamma);
print join(",", map {"$_=$h{$_}"} sort keys %h), "\n";
print POSIX::floor(7.5), " ", `echo backtick`;
open(my $fh, "-|", "seq", "1", "4") or die; my $s = 0; $s += $_ while <$fh>; close $fh;
print "sum $s\n";
use Digest::MD5 qw(md5_hex); print md5_hex("uniproc"), "\n";
system("sh", "-c", "exit 3"); print "system ", $? >> 8, "\n";
print STDERR "to stderr\n";
exit 6;
