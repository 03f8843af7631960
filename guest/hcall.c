/* Hypercalls: one store of the argument struct's address (see abi.h). */
#include "libos.h"

static inline void doorbell(unsigned nr, uint32_t v)
{
	volatile uint32_t *door = (volatile uint32_t *)(UP_HC_MMIO_BASE + 8ull * nr);
	__asm__ volatile("movl %1, %0" : "=m"(*door) : "r"(v) : "memory");
}

/* The library OS data lives below 4 GiB, so the address fits 32 bits. */
#define HC(nr, p) doorbell(nr, (uint32_t)(uintptr_t)(p))

/* Make the page-directory stores the monitor queued for this vCPU (abi.h). */
static void sync_mmu(void)
{
	struct up_thread *t = self();
	if (t->mmu_pending) {
		t->mmu_pending = 0;
		mmu_sync();
	}
}

long hc_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		uint64_t a3, uint64_t a4, uint64_t a5)
{
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
