/* /proc/self/maps shows the program's own mappings: its file, a file it
   maps (path, offset, protection), protections set by mprotect, the heap
   and the stack; glibc's pthread_getattr_np reads it for the main stack. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The maps line holding address a: its fields, or 0. */
static int find(uintptr_t a, char *perms, unsigned long *off, char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char path[256] = "";
		if (sscanf(line, "%lx-%lx %4s %lx %*s %*s %255s", &lo, &hi, perms, off, path) < 4)
			continue;
		if (lo <= a && a < hi) {
			const char *slash = strrchr(path, '/');
			strcpy(name, slash ? slash + 1 : path);
			found = 1;
			break;
		}
	}
	if (f)
		fclose(f);
	return found;
}

static void show(const char *what, const void *p)
{
	char perms[8] = "", name[256] = "";
	unsigned long off = 0;
	if (find((uintptr_t)p, perms, &off, name))
		printf("%-28s %s %lx %s\n", what, perms, off, name);
	else
		printf("%-28s not mapped\n", what);
}

int main(int argc, char **argv)
{
	int local = 0;
	long pg = sysconf(_SC_PAGESIZE);
	show("our code", (void *)(uintptr_t)&main);
	show("a local (stack)", &local);
	int fd = open(argv[0], O_RDONLY);
	char *m = mmap(NULL, 3 * pg, PROT_READ, MAP_PRIVATE, fd, pg);
	show("our file, 2nd page", m + pg);
	char *a = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(a + pg, pg, PROT_READ);
	mprotect(a + 2 * pg, pg, PROT_NONE);
	show("anon rw", a);
	show("anon made r", a + pg);
	show("anon made none", a + 2 * pg);
	munmap(m, 3 * pg);
	show("our file, unmapped", m + pg);
	char *h = sbrk(0);
	if (h != (char *)-1 && sbrk(pg) != (void *)-1)
		show("the break", h);
	pthread_attr_t at;
	void *base;
	size_t size;
	if (pthread_getattr_np(pthread_self(), &at) == 0 && pthread_attr_getstack(&at, &base, &size) == 0)
		printf("main stack holds a local: %d\n",
		       (char *)&local >= (char *)base && (char *)&local < (char *)base + size);
	return 0;
}
