/* pss CMD...: run a forkmem command and print, in KiB, the PSS its fork
   added (PSS(parent) + PSS(child) after, minus PSS(parent) before) and the
   child's private memory (USS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Sum of the smaps_rollup fields named in keys[] (KiB). */
static long field(int pid, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
	FILE *f = fopen(path, "r");
	long kb, sum = 0;
	size_t n = strlen(key);
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, key, n) && sscanf(line + n, " %ld", &kb) == 1)
			sum += kb;
	if (f)
		fclose(f);
	return sum;
}

static long pss(int pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
	FILE *f = fopen(path, "r");
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Pss: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	int in[2], out[2];
	pipe(in);
	pipe(out);
	pid_t cmd = fork();
	if (cmd == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	FILE *r = fdopen(out[0], "r");
	int parent, child;
	if (fscanf(r, "P %d", &parent) != 1)
		return 1;
	long before = pss(parent);
	write(in[1], "go\n", 3);
	if (fscanf(r, " C %d", &child) != 1)
		return 1;
	usleep(100000); /* let the child settle in its read() */
	long after = pss(parent) + pss(child);
	long uss = field(child, "Private_Clean:") + field(child, "Private_Dirty:");
	if (getenv("PSS_DEBUG"))
		fprintf(stderr, "before %ld parent %ld child %ld (pids %d %d)\n", before, pss(parent), pss(child), parent, child);
	close(in[1]);
	waitpid(cmd, NULL, 0);
	printf("%ld %ld\n", after - before, uss);
	return 0;
}
