/* Unusual syscall sites, each run many times so the rewriter patches what
   it can: the results must match native runs. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

long counter;

/* syscall; ret (3 bytes) after a mov: needs the mov to join the region. */
__attribute__((naked, noinline)) static long raw_getpid(void)
{
	__asm__("mov $39, %eax\n\tsyscall\n\tret");
}

/* A RIP-relative instruction right after the syscall. */
__attribute__((noinline)) static long rip_relative(void)
{
	long r;
	__asm__ volatile("mov $39, %%eax\n\tsyscall\n\taddq $1, counter(%%rip)"
			 : "=a"(r) : : "rcx", "r11", "memory");
	return r;
}

/* A branch target right after the syscall: must not be displaced. */
__attribute__((noinline)) static long join_after(int skip)
{
	long r = 7;
	__asm__ volatile("test %1, %1\n\tjnz 1f\n\tmov $39, %%eax\n\tsyscall\n"
			 "1:\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop"
			 : "+a"(r) : "r"(skip) : "rcx", "r11", "memory");
	return r;
}

/* A branch target at the syscall itself, skipping the mov before it. */
__attribute__((noinline)) static long join_at(int skip)
{
	long r = 39;
	__asm__ volatile("test %1, %1\n\tjnz 1f\n\tmov $39, %%eax\n"
			 "1:\tsyscall\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop"
			 : "+a"(r) : "r"(skip) : "rcx", "r11", "memory");
	return r;
}

/* Red-zone data live across the syscall in a leaf function. */
__attribute__((noinline)) static long red_zone(long v)
{
	long r;
	__asm__ volatile("mov %1, -8(%%rsp)\n\tmov %1, -128(%%rsp)\n\tmov $39, %%eax\n\tsyscall\n\t"
			 "add -8(%%rsp), %%rax\n\tadd -128(%%rsp), %%rax"
			 : "=&a"(r) : "r"(v) : "rcx", "r11", "memory");
	return r;
}

/* Flags set before the syscall and tested after it survive. */
__attribute__((noinline)) static int flags_kept(void)
{
	unsigned char c;
	long r;
	__asm__ volatile("stc\n\tmov $39, %%eax\n\tsyscall\n\tsetc %1"
			 : "=a"(r), "=r"(c) : : "rcx", "r11", "memory");
	return c;
}

int main(void)
{
	long pid = getpid(), ok = 1;
	for (int i = 0; i < 1000; i++) {
		ok &= raw_getpid() == pid;
		ok &= rip_relative() == pid;
		ok &= join_after(i & 1) == ((i & 1) ? 7 : pid);
		ok &= join_at(i & 1) == pid;
		ok &= red_zone(i) == pid + 2 * i;
		ok &= flags_kept() == 1;
	}
	printf("all sites agree: %ld, counter=%ld\n", ok, counter);
	return !ok;
}
