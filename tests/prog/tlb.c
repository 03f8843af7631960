/* One thread takes rights away (mprotect) while another thread,
   on another CPU, keeps using the memory: once the call has returned, the
   other thread's next access faults, as on Linux (whose TLB shootdown
   flushes every CPU). And a right given is there at once, even where a
   CPU cached the page without it. (An unmapped page reads as zero under
   uniproc: README's Limits.) */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MB2 (2ul << 20)

static __thread sigjmp_buf jb;
static volatile char *p;
static volatile int ready, stop, stopped, go, loop_wr, last_wr;
static int faulted;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

/* The other thread: use p until told to stop, then (its CPU may still
   hold the translation) wait for the change and try once more. */
static void *user(void *arg)
{
	long off = (long)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		if (loop_wr)
			p[off] = 1;
		else
			(void)p[off];
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&stopped, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		;
	faulted = 0;
	if (sigsetjmp(jb, 1) == 0) {
		if (last_wr)
			p[off] = 2;
		else
			(void)p[off];
	} else
		faulted = 1;
	return NULL;
}

/* Start the user of p[off] (writing or reading), let it run, change the
   map, then ask it to write or read once more. */
static void round_of(const char *what, long off, int wr, int then_wr, int (*change)(void))
{
	pthread_t t;
	ready = stop = stopped = go = 0;
	loop_wr = wr;
	last_wr = then_wr;
	pthread_create(&t, NULL, user, (void *)off);
	while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		;
	for (volatile int i = 0; i < 100000; i++) /* it keeps using the page */
		;
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&stopped, __ATOMIC_ACQUIRE))
		;
	int r = change();
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	printf("%-48s %d, the other thread's %s %s\n", what, r, then_wr ? "write" : "read",
	       faulted ? "faulted" : "went through");
}

static int none_2m(void) { return mprotect((void *)p, MB2, PROT_NONE); }
static int rw_2m(void) { return mprotect((void *)p, MB2, PROT_READ | PROT_WRITE); }
static int ro_2m(void) { return mprotect((void *)p, MB2, PROT_READ); }
static int ro_4k(void) { return mprotect((void *)(p + 8192), 4096, PROT_READ); }
static int none_4k(void) { return mprotect((void *)(p + 8192), 4096, PROT_NONE); }

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGSEGV, on_segv);
	char *m = mmap(NULL, 2 * MB2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	p = (char *)(((uintptr_t)m + MB2 - 1) & ~(MB2 - 1)); /* a whole 2 MiB page */
	memset((void *)p, 1, MB2);

	round_of("mprotect of the 2 MiB to PROT_NONE:", 4096, 0, 0, none_2m);
	rw_2m();
	round_of("mprotect of the 2 MiB to PROT_READ:", 4096, 1, 1, ro_2m);
	round_of("mprotect of the 2 MiB back to read-write:", 4096, 0, 1, rw_2m);
	round_of("mprotect of one 4 KiB page in it to PROT_READ:", 8192, 1, 1, ro_4k);
	round_of("then the 2 MiB to read-write:", 8192, 0, 1, rw_2m);
	round_of("then the 4 KiB page to PROT_NONE:", 8192, 0, 0, none_4k);
	rw_2m();
	return 0;
}
