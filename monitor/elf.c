/*
 * ELF loading: x86-64 executables (ET_EXEC), PIEs and shared objects
 * (ET_DYN). A dynamic program names its interpreter (PT_INTERP); main.c
 * loads that too, and the interpreter loads the rest from the guest.
 */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "monitor.h"

#define PAGE 4096ull

static int fail(char *err, size_t size, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vsnprintf(err, size, f, ap);
	va_end(ap);
	return -1;
}

/* Check the headers; on success *ph points at the program header table. */
static int check_headers(const uint8_t *d, size_t size, const Elf64_Phdr **ph,
			 char *err, size_t es)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)d;
	if (size < 4 || memcmp(d, ELFMAG, SELFMAG))
		return fail(err, es, "not an ELF file");
	if (size < sizeof *eh)
		return fail(err, es, "truncated ELF header");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, es, "not a 64-bit little-endian ELF");
	if (eh->e_machine != EM_X86_64)
		return fail(err, es, "not an x86-64 ELF (machine %u)", eh->e_machine);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return fail(err, es, "not an executable ELF (type %u)", eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > 256 || eh->e_phoff > size ||
	    size - eh->e_phoff < (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr))
		return fail(err, es, "truncated or malformed program headers");
	if (eh->e_phoff % 8)
		return fail(err, es, "misaligned program headers");
	*ph = (const Elf64_Phdr *)(d + eh->e_phoff);
	return 0;
}

/* Check every PT_LOAD against the file and the guest memory (after bias). */
static int check_segments(const struct vm *vm, const uint8_t *d, const Elf64_Ehdr *eh,
			  const Elf64_Phdr *ph, size_t size, uint64_t *lo,
			  uint64_t *hi, char *err, size_t es)
{
	*lo = UINT64_MAX;
	*hi = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		if (p->p_type == PT_INTERP &&
		    (p->p_offset > size || p->p_filesz > size - p->p_offset ||
		     p->p_filesz < 2 || p->p_filesz > PATH_MAX ||
		     memchr(d + p->p_offset, 0, p->p_filesz) != (const char *)d + p->p_offset + p->p_filesz - 1))
			return fail(err, es, "malformed ELF: bad interpreter name");
		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_offset > size || p->p_filesz > size - p->p_offset)
			return fail(err, es, "truncated ELF: segment %d past end of file", i);
		if (p->p_filesz > p->p_memsz || p->p_vaddr + p->p_memsz < p->p_vaddr ||
		    p->p_memsz > vm->mem_size)
			return fail(err, es, "malformed ELF: bad segment %d size", i);
		if (p->p_vaddr < *lo)
			*lo = p->p_vaddr;
		if (p->p_vaddr + p->p_memsz > *hi)
			*hi = p->p_vaddr + p->p_memsz;
	}
	if (*hi == 0)
		return fail(err, es, "malformed ELF: no loadable segment");
	return 0;
}

/*
 * Map the file part of a segment copy-on-write instead of copying it, when
 * its file offset and address agree modulo the page size: processes running
 * the same program then share its text, as they do on Linux.
 */
static int map_segment(struct vm *vm, int fd, const Elf64_Phdr *ph, uint64_t bias)
{
	uint64_t va = ph->p_vaddr + bias, skew = va % PAGE;
	if (fd < 0 || ph->p_offset % PAGE != skew || ph->p_filesz == 0)
		return -1;
	uint64_t start = va - skew, len = (skew + ph->p_filesz + PAGE - 1) & ~(PAGE - 1);
	uint8_t *host = gmem_ptr(vm, start, len);
	if (!host || mmap(host, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd,
			  ph->p_offset - skew) == MAP_FAILED)
		return -1;
	/* The rest of the last page belongs to bss: zero, as the kernel does. */
	memset(host + skew + ph->p_filesz, 0, len - skew - ph->p_filesz);
	return 0;
}

/*
 * All checks; on success the program headers, extent and load bias. An
 * ET_DYN goes at base (or, with base 0, ends just below top); an ET_EXEC
 * where it was linked. Everything must fit [UP_USER_BASE, top).
 */
