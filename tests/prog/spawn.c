/* posix_spawn, popen and system: each runs /bin/sh, which runs others. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void status(const char *who, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited %d\n", who, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", who, WTERMSIG(st));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	pid_t pid;
	char *av[] = {"sh", "-c", "echo spawned with $# args: $*; exit 4", "sh", "a", "b", NULL};
	int r = posix_spawn(&pid, "/bin/sh", NULL, NULL, av, environ);
	int st;
	waitpid(pid, &st, 0);
	printf("posix_spawn: %d\n", r);
	status("spawned", st);

	FILE *f = popen("for i in 1 2 3; do echo line $i; done; exit 2", "r");
	char line[100];
	int n = 0;
	while (fgets(line, sizeof line, f))
		printf("popen read %d: %s", ++n, line);
	status("pclose", pclose(f));

	f = popen("tr a-z A-Z", "w");
	fputs("written through popen\n", f);
	status("pclose of a writer", pclose(f));

	status("system", system("echo from system; exit 5"));
	status("system pipeline", system("echo one two three | wc -w"));
	printf("system(NULL): %d\n", system(NULL) != 0);
	return 0;
}
