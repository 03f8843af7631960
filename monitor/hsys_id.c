/*
 * Credentials: the set*id family is applied to the monitor itself, the
 * host process that serves the guest, so host permission checks follow
 * (a process that drops root can no longer do what root could). The
 * library OS answers get*id from its boot info, which we refresh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsys.h"

#define NGROUPS_MAX_ 65536

/* After a change: the guest's copy of the ids. */
static long refresh(struct proc *p, long r)
{
	struct up_boot_info *bi = gmem_ptr(&p->vm, p->libos.boot_info, sizeof *bi);
	if (bi) {
		bi->uid = getuid();
		bi->euid = geteuid();
		bi->gid = getgid();
		bi->egid = getegid();
	}
	return r;
}

/* Raw syscalls: one process, one thread; no libc broadcast needed. */
#define ID_CALL(name, n) \
	HSYS(name) { return refresh(p, hsys_ret(syscall(SYS_##name, (long)(int)a[0], (long)(int)a[1], (long)(int)a[2]))); }
ID_CALL(setuid, 1)
ID_CALL(setgid, 1)
ID_CALL(setreuid, 2)
ID_CALL(setregid, 2)
ID_CALL(setresuid, 3)
ID_CALL(setresgid, 3)

/* setfsuid/setfsgid return the previous id, never an error. */
HSYS(setfsuid) { return refresh(p, syscall(SYS_setfsuid, (long)(int)a[0])); }
HSYS(setfsgid) { return refresh(p, syscall(SYS_setfsgid, (long)(int)a[0])); }

static long getres(struct proc *p, const uint64_t a[6], int gid)
{
	unsigned *v[3];
	for (int i = 0; i < 3; i++)
		if (!(v[i] = gmem_out(p, a[i], sizeof(unsigned))))
			return -EFAULT;
	unsigned r, e, s;
	if (syscall(gid ? SYS_getresgid : SYS_getresuid, &r, &e, &s) < 0)
		return -errno;
	*v[0] = r;
	*v[1] = e;
	*v[2] = s;
	return 0;
}

HSYS(getresuid) { return getres(p, a, 0); }
HSYS(getresgid) { return getres(p, a, 1); }

HSYS(getgroups)
{
	int n = (int)a[0];
	if (n < 0)
		return -EINVAL;
	if (n == 0)
		return hsys_ret(getgroups(0, NULL));
	if (n > NGROUPS_MAX_)
		n = NGROUPS_MAX_;
	gid_t *list = malloc((size_t)n * sizeof *list); /* Linux writes only the groups there are */
	if (!list)
		return -ENOMEM;
	int r = getgroups(n, list);
	void *out = r > 0 ? gmem_out(p, a[1], (uint64_t)r * sizeof(gid_t)) : NULL;
	if (r > 0 && out)
		memcpy(out, list, (size_t)r * sizeof(gid_t));
	long ret = r < 0 ? -errno : r > 0 && !out ? -EFAULT : r;
	free(list);
	return ret;
}

HSYS(setgroups)
{
	uint64_t n = a[0];
	if (n > NGROUPS_MAX_)
		return -EINVAL;
	const gid_t *list = n ? gmem_in(p, a[1], n * sizeof(gid_t)) : NULL;
	if (n && !list)
		return -EFAULT;
	return hsys_ret(syscall(SYS_setgroups, n, list));
}

/*
 * The prctl(2) options that describe the process to the host, applied to
 * the monitor, which is that process on the host: its name, the parent-death signal
 * (a parent monitor's death), dumpable, keepcaps, no_new_privs, the child
 * subreaper, reading the capability bounding set and the seccomp mode.
 */
HSYS(prctl)
{
	int opt = (int)a[0];
	char name[16] = "";
	switch (opt) {
	case PR_SET_NAME: /* the host process's name, which ps and /proc show */
		for (size_t i = 0; i < sizeof name - 1; i++) {
			const char *c = gmem_in(p, a[1] + i, 1);
			if (!c)
				return -EFAULT;
			if (!(name[i] = *c))
				break;
		}
		return hsys_ret(prctl(PR_SET_NAME, name));
	case PR_GET_NAME: {
		OUT_ARG(out, 1, sizeof name);
		if (prctl(PR_GET_NAME, name) < 0)
			return -errno;
		memcpy(out, name, sizeof name);
		return 0;
	}
	case PR_GET_PDEATHSIG:
	case PR_GET_CHILD_SUBREAPER: {
		OUT_ARG(out, 1, sizeof(int));
		return hsys_ret(prctl(opt, out, 0, 0, 0));
	}
	case PR_SET_PDEATHSIG:
	case PR_GET_DUMPABLE:
	case PR_SET_DUMPABLE:
	case PR_GET_KEEPCAPS:
	case PR_SET_KEEPCAPS:
	case PR_GET_SECCOMP:
	case PR_CAPBSET_READ:
	case PR_SET_CHILD_SUBREAPER:
	case PR_SET_NO_NEW_PRIVS:
	case PR_GET_NO_NEW_PRIVS:
		return hsys_ret(prctl(opt, a[1], a[2], a[3], a[4]));
	}
	return -EINVAL;
}

/*
 * capget(2): the capabilities of the monitor that serves the process (ours
 * or another of the run's): it is that process on the host. Linux's
 * version handshake is the host's. Of a process outside the run: ESRCH.
 */
HSYS(capget)
{
	BUF_ARG(hdr, 0, 8);
	int pid = ((const int *)hdr)[1];
	if (pid < 0 || (pid && pid != getpid() && !tree_member(pid)))
		return pid < 0 ? -EINVAL : -ESRCH;
	uint32_t h[2] = {((const uint32_t *)hdr)[0], (uint32_t)pid}, data[6];
	long r = hsys_ret(syscall(SYS_capget, h, a[1] ? data : NULL));
	if (h[0] != ((const uint32_t *)hdr)[0]) { /* not a version: Linux's preferred one */
		OUT_ARG(ohdr, 0, 4);
		memcpy(ohdr, h, 4);
	}
	if (r < 0 || !a[1])
		return r;
	size_t n = h[0] == 0x19980330 ? 12 : 24; /* _LINUX_CAPABILITY_VERSION_1: one set */
	OUT_ARG(out, 1, n);
	memcpy(out, data, n);
	return 0;
}
