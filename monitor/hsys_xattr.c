/*
 * Extended attributes: get, set, list and remove, by path (following the
 * last symlink or not) and by fd. A path resolves beneath --root first;
 * the call then acts on the host's magic link for the file it found.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hsys.h"

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536

enum op { GET, SET, LIST, REMOVE };

/* Name argument i into char name[XATTR_NAME_MAX + 1], or return -errno. */
#define NAME_ARG(var, i)                                                        \
	char var[XATTR_NAME_MAX + 1];                                           \
	do {                                                                    \
		int r_ = gmem_str(&p->vm, a[i], var, sizeof var);               \
		if (r_ < 0)                                                     \
			return r_ == -ENAMETOOLONG ? -ERANGE : r_;             \
	} while (0)

/* Do op on the file that host fd names (target: its magic link, or NULL to
   use the fd itself); a[1..] are the guest's arguments after the file. */
static long xattr_op(struct proc *p, enum op op, int fd, const char *target, const uint64_t *a)
{
	uint64_t size = op == GET ? a[2] : op == SET ? a[2] : op == LIST ? a[1] : 0;
	if (size > XATTR_SIZE_MAX && op == SET)
		return -E2BIG;
	if (size > XATTR_SIZE_MAX)
		size = XATTR_SIZE_MAX;
	long e = op == SET || op == REMOVE ? devfs_unchangeable(p, fd) : 0;
	if (e)
		return e;
	switch (op) {
	case GET: {
		NAME_ARG(name, 0);
		void *buf = size ? gmem_ptr(&p->vm, a[1], size) : NULL;
		if (size && !buf)
			return -EFAULT;
		return hsys_ret(target ? getxattr(target, name, buf, size)
				       : fgetxattr(fd, name, buf, size));
	}
	case SET: {
		NAME_ARG(name, 0);
		const void *buf = size ? gmem_ptr(&p->vm, a[1], size) : NULL;
		if (size && !buf)
			return -EFAULT;
		return hsys_ret(target ? setxattr(target, name, buf, size, (int)a[3])
				       : fsetxattr(fd, name, buf, size, (int)a[3]));
	}
	case LIST: {
		char *buf = size ? gmem_ptr(&p->vm, a[0], size) : NULL;
		if (size && !buf)
			return -EFAULT;
		return hsys_ret(target ? listxattr(target, buf, size) : flistxattr(fd, buf, size));
	}
	case REMOVE: {
		NAME_ARG(name, 0);
		return hsys_ret(target ? removexattr(target, name) : fremovexattr(fd, name));
	}
	}
	return -EINVAL;
}

static long by_path(struct proc *p, const uint64_t a[6], enum op op, int follow)
{
	PATH_ARG(path, 0);
	int fd = path_open(p, AT_FDCWD, path, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), 0);
	if (fd < 0)
		return fd;
	struct stat st;
	long r;
	if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) /* the link itself: user xattrs */
		r = op == GET ? -ENODATA : op == LIST ? 0 : -EPERM; /* are not allowed there */
	else {
		char self[FD_LINK_MAX];
		path_fd_link(fd, self);
		r = xattr_op(p, op, fd, self, a + 1);
	}
	close(fd);
	return r;
}

static long by_fd(struct proc *p, const uint64_t a[6], enum op op)
{
	FD_ARG(fd, 0);
	if (pipe_is_ring(fd)) /* a pipe has no xattrs; the socket behind it must not show */
		return op == LIST ? 0 : op == GET ? -ENODATA : -EPERM;
	return xattr_op(p, op, fd, NULL, a + 1);
}

HSYS(getxattr) { return by_path(p, a, GET, 1); }
HSYS(lgetxattr) { return by_path(p, a, GET, 0); }
HSYS(fgetxattr) { return by_fd(p, a, GET); }
HSYS(setxattr) { return by_path(p, a, SET, 1); }
HSYS(lsetxattr) { return by_path(p, a, SET, 0); }
HSYS(fsetxattr) { return by_fd(p, a, SET); }
HSYS(listxattr) { return by_path(p, a, LIST, 1); }
HSYS(llistxattr) { return by_path(p, a, LIST, 0); }
HSYS(flistxattr) { return by_fd(p, a, LIST); }
HSYS(removexattr) { return by_path(p, a, REMOVE, 1); }
HSYS(lremovexattr) { return by_path(p, a, REMOVE, 0); }
HSYS(fremovexattr) { return by_fd(p, a, REMOVE); }
