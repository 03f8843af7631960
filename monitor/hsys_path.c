/*
 * Syscalls that name files. Each one resolves its path beneath --root with
 * path_open() or path_parent(), then acts on the resulting descriptor.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "hsys.h"

/* An O_PATH handle on the file a path (or AT_EMPTY_PATH dirfd) names. */
static int lookup(struct proc *p, int dirfd, const char *path, int at_flags)
{
	if (!path[0] && (at_flags & AT_EMPTY_PATH)) {
		if (dirfd == AT_FDCWD)
			return path_open(p, AT_FDCWD, ".", O_PATH | O_CLOEXEC, 0);
		int fd = hsys_fd((uint64_t)(int64_t)dirfd);
		return fd < 0 ? -EBADF : hsys_ret(fcntl(fd, F_DUPFD_CLOEXEC, UP_FD_MAX));
	}
	int nofollow = (at_flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0;
	return path_open(p, dirfd, path, O_PATH | O_CLOEXEC | nofollow, 0);
}

HSYS(openat)
{
	PATH_ARG(path, 1);
	int own = path_own_fd(p, (int)a[0], path);
	if (own >= 0 && pipe_is_ring(own) && !((int)a[2] & O_PATH)) {
		/* /dev/fd/N of a pipe: the same pipe again (bash's <(...)) */
		int fl = (int)pipe_fcntl(p, own, F_GETFL, 0), want = (int)a[2] & O_ACCMODE;
		if (fl < 0 || want == O_RDWR || want != (fl & O_ACCMODE))
			return -ENXIO;
		int fd = hsys_newfd(p, fcntl(own, ((int)a[2] & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, 0));
		if (fd >= 0)
			pipe_copied(p, own, fd);
		return fd;
	}
	int fd; /* a FIFO's open waits for its peer: a blocked signal does not end it */
	do
		fd = path_open(p, (int)a[0], path, (int)a[2], (int)a[3]);
	while (hsys_retry_eintr(p, fd));
	fd = fd < 0 ? fd : (int)hsys_newfd(p, fd);
	if (fd >= 0)
		hsys_defer_may_file(p, fd, (int)a[2]);
	return fd;
}

HSYS(newfstatat)
{
	PATH_ARG(path, 1);
	if (!path[0] && (a[3] & AT_EMPTY_PATH) && (int)a[0] != AT_FDCWD) /* glibc's fstat */
		return hsys_fstat(p, (uint64_t[6]){a[0], a[2]});
	int fd = lookup(p, (int)a[0], path, (int)a[3]);
	if (fd < 0)
		return fd;
	struct stat st;
	long r = hsys_ret(fstatat(fd, "", &st, AT_EMPTY_PATH));
	if (r == 0)
		procfs_stat(fd, fd, &st, NULL);
	close(fd);
	if (r == 0 && !path[0] && pipe_is_ring((int)a[0]))
		pipe_stat(&st, NULL);
	return r < 0 ? r : gmem_put(p, a[2], &st, sizeof st);
}

HSYS(statfs)
{
	PATH_ARG(path, 0);
	int fd = lookup(p, AT_FDCWD, path, 0);
	if (fd < 0)
		return fd;
	struct statfs buf;
	long r = hsys_ret(fstatfs(fd, &buf));
	close(fd);
	return r < 0 ? r : gmem_put(p, a[1], &buf, sizeof buf);
}

HSYS(fstatfs)
{
	FD_ARG(fd, 0);
	struct statfs buf;
	long r = hsys_ret(fstatfs(fd, &buf));
	return r < 0 ? r : gmem_put(p, a[1], &buf, sizeof buf);
}

HSYS(statx)
{
	PATH_ARG(path, 1);
	struct statx stx;
	int flags = (int)a[2];
	int fd = lookup(p, (int)a[0], path, flags);
	if (fd < 0)
		return fd;
	flags = (flags & ~AT_SYMLINK_NOFOLLOW) | AT_EMPTY_PATH;
	long r = hsys_ret(statx(fd, "", flags, (unsigned)a[3], &stx));
	if (r == 0)
		procfs_stat(fd, fd, NULL, &stx);
	close(fd);
	if (r == 0 && !path[0] && pipe_is_ring((int)a[0]))
		pipe_stat(NULL, &stx);
	return r < 0 ? r : gmem_put(p, a[4], &stx, sizeof stx);
}

static long access_at(struct proc *p, const uint64_t a[6], int flags)
{
	PATH_ARG(path, 1);
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	int fd = lookup(p, (int)a[0], path, flags);
	if (fd < 0)
		return fd;
	char self[FD_LINK_MAX];
	path_fd_link(fd, self);
	long r = hsys_ret(faccessat(AT_FDCWD, self, (int)a[2], flags & AT_EACCESS));
	close(fd);
	return r;
}

HSYS(faccessat) { return access_at(p, a, 0); }
HSYS(faccessat2) { return access_at(p, a, (int)a[3]); }

HSYS(readlinkat)
{
	PATH_ARG(path, 1);
	if ((int64_t)a[3] <= 0)
		return -EINVAL;
	char target[PATH_MAX];
	int n = path_readlink(p, (int)a[0], path, target); /* what the monitor shows */
	if (n == PROCFS_NONE) {
		int fd = lookup(p, (int)a[0], path, AT_SYMLINK_NOFOLLOW);
		if (fd < 0)
			return fd;
		n = (int)hsys_ret(readlinkat(fd, "", target, sizeof target));
		close(fd);
		if (n == -ENOENT)
			return -EINVAL; /* not a symlink */
	}
	if (n < 0)
		return n;
	n = (size_t)n < a[3] ? n : (int)a[3];
	return gmem_put(p, a[2], target, n) < 0 ? -EFAULT : n;
}

/* truncate(2): refused for a program a process of the run runs (ETXTBSY). */
HSYS(truncate)
{
	PATH_ARG(path, 0);
	int fd = lookup(p, AT_FDCWD, path, 0);
	if (fd < 0)
		return fd;
	long r = path_busy(fd);
	char self[FD_LINK_MAX];
	path_fd_link(fd, self);
	if (r == 0)
		r = hsys_ret(truncate(self, (off_t)a[1]));
	close(fd);
	return r;
}

HSYS(getcwd)
{
	size_t n = strlen(p->cwd) + 1;
	if (a[1] < n)
		return -ERANGE;
	OUT_ARG(buf, 0, n);
	memcpy(buf, p->cwd, n);
	return (long)n;
}

/* Make the directory open at fd the cwd, in the guest's view and the host's. */
static long set_cwd(struct proc *p, int fd)
{
	char path[PATH_MAX];
	struct stat st;
	long r = fstat(fd, &st) < 0 ? -errno : !S_ISDIR(st.st_mode) ? -ENOTDIR
								     : path_of_fd(p, fd, path);
	if (r == 0 && fchdir(fd) < 0)
		r = -errno;
	if (r == 0)
		strcpy(p->cwd, path);
	return r;
}

HSYS(chdir)
{
	PATH_ARG(path, 0);
	int fd = path_open(p, AT_FDCWD, path, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	long r = set_cwd(p, fd);
	close(fd);
	return r;
}

HSYS(fchdir)
{
	FD_ARG(fd, 0);
	return set_cwd(p, fd);
}

HSYS(mkdirat)
{
	PATH_ARG(path, 1);
	char last[NAME_MAX + 1];
	int dir = path_parent(p, (int)a[0], path, last);
	if (dir < 0)
		return dir == -EBUSY ? -EEXIST : dir;
	long r = hsys_ret(mkdirat(dir, last, (mode_t)a[2]));
	close(dir);
	return r;
}

HSYS(unlinkat)
{
	PATH_ARG(path, 1);
	int flags = (int)a[2];
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	char last[NAME_MAX + 1];
	int dir = path_parent(p, (int)a[0], path, last);
	if (dir == -EBUSY)
		return (flags & AT_REMOVEDIR) ? -EINVAL : -EISDIR;
	if (dir < 0)
		return dir;
	long r = hsys_ret(unlinkat(dir, last, flags));
	close(dir);
	return r;
}

static long rename_at(struct proc *p, const uint64_t a[6], unsigned flags)
{
	PATH_ARG(from, 1);
	PATH_ARG(to, 3);
	char last1[NAME_MAX + 1], last2[NAME_MAX + 1];
	int d1 = path_parent(p, (int)a[0], from, last1);
	if (d1 < 0)
		return d1;
	int d2 = path_parent(p, (int)a[2], to, last2);
	if (d2 < 0) {
		close(d1);
		return d2;
	}
	long r = hsys_ret(renameat2(d1, last1, d2, last2, flags));
	close(d1);
	close(d2);
	return r;
}

HSYS(renameat) { return rename_at(p, a, 0); }
HSYS(renameat2) { return rename_at(p, a, (unsigned)a[4]); }

HSYS(symlinkat)
{
	PATH_ARG(target, 0);
	PATH_ARG(path, 2);
	char last[NAME_MAX + 1];
	int dir = path_parent(p, (int)a[1], path, last);
	if (dir < 0)
		return dir == -EBUSY ? -EEXIST : dir;
	long r = hsys_ret(symlinkat(target, dir, last));
	close(dir);
	return r;
}

HSYS(fchmodat)
{
	PATH_ARG(path, 1);
	int fd = lookup(p, (int)a[0], path, 0);
	if (fd < 0)
		return fd;
	char self[FD_LINK_MAX];
	path_fd_link(fd, self);
	long r = devfs_unchangeable(p, fd);
	if (!r)
		r = hsys_ret(chmod(self, (mode_t)a[2]));
	close(fd);
	return r;
}

static long chown_at(struct proc *p, int dirfd, uint64_t gpath, uint64_t uid, uint64_t gid,
		     int flags)
{
	char path[PATH_MAX];
	int r = gmem_ustr(p, gpath, path, sizeof path);
	if (r < 0)
		return r;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	int fd = lookup(p, dirfd, path, flags);
	if (fd < 0)
		return fd;
	long ret = devfs_unchangeable(p, fd);
	if (!ret)
		ret = hsys_ret(fchownat(fd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH));
	close(fd);
	return ret;
}

HSYS(chown) { return chown_at(p, AT_FDCWD, a[0], a[1], a[2], 0); }
HSYS(lchown) { return chown_at(p, AT_FDCWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW); }
HSYS(fchownat) { return chown_at(p, (int)a[0], a[1], a[2], a[3], (int)a[4]); }

HSYS(linkat)
{
	PATH_ARG(from, 1);
	int flags = (int)a[4];
	if (flags & ~AT_SYMLINK_FOLLOW)
		return -EINVAL;
	int src = lookup(p, (int)a[0], from, (flags & AT_SYMLINK_FOLLOW) ? 0 : AT_SYMLINK_NOFOLLOW);
	if (src < 0)
		return src;
	char to[PATH_MAX]; /* Linux finds the source before it reads this name */
	int e = gmem_ustr(p, a[3], to, sizeof to);
	if (e < 0) {
		close(src);
		return e;
	}
	char last[NAME_MAX + 1];
	int dir = path_parent(p, (int)a[2], to, last);
	if (dir < 0) {
		close(src);
		return dir == -EBUSY ? -EEXIST : dir;
	}
	char self[FD_LINK_MAX]; /* AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH */
	path_fd_link(src, self);
	long r = hsys_ret(linkat(AT_FDCWD, self, dir, last, AT_SYMLINK_FOLLOW));
	close(src);
	close(dir);
	return r;
}

/* utimensat: times from the guest (or NULL: now) on a path or an fd. */
HSYS(utimensat)
{
	const struct timespec *ts = a[2] ? gmem_in(p, a[2], 2 * sizeof *ts) : NULL;
	if (a[2] && !ts)
		return -EFAULT;
	int flags = (int)a[3];
	if (!a[1]) { /* futimens(fd, ...) */
		FD_ARG(fd, 0);
		long e = devfs_unchangeable(p, fd);
		return e ? e : hsys_ret(futimens(fd, ts));
	}
	PATH_ARG(path, 1);
	int fd = lookup(p, (int)a[0], path, flags);
	if (fd < 0)
		return fd;
	char self[FD_LINK_MAX];
	path_fd_link(fd, self);
	long r = devfs_unchangeable(p, fd);
	if (!r)
		r = hsys_ret(utimensat(AT_FDCWD, self, ts, 0));
	close(fd);
	return r;
}

/*
 * inotify: the host's. A watch's path is resolved beneath the root here and
 * handed to the host as our handle's magic link, which inotify follows to
 * the same file (so IN_DONT_FOLLOW applies to our lookup, not to it).
 */
HSYS(inotify_init1)
{
	return hsys_newfd(p, inotify_init1((int)a[0]));
}

HSYS(inotify_init)
{
	return hsys_newfd(p, inotify_init1(0));
}

HSYS(inotify_add_watch)
{
	FD_ARG(ifd, 0);
	PATH_ARG(path, 1);
	uint32_t mask = (uint32_t)a[2];
	int fd = lookup(p, AT_FDCWD, path, mask & IN_DONT_FOLLOW ? AT_SYMLINK_NOFOLLOW : 0);
	if (fd < 0)
		return fd;
	char self[FD_LINK_MAX];
	path_fd_link(fd, self);
	long r = hsys_ret(inotify_add_watch(ifd, self, mask & ~IN_DONT_FOLLOW));
	close(fd);
	return r;
}

HSYS(inotify_rm_watch)
{
	FD_ARG(ifd, 0);
	return hsys_ret(inotify_rm_watch(ifd, (int)a[1]));
}
