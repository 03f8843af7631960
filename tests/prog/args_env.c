/* argv, envp, auxv and the exit status reach the program as on Linux. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv, char **envp)
{
	printf("argc=%d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("argv[%d]=[%s]\n", i, argv[i]);
	const char *v = getenv("UP_TEST_VAR");
	printf("UP_TEST_VAR=%s\n", v ? v : "(unset)");
	int n = 0;
	for (char **e = envp; *e; e++)
		n++;
	printf("envc matches environ: %d\n", n > 0 && envp == environ);
	printf("AT_PAGESZ=%lu\n", getauxval(AT_PAGESZ));
	printf("AT_RANDOM set: %d\n", getauxval(AT_RANDOM) != 0);
	printf("AT_EXECFN is argv[0]: %d\n", strcmp((char *)getauxval(AT_EXECFN), argv[0]) == 0);
	printf("AT_ENTRY set: %d\n", getauxval(AT_ENTRY) != 0);
	printf("AT_UID=%lu AT_EUID=%lu AT_SECURE=%lu\n", getauxval(AT_UID), getauxval(AT_EUID),
	       getauxval(AT_SECURE));
	printf("uid=%d gid=%d\n", (int)getuid(), (int)getgid());
	printf("pid positive: %d, ppid positive: %d\n", getpid() > 0, getppid() > 0);
	char cwd[4096];
	printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "(error)");
	return argc > 1 ? atoi(argv[argc - 1]) : 0;
}
