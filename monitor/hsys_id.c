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

/*
 * Through libc, which applies the change to every host thread of the
 * monitor (the kernel's credentials are per thread): the vCPU threads and
 * the call server (sq.c) serve the guest's calls, and each must do so with
 * the guest's credentials.
 */
#define ID(i) ((uid_t)(int)a[i])
HSYS(setuid) { return refresh(p, hsys_ret(setuid(ID(0)))); }
HSYS(setgid) { return refresh(p, hsys_ret(setgid(ID(0)))); }
HSYS(setreuid) { return refresh(p, hsys_ret(setreuid(ID(0), ID(1)))); }
HSYS(setregid) { return refresh(p, hsys_ret(setregid(ID(0), ID(1)))); }
HSYS(setresuid) { return refresh(p, hsys_ret(setresuid(ID(0), ID(1), ID(2)))); }
HSYS(setresgid) { return refresh(p, hsys_ret(setresgid(ID(0), ID(1), ID(2)))); }

/* setfsuid/setfsgid return the previous id, never an error. They are per
   thread on Linux too; here the host thread that serves the call. */
HSYS(setfsuid) { return refresh(p, syscall(SYS_setfsuid, (long)(int)a[0])); }
HSYS(setfsgid) { return refresh(p, syscall(SYS_setfsgid, (long)(int)a[0])); }

static long getres(struct proc *p, const uint64_t a[6], int gid)
{
	unsigned *v[3];
	for (int i = 0; i < 3; i++)
		if (!(v[i] = gmem_ptr(&p->vm, a[i], sizeof(unsigned))))
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
	BUF_ARG(list, 1, (uint64_t)n * sizeof(gid_t));
	return hsys_ret(getgroups(n, list));
}

HSYS(setgroups)
{
	uint64_t n = a[0];
	if (n > NGROUPS_MAX_)
		return -EINVAL;
	const gid_t *list = n ? gmem_ptr(&p->vm, a[1], n * sizeof(gid_t)) : NULL;
	if (n && !list)
		return -EFAULT;
	return hsys_ret(setgroups(n, list)); /* libc: every host thread */
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
			const char *c = gmem_ptr(&p->vm, a[1] + i, 1);
			if (!c)
				return -EFAULT;
			if (!(name[i] = *c))
				break;
		}
		return hsys_ret(prctl(PR_SET_NAME, name));
	case PR_GET_NAME: {
		BUF_ARG(out, 1, sizeof name);
		if (prctl(PR_GET_NAME, name) < 0)
			return -errno;
		memcpy(out, name, sizeof name);
		return 0;
	}
	case PR_GET_PDEATHSIG:
	case PR_GET_CHILD_SUBREAPER: {
		BUF_ARG(out, 1, sizeof(int));
		return hsys_ret(prctl(opt, out, 0, 0, 0));
	}
	case PR_SET_NO_NEW_PRIVS: /* the monitor's is always set (sandbox.c) */
		if (a[1] != 1 || a[2] || a[3] || a[4])
			return -EINVAL;
		p->no_new_privs = 1;
		signal_publish(p);
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		return a[1] || a[2] || a[3] || a[4] ? -EINVAL : p->no_new_privs;
	case PR_GET_SECCOMP: /* as uniproc was started (seccomp is not served) */
		return sandbox_host_seccomp;
	case PR_SET_PDEATHSIG:
	case PR_GET_DUMPABLE:
	case PR_SET_DUMPABLE:
	case PR_GET_KEEPCAPS:
	case PR_SET_KEEPCAPS:
	case PR_CAPBSET_READ:
	case PR_SET_CHILD_SUBREAPER:
		return hsys_ret(prctl(opt, a[1], a[2], a[3], a[4]));
	}
	return -EINVAL;
}
