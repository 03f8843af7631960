/*
 * Issue 17: the old and rare syscalls that uniproc now serves, run natively
 * and under uniproc: utime, utimes, futimesat, restart_syscall, the mlock
 * family, personality, getdents, inotify, capget, sched_getattr and
 * sched_setattr. Raw syscall(2), so no libc wrapper answers for them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef SYS_set_mempolicy_home_node
#define SYS_set_mempolicy_home_node 450
#endif

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 errno %d\n", what, errno);
	else
		printf("%s: %ld\n", what, r);
}

static void times_of(const char *path)
{
	struct stat st;
	stat(path, &st);
	printf("  atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec,
	       st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void utimes_(void)
{
	close(open("t", O_CREAT | O_WRONLY, 0600));
	long ub[2] = {1000000000, 1100000000};
	show("utime", syscall(SYS_utime, "t", ub));
	times_of("t");
	struct timeval tv[2] = {{1200000000, 250000}, {1300000000, 999999}};
	show("utimes", syscall(SYS_utimes, "t", tv));
	times_of("t");
	struct timeval bad[2] = {{1, 1000000}, {2, 0}};
	show("utimes usec 1000000", syscall(SYS_utimes, "t", bad));
	tv[0].tv_sec = 1400000000;
	int d = open(".", O_RDONLY | O_DIRECTORY);
	show("futimesat", syscall(SYS_futimesat, d, "t", tv));
	times_of("t");
	show("utimes now", syscall(SYS_utimes, "t", NULL));
	struct stat st;
	stat("t", &st);
	printf("  now is later: %d\n", st.st_mtim.tv_sec > 1400000000);
	show("utime missing", syscall(SYS_utime, "nosuch", NULL));
	close(d);
}

static void mlocks(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(m + 2 * pg, pg);
	show("mlock", syscall(SYS_mlock, m + 10, pg));
	show("munlock", syscall(SYS_munlock, m + 10, pg));
	show("mlock unmapped", syscall(SYS_mlock, m + pg, 2 * pg));
	show("mlock zero length", syscall(SYS_mlock, m + 2 * pg, 0));
	show("mlock2", syscall(SYS_mlock2, m, pg, 1));
	show("mlock2 bad flags", syscall(SYS_mlock2, m, pg, 2));
	show("mlockall", syscall(SYS_mlockall, 1));
	show("mlockall 0", syscall(SYS_mlockall, 0));
	show("mlockall onfault alone", syscall(SYS_mlockall, 4));
	show("munlockall", syscall(SYS_munlockall));
}

static void misc(void)
{
	show("restart_syscall", syscall(SYS_restart_syscall));
	unsigned long node0 = 1;
	show("migrate_pages", syscall(SYS_migrate_pages, 0, 64, &node0, &node0));
	show("set_mempolicy_home_node", syscall(SYS_set_mempolicy_home_node, 0, 0, 0, 0));
	show("set_mempolicy_home_node flags", syscall(SYS_set_mempolicy_home_node, 0, 0, 0, 1));
	show("personality query", syscall(SYS_personality, 0xffffffff));
	show("personality set", syscall(SYS_personality, 0x0040000)); /* ADDR_NO_RANDOMIZE */
	show("personality query", syscall(SYS_personality, 0xffffffff));
	show("personality back", syscall(SYS_personality, 0));
	uint32_t hdr[2] = {0x20080522, 0}, data[6];
	long r = syscall(SYS_capget, hdr, data);
	show("capget", r);
	/* The sets themselves differ by design: a run keeps a container's
	   default set (README, Security model). What matches: effective is
	   permitted, and a root process has CAP_CHOWN (bit 0). */
	printf("  effective == permitted: %d, CAP_CHOWN: %d\n",
	       data[0] == data[1] && data[3] == data[4], data[0] & 1);
	hdr[0] = 0;
	show("capget version 0", syscall(SYS_capget, hdr, data));
	printf("  version now %08x\n", hdr[0]);
	show("capget version 0, no data", syscall(SYS_capget, hdr, NULL));
	hdr[1] = -1;
	show("capget pid -1", syscall(SYS_capget, hdr, data));
	struct {
		uint32_t size, policy;
		uint64_t flags;
		int32_t nice;
		uint32_t prio;
		uint64_t runtime, deadline, period;
	} attr = {0};
	show("sched_getattr", syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0));
	printf("  size %u policy %u nice %d\n", attr.size, attr.policy, attr.nice);
	show("sched_getattr small", syscall(SYS_sched_getattr, 0, &attr, 16, 0));
	memset(&attr, 0, sizeof attr);
	attr.size = sizeof attr;
	attr.policy = SCHED_BATCH;
	show("sched_setattr batch", syscall(SYS_sched_setattr, 0, &attr, 0));
	show("sched_getscheduler", syscall(SYS_sched_getscheduler, 0));
	attr.policy = SCHED_OTHER;
	show("sched_setattr other", syscall(SYS_sched_setattr, 0, &attr, 0));
	show("sched_setattr flags", syscall(SYS_sched_setattr, 0, &attr, 1));
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void dents(void)
{
	mkdir("d", 0700);
	const char *names[] = {"a", "bb", "a-rather-longer-name-than-the-others"};
	char path[80];
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "d/%s", names[i]);
		close(open(path, O_CREAT | O_WRONLY, 0600));
	}
	mkdir("d/sub", 0700);
	int fd = open("d", O_RDONLY | O_DIRECTORY);
	char buf[64], *seen[16];
	int n = 0;
	long r;
	/* 64 bytes: a record or two at a time */
	while ((r = syscall(SYS_getdents, fd, buf, sizeof buf)) > 0)
		for (long off = 0; off < r;) {
			unsigned short reclen;
			memcpy(&reclen, buf + off + 16, 2);
			char *name = buf + off + 18;
			char line[128];
			snprintf(line, sizeof line, "%s type %d", name, buf[off + reclen - 1]);
			if (n < 16)
				seen[n++] = strdup(line);
			off += reclen;
		}
	show("getdents end", r);
	qsort(seen, n, sizeof seen[0], cmp);
	for (int i = 0; i < n; i++)
		printf("  %s\n", seen[i]);
	lseek(fd, 0, SEEK_SET);
	show("getdents 8 bytes", syscall(SYS_getdents, fd, buf, 8));
	show("getdents bad fd", syscall(SYS_getdents, 99, buf, sizeof buf));
	close(fd);
}

