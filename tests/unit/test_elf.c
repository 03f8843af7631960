/* ELF loader: valid images load; truncated, corrupted and foreign ones are
   refused with a reason, and nothing crashes (built with ASan and UBSan). */
#include "../../monitor/elf.c"
#include "../../monitor/gmem.c"
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static struct vm vm;
uint64_t mmu_access_len(struct vm *vm, uint64_t lo, uint64_t len, int prot) { return len; } /* gmem.c */
uint64_t fmap_host_writable(uint64_t lo, uint64_t n) { return n; } /* no file mappings here */
static char err[256];

static uint8_t *slurp(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	uint8_t *d = malloc(st.st_size);
	if (read(fd, d, st.st_size) != st.st_size)
		return NULL;
	close(fd);
	*size = st.st_size;
	return d;
}

static int load(const uint8_t *d, size_t size)
{
	struct elf_info ei;
	memset(vm.mem, 0, 8 << 20);
	return elf_load(&vm, -1, d, size, UP_USER_BASE, elf_top(&vm), &ei, err, sizeof err);
}

int main(int argc, char **argv)
{
	vm.mem_size = 256 << 20;
	vm.mem = calloc(1, vm.mem_size);
	size_t size;
	uint8_t *elf = slurp(argc > 1 ? argv[1] : "build/tests/musl/tls", &size);
	CHECK(elf != NULL);
	if (!elf)
		DONE();

	struct elf_info ei;
	CHECK(elf_load(&vm, -1, elf, size, UP_USER_BASE, elf_top(&vm), &ei, err, sizeof err) == 0);
	CHECK(ei.entry >= UP_USER_BASE && ei.entry < ei.end);
	CHECK(ei.phdr >= UP_USER_BASE && ei.phnum > 0 && ei.phent == sizeof(Elf64_Phdr));
	CHECK(memcmp(vm.mem + ei.phdr, elf + ((Elf64_Ehdr *)elf)->e_phoff, 56) == 0);

	/* Every truncation of the headers and the first segment is refused. */
	int refused = 0, tried = 0;
	for (size_t n = 0; n < size && n < 16384; n += n < 1024 ? 1 : 61, tried++)
		refused += load(elf, n) < 0;
	CHECK(refused == tried);
	CHECK(load(elf, 3) < 0 && strstr(err, "not an ELF"));
	CHECK(load(elf, 40) < 0 && strstr(err, "truncated ELF header"));

	uint8_t *bad = malloc(size);
#define MUTATE(off, type, val) (memcpy(bad, elf, size), *(type *)(bad + (off)) = (val))
	Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
	MUTATE(offsetof(Elf64_Ehdr, e_machine), uint16_t, EM_AARCH64);
	CHECK(load(bad, size) < 0 && strstr(err, "not an x86-64"));
	MUTATE(EI_CLASS, uint8_t, ELFCLASS32);
	CHECK(load(bad, size) < 0 && strstr(err, "64-bit"));
	MUTATE(offsetof(Elf64_Ehdr, e_type), uint16_t, ET_REL);
	CHECK(load(bad, size) < 0 && strstr(err, "not an executable"));
	MUTATE(offsetof(Elf64_Ehdr, e_phoff), uint64_t, size - 8);
	CHECK(load(bad, size) < 0 && strstr(err, "program headers"));
	MUTATE(offsetof(Elf64_Ehdr, e_phoff), uint64_t, UINT64_MAX - 7);
	CHECK(load(bad, size) < 0);
	MUTATE(offsetof(Elf64_Ehdr, e_phnum), uint16_t, 0xffff);
	CHECK(load(bad, size) < 0);
	MUTATE(eh->e_phoff + offsetof(Elf64_Phdr, p_type), uint32_t, PT_INTERP);
	CHECK(load(bad, size) < 0 && strstr(err, "bad interpreter name"));
	MUTATE(eh->e_phoff + offsetof(Elf64_Phdr, p_offset), uint64_t, size + 1);
	((Elf64_Phdr *)(bad + eh->e_phoff))->p_type = PT_INTERP;
	CHECK(load(bad, size) < 0 && strstr(err, "bad interpreter name"));

	/* Each PT_LOAD field pushed out of range is refused. */
	Elf64_Phdr *ph = (Elf64_Phdr *)(elf + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		size_t base = eh->e_phoff + i * sizeof *ph;
		MUTATE(base + offsetof(Elf64_Phdr, p_offset), uint64_t, size);
		CHECK(load(bad, size) < 0);
		MUTATE(base + offsetof(Elf64_Phdr, p_filesz), uint64_t, UINT64_MAX);
		CHECK(load(bad, size) < 0);
		MUTATE(base + offsetof(Elf64_Phdr, p_memsz), uint64_t, UINT64_MAX - 4096);
		CHECK(load(bad, size) < 0);
		MUTATE(base + offsetof(Elf64_Phdr, p_vaddr), uint64_t, 0x1000);
		CHECK(load(bad, size) < 0 && strstr(err, "do not fit"));
		MUTATE(base + offsetof(Elf64_Phdr, p_vaddr), uint64_t, UINT64_MAX - 4096);
		CHECK(load(bad, size) < 0);
	}

	/* Fuzzing found (tests/fuzz/regress/elf): a PIE whose segments span
	   nearly 2^64 bytes wrapped around past its bias, and its last segment
	   landed below UP_USER_BASE, over the library OS. */
	{
		struct {
			Elf64_Ehdr eh;
			Elf64_Phdr ph[2];
		} w = {.eh = {.e_ident = {0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT},
			      .e_type = ET_DYN, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			      .e_entry = 0x10, .e_phoff = sizeof(Elf64_Ehdr),
			      .e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
			      .e_phnum = 2},
		       .ph = {{.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_filesz = sizeof w,
			       .p_memsz = 0x1000, .p_align = 0x1000},
			      {.p_type = PT_LOAD, .p_flags = PF_R | PF_W,
			       .p_vaddr = 0xffffffffffff0000ull, .p_memsz = 0x1000,
			       .p_align = 0x1000}}};
		CHECK(load((uint8_t *)&w, sizeof w) < 0 && strstr(err, "span"));
		w.ph[1].p_vaddr = 0x1000; /* the same, near: loads */
		CHECK(load((uint8_t *)&w, sizeof w) == 0);
	}

	/* Random corruption of the headers: never a crash. */
	srand(1);
	for (int i = 0; i < 20000; i++) {
		memcpy(bad, elf, size);
		for (int k = 0; k < 1 + i % 8; k++)
			bad[rand() % 512] = rand();
		load(bad, size);
	}
	free(bad);
	free(elf);
	free(vm.mem);
	DONE();
}
