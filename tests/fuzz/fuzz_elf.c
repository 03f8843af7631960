/*
 * libFuzzer harness for the ELF loader (monitor/elf.c): any bytes, as the
 * program file and as its interpreter, are checked as exec.c checks them
 * and, if accepted, loaded as main.c loads them (from a file, so that
 * map_segment maps pages of it). Nothing may touch memory outside the
 * guest's or the file's (ASan, UBSan), and what loads stays in guest memory.
 */
#define _GNU_SOURCE
#include "../../monitor/elf.c"
#include "../../monitor/gmem.c"
/* gmem.c asks mmu.c which guest pages a copy may touch: all of them here. */
uint64_t mmu_access_len(struct vm *vm, uint64_t lo, uint64_t len, int prot) { return len; }
uint64_t fmap_host_writable(uint64_t lo, uint64_t n) { return n; } /* no file mappings here */

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static struct vm vm;
static int memfd = -1;

static void setup(void)
{
	vm.mem_size = 128ull << 20;
	vm.mem = mmap(NULL, vm.mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	memfd = memfd_create("fuzz-elf", MFD_CLOEXEC);
	if (vm.mem == MAP_FAILED || memfd < 0)
		abort();
}

/* Check, then load from the file, as exec.c then main.c do. */
static void try(const uint8_t *d, size_t size, uint64_t base, uint64_t top)
{
	struct elf_info ei, again;
	char err[256];
	if (elf_check(&vm, d, size, base, top, &ei, err, sizeof err) < 0) {
		if (!memchr(err, 0, sizeof err) || !err[0])
			abort(); /* a refusal always says why */
		return;
	}
	if (ei.start < UP_USER_BASE || ei.end > top || ei.entry < ei.start || ei.entry >= ei.end ||
	    ei.nseg > 16)
	{
		fprintf(stderr, "start %llx end %llx entry %llx top %llx nseg %d\n", (unsigned long long)ei.start, (unsigned long long)ei.end, (unsigned long long)ei.entry, (unsigned long long)top, ei.nseg);
		abort(); /* elf_check let through what does not fit */
	}
	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, d, size, 0) != (ssize_t)size)
		abort();
	if (elf_load(&vm, memfd, d, size, base, top, &again, err, sizeof err) < 0 ||
	    again.entry != ei.entry || again.start != ei.start || again.end != ei.end)
		abort(); /* checked, then refused or moved: exec would fail late */
	/* The guest's pages are usable: leave them anonymous again. */
	mmap(vm.mem + ei.start, ((ei.end + 4095) & ~4095ull) - ei.start, PROT_READ | PROT_WRITE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t size)
{
	if (!vm.mem)
		setup();
	/* A copy the size of the input: ASan sees any read past its end. */
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, d, size);
	try(copy, size, UP_USER_BASE, elf_top(&vm));   /* the program */
	try(copy, size, 0, elf_mmap_top(&vm));         /* an interpreter */
	free(copy);
	return 0;
}
