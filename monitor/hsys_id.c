/*
 * Credentials: the set*id family is applied to the monitor itself, the
 * host process that serves the guest, so host permission checks follow
 * (a process that drops root can no longer do what root could). The
 * library OS answers get*id from its boot info, which we refresh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
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
 * The kernel's credentials are per thread, and the guest's calls are made
 * by several host threads: its vCPU threads and the call server (sq.c),
 * which serves them all. So a change goes through libc, which applies it
 * to every host thread of the monitor (the guest's libc makes the call on
 * each of its threads too, as on Linux). Once a thread's credentials are
 * its own (per_thread below), a change is the calling thread's alone: libc
 * would abort the monitor when the threads' results differ.
 */
#define ID(i) ((uid_t)(int)a[i])
#define SETID(name, libc_call, n)                                                        \
	HSYS(name)                                                                        \
	{                                                                                 \
		if (p->own_creds)                                                         \
			return refresh(p, hsys_ret(syscall(SYS_##name, (long)(int)a[0],    \
							   (long)(int)a[1], (long)(int)a[2]))); \
		return refresh(p, hsys_ret(libc_call));                                   \
	}
SETID(setuid, setuid(ID(0)), 1)
SETID(setgid, setgid(ID(0)), 1)
SETID(setreuid, setreuid(ID(0), ID(1)), 2)
SETID(setregid, setregid(ID(0), ID(1)), 2)
SETID(setresuid, setresuid(ID(0), ID(1), ID(2)), 3)
SETID(setresgid, setresgid(ID(0), ID(1), ID(2)), 3)

/*
 * Credentials that are per thread on Linux and stay so: setfsuid,
 * setfsgid, capset and the prctl options on capabilities, keepcaps and
 * securebits.
 * The call is made on the calling thread's own host thread (sq_would_wait
 * sends it there), and then the call server, a host thread that serves
 * every thread, must not serve this process any more (sq_stop): each
 * thread's calls are made by its own host thread, with its credentials.
 */
static long per_thread(struct proc *p, long r)
{
	p->own_creds = 1;
	sq_stop(p);
	return refresh(p, r);
}

/* setfsuid/setfsgid return the previous id, never an error. */
HSYS(setfsuid) { return per_thread(p, syscall(SYS_setfsuid, (long)(int)a[0])); }
HSYS(setfsgid) { return per_thread(p, syscall(SYS_setfsgid, (long)(int)a[0])); }

/* The header's version gives the number of data structs: 1 (version 1)
   or 2; an unknown version is answered with the preferred one. */
static long cap_call(struct proc *p, const uint64_t a[6], int set)
{
	struct __user_cap_header_struct *uh = gmem_ptr(&p->vm, a[0], sizeof *uh);
	if (!uh)
		return -EFAULT;
	struct __user_cap_header_struct h = *uh;
	int n = h.version == _LINUX_CAPABILITY_VERSION_1 ? 1 : 2;
	struct __user_cap_data_struct d[2] = {0};
	void *gd = a[1] ? gmem_ptr(&p->vm, a[1], n * sizeof d[0]) : NULL;
	if (a[1] && !gd)
		return -EFAULT;
	if (h.pid && h.pid != (int)gettid() && !(!set && tree_member(h.pid)))
		return set ? -EPERM : -ESRCH;
	if (set) {
		if (!gd)
			return -EFAULT;
		memcpy(d, gd, n * sizeof d[0]);
		long r = hsys_ret(syscall(SYS_capset, &h, d));
		uh->version = h.version;
		return r < 0 ? r : per_thread(p, r);
	}
	long r = hsys_ret(syscall(SYS_capget, &h, gd ? d : NULL));
	uh->version = h.version;
	if (r == 0 && gd)
		memcpy(gd, d, n * sizeof d[0]);
	return r;
}

/*
 * What execve does to capabilities (capabilities(7)). Our execve is in
 * place, so the monitor does it: the file has no capabilities and its
 * set-user-ID bit is not honoured, so root (real or effective, unless
 * SECBIT_NOROOT) keeps its bounding and inheritable sets, and anyone else
 * only its ambient ones; keepcaps ends. The permitted set can only shrink
 * here (capset): a root process that dropped some of its own capabilities
 * gets them back from an execve on Linux, not here.
 */
void exec_creds(struct proc *p)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 1)
		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (syscall(SYS_capget, &h, d) < 0)
		return;
	uint64_t perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	uint64_t eff = d[0].effective | (uint64_t)d[1].effective << 32;
	uint64_t inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	if (!perm)
		return; /* nothing to lose (most processes that are not root) */
	uint64_t bset = 0, amb = 0;
	for (int c = 0; c < 64; c++) {
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			bset |= 1ull << c;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
			amb |= 1ull << c;
	}
	uid_t r, e, s;
	getresuid(&r, &e, &s);
	int root = !(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) & 1 /* SECBIT_NOROOT */) && (r == 0 || e == 0);
	uint64_t np = ((root ? bset | inh : 0) | amb) & perm;
	uint64_t ne = (root && e == 0 ? np : amb) & np;
	if (np == perm && ne == eff)
		return;
	d[0].permitted = (uint32_t)np, d[1].permitted = (uint32_t)(np >> 32);
	d[0].effective = (uint32_t)ne, d[1].effective = (uint32_t)(ne >> 32);
	if (syscall(SYS_capset, &h, d) == 0)
		per_thread(p, 0);
}

HSYS(capget) { return cap_call(p, a, 0); }
HSYS(capset) { return cap_call(p, a, 1); }

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
	if (p->own_creds)
		return hsys_ret(syscall(SYS_setgroups, n, list));
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
	case PR_CAPBSET_DROP: /* per thread (see per_thread) */
	case PR_SET_SECUREBITS:
	case PR_SET_KEEPCAPS:
		return per_thread(p, hsys_ret(prctl(opt, a[1], a[2], a[3], a[4])));
	case PR_CAP_AMBIENT:
		if (a[1] == PR_CAP_AMBIENT_IS_SET)
			return hsys_ret(prctl(opt, a[1], a[2], a[3], a[4]));
		return per_thread(p, hsys_ret(prctl(opt, a[1], a[2], a[3], a[4])));
	case PR_GET_SECUREBITS:
	case PR_SET_PDEATHSIG:
	case PR_GET_DUMPABLE:
	case PR_SET_DUMPABLE:
	case PR_GET_KEEPCAPS:
	case PR_CAPBSET_READ:
	case PR_SET_CHILD_SUBREAPER:
		return hsys_ret(prctl(opt, a[1], a[2], a[3], a[4]));
	}
	return -EINVAL;
}
