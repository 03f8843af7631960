/* The initial process stack, laid out as Linux does (argv, envp, auxv). */
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "monitor.h"

struct builder {
	struct proc *p;
	uint64_t sp;    /* grows down */
	uint64_t floor; /* bottom of the stack area */
};

/* Push bytes; returns their guest address, or 0 when out of room. */
static uint64_t push(struct builder *b, const void *data, size_t len)
{
	if (b->sp - b->floor < len)
		return 0;
	b->sp -= len;
	memcpy(gmem_ptr(&b->p->vm, b->sp, len), data, len);
	return b->sp;
}

static uint64_t push_str(struct builder *b, const char *s)
{
	return push(b, s, strlen(s) + 1);
}

static size_t count(char *const v[])
{
	size_t n = 0;
	while (v[n])
		n++;
	return n;
}

static uint64_t build(struct builder *b0, const struct elf_info *ei, uint64_t base,
		      const char *execfn, char *const argv[], size_t argc, uint64_t *argp,
		      char *const envp[], size_t envc, uint64_t *envpp);

int stack_check(const char *execfn, char *const argv[], char *const envp[])
{
	size_t argc = count(argv), envc = count(envp);
	uint64_t ptrs = 8 * ((argc ? argc : 1) + envc), bytes = strlen(execfn) + 1;
	for (size_t i = 0; i < argc; i++)
		bytes += strlen(argv[i]) + 1;
	for (size_t i = 0; i < envc; i++)
		bytes += strlen(envp[i]) + 1;
	return ptrs < STACK_ARG_MAX && bytes <= STACK_ARG_MAX - ptrs ? 0 : -E2BIG;
}

/* Room on the stack past the strings and pointers stack_check counts: the
   auxv, AT_RANDOM bytes, "x86_64", argc and alignment. */
#define STACK_EXTRA 4096

uint64_t stack_build(struct proc *p, const struct elf_info *ei, uint64_t base,
		     const char *execfn, char *const argv[], char *const envp[])
{
	struct builder b = {p, p->vm.mem_size, p->vm.mem_size - STACK_ARG_MAX - STACK_EXTRA};
	size_t argc = count(argv), envc = count(envp);
	uint64_t *argp = calloc(argc + 1, 8), *envpp = calloc(envc + 1, 8);
	uint64_t rsp = argp && envpp ? build(&b, ei, base, execfn, argv, argc, argp, envp, envc, envpp) : 0;
	free(argp);
	free(envpp);
	return rsp;
}

static uint64_t build(struct builder *b0, const struct elf_info *ei, uint64_t base,
		      const char *execfn, char *const argv[], size_t argc, uint64_t *argp,
		      char *const envp[], size_t envc, uint64_t *envpp)
{
	struct builder b = *b0;
	uint64_t end = 0;
	if (!push(&b, &end, 8))
		return 0;
	uint64_t fn = push_str(&b, execfn);
	for (size_t i = envc; i-- > 0;)
		if (!(envpp[i] = push_str(&b, envp[i])))
			return 0;
	for (size_t i = argc; i-- > 0;)
		if (!(argp[i] = push_str(&b, argv[i])))
			return 0;
	envpp[envc] = argp[argc] = 0;
	/* /proc/self/cmdline and environ: the strings, argv's then envp's. */
	struct proc *p = b.p;
	p->env_end = fn;
	p->env_start = p->arg_end = envc ? envpp[0] : fn;
	p->arg_start = argc ? argp[0] : p->arg_end;
	uint64_t platform = push_str(&b, "x86_64");
	uint8_t rnd[16];
	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
		return 0;
	uint64_t random = push(&b, rnd, sizeof rnd);
	if (!fn || !platform || !random)
		return 0;

	unsigned eax, ebx, ecx, edx;
	__cpuid(1, eax, ebx, ecx, edx);
	uint64_t auxv[][2] = {
		{AT_PHDR, ei->phdr},     {AT_PHENT, ei->phent},
		{AT_PHNUM, ei->phnum},   {AT_PAGESZ, 4096},
		{AT_BASE, base},         {AT_FLAGS, 0},
		{AT_ENTRY, ei->entry},   {AT_UID, getuid()},
		{AT_EUID, geteuid()},    {AT_GID, getgid()},
		{AT_EGID, getegid()},    {AT_SECURE, 0},
		{AT_RANDOM, random},     {AT_HWCAP, edx},
		{AT_HWCAP2, 0},          {AT_CLKTCK, sysconf(_SC_CLK_TCK)},
		{AT_PLATFORM, platform}, {AT_EXECFN, fn},
		{AT_MINSIGSTKSZ, getauxval(AT_MINSIGSTKSZ) ? getauxval(AT_MINSIGSTKSZ) : 2048},
		{AT_NULL, 0},
	};

	/* argc, argv, envp and auxv, with RSP 16-byte aligned at argc. */
	size_t words = 1 + (argc + 1) + (envc + 1) + 2 * (sizeof auxv / 16);
	b.sp = (b.sp - words * 8) & ~15ull;
	b.sp += words * 8;
	if (!push(&b, auxv, sizeof auxv) || !push(&b, envpp, (envc + 1) * 8) ||
	    !push(&b, argp, (argc + 1) * 8))
		return 0;
	uint64_t c = argc;
	return push(&b, &c, 8);
}
