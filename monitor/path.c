/*
 * The guest's file system: the host tree beneath --root. Every guest path is
 * made absolute (against the guest cwd or a dirfd's path) and resolved by the
 * host kernel with openat2(RESOLVE_IN_ROOT), so no "..", absolute or relative
 * symlink, or /proc magic link leaves the root. /proc is the monitor's
 * (procfs.c), whatever the root holds: the guest's own fds (/proc/self/fd/N,
 * /dev/fd/N, /dev/stdin...) are served here, the rest of it there; a host
 * procfs reached another way (a symlink such as /etc/mtab) goes there too.
 * What /dev and /sys must hold comes from devfs_open when the root
 * lacks it.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "monitor.h"

static int openat2_(int dirfd, const char *path, struct open_how *how)
{
	return syscall(SYS_openat2, dirfd, path, how, sizeof *how);
}

void path_fd_link(int fd, char *out)
{
	snprintf(out, FD_LINK_MAX, "/proc/self/fd/%d", fd);
}

/* Host path of a host fd, into out[PATH_MAX]. */
static int host_path_of_fd(int fd, char *out)
{
	char link[FD_LINK_MAX];
	path_fd_link(fd, link);
	ssize_t n = readlink(link, out, PATH_MAX - 1);
	if (n < 0)
		return -errno;
	out[n] = 0;
	return 0;
}

/* Host path to guest path; -EACCES if it is not beneath the root. */
int path_to_guest(const struct proc *p, const char *host, char *out)
{
	if (strncmp(host, p->root, p->root_len) != 0)
		return -EACCES;
	const char *rest = host + p->root_len;
	if (p->root_len == 1) /* root is "/" */
		rest = host;
	else if (*rest != 0 && *rest != '/')
		return -EACCES;
	snprintf(out, PATH_MAX, "%s", *rest ? rest : "/");
	return 0;
}

int path_of_fd(struct proc *p, int fd, char *out)
{
	char host[PATH_MAX];
	int r = host_path_of_fd(fd, host);
	if (r < 0)
		return r;
	return procfs_guest_path(p, fd, host, out) == 0 ? 0 : path_to_guest(p, host, out);
}

void path_init(struct proc *p, const char *root)
{
	if (!realpath(root, p->root))
		err(1, "--root %s", root);
	p->root_len = strlen(p->root);
	int fd = open(p->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		err(1, "--root %s", root);
	p->root_fd = fcntl(fd, F_DUPFD_CLOEXEC, UP_FD_MAX);
	if (p->root_fd < 0)
		err(1, "path: moving the root fd");
	close(fd);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd) || path_to_guest(p, cwd, p->cwd) < 0) {
		strcpy(p->cwd, "/");
		if (fchdir(p->root_fd) < 0)
			err(1, "path: chdir to root");
	}
}

