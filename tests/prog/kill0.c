/* kill(0) reaches our process group within the tree only. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
	pid_t c = fork();
	if (c == 0) { for (;;) pause(); }
	signal(SIGTERM, SIG_IGN);
	printf("kill(0, SIGTERM) = %d\n", kill(0, SIGTERM));
	int st; waitpid(c, &st, 0);
	printf("child killed by %d\n", WTERMSIG(st));
	printf("kill(-1, 0) = %d\n", kill(-1, 0));
	return 0;
}
