/* The auxiliary vector and sysconf answers a program reads at start. */
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	const char *platform = (const char *)getauxval(AT_PLATFORM);
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	int rnd_nonzero = 0;
	for (int i = 0; rnd && i < 16; i++)
		rnd_nonzero |= rnd[i];
	printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
	printf("AT_PHENT %lu, AT_PHNUM > 0: %d, AT_PHDR set: %d\n", getauxval(AT_PHENT),
	       getauxval(AT_PHNUM) > 0, getauxval(AT_PHDR) != 0);
	printf("AT_ENTRY set: %d\n", getauxval(AT_ENTRY) != 0);
	printf("AT_BASE set: %d (argv[1] says %s)\n", getauxval(AT_BASE) != 0, argc > 1 ? argv[1] : "-");
	printf("AT_EXECFN is argv[0]: %d\n", execfn && !strcmp(execfn, argv[0]));
	printf("AT_PLATFORM %s\n", platform ? platform : "(none)");
	printf("AT_RANDOM has 16 bytes, not all zero: %d\n", rnd_nonzero != 0);
	printf("AT_SECURE %lu, AT_UID is getuid: %d, AT_EGID is getegid: %d\n", getauxval(AT_SECURE),
	       getauxval(AT_UID) == getuid(), getauxval(AT_EGID) == getegid());
	printf("AT_HWCAP set: %d, AT_CLKTCK %lu\n", getauxval(AT_HWCAP) != 0, getauxval(AT_CLKTCK));
	printf("AT_MINSIGSTKSZ set: %d\n", getauxval(AT_MINSIGSTKSZ) != 0);
	/* The CPU count and the fd limit (at most 1024 guest fds) may differ. */
	printf("sysconf: page %ld, clk_tck %ld, nprocessors >= 1: %d\n", sysconf(_SC_PAGESIZE),
	       sysconf(_SC_CLK_TCK), sysconf(_SC_NPROCESSORS_ONLN) >= 1);
	printf("sysconf: open_max >= 256: %d, phys_pages > 0: %d, arg_max %ld\n",
	       sysconf(_SC_OPEN_MAX) >= 256, sysconf(_SC_PHYS_PAGES) > 0, sysconf(_SC_ARG_MAX));
	int mode = -1;
	long mr = syscall(SYS_get_mempolicy, &mode, NULL, 0, NULL, 0);
	printf("get_mempolicy: %ld, mode %d\n", mr, mode);
	int d0 = prctl(PR_GET_DUMPABLE);
	prctl(PR_SET_DUMPABLE, 0);
	int d1 = prctl(PR_GET_DUMPABLE);
	prctl(PR_SET_DUMPABLE, 1);
	int sig = 0;
	prctl(PR_SET_PDEATHSIG, 9);
	prctl(PR_GET_PDEATHSIG, &sig);
	printf("prctl: dumpable %d then %d, pdeathsig %d, capbset_read(CAP_CHOWN) %d, no_new_privs %d\n",
	       d0, d1, sig, prctl(PR_CAPBSET_READ, 0), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	return 0;
}