/* Join into out: the guest path of dirfd (or the cwd), then path. */
static int absolute(struct proc *p, int dirfd, const char *path, char *out)
{
	char base[PATH_MAX];
	if (!path[0])
		return -ENOENT;
	if (path[0] == '/') {
		if (strlen(path) >= PATH_MAX)
			return -ENAMETOOLONG;
		strcpy(out, path);
		return 0;
	}
	if (dirfd == AT_FDCWD) {
		strcpy(base, p->cwd);
	} else {
		int fd = hsys_fd((uint64_t)(int64_t)dirfd);
		if (fd < 0)
			return -EBADF;
		int r = path_of_fd(p, fd, base);
		if (r < 0)
			return r == -ENOENT ? -EBADF : r;
	}
	if (snprintf(out, PATH_MAX, "%s/%s", base, path) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * A host procfs file reached through the root (a symlink to /proc/...):
 * PROCFS_AGAIN with abs its path, for procfs to serve as the guest's own
 * /proc; -EACCES for a per-process entry of a procfs mounted elsewhere;
 * 0 for any other file.
 */
static int proc_check(int fd, char *abs)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
		return 0;
	char host[PATH_MAX];
	if (host_path_of_fd(fd, host) < 0)
		return -EACCES;
	if (!strncmp(host, "/proc", 5) && (!host[5] || host[5] == '/')) {
		strcpy(abs, host);
		return PROCFS_AGAIN;
	}
	for (char *c = strtok(host, "/"); c; c = strtok(NULL, "/"))
		if (strspn(c, "0123456789") == strlen(c))
			return -EACCES;
	return 0;
}

/* openat2() refuses flags open() ignores: keep the ones Linux defines. */
uint64_t path_flags(int flags)
{
	unsigned f = (unsigned)flags;
	if (f & O_PATH)
		return f & (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return f & (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |
		    O_NONBLOCK | O_DSYNC | FASYNC | O_DIRECT | O_LARGEFILE |
		    O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC |
		    O_TMPFILE);
}

static int is_self_exe(const char *abs)
{
	return strcmp(abs, "/proc/self/exe") == 0 || strcmp(abs, "/proc/thread-self/exe") == 0;
}

/*
 * Does abs name one of the process's own fds: /proc/self/fd/N (also
 * thread-self and our pid), /dev/fd/N, /dev/stdin, stdout, stderr? Returns
 * N with *rest what follows it ("" or "/..."), or -1. These exist whatever
 * the root holds, and name the guest's fd N, which is host fd N.
 */
static int own_fd(const char *abs, const char **rest)
{
	static const char *const std[] = {"/dev/stdin", "/dev/stdout", "/dev/stderr"};
	for (int i = 0; i < 3; i++)
		if (strcmp(abs, std[i]) == 0) {
			*rest = "";
			return i;
		}
	char mine[40];
	snprintf(mine, sizeof mine, "/proc/%d/fd/", (int)getpid());
	const char *const pre[] = {"/proc/self/fd/", "/proc/thread-self/fd/", "/dev/fd/", mine};
	for (int i = 0; i < 4; i++) {
		size_t n = strlen(pre[i]);
		if (strncmp(abs, pre[i], n) != 0)
			continue;
		const char *d = abs + n;
		size_t digits = strspn(d, "0123456789");
		if (!digits || digits > 4 || (d[digits] && d[digits] != '/'))
			return -1;
		int fd = atoi(d);
		if (fd >= UP_FD_MAX)
			return -1;
		*rest = d + digits;
		return fd;
	}
	return -1;
}

int path_readlink(struct proc *p, int dirfd, const char *path, char *out)
{
	char abs[PATH_MAX];
	int r = absolute(p, dirfd, path, abs);
	for (int hops = 0; r == 0 && hops < 8; hops++) {
		const char *rest;
		int fd = own_fd(abs, &rest);
		if (fd >= 0 && !*rest)
			return procfs_fd_link(p, fd, out);
		if ((r = procfs_readlink(p, abs, out)) != PROCFS_AGAIN)
			return r;
		r = 0;
	}
	return r < 0 ? r : -ELOOP;
}

int path_own_fd(struct proc *p, int dirfd, const char *path)
{
	char abs[PATH_MAX];
	const char *rest;
	if (absolute(p, dirfd, path, abs) < 0)
		return -1;
	int fd = own_fd(abs, &rest);
	return fd >= 0 && !*rest ? fd : -1;
}

int path_names_exe(struct proc *p, int dirfd, const char *path)
{
	char abs[PATH_MAX];
	return absolute(p, dirfd, path, abs) == 0 && is_self_exe(abs);
}

/* Would an open with flags write to the file, or truncate it? */
static int writes(int flags)
{
	return !(flags & O_PATH) && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC));
}

int path_busy(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && tree_runs_exe(st.st_dev, st.st_ino))
		return -ETXTBSY;
	return 0;
}

/* Open the file the O_PATH handle fd names again, with flags. */
static int reopen(int fd, int flags, int mode)
{
	char link[FD_LINK_MAX];
	path_fd_link(fd, link);
	int r = open(link, (int)path_flags(flags) & ~O_NOFOLLOW, mode & 07777);
	return r < 0 ? -errno : r;
}

