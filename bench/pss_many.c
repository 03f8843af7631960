/* pss_many N CMD...: start N copies of CMD, each reading a pipe we hold
   open (so each blocks once started), and print the KiB of PSS and of RSS
   the N processes hold together. Pages N processes share count once in
   the PSS total: the figure shows whether a library's pages are shared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long field(int pid, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
	FILE *f = fopen(path, "r");
	long kb = 0, v;
	size_t n = strlen(key);
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, key, n) && sscanf(line + n, " %ld", &v) == 1)
			kb += v;
	if (f)
		fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0;
	if (n <= 0 || n > 64) {
		fprintf(stderr, "usage: pss_many N CMD...\n");
		return 2;
	}
	int pids[64], fds[64];
	for (int i = 0; i < n; i++) {
		int p[2];
		if (pipe(p) < 0)
			return 1;
		pids[i] = fork();
		if (pids[i] == 0) {
			dup2(p[0], 0);
			close(p[0]);
			close(p[1]);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		close(p[0]);
		fds[i] = p[1];
	}
	usleep(n * 300000); /* let each start and block in its read */
	long pss = 0, rss = 0;
	for (int i = 0; i < n; i++) {
		pss += field(pids[i], "Pss:");
		rss += field(pids[i], "Rss:");
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	for (int i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	printf("%ld %ld\n", pss, rss);
	return 0;
}
