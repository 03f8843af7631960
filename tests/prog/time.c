/* Clocks move forward and agree with each other; sleeps last long enough. */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static double now(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
	double m0 = now(CLOCK_MONOTONIC), r0 = now(CLOCK_REALTIME);
	struct timespec req = {0, 50 * 1000 * 1000};
	printf("nanosleep: %d\n", nanosleep(&req, NULL));
	double m1 = now(CLOCK_MONOTONIC), r1 = now(CLOCK_REALTIME);
	printf("monotonic advanced >= 50ms: %d\n", m1 - m0 >= 0.050);
	printf("realtime advanced >= 49ms: %d\n", r1 - r0 >= 0.049);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	time_t t = time(NULL);
	/* glibc's time() reads the coarse clock, a tick behind: across a second
	   boundary it may still say the second before */
	printf("time() agrees with gettimeofday: %d\n", t - tv.tv_sec <= 1 && tv.tv_sec - t <= 1);
	printf("realtime agrees with time(): %d\n", (long)r1 - t <= 1 && t - (long)r1 <= 1);
	printf("realtime after 2020: %d\n", t > 1577836800);
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 20 * 1000 * 1000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	printf("clock_nanosleep abs: %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
	printf("monotonic past deadline: %d\n", now(CLOCK_MONOTONIC) >= abs.tv_sec + abs.tv_nsec / 1e9);
	double prev = now(CLOCK_MONOTONIC);
	int mono = 1;
	for (int i = 0; i < 100000; i++) {
		double x = now(CLOCK_MONOTONIC);
		mono &= x >= prev;
		prev = x;
	}
	printf("monotonic never goes back: %d\n", mono);
	struct timespec res;
	printf("clock_getres: %d\n", clock_getres(CLOCK_MONOTONIC, &res));
	printf("cputime readable: %d\n", now(CLOCK_PROCESS_CPUTIME_ID) >= 0);
	return 0;
}