/*
 * An open that may write to an existing file: find it first (O_PATH), so
 * that a program running in the run is refused before anything happens to
 * it (Linux: ETXTBSY), then open that same file. -ENOENT if there is no
 * file yet (the caller creates it).
 */
static int open_for_write(struct proc *p, char *abs, int flags, int mode)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (flags & (O_NOFOLLOW | O_DIRECTORY)),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = openat2_(p->root_fd, abs, &how);
	if (fd < 0)
		return -ENOENT;
	struct stat st;
	int r = proc_check(fd, abs);
	if (r == 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (r == 0 && S_ISLNK(st.st_mode)) /* O_NOFOLLOW */
		r = -ELOOP;
	if (r == 0)
		r = path_busy(fd);
	if (r == 0)
		r = reopen(fd, flags, mode);
	close(fd);
	return r;
}

/*
 * One resolution of guest path abs: an fd, -errno, or PROCFS_AGAIN when it
 * led to another name for the file (then in abs) to resolve again.
 */
static int open_abs(struct proc *p, char *abs, int flags, int mode)
{
	int r = procfs_open(p, abs, flags, mode);
	if (r != PROCFS_NONE)
		return r;
	const char *rest;
	int own = own_fd(abs, &rest);
	if (own >= 0) {
		if (fcntl(own, F_GETFD) < 0)
			return -ENOENT;
		if (!*rest) { /* reopen the guest's own file, as Linux does */
			if ((r = proc_check(own, abs)) != 0) /* one procfs gave: its name */
				return r;
			if (writes(flags) && (r = path_busy(own)) < 0)
				return r;
			char link[FD_LINK_MAX];
			path_fd_link(own, link);
			int fd = open(link, (int)path_flags(flags), mode & 07777);
			return fd < 0 ? -errno : fd;
		}
		char base[PATH_MAX];
		if (path_of_fd(p, own, base) < 0)
			return -ENOTDIR;
		char joined[PATH_MAX];
		if (snprintf(joined, sizeof joined, "%s%s", base, rest) >= PATH_MAX)
			return -ENAMETOOLONG;
		strcpy(abs, joined);
		return PROCFS_AGAIN;
	}
	if (writes(flags) && !(flags & O_CREAT && flags & O_EXCL) && (flags & O_TMPFILE) != O_TMPFILE) {
		r = open_for_write(p, abs, flags, mode);
		if (r != -ENOENT)
			return r;
	}
	struct open_how how = {
		.flags = path_flags(flags),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode & 07777 : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = openat2_(p->root_fd, abs, &how);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT && (r = devfs_open(p, abs, flags, mode)) == PROCFS_NONE)
			r = -ENOENT;
		return r;
	}
	if ((r = proc_check(fd, abs)) != 0) {
		close(fd);
		return r;
	}
	return fd;
}

int path_open(struct proc *p, int dirfd, const char *path, int flags, int mode)
{
	char abs[PATH_MAX];
	int r = absolute(p, dirfd, path, abs);
	for (int hops = 0; r == 0 && hops < 8; hops++)
		if ((r = open_abs(p, abs, flags, mode)) == PROCFS_AGAIN)
			r = 0;
		else
			return r;
	return r < 0 ? r : -ELOOP;
}

int path_parent(struct proc *p, int dirfd, const char *path, char *last)
{
	char abs[PATH_MAX];
	int r = absolute(p, dirfd, path, abs);
	if (r < 0)
		return r;
	size_t n = strlen(abs);
	while (n > 1 && abs[n - 1] == '/') /* "dir/" names dir */
		abs[--n] = 0;
	char *slash = strrchr(abs, '/');
	const char *name = slash + 1;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	/* "/", "." and ".." name no entry we may create or remove. */
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EBUSY;
	strcpy(last, name);
	if (slash == abs)
		strcpy(abs, "/");
	else
		*slash = 0;
	return path_open(p, AT_FDCWD, abs, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
}
