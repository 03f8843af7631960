/*
 * Scheduling: nice values, policies, I/O priorities and CPU affinity. A
 * guest process is its monitor on the host (guest pid = host pid), so its
 * priority and policy are the monitor's, set with the host's calls. As for
 * kill, only the run's processes can be named: a process group or a user
 * means its members within the run, and any other pid does not exist
 * (ESRCH). The VM has one CPU, CPU 0: affinity masks are about that one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hsys.h"

#define MAX_TARGETS 4096

/* The real uid of process pid (from /proc), or -1. */
static long real_uid(pid_t pid)
{
	char path[64], text[4096];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = 0;
	const char *u = strstr(text, "\nUid:");
	return u ? strtol(u + 5, NULL, 10) : -1;
}

enum { BY_PROCESS = 1, BY_PGRP, BY_USER }; /* PRIO_* + 1 and IOPRIO_WHO_* alike */

/*
 * The run's processes that (by, who) names, into pids[MAX_TARGETS]: a
 * process (0: the caller), the members of a process group (0: the
 * caller's), or a user's processes (0: the caller's real uid). Returns the
 * count (0: none, ESRCH for the caller) or -EINVAL for a bad `by`.
 */
static int targets(int by, int who, int *pids)
{
	if (by == BY_PROCESS) {
		if (who < 0)
			return 0;
		pids[0] = who ? who : getpid();
		return who == 0 || who == getpid() || tree_has(who);
	}
	if (by != BY_PGRP && by != BY_USER)
		return -EINVAL;
	if (who < 0)
		return 0;
	int n, k = 0, *all = tree_pids(&n);
	long want = who ? who : by == BY_PGRP ? getpgrp() : (long)getuid();
	for (int i = 0; i < n && k < MAX_TARGETS; i++)
		if ((by == BY_PGRP ? (long)getpgid(all[i]) : real_uid(all[i])) == want)
			pids[k++] = all[i];
	free(all);
	return k;
}

/* getpriority(2): Linux's 20 - nice, the best of those named. */
HSYS(getpriority)
{
	int pids[MAX_TARGETS], n = targets((int)a[0] + 1, (int)a[1], pids);
	if (n < 0)
		return -EINVAL;
	long best = -ESRCH;
	for (int i = 0; i < n; i++) {
		long r = syscall(SYS_getpriority, PRIO_PROCESS, pids[i]);
		if (r >= 0 && r > best)
			best = r;
	}
	return best;
}

/* setpriority(2) of each one named: 0 if each took it, else the last
   error (ESRCH if none is named). */
HSYS(setpriority)
{
	int pids[MAX_TARGETS], n = targets((int)a[0] + 1, (int)a[1], pids);
	if (n < 0)
		return -EINVAL;
	long err = -ESRCH, ok = 0;
	for (int i = 0; i < n; i++) {
		if (setpriority(PRIO_PROCESS, pids[i], (int)a[2]) == 0)
			ok = 1;
		else
			err = -errno;
	}
	return ok && err == -ESRCH ? 0 : err;
}

/* ioprio values: class << 13 | data; class 0 (none) counts as Linux's default. */
#define IOPRIO_CLASS(v) ((v) >> 13)
#define IOPRIO_DEFAULT (2 << 13 | 4)

/* ioprio_get(2): the best (lowest) of those named. */
HSYS(ioprio_get)
{
	int pids[MAX_TARGETS], n = targets((int)a[0], (int)a[1], pids);
	if (n < 0)
		return -EINVAL;
	if ((int)a[0] == BY_PROCESS)
		return n ? hsys_ret(syscall(SYS_ioprio_get, BY_PROCESS, pids[0])) : -ESRCH;
	long best = -ESRCH;
	for (int i = 0; i < n; i++) {
		long r = syscall(SYS_ioprio_get, BY_PROCESS, pids[i]);
		if (r < 0)
			continue;
		r = IOPRIO_CLASS(r) ? r : IOPRIO_DEFAULT;
		best = best < 0 || r < best ? r : best;
	}
	return best;
}

HSYS(ioprio_set)
{
	int pids[MAX_TARGETS], n = targets((int)a[0], (int)a[1], pids);
	if (n < 0)
		return -EINVAL;
	long r = -ESRCH;
	for (int i = 0; i < n; i++) {
		r = hsys_ret(syscall(SYS_ioprio_set, BY_PROCESS, pids[i], (int)a[2]));
		if (r < 0)
			break;
	}
	return r;
}

