/* mprotect and mmap protections are enforced: writes to read-only pages,
   any access to PROT_NONE pages and execution of non-executable pages
   fault with SEGV_ACCERR (or SEGV_MAPERR where Linux says so), and the
   handler sees the right address. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf jb;
static volatile void *fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(jb, 1);
}

/* Run op(p); print whether it faulted, where and how. */
static void try(const char *what, void (*op)(volatile char *), volatile char *p)
{
	fault_addr = NULL;
	if (sigsetjmp(jb, 1) == 0) {
		op(p);
		printf("%-34s ok\n", what);
	} else {
		printf("%-34s SIGSEGV %s at %s\n", what,
		       fault_code == SEGV_ACCERR ? "SEGV_ACCERR" : fault_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other",
		       fault_addr == (void *)p ? "the address" : "another address");
	}
}

static void wr(volatile char *p) { *p = 1; }
static void rd(volatile char *p) { (void)*p; }
static void ex(volatile char *p) { ((void (*)(void))(uintptr_t)p)(); }

static const int relro_table[4] = {1, 2, 3, 4}; /* in .rodata */

int main(int argc, char **argv)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	if (argc > 1 && !strcmp(argv[1], "libos")) {
		/* Under uniproc: the library OS's code (its CPL0 stubs too) at
		   1 MiB, and the system area below it, are not writable. */
		try("write library OS code", wr, (volatile char *)0x100040);
		try("write system area (IDT)", wr, (volatile char *)0x5000);
		try("read system area (IDT)", rd, (volatile char *)0x5000);
		return 0;
	}
	long pg = sysconf(_SC_PAGESIZE);

	char *m = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(m, 0x5a, 8 * pg);
	try("write read-write page", wr, m);
	printf("mprotect ro: %d\n", mprotect(m + pg, pg, PROT_READ));
	try("read read-only page", rd, m + pg);
	try("write read-only page", wr, m + pg + 100);
	try("write page after it", wr, m + 2 * pg);
	printf("mprotect none: %d\n", mprotect(m + 3 * pg, 2 * pg, PROT_NONE));
	try("read PROT_NONE page", rd, m + 4 * pg);
	try("write PROT_NONE page", wr, m + 3 * pg);
	printf("mprotect rw again: %d\n", mprotect(m + pg, 4 * pg, PROT_READ | PROT_WRITE));
	try("write it again", wr, m + pg);
	printf("content kept: %d\n", m[4 * pg + 7] == 0x5a);
	try("execute data page", ex, m);

	/* Code copied to a page made executable runs: mov $42, %eax; ret */
	static const unsigned char code[] = {0xb8, 42, 0, 0, 0, 0xc3};
	char *c = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(c, code, sizeof code);
	printf("mprotect rx: %d\n", mprotect(c, pg, PROT_READ | PROT_EXEC));
	printf("ran code: %d\n", ((int (*)(void))(uintptr_t)c)());
	try("write executable page", wr, c);

	char *r = mmap(NULL, 2 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	try("read PROT_READ mapping", rd, r);
	try("write PROT_READ mapping", wr, r + pg);
	munmap(r, 2 * pg);
	char *z = mmap(r, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	try("write it after munmap and mmap", wr, z + pg);

	char *g = mmap(NULL, 4 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	try("read PROT_NONE reservation", rd, g + pg);
	printf("mprotect part rw: %d\n", mprotect(g + pg, pg, PROT_READ | PROT_WRITE));
	try("write the opened part", wr, g + pg);
	try("write the guard after it", wr, g + 2 * pg);

	try("write .rodata", wr, (volatile char *)&relro_table[1]);
	try("write our own code", wr, (volatile char *)(uintptr_t)&main);

	/* A large region: whole 2 MiB pages change too. */
	size_t big = 8 << 20;
	char *b = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(b, 1, big);
	printf("mprotect big ro: %d\n", mprotect(b, big, PROT_READ));
	try("write big ro (start)", wr, b);
	try("write big ro (middle)", wr, b + big / 2 + 12345);
	printf("mprotect big rw: %d\n", mprotect(b, big, PROT_READ | PROT_WRITE));
	try("write big rw", wr, b + big - 1);

	/* Memory nothing mapped: inside the guest's memory, and far above it. */
	try("read never-mapped memory", rd, (volatile char *)0x30000000);
	try("write never-mapped memory", wr, (volatile char *)0x30001000);
	try("read far above", rd, (volatile char *)0x700000000000);

	printf("bad mprotect: %d %d\n", mprotect(m + 1, pg, PROT_READ), mprotect(m, pg, 0x100));
	return 0;
}
