/*
 * SysV IPC (shared memory, semaphores, message queues) and POSIX message
 * queues: the host's objects, in an IPC namespace of the run's own (see
 * main.c), so every process of a run sees them and nothing else does. A
 * SysV shared memory segment is attached by the host at our mapping of the
 * guest address the library OS chose, so VMs share its pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hsys.h"

#define PAGE 4096ull
#define IPC_64 0x0100 /* glibc adds it to commands: the 64-bit layouts */
#define MAX_NSOPS 4096
#define MAX_MSG (1 << 20)

/* Size in bytes of the buffer an IPC_STAT-like command fills, or 0. */
/* The buffer of an IPC control call: IPC_SET reads it, the others write. */
static void *ctl_buf(struct proc *p, int cmd, uint64_t gpa, size_t n)
{
	return (cmd & ~IPC_64) == IPC_SET ? gmem_in(p, gpa, n) : gmem_out(p, gpa, n);
}

static size_t ctl_size(int cmd, size_t stat, size_t info)
{
	switch (cmd & ~IPC_64) {
	case IPC_STAT:
	case IPC_SET:
	case SHM_STAT:
	case SHM_STAT_ANY: /* = SEM_STAT_ANY, MSG_STAT_ANY; SEM_STAT, MSG_STAT too */
	case SEM_STAT:
		return stat;
	case IPC_INFO:
	case SHM_INFO: /* = SEM_INFO, MSG_INFO */
		return info;
	}
	return 0;
}

/* ---- shared memory ---- */

HSYS(shmget)
{
	return hsys_ret(shmget((key_t)a[0], a[1], (int)a[2]));
}

HSYS(shmctl)
{
	int cmd = (int)a[1];
	size_t n = ctl_size(cmd, sizeof(struct shmid_ds),
			    (cmd & ~IPC_64) == SHM_INFO ? sizeof(struct shm_info) : sizeof(struct shminfo));
	void *buf = n ? ctl_buf(p, cmd, a[2], n) : NULL;
	if (n && !buf)
		return -EFAULT;
	return hsys_ret(syscall(SYS_shmctl, (int)a[0], cmd, buf));
}

/*
 * shmat at the guest address a[1] the library OS chose (free, backed), or,
 * with UP_SHMAT_QUERY in the flags, only the segment's size.
 */
HSYS(shmat)
{
	struct shmid_ds ds;
	if (shmctl((int)a[0], IPC_STAT, &ds) < 0)
		return -errno;
	uint64_t size = (ds.shm_segsz + PAGE - 1) & ~(PAGE - 1);
	if (a[2] & UP_SHMAT_QUERY)
		return (long)size;
	uint8_t *mem = a[1] >= UP_USER_BASE && !(a[1] & (PAGE - 1)) ? gmem_ptr(&p->vm, a[1], size) : NULL;
	if (!mem)
		return -EINVAL;
	int flg = (int)a[2] & (SHM_RDONLY | SHM_EXEC);
	if (shmat((int)a[0], mem, flg | SHM_REMAP) == (void *)-1)
		return -errno;
	char name[64];
	snprintf(name, sizeof name, "/SYSV%08x (deleted)", (unsigned)ds.shm_perm.__key);
	fmap_sysv(a[1], a[1] + size, name, !(flg & SHM_RDONLY));
	int prot = PROT_READ | (flg & SHM_RDONLY ? 0 : PROT_WRITE) | (flg & SHM_EXEC ? PROT_EXEC : 0);
	long r = hsys_protected(p, mmu_protect(&p->vm, a[1], a[1] + size, prot, 1));
	return r < 0 ? r : (long)a[1];
}

/* shmdt: returns the size detached, for the library OS to free. */
HSYS(shmdt)
{
	const struct fmap *m = fmap_at(a[0]);
	if (!m || m->lo != a[0] || !m->sysv)
		return -EINVAL;
	uint64_t lo = m->lo, hi = m->hi;
	uint8_t *mem = gmem_ptr(&p->vm, lo, hi - lo);
	if (!mem || shmdt(mem) < 0)
		return -EINVAL;
	hsys_munmap(p, (uint64_t[6]){lo, hi - lo});
	return (long)(hi - lo);
}

/* ---- semaphores ---- */

HSYS(semget)
{
	return hsys_ret(semget((key_t)a[0], (int)a[1], (int)a[2]));
}

static long semop_(struct proc *p, const uint64_t a[6], uint64_t gtimeout)
{
	if (a[2] == 0 || a[2] > MAX_NSOPS)
		return a[2] ? -E2BIG : -EINVAL;
	struct sembuf *sops = gmem_in(p, a[1], a[2] * sizeof *sops);
	if (!sops)
		return -EFAULT;
	const struct timespec *t = NULL;
	if (gtimeout && !(t = gmem_in(p, gtimeout, sizeof *t)))
		return -EFAULT;
	return hsys_ret(semtimedop((int)a[0], sops, a[2], t));
}

HSYS(semop) { return semop_(p, a, 0); }
HSYS(semtimedop) { return semop_(p, a, a[3]); }

