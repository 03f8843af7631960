/*
 * The call server wakes only while the host has a CPU free for it (sq.c,
 * cpu_free): fewer runnable threads in /proc/loadavg than CPUs. Here the
 * "loadavg" is a file the test writes.
 */
#include "../../monitor/sq.c"
#include "check.h"

/* What sq.c needs from the rest of the monitor. */
struct vcpu *vcpus[UP_CPU_MAX];
int nvcpus;
__thread struct vcpu *vcpu;
struct up_run_page *run_page;
void proc_lock(void) {}
void proc_unlock(void) {}
void signal_check(struct proc *p) {}
struct up_thread *vcpu_thread(struct proc *p, struct vcpu *v) { return NULL; }
long hsys(struct proc *p, uint64_t nr, const uint64_t a[6]) { return -ENOSYS; }
void *gmem_ptr(const struct vm *vm, uint64_t gpa, uint64_t len) { return NULL; }

static char path[] = "/tmp/uniproc-test-loadavg.XXXXXX";

static void loadavg(const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* cpu_free with a fresh look (the last was over a millisecond ago). */
static int look(struct proc *p)
{
	usleep(1500);
	return cpu_free(p);
}

int main(void)
{
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	loadavg_fd = fcntl(fd, F_DUPFD_CLOEXEC, UP_FD_MAX);
	close(fd);
	cpu_set_t cs;
	CHECK(sched_getaffinity(0, sizeof cs, &cs) == 0);
	int cpus = CPU_COUNT(&cs);
	char b[128];
	struct proc p = {.sq = SQ_AUTO};

	snprintf(b, sizeof b, "0.65 1.12 1.10 %d/345 12345\n", cpus - 1);
	loadavg(b);
	CHECK(look(&p) == 1);  /* the caller and others leave a CPU */
	snprintf(b, sizeof b, "0.65 1.12 1.10 %d/345 12345\n", cpus);
	loadavg(b);
	CHECK(look(&p) == 0);  /* every CPU has a thread to run */
	snprintf(b, sizeof b, "9.00 9.00 9.00 %d/345 12345\n", cpus + 6);
	loadavg(b);
	CHECK(look(&p) == 0);
	CHECK(cpu_free(&p) == 0); /* within the millisecond: the last look */
	snprintf(b, sizeof b, "0.00 0.00 0.00 %d/345 12345\n", cpus - 1);
	loadavg(b);
	CHECK(cpu_free(&p) == 0); /* not looked at again yet */
	CHECK(look(&p) == 1);

	/* --exitless always does not look. */
	snprintf(b, sizeof b, "9.00 9.00 9.00 %d/345 12345\n", cpus + 6);
	loadavg(b);
	p.sq = SQ_ALWAYS;
	CHECK(look(&p) == 1);
	p.sq = SQ_AUTO;
	CHECK(look(&p) == 0);

	/* What cannot be read or parsed leaves the server as it was before
	   the look existed: free. */
	loadavg("garbage");
	CHECK(look(&p) == 1);
	loadavg("");
	CHECK(look(&p) == 1);
	snprintf(b, sizeof b, "0.65 1.12 1.10 %d/345 12345\n", cpus + 6);
	loadavg(b);
	CHECK(look(&p) == 0);
	unlink(path);
	loadavg_fd = -1;
	CHECK(look(&p) == 1);
	DONE();
}
