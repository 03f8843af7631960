/* sigtail.c finishes the library OS's return to the program from every
   instruction after its look at `deliver`, in the real image, and from
   nowhere else. */
#include <stdint.h>
#include <string.h>

#include "../../monitor/sigtail.c"
#include "check.h"

extern const unsigned char libos_image[], libos_image_end[];

/* Guest memory: the image at UP_LIBOS_BASE, a thread struct, two stacks. */
#define THREAD 0x380000ull
#define LSTACK 0x390000ull /* the library OS stack */
#define USTACK 0x7000000ull
static uint8_t thread[256], lstack[64], ustack[64];

static const uint8_t *mem(void *ctx, uint64_t a, uint64_t len)
{
	size_t n = (size_t)(libos_image_end - libos_image);
	if (a >= UP_LIBOS_BASE && a + len <= UP_LIBOS_BASE + n)
		return libos_image + (a - UP_LIBOS_BASE);
	if (a >= THREAD && a + len <= THREAD + sizeof thread)
		return thread + (a - THREAD);
	if (a >= LSTACK && a + len <= LSTACK + sizeof lstack)
		return lstack + (a - LSTACK);
	if (a >= USTACK && a + len <= USTACK + sizeof ustack)
		return ustack + (a - USTACK);
	return NULL;
}

static void put64(uint8_t *b, uint64_t v)
{
	memcpy(b, &v, 8);
}

/* Instruction lengths of the no-deliver tail from start, as the image has them. */
static int tail(uint64_t start, uint64_t *pos, int max)
{
	int n = 0;
	uint64_t a = start;
	while (n < max) {
		const uint8_t *c = mem(0, a, 16);
		pos[n++] = a;
		if (c[0] == 0x41 && c[1] == 0x53) a += 2;          /* push %r11 */
		else if (c[0] == 0x9d) a += 1;                      /* popf */
		else if (c[0] == 0x65 && c[2] == 0x8b) a += 9;      /* mov %gs:8,%rsp */
		else if (c[0] == 0x65 && c[2] == 0x83) a += 10;     /* cmpq $0,%gs:X */
		else if (c[0] == 0x75) a += 2;                      /* jne, not taken */
		else return n;                                      /* jmp *%rcx, ret */
	}
	return n;
}

int main(void)
{
	struct sigtail_mem m = {mem, NULL};
	const uint8_t look[] = {0x65, 0x48, 0x83, 0x3c, 0x25, UP_T_DELIVER, 0, 0, 0, 0, 0x75};
	size_t size = (size_t)(libos_image_end - libos_image);
	int tails = 0;
	for (size_t i = 0; i + sizeof look < size; i++) {
		if (memcmp(libos_image + i, look, sizeof look))
			continue;
		tails++;
		uint64_t cmp = UP_LIBOS_BASE + i, pos[12];
		int n = tail(cmp + 12, pos, 12);
		const uint8_t *last = mem(0, pos[n - 1], 2);
		int trap = last[0] == 0xff;
		CHECK(n >= 3 && n <= 8 && (trap ? last[1] == 0xe1 : last[0] == 0xc3));
		put64(thread + UP_T_SAVED_RSP, USTACK + 16);
		put64(thread + UP_T_RET_OVERRIDE, 0);
		put64(ustack + 16, 0x402345); /* a rewritten site's stub: the return address */
		/* At the look itself, or having seen deliver set: nothing to do. */
		struct sigtail_regs r = {cmp, LSTACK + 8, 0x202, 0x401234, 0x287};
		CHECK(!sigtail_finish(&r, THREAD, &m) && r.rip == cmp);
		r.rip = cmp + 10; /* jne, ZF clear: deliver was 1 */
		CHECK(!sigtail_finish(&r, THREAD, &m) && r.rip == cmp + 10);
		/* From each instruction after it: the program's registers. The
		   stack as the tail leaves it, step by step: the trap path pushes
		   R11 and pops it into RFLAGS, the call path pops what its pushf
		   saved; then the program's stack. */
		put64(lstack + 0, 0x287);  /* trap path: R11, pushed */
		put64(lstack + 8, 0x893);  /* call path: the flags pushf saved */
		uint64_t rsp = LSTACK + 8;
		for (int k = -1; k < n; k++) {
			uint64_t at = k < 0 ? cmp + 10 : pos[k];
			r = (struct sigtail_regs){at, rsp, 0x246, 0x401234, 0x287};
			int ok = sigtail_finish(&r, THREAD, &m);
			CHECK(ok);
			if (!ok)
				fprintf(stderr, "tail at %#lx (step %d of %d) not finished\n",
					(unsigned long)at, k, n);
			else if (trap)
				CHECK(r.rip == 0x401234 && r.rsp == USTACK + 16 &&
				      (k >= 2 || (r.rflags & 0xcd5) == (0x287 & 0xcd5)));
			else
				CHECK(r.rip == 0x402345 && r.rsp == USTACK + 24 &&
				      (k >= 3 || (r.rflags & 0xcd5) == (0x893 & 0xcd5)));
			const uint8_t *c = mem(0, at, 2);
			if (k < 0)
				continue;
			if (c[0] == 0x41)
				rsp -= 8;
			else if (c[0] == 0x9d)
				rsp += 8;
			else if (c[0] == 0x65 && c[2] == 0x8b)
				rsp = USTACK + 16;
		}
	}
	CHECK(tails == 2); /* syscall_entry and syscall_call */
	/* Elsewhere in the library OS: no change. */
	struct sigtail_regs r = {UP_LIBOS_BASE + 0x100, LSTACK + 8, 0x202, 0x401234, 0};
	CHECK(!sigtail_finish(&r, THREAD, &m) && r.rip == UP_LIBOS_BASE + 0x100);
	r.rip = 0x401000; /* program code: nothing to finish */
	CHECK(!sigtail_finish(&r, THREAD, &m));
	DONE();
}