HSYS(semctl)
{
	int id = (int)a[0], cmd = (int)a[2], base = cmd & ~IPC_64;
	if (base == GETALL || base == SETALL) {
		struct semid_ds ds;
		if (semctl(id, 0, IPC_STAT, &ds) < 0)
			return -errno;
		uint64_t len = ds.sem_nsems * sizeof(unsigned short);
		void *arr = base == GETALL ? gmem_out(p, a[3], len) : gmem_in(p, a[3], len);
		if (!arr)
			return -EFAULT;
		return hsys_ret(syscall(SYS_semctl, id, (int)a[1], cmd, arr));
	}
	size_t n = ctl_size(cmd, sizeof(struct semid_ds), sizeof(struct seminfo));
	if (n) {
		void *buf = ctl_buf(p, cmd, a[3], n);
		if (!buf)
			return -EFAULT;
		return hsys_ret(syscall(SYS_semctl, id, (int)a[1], cmd, buf));
	}
	return hsys_ret(syscall(SYS_semctl, id, (int)a[1], cmd, a[3])); /* SETVAL, GETVAL... */
}

/* ---- message queues ---- */

HSYS(msgget)
{
	return hsys_ret(msgget((key_t)a[0], (int)a[1]));
}

HSYS(msgsnd)
{
	if (a[2] > MAX_MSG)
		return -EINVAL;
	BUF_ARG(msg, 1, sizeof(long) + a[2]);
	return hsys_ret(msgsnd((int)a[0], msg, a[2], (int)a[3]));
}

HSYS(msgrcv)
{
	uint64_t n = a[2] > MAX_MSG ? MAX_MSG : a[2];
	OUT_ARG(msg, 1, sizeof(long) + n);
	return hsys_ret(msgrcv((int)a[0], msg, n, (long)a[3], (int)a[4]));
}

HSYS(msgctl)
{
	int cmd = (int)a[1];
	size_t n = ctl_size(cmd, sizeof(struct msqid_ds), sizeof(struct msginfo));
	void *buf = n ? ctl_buf(p, cmd, a[2], n) : NULL;
	if (n && !buf)
		return -EFAULT;
	return hsys_ret(syscall(SYS_msgctl, (int)a[0], cmd, buf));
}

/* ---- POSIX message queues ---- */

HSYS(mq_open)
{
	char name[NAME_MAX + 1];
	int r = gmem_ustr(p, a[0], name, sizeof name);
	if (r < 0)
		return r == -ENAMETOOLONG ? -ENAMETOOLONG : r;
	struct mq_attr *attr = a[3] ? gmem_in(p, a[3], sizeof *attr) : NULL;
	if (a[3] && !attr)
		return -EFAULT;
	return hsys_newfd(p, syscall(SYS_mq_open, name, (int)a[1], (mode_t)a[2], attr));
}

HSYS(mq_unlink)
{
	char name[NAME_MAX + 1];
	int r = gmem_ustr(p, a[0], name, sizeof name);
	if (r < 0)
		return r;
	return hsys_ret(syscall(SYS_mq_unlink, name));
}

HSYS(mq_timedsend)
{
	FD_ARG(fd, 0);
	BUF_ARG(msg, 1, a[2]);
	const struct timespec *t = a[4] ? gmem_in(p, a[4], sizeof *t) : NULL;
	if (a[4] && !t)
		return -EFAULT;
	return hsys_ret(syscall(SYS_mq_timedsend, fd, msg, a[2], (unsigned)a[3], t));
}

HSYS(mq_timedreceive)
{
	FD_ARG(fd, 0);
	OUT_ARG(msg, 1, a[2]);
	unsigned *prio = a[3] ? gmem_out(p, a[3], sizeof *prio) : NULL;
	const struct timespec *t = a[4] ? gmem_in(p, a[4], sizeof *t) : NULL;
	if ((a[3] && !prio) || (a[4] && !t))
		return -EFAULT;
	return hsys_ret(syscall(SYS_mq_timedreceive, fd, msg, a[2], prio, t));
}

HSYS(mq_getsetattr)
{
	FD_ARG(fd, 0);
	const struct mq_attr *nw = a[1] ? gmem_in(p, a[1], sizeof *nw) : NULL;
	struct mq_attr *old = a[2] ? gmem_out(p, a[2], sizeof *old) : NULL;
	if ((a[1] && !nw) || (a[2] && !old))
		return -EFAULT;
	return hsys_ret(syscall(SYS_mq_getsetattr, fd, nw, old));
}

/* mq_notify: a signal (to this process: the monitor delivers it) or none;
   SIGEV_THREAD, which needs a helper thread, is refused. */
HSYS(mq_notify)
{
	FD_ARG(fd, 0);
	if (!a[1])
		return hsys_ret(syscall(SYS_mq_notify, fd, NULL));
	const struct sigevent *g = gmem_in(p, a[1], sizeof *g);
	if (!g)
		return -EFAULT;
	struct sigevent ev = *g;
	if (ev.sigev_notify != SIGEV_SIGNAL && ev.sigev_notify != SIGEV_NONE) {
		hsys_warn_once(p, "mq_notify sigev_notify", ev.sigev_notify);
		return -EINVAL;
	}
	return hsys_ret(syscall(SYS_mq_notify, fd, &ev));
}