/* A pid for the sched_* calls: -EINVAL if negative, -ESRCH if not of the run. */
static long sched_pid(uint64_t v)
{
	int pid = (int)v, one[1];
	if (pid < 0)
		return -EINVAL;
	return targets(BY_PROCESS, pid, one) ? pid : -ESRCH;
}

HSYS(sched_setscheduler)
{
	if ((int)a[0] < 0 || !a[2])
		return -EINVAL;
	BUF_ARG(param, 2, sizeof(struct sched_param));
	long pid = sched_pid(a[0]);
	if (pid < 0)
		return pid;
	return hsys_ret(syscall(SYS_sched_setscheduler, (int)pid, (int)a[1], param));
}

HSYS(sched_setparam)
{
	if ((int)a[0] < 0 || !a[1])
		return -EINVAL;
	BUF_ARG(param, 1, sizeof(struct sched_param));
	long pid = sched_pid(a[0]);
	if (pid < 0)
		return pid;
	return hsys_ret(syscall(SYS_sched_setparam, (int)pid, param));
}

HSYS(sched_getscheduler)
{
	long pid = sched_pid(a[0]);
	if (pid < 0)
		return pid;
	return hsys_ret(syscall(SYS_sched_getscheduler, (int)pid));
}

HSYS(sched_getparam)
{
	if ((int)a[0] < 0 || !a[1])
		return -EINVAL;
	long pid = sched_pid(a[0]);
	if (pid < 0)
		return pid;
	OUT_ARG(param, 1, sizeof(struct sched_param));
	return hsys_ret(syscall(SYS_sched_getparam, (int)pid, param));
}

HSYS(sched_rr_get_interval)
{
	long pid = sched_pid(a[0]);
	if (pid < 0)
		return pid;
	OUT_ARG(ts, 1, sizeof(struct timespec));
	return hsys_ret(syscall(SYS_sched_rr_get_interval, (int)pid, ts));
}

/* The host thread for pid in an affinity call: ours (0, or one of our
   threads' tids: its vCPU's host thread), or a process of the run. */
static long affinity_target(uint64_t v)
{
	if ((int)v == 0)
		return vcpu->htid;
	struct vcpu *t = vcpu_of((int)v);
	return t ? t->htid : sched_pid(v);
}

/*
 * sched_setaffinity(2), sched_getaffinity(2): a thread is a vCPU run by a
 * host thread, so its affinity is that host thread's, set and read on the
 * host as it is (EINVAL for a mask with no CPU it may use).
 */
HSYS(sched_setaffinity)
{
	uint8_t mask[128] = {0};
	uint64_t len = a[1] < sizeof mask ? a[1] : sizeof mask;
	if (len) {
		BUF_ARG(m, 2, len);
		memcpy(mask, m, len);
	}
	long pid = affinity_target(a[0]);
	if (pid < 0)
		return pid == -EINVAL ? -ESRCH : pid;
	return hsys_ret(syscall(SYS_sched_setaffinity, (int)pid, sizeof mask, mask));
}

HSYS(sched_getaffinity)
{
	if (a[1] < 8 || a[1] % 8)
		return -EINVAL;
	uint64_t len = a[1] < 128 ? a[1] : 128;
	OUT_ARG(m, 2, len);
	long pid = affinity_target(a[0]);
	if (pid < 0)
		return pid == -EINVAL ? -ESRCH : pid;
	uint8_t mask[128];
	long r = syscall(SYS_sched_getaffinity, (int)pid, len, mask);
	if (r < 0)
		return -errno;
	memcpy(m, mask, r);
	return r;
}

/* sched_setattr(2), sched_getattr(2): the host's, for a process of the run
   (as sched_setscheduler). The struct's size is its first field. */
HSYS(sched_setattr)
{
	if ((int)a[0] < 0 || !a[1] || a[2])
		return -EINVAL;
	BUF_ARG(sz, 1, 4);
	uint32_t size = *(const uint32_t *)sz;
	size = size ? size : 48; /* SCHED_ATTR_SIZE_VER0 */
	if (size > 4096)
		return -E2BIG;
	BUF_ARG(attr, 1, size);
	long pid = sched_pid(a[0]);
	if (pid < 0)
		return pid;
	return hsys_ret(syscall(SYS_sched_setattr, (int)pid, attr, 0));
}

HSYS(sched_getattr)
{
	if ((int)a[0] < 0 || !a[1] || a[2] > 4096 || a[2] < 48 || a[3])
		return -EINVAL;
	long pid = sched_pid(a[0]);
	if (pid < 0)
		return pid;
	OUT_ARG(attr, 1, a[2]);
	return hsys_ret(syscall(SYS_sched_getattr, (int)pid, attr, (unsigned)a[2], 0));
}
