/* Hypercalls: one store of the argument struct's address (see abi.h). */
#include <asm/errno.h>
#include <asm/unistd.h>

#include "libos.h"

static inline void doorbell(unsigned nr, uint32_t v)
{
	volatile uint32_t *door = (volatile uint32_t *)(UP_HC_MMIO_BASE + 8ull * nr);
	__asm__ volatile("movl %1, %0" : "=m"(*door) : "r"(v) : "memory");
}

/* The library OS data lives below 4 GiB, so the address fits 32 bits.
   The monitor makes the closes put off before any hypercall. */
#define HC(nr, p) (defer_riding(), doorbell(nr, (uint32_t)(uintptr_t)(p)))

/* Make the page-directory stores the monitor queued for this vCPU (abi.h). */
static void sync_mmu(void)
{
	struct up_thread *t = self();
	if (t->mmu_pending) {
		t->mmu_pending = 0;
		mmu_sync();
	}
}

/*
 * Exitless host calls (abi.h struct up_sq, monitor/sq.c): the calls that
 * are served at once, or answered UP_SQ_RETRY when they would wait.
 */
static int exitless(uint64_t nr)
{
	switch (nr) {
	case __NR_read: case __NR_write: case __NR_readv: case __NR_writev:
	case __NR_pread64: case __NR_pwrite64: case __NR_lseek: case __NR_fstat:
	case __NR_newfstatat: case __NR_statx: case __NR_close: case __NR_openat:
	case __NR_getdents64: case __NR_faccessat: case __NR_faccessat2: case __NR_readlinkat:
	case __NR_recvfrom: case __NR_sendto: case __NR_recvmsg: case __NR_sendmsg:
	case __NR_accept: case __NR_accept4: case __NR_epoll_ctl: case __NR_fcntl:
	case __NR_getsockopt: case __NR_setsockopt: case __NR_getsockname:
	case __NR_getpeername: case __NR_shutdown: case __NR_sendfile: case __NR_fadvise64:
	case __NR_epoll_wait: case __NR_epoll_pwait: case __NR_ioctl: case __NR_socket:
		return 1;
	}
	return 0;
}

#define TAKE_MAX_NS 20000 /* a call not taken in this long goes by hypercall ... */
#define TAKE_MIN_NS 2000
#define WAIT_NS 200000    /* a call taken this long: sleep until it is done */
#define BACKOFF 32        /* after one not taken, this many go by hypercall */
/* How long a call waits to be taken: it shrinks when the server is late
   (a busy machine: its thread does not run) and grows back when it is
   quick, so a late server costs little. */
static uint64_t take_ns = TAKE_MAX_NS;
static uint32_t backoff;

#define NOT_TAKEN (UP_SQ_RETRY - 1)

/* Try the call through this thread's slot: its result, UP_SQ_RETRY if it
   would wait, NOT_TAKEN if the server did not take it in time. */
static long sq_call(uint64_t nr, const uint64_t a[6])
{
	struct up_sq *q = &self()->sq;
	defer_riding(); /* the server makes the closes put off first */
	q->nr = nr;
	memcpy(q->args, a, sizeof q->args);
	__atomic_store_n(&q->state, UP_SQ_SUBMITTED, __ATOMIC_RELEASE);
	uint64_t t0 = tsc_ns(), n = 0;
	for (;;) {
		uint32_t s = __atomic_load_n(&q->state, __ATOMIC_ACQUIRE);
		if (s == UP_SQ_DONE)
			break;
		if ((++n & 63) == 0) {
			uint64_t dt = tsc_ns() - t0;
			if (s == UP_SQ_SUBMITTED && (dt > take_ns || !t0)) {
				uint32_t want = UP_SQ_SUBMITTED;
				if (__atomic_compare_exchange_n(&q->state, &want, UP_SQ_IDLE, 0,
								__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
					/* not taken: the server sleeps, or does not run */
					take_ns = take_ns / 2 > TAKE_MIN_NS ? take_ns / 2 : TAKE_MIN_NS;
					backoff = BACKOFF;
					return NOT_TAKEN;
				}
				continue;
			}
			if (s == UP_SQ_TAKEN && dt > WAIT_NS) { /* a slow call: sleep */
				__atomic_store_n(&q->waiting, 1, __ATOMIC_SEQ_CST);
				struct up_hc_syscall hc = {__NR_futex, {(uint64_t)&q->state, 0 /* FUTEX_WAIT */,
									UP_SQ_TAKEN, 0, 0, 0}, 0};
				if (__atomic_load_n(&q->state, __ATOMIC_SEQ_CST) == UP_SQ_TAKEN)
					HC(UP_HC_SYSCALL, &hc);
				__atomic_store_n(&q->waiting, 0, __ATOMIC_SEQ_CST);
				continue;
			}
		}
		__builtin_ia32_pause();
	}
	long r = q->ret;
	__atomic_store_n(&q->state, UP_SQ_IDLE, __ATOMIC_RELEASE);
	take_ns = take_ns * 2 < TAKE_MAX_NS ? take_ns * 2 : TAKE_MAX_NS;
	return r;
}

long hc_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		uint64_t a3, uint64_t a4, uint64_t a5)
{
	if (backoff)
		backoff--;
	else if (boot_info.sq_awake && exitless(nr)) {
		uint64_t a[6] = {a0, a1, a2, a3, a4, a5};
		int epoll = nr == __NR_epoll_wait || nr == __NR_epoll_pwait;
		if (epoll)
			a[3] = 0; /* what is ready now; else wait by hypercall */
		long r = sq_call(nr, a);
		if (r != UP_SQ_RETRY && r != NOT_TAKEN && (!epoll || r != 0 || (int)a3 == 0))
			return r;
	}
	struct up_hc_syscall hc = {nr, {a0, a1, a2, a3, a4, a5}, 0};
	HC(UP_HC_SYSCALL, &hc);
	sync_mmu();
	return hc.ret;
}

void hc_exit(int status)
{
	struct up_hc_exit hc = {status};
	for (;;)
		HC(UP_HC_EXIT, &hc);
}

void hc_log(const char *msg, size_t len)
{
	struct up_hc_log hc = {(uint64_t)(uintptr_t)msg, len};
	HC(UP_HC_LOG, &hc);
}

int hc_memory(uint64_t lo, uint64_t hi, uint64_t *low_top, uint64_t *high_bottom)
{
	struct up_hc_memory hc = {lo, hi, 0, 0};
	HC(UP_HC_MEMORY, &hc);
	sync_mmu(); /* the new memory's page-directory entries */
	if (!hc.low_top)
		return -1;
	*low_top = hc.low_top;
	*high_bottom = hc.high_bottom;
	return 0;
}

void hc_sigreturn(struct up_hc_sigreturn *hc)
{
	HC(UP_HC_SIGRETURN, hc);
}

void hc_wake(int fd)
{
	struct up_hc_wake hc = {fd};
	HC(UP_HC_WAKE, &hc);
}

uint64_t hc_patch(uint64_t site, uint64_t rax)
{
	struct up_hc_patch hc = {site, rax, 0, 0};
	HC(UP_HC_PATCH, &hc);
	return hc.ret == 0 ? hc.resume : 0;
}

long hc_clone(struct up_hc_clone *hc)
{
	HC(UP_HC_CLONE, hc);
	return hc->ret;
}

void hc_thread_exit(int status)
{
	struct up_hc_exit hc = {status};
	for (;;)
		HC(UP_HC_THREAD_EXIT, &hc);
}
