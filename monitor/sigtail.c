/*
 * The library OS's return to the program (guest/entry.S) looks at
 * up_sigstate.deliver, then runs a few more instructions: restore RFLAGS,
 * switch to the program's stack, `jmp *%rcx` (trap path) or `ret` (a
 * rewritten site). A signal that comes after the look and before the jump
 * would wait for the next syscall, however long the program runs without
 * one. sigtail_finish runs those instructions for the monitor, so the
 * signal is delivered at once (signal.c). It knows only these exact
 * instructions; from anywhere else it changes nothing.
 */
#include <string.h>

#include "monitor.h"

#define FLAGS_USER 0xcd5ull /* CF PF AF ZF SF DF OF */
#define ZF 0x40ull

/* `mov %gs:UP_T_SAVED_RSP, %rsp` */
static const uint8_t mov_rsp[] = {0x65, 0x48, 0x8b, 0x24, 0x25, UP_T_SAVED_RSP, 0, 0, 0};
/* `cmpq $0, %gs:OFF`, OFF at byte 5 */
static const uint8_t cmpq0[] = {0x65, 0x48, 0x83, 0x3c, 0x25, 0, 0, 0, 0, 0};

static int at(const uint8_t *code, const uint8_t *pat, size_t len)
{
	return code && !memcmp(code, pat, len);
}

static int cmpq_of(const uint8_t *code, uint8_t off)
{
	uint8_t pat[sizeof cmpq0];
	memcpy(pat, cmpq0, sizeof pat);
	pat[5] = off;
	return at(code, pat, sizeof pat);
}

static int read64(struct sigtail_mem *m, uint64_t addr, uint64_t *v)
{
	const uint8_t *b = m->ptr(m->ctx, addr, 8);
	if (!b)
		return 0;
	memcpy(v, b, 8);
	return 1;
}

int sigtail_finish(struct sigtail_regs *out, uint64_t thread, struct sigtail_mem *m)
{
	struct sigtail_regs r = *out;
	for (int step = 0; step < 8; step++) {
		if (r.rip >= UP_USER_BASE) {
			if (!step)
				return 0;
			*out = r;
			return 1;
		}
		if (r.rip < UP_LIBOS_BASE)
			return 0;
		const uint8_t *c = m->ptr(m->ctx, r.rip, 16), *before = m->ptr(m->ctx, r.rip - 10, 10);
		uint64_t v;
		if (at(c, (const uint8_t[]){0x41, 0x53, 0x9d}, 3)) { /* push %r11; popf */
			r.rflags = (r.rflags & ~FLAGS_USER) | (r.r11 & FLAGS_USER);
			r.rip += 3;
		} else if (at(c, (const uint8_t[]){0x9d}, 1) &&
			   at(c + 1, mov_rsp, sizeof mov_rsp)) { /* popf, on its way out */
			if (!read64(m, r.rsp, &v))
				return 0;
			r.rflags = (r.rflags & ~FLAGS_USER) | (v & FLAGS_USER);
			r.rsp += 8;
			r.rip += 1;
		} else if (at(c, mov_rsp, sizeof mov_rsp)) {
			if (!read64(m, thread + UP_T_SAVED_RSP, &r.rsp))
				return 0;
			r.rip += sizeof mov_rsp;
			c = m->ptr(m->ctx, r.rip, 2); /* what follows: the jump, or the hypercall */
			if (!c || !((c[0] == 0xff && c[1] == 0xe1) || c[0] == 0xc3))
				return 0;
		} else if (c && c[0] == 0xff && c[1] == 0xe1) { /* jmp *%rcx */
			r.rip = r.rcx;
		} else if (c && c[0] == 0xc3 && before && at(before + 1, mov_rsp, sizeof mov_rsp)) { /* ret */
			if (!read64(m, r.rsp, &r.rip))
				return 0;
			r.rsp += 8;
		} else if (c && c[0] == 0x75 && cmpq_of(before, UP_T_DELIVER)) {
			if (!(r.rflags & ZF))
				return 0; /* it saw deliver set: the hypercall is coming */
			r.rip += 2;
		} else if (c && c[0] == 0x75 && cmpq_of(before, UP_T_RET_OVERRIDE)) {
			if (!(r.rflags & ZF))
				return 0;
			r.rip += 2;
		} else if (cmpq_of(c, UP_T_RET_OVERRIDE) && c[10] == 0x75) {
			if (!read64(m, thread + UP_T_RET_OVERRIDE, &v) || v)
				return 0; /* the thread's stack is gone (rare): leave it be */
			r.rip += 12;
		} else {
			return 0;
		}
	}
	return 0;
}
