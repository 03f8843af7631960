/*
 * Syscall rewriting. A `syscall` instruction traps through ring 0, which
 * costs ~9 us on this host; a call costs nanoseconds. When a site traps a
 * second time, the library OS asks us to rewrite it: the 2-byte `syscall`
 * plus neighbouring whole instructions (at least 5 bytes in all) become a
 * `jmp` to a stub that steps over the red zone, calls syscall_call, then runs
 * the displaced instructions and jumps back. Sites we cannot prove safe
 * enough keep trapping, which is always correct.
 *
 * What makes a region safe:
 *  - its boundaries are real instruction boundaries: `syscall` just executed
 *    at the site, forward decoding from there is exact, and a preceding
 *    `mov $imm32, %eax` counts only if imm32 is the number just seen in RAX;
 *  - no direct branch in the surrounding +-2 KiB targets its inside;
 *  - displaced instructions are not relative branches; RIP-relative
 *    operands are re-aimed from the stub;
 *  - after a displaced `ret`, the jmp may cover nop/int3 alignment padding,
 *    which never runs (musl's `syscall; ret` ends a function this way).
 * An indirect jump into the region (a jump table landing right after a
 * syscall) is not detected; --no-rewrite turns the rewriter off.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "monitor.h"

#define JMP_LEN 5
#define WINDOW 1024
#define MAX_STUB 96

static csh cs;

static int cs_ready(void)
{
	static int state; /* 0: not tried, 1: ready, -1: unavailable */
	if (!state) {
		state = cs_open(CS_ARCH_X86, CS_MODE_64, &cs) == CS_ERR_OK ? 1 : -1;
		if (state > 0)
			cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	}
	return state > 0;
}

/* Decode one instruction at guest address a into insn; 0 on failure. */
static int decode(struct proc *p, uint64_t a, cs_insn *insn)
{
	const uint8_t *code = gmem_ptr(&p->vm, a, 16);
	size_t size = 16;
	uint64_t addr = a;
	return code && a >= UP_USER_BASE && cs_disasm_iter(cs, &code, &size, &addr, insn);
}

static int is_rel_branch(const cs_insn *insn)
{
	for (int i = 0; i < insn->detail->groups_count; i++)
		if (insn->detail->groups[i] == CS_GRP_BRANCH_RELATIVE)
			return 1;
	return 0;
}

static int has_group(const cs_insn *insn, int group)
{
	for (int i = 0; i < insn->detail->groups_count; i++)
		if (insn->detail->groups[i] == group)
			return 1;
	return 0;
}

static int rip_relative(const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;
	for (int i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM && x->operands[i].mem.base == X86_REG_RIP)
			return 1;
	return 0;
}

/* Does a direct branch near [lo, hi) land strictly inside it? */
static int branch_into(struct proc *p, uint64_t lo, uint64_t hi, cs_insn *insn)
{
	uint64_t a = lo > UP_USER_BASE + WINDOW ? lo - WINDOW : UP_USER_BASE;
	uint64_t end = hi + WINDOW;
	const uint8_t *code = gmem_ptr(&p->vm, a, end - a);
	if (!code)
		return 1;
	size_t size = end - a;
	uint64_t addr = a;
	while (size) {
		if (!cs_disasm_iter(cs, &code, &size, &addr, insn)) {
			code++, size--, addr++; /* data or padding: resynchronize */
			continue;
		}
		if (!is_rel_branch(insn) || insn->detail->x86.op_count < 1 ||
		    insn->detail->x86.operands[0].type != X86_OP_IMM)
			continue;
		uint64_t t = insn->detail->x86.operands[0].imm;
		if (t > lo && t < hi)
			return 1;
	}
	return 0;
}

static void put32(uint8_t *b, int64_t v)
{
	int32_t x = (int32_t)v;
	memcpy(b, &x, 4);
}

static int fits32(int64_t v)
{
	return v == (int32_t)v;
}

/* Each rewritten region by its stub's return address (after the call):
   where a syscall interrupted there restarts (signal.c). */
#define MAX_REGIONS 8192
static struct {
	uint64_t ret, lo, site, resume;
} regions[MAX_REGIONS];
static int nregions;

uint64_t rewrite_restart_at(uint64_t ret)
{
	for (int i = 0; i < nregions; i++)
		if (regions[i].ret == ret)
			return regions[i].lo;
	return 0;
}

uint64_t rewrite_site_of(uint64_t ret)
{
	for (int i = 0; i < nregions; i++)
		if (regions[i].ret == ret)
			return regions[i].site;
	return 0;
}

uint64_t rewrite_restart_after(uint64_t rip)
{
	for (int i = 0; i < nregions; i++)
		if (regions[i].site + 2 == rip)
			return regions[i].lo;
	return 0;
}

uint64_t rewrite_moved(uint64_t rip)
{
	for (int i = 0; i < nregions; i++)
		if (regions[i].site + 2 == rip)
			return regions[i].resume;
	return rip;
}

void rewrite_reset(void)
{
	nregions = 0;
}

