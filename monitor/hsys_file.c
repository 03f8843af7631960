/*
 * File calls of issue 17: making nodes (mknod, FIFOs), space and size
 * (fallocate, truncate), locks (flock, fcntl record and OFD locks), the
 * owner of a descriptor's SIGIO, and sync, syncfs, readahead. Files are
 * the host's, so locks exclude other processes (other monitors) as on
 * Linux. A call that waits in the host kernel (a FIFO's open, a lock) ends
 * with EINTR only for a signal the guest takes now; for one it blocks, the
 * call goes on waiting.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hsys.h"

int hsys_retry_eintr(struct proc *p, long r)
{
	return r == -EINTR && !signal_interrupts(p);
}

/*
 * mknodat(2): FIFOs, regular files and sockets beneath the root. A device
 * node would reach the host's devices, which a --root hides: EPERM beneath
 * a --root other than /; with --root / the guest sees the host's /dev
 * anyway, and the host's own check (CAP_MKNOD) decides.
 */
HSYS(mknodat)
{
	PATH_ARG(path, 1);
	mode_t mode = (mode_t)a[2];
	switch (mode & S_IFMT) {
	case S_IFCHR:
	case S_IFBLK:
		if (p->root_len != 1)
			return -EPERM;
		break;
	case 0:
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	char last[NAME_MAX + 1];
	int dir = path_parent(p, (int)a[0], path, last);
	if (dir < 0)
		return dir == -EBUSY ? -EEXIST : dir;
	long r = hsys_ret(syscall(SYS_mknodat, dir, last, mode, (unsigned)a[3]));
	close(dir);
	return r;
}

/* fallocate(2); a pipe has no blocks (ESPIPE, where its socket says ENODEV). */
HSYS(fallocate)
{
	FD_ARG(fd, 0);
	if (pipe_is_ring(fd))
		return -ESPIPE;
	return hsys_ret(fallocate(fd, (int)a[1], (off_t)a[2], (off_t)a[3]));
}

/* truncate(2) of a path beneath the root, through its magic link. */
/* flock(2): the host's lock on the open file, which fork shares. */
HSYS(flock)
{
	FD_ARG(fd, 0);
	hsys_defer_lock(p);
	return HSYS_WAIT(p, flock(fd, (int)a[1]));
}

HSYS(sync)
{
	sync();
	return 0;
}

HSYS(syncfs)
{
	FD_ARG(fd, 0);
	return hsys_ret(syncfs(fd));
}

/* sync_file_range(2) (redis's incremental fsync while it writes dump.rdb);
   a pipe is ESPIPE, as on Linux. */
HSYS(sync_file_range)
{
	FD_ARG(fd, 0);
	if (pipe_is_ring(fd))
		return -ESPIPE;
	return hsys_ret(sync_file_range(fd, (off_t)a[1], (off_t)a[2], (unsigned)a[3]));
}

/* readahead(2): files only; a pipe's read end is EINVAL, its write end EBADF. */
HSYS(readahead)
{
	FD_ARG(fd, 0);
	if (pipe_is_ring(fd)) {
		long fl = pipe_fcntl(p, fd, F_GETFL, 0);
		return fl >= 0 && (fl & O_ACCMODE) == O_WRONLY ? -EBADF : -EINVAL;
	}
	return hsys_ret(readahead(fd, (off64_t)a[1], (size_t)a[2]));
}

/* Is pid (a process, 0: none) one the guest may name as an owner? */
static int owner_ok(pid_t pid)
{
	return pid == 0 || pid == getpid() || tree_has(pid);
}

/* Is pgrp one the guest may name: its own, or one led by a process of the run? */
static int owner_group_ok(pid_t pgrp)
{
	return pgrp == 0 || pgrp == getpgrp() || tree_has(pgrp);
}

/*
 * fcntl(2) commands for locks and signal ownership. The struct flock and
 * struct f_owner_ex are the guest's, used in place. Owners are processes
 * of the run (guest pid = host pid), so SIGIO and SIGURG reach nothing
 * outside it. Other commands: -ENOSYS.
 */
long hsys_fcntl_posix(struct proc *p, int fd, int cmd, uint64_t arg)
{
	switch (cmd) {
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW: {
		int get = cmd == F_GETLK || cmd == F_OFD_GETLK; /* read, then written */
		struct flock *fl = get ? gmem_out(p, arg, sizeof *fl) : gmem_in(p, arg, sizeof *fl);
		if (!fl)
			return -EFAULT;
		if (!get)
			hsys_defer_lock(p);
		return HSYS_WAIT(p, fcntl(fd, cmd, fl));
	}
	case F_GETOWN: { /* as the kernel returns it: a process group negated */
		struct f_owner_ex o;
		if (fcntl(fd, F_GETOWN_EX, &o) < 0)
			return -errno;
		return o.type == F_OWNER_PGRP ? -o.pid : o.pid;
	}
	case F_SETOWN: {
		int who = (int)arg;
		if (who == -2147483647 - 1)
			return -EINVAL;
		if (who < 0 ? !owner_group_ok(-who) : !owner_ok(who))
			return -ESRCH;
		return hsys_ret(fcntl(fd, F_SETOWN, who));
	}
	case F_GETOWN_EX:
	case F_SETOWN_EX: {
		struct f_owner_ex *o = cmd == F_GETOWN_EX ? gmem_out(p, arg, sizeof *o)
							  : gmem_in(p, arg, sizeof *o);
		if (!o)
			return -EFAULT;
		if (cmd == F_GETOWN_EX)
			return hsys_ret(fcntl(fd, cmd, o));
		struct f_owner_ex own = *o; /* read the guest's struct once */
		int ok = own.type == F_OWNER_PGRP ? owner_group_ok(own.pid) : owner_ok(own.pid);
		if ((own.type == F_OWNER_TID || own.type == F_OWNER_PID ||
		     own.type == F_OWNER_PGRP) && !ok)
			return -ESRCH;
		return hsys_ret(fcntl(fd, cmd, &own));
	}
	case F_GETSIG:
		return hsys_ret(fcntl(fd, cmd));
	case F_SETSIG:
		return hsys_ret(fcntl(fd, cmd, (int)arg));
	}
	return -ENOSYS;
}