static void inotify(void)
{
	int fd = syscall(SYS_inotify_init1, IN_NONBLOCK | IN_CLOEXEC);
	show("inotify_init1", fd >= 0 ? 0 : -1);
	show("inotify_init1 flags", fcntl(fd, F_GETFL) & O_NONBLOCK);
	mkdir("w", 0700);
	int wd = syscall(SYS_inotify_add_watch, fd, "w", IN_CREATE | IN_DELETE);
	show("inotify_add_watch", wd > 0 ? 0 : -1);
	show("inotify_add_watch missing", syscall(SYS_inotify_add_watch, fd, "nosuch", IN_CREATE));
	show("inotify_add_watch onlydir", syscall(SYS_inotify_add_watch, fd, "t", IN_CREATE | IN_ONLYDIR));
	close(open("w/new", O_CREAT | O_WRONLY, 0600));
	unlink("w/new");
	char buf[4096] __attribute__((aligned(8)));
	long r = read(fd, buf, sizeof buf);
	for (long off = 0; r > 0 && off < r;) {
		struct inotify_event *e = (struct inotify_event *)(buf + off);
		printf("  event mask %x name %s same wd %d\n", e->mask, e->len ? e->name : "",
		       e->wd == wd);
		off += sizeof *e + e->len;
	}
	show("read again", read(fd, buf, sizeof buf));
	show("inotify_rm_watch", syscall(SYS_inotify_rm_watch, fd, wd));
	show("inotify_rm_watch again", syscall(SYS_inotify_rm_watch, fd, wd));
	int old = syscall(SYS_inotify_init);
	show("inotify_init", old >= 0 ? 0 : -1);
	close(old);
	close(fd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	utimes_();
	mlocks();
	misc();
	dents();
	inotify();
	return 0;
}