/* One attempt, with or without the `mov $nr, %eax` before the site. */
static int rewrite(struct proc *p, uint64_t site, uint64_t rax, int with_mov, uint64_t *resume)
{
	cs_insn *insn = cs_malloc(cs);
	uint8_t stub[MAX_STUB];
	size_t n = 0;
	int ret = -EINVAL;

	/* A `mov $nr, %eax` right before the syscall may join the region. */
	uint64_t lo = site;
	const uint8_t *mov = gmem_ptr(&p->vm, site - 5, 5);
	uint32_t imm;
	if (with_mov && mov && mov[0] == 0xb8 && (memcpy(&imm, mov + 1, 4), imm == rax) &&
	    decode(p, site - 5, insn) && insn->size == 5) {
		lo = site - 5;
		memcpy(stub, mov, 5);
		n = 5;
	}
	static const uint8_t enter[] = {0x48, 0x8d, 0x64, 0x24, 0x80}; /* lea -128(%rsp),%rsp */
	static const uint8_t leave[] = {0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0}; /* lea 128(%rsp),%rsp */
	memcpy(stub + n, enter, sizeof enter);
	n += sizeof enter;
	size_t call_at = n;
	stub[n] = 0xe8; /* call syscall_call, aimed below */
	n += 5;
	memcpy(stub + n, leave, sizeof leave);
	n += sizeof leave;

	/* Displace whole instructions after the syscall until the jmp fits. */
	uint64_t hi = site + 2;
	int ends_in_ret = 0;
	struct {
		uint64_t from;
		size_t stub_off, size;
	} moved[8];
	int nmoved = 0;
	while (hi - lo < JMP_LEN && !ends_in_ret) {
		if (!decode(p, hi, insn) || is_rel_branch(insn) || nmoved == 8 ||
		    has_group(insn, CS_GRP_INT) || has_group(insn, CS_GRP_IRET) ||
		    insn->id == X86_INS_SYSCALL || n + insn->size + JMP_LEN > MAX_STUB)
			goto out;
		ends_in_ret = has_group(insn, CS_GRP_RET);
		if (rip_relative(insn) && insn->detail->x86.encoding.disp_size != 4)
			goto out;
		moved[nmoved].from = hi;
		moved[nmoved].stub_off = n;
		moved[nmoved].size = insn->size;
		if (rip_relative(insn))
			moved[nmoved].size |= (size_t)insn->detail->x86.encoding.disp_offset << 8;
		memcpy(stub + n, insn->bytes, insn->size);
		n += insn->size;
		hi += insn->size;
		nmoved++;
	}
	/* Alignment padding after a `ret` never runs: the jmp may cover it. */
	while (ends_in_ret && hi - lo < JMP_LEN) {
		if (!decode(p, hi, insn) || (insn->id != X86_INS_NOP && insn->id != X86_INS_INT3))
			goto out;
		hi += insn->size;
	}
	if (hi - lo < JMP_LEN || branch_into(p, lo, hi, insn))
		goto out;

	/* Place the stub, then aim its branches and RIP-relative operands. */
	if (!ends_in_ret)
		n += JMP_LEN;
	if (p->stub_used + n > p->libos.stub_pool_size) {
		ret = -ENOSPC;
		goto out;
	}
	uint64_t s = p->libos.stub_pool + p->stub_used;
	int64_t rel = (int64_t)p->libos.syscall_call - (int64_t)(s + call_at + 5);
	if (!fits32(rel) || !fits32((int64_t)s - (int64_t)(lo + JMP_LEN)))
		goto out;
	put32(stub + call_at + 1, rel);
	for (int i = 0; i < nmoved; i++) {
		size_t disp_off = moved[i].size >> 8, size = moved[i].size & 0xff;
		if (!disp_off)
			continue;
		int32_t disp;
		memcpy(&disp, stub + moved[i].stub_off + disp_off, 4);
		int64_t target = (int64_t)(moved[i].from + size) + disp;
		int64_t nd = target - (int64_t)(s + moved[i].stub_off + size);
		if (!fits32(nd))
			goto out;
		put32(stub + moved[i].stub_off + disp_off, nd);
	}
	if (!ends_in_ret) {
		stub[n - JMP_LEN] = 0xe9;
		put32(stub + n - JMP_LEN + 1, (int64_t)hi - (int64_t)(s + n));
	}
	uint8_t *pool = gmem_ptr(&p->vm, s, n), *code = gmem_ptr(&p->vm, lo, hi - lo);
	if (!pool || !code || !vcpu_quiet(p, lo, hi))
		goto out;
	memcpy(pool, stub, n);
	p->stub_used += (n + 15) & ~15ull;
	code[0] = 0xe9;
	put32(code + 1, (int64_t)s - (int64_t)(lo + JMP_LEN));
	memset(code + JMP_LEN, 0xcc, hi - lo - JMP_LEN); /* int3: never reached */
	*resume = s + call_at + 5 + sizeof leave; /* the displaced instructions */
	if (nregions < MAX_REGIONS)
		regions[nregions++] = (typeof(regions[0])){s + call_at + 5, lo, site, *resume};
	ret = 0;
out:
	cs_free(insn, 1);
	return ret;
}

int rewrite_site(struct proc *p, uint64_t site, uint64_t rax, uint64_t *resume)
{
	const uint8_t *at = gmem_ptr(&p->vm, site, 2);
	if (!p->rewrite || !cs_ready() || site < UP_USER_BASE || !at || at[0] != 0x0f || at[1] != 0x05)
		return -EINVAL;
	int r = rewrite(p, site, rax, 1, resume);
	return r == 0 ? 0 : rewrite(p, site, rax, 0, resume);
}