static int check(const struct vm *vm, const uint8_t *d, size_t size, uint64_t base, uint64_t top,
		 const Elf64_Phdr **ph, uint64_t *lo, uint64_t *hi, uint64_t *bias, char *err,
		 size_t es)
{
	if (check_headers(d, size, ph, err, es) < 0)
		return -1;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)d;
	*bias = 0;
	if (check_segments(vm, d, eh, *ph, size, lo, hi, err, es) < 0)
		return -1;
	/* Segments far apart would wrap around past the bias below and land
	   anywhere, the library OS included: the image must fit memory. */
	if (*hi - *lo > top)
		return fail(err, es, "ELF segments span 0x%llx bytes: more than guest memory "
				     "(try a larger --mem)", (unsigned long long)(*hi - *lo));
	uint64_t span = ((*hi + PAGE - 1) & ~(PAGE - 1)) - (*lo & ~(PAGE - 1));
	if (!base && span < top)
		base = (top - span) & ~((2ull << 20) - 1);
	*bias = eh->e_type == ET_DYN ? base - (*lo & ~(PAGE - 1)) : 0;
	uint64_t limit = top;
	if (*lo + *bias < UP_USER_BASE || *hi + *bias > limit)
		return fail(err, es, "ELF segments at 0x%llx-0x%llx do not fit guest memory "
				     "0x%llx-0x%llx (try a larger --mem)",
			    (unsigned long long)(*lo + *bias), (unsigned long long)(*hi + *bias),
			    (unsigned long long)UP_USER_BASE, (unsigned long long)limit);
	return 0;
}

/* Where a program (and its interpreter) may go: [UP_USER_BASE, top). */
uint64_t elf_top(const struct vm *vm)
{
	return vm->mem_size - UP_STACK_SIZE - (64ull << 20);
}

/* The top of the mmap area: an interpreter ends just below it. */
uint64_t elf_mmap_top(const struct vm *vm)
{
	return vm->mem_size - UP_STACK_SIZE - (1ull << 20);
}

static int check_entry(const Elf64_Ehdr *eh, uint64_t lo, uint64_t hi, char *err, size_t es)
{
	if (eh->e_entry < lo || eh->e_entry >= hi)
		return fail(err, es, "malformed ELF: entry point 0x%llx outside the image",
			    (unsigned long long)eh->e_entry);
	return 0;
}

int elf_check(const struct vm *vm, const uint8_t *d, size_t size, uint64_t base, uint64_t top,
	      struct elf_info *info, char *err, size_t es)
{
	const Elf64_Phdr *ph = NULL;
	uint64_t lo, hi, bias;
	if (check(vm, d, size, base, top, &ph, &lo, &hi, &bias, err, es) < 0)
		return -1;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)d;
	if (check_entry(eh, lo, hi, err, es) < 0)
		return -1;
	*info = (struct elf_info){.entry = eh->e_entry + bias, .phent = sizeof *ph,
				  .phnum = eh->e_phnum, .end = hi + bias,
				  .start = (lo & ~(PAGE - 1)) + bias, .bias = bias,
				  .stack_prot = PROT_READ | PROT_WRITE};
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		if (p->p_type == PT_PHDR)
			info->phdr = p->p_vaddr + bias;
		if (p->p_type == PT_INTERP)
			memcpy(info->interp, d + p->p_offset, p->p_filesz);
		if (p->p_type == PT_GNU_STACK && (p->p_flags & PF_X))
			info->stack_prot |= PROT_EXEC;
		if (p->p_type == PT_LOAD && info->nseg < 16)
			info->seg[info->nseg++] = (typeof(info->seg[0])){
				p->p_vaddr + bias, p->p_vaddr + bias + p->p_memsz, p->p_offset,
				((p->p_flags & PF_R) ? PROT_READ : 0) |
					((p->p_flags & PF_W) ? PROT_WRITE : 0) |
					((p->p_flags & PF_X) ? PROT_EXEC : 0)};
		if (p->p_type == PT_LOAD && !info->phdr && eh->e_phoff >= p->p_offset &&
		    eh->e_phoff - p->p_offset < p->p_filesz)
			info->phdr = p->p_vaddr + bias + (eh->e_phoff - p->p_offset);
	}
	if (!info->phdr)
		return fail(err, es, "malformed ELF: program headers not loaded");
	return 0;
}

int elf_load(struct vm *vm, int fd, const uint8_t *d, size_t size, uint64_t base, uint64_t top,
	     struct elf_info *info, char *err, size_t es)
{
	if (elf_check(vm, d, size, base, top, info, err, es) < 0)
		return -1;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)d;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(d + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		if (p->p_type != PT_LOAD)
			continue;
		uint8_t *dst = gmem_ptr(vm, p->p_vaddr + info->bias, p->p_memsz);
		if (!dst)
			return fail(err, es, "ELF segment %d outside guest memory", i);
		if (map_segment(vm, fd, p, info->bias) < 0)
			memcpy(dst, d + p->p_offset, p->p_filesz); /* the rest stays zero */
	}
	return 0;
}
