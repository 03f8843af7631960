/*
 * The minimum of /dev and /sys that programs probe, whatever the root
 * holds. A name the root lacks (path.c found nothing beneath it) is served
 * from the host: the device nodes null, zero, full, random, urandom, tty
 * and ptmx, the directory /dev/pts (ptys are the host's, as the terminal
 * is) and /sys/devices/system/cpu (read-only: online, possible...);
 * /dev/shm is the run's own directory (made at the start of a run whose
 * root has none, removed when the run ends: tree.c), so shm_open and
 * sem_open work and runs do not share it; /dev/fd is /proc/self/fd.
 * With the root "/", all of them are the host's own and nothing here acts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor.h"

/* The /dev and /sys names served when the root lacks them: the host's. */
static const char *const dev_nodes[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
					"/dev/urandom", "/dev/tty", "/dev/ptmx"};
static const char *const dev_trees[] = {"/dev/pts", "/sys/devices/system/cpu"};

/* The host's files above, as devfs_init found them. */
static struct stat node_st[sizeof dev_nodes / sizeof dev_nodes[0]];
static dev_t tree_dev[sizeof dev_trees / sizeof dev_trees[0]];
/* The host's procfs: /proc gives out some of its files (procfs.c). */
static dev_t proc_dev;

/*
 * -EPERM if fd is one of the host's files devfs gives a root that lacks
 * them, or a file of the host's procfs (procfs.c gives some out), else 0.
 * The guest may use them, never change them: a chmod of the host's
 * /dev/null would be the whole machine's. Called by the handlers that
 * change a file's mode, owner, times or xattrs.
 */
int devfs_unchangeable(struct proc *p, int fd)
{
	struct stat st;
	if (p->root_len == 1 || fstat(fd, &st) < 0)
		return 0;
	for (size_t i = 0; i < sizeof node_st / sizeof node_st[0]; i++)
		if (node_st[i].st_ino && st.st_ino == node_st[i].st_ino && st.st_dev == node_st[i].st_dev)
			return -EPERM;
	for (size_t i = 0; i < sizeof tree_dev / sizeof tree_dev[0]; i++)
		if (tree_dev[i] && st.st_dev == tree_dev[i])
			return -EPERM;
	if (proc_dev && st.st_dev == proc_dev) /* a chmod of /proc was the host's */
		return -EPERM;
	return 0;
}

/* The guest path of a host path devfs_open gave out. */
int devfs_guest_path(struct proc *p, const char *host, char *out)
{
	const char *rest;
	if (p->root_len == 1)
		return -1;
	if (p->shm_fd >= 0 && (rest = procfs_beneath(host, p->shm_dir))) {
		snprintf(out, PATH_MAX, "/dev/shm%s", rest);
		return 0;
	}
	for (size_t i = 0; i < sizeof dev_nodes / sizeof dev_nodes[0]; i++)
		if (!strcmp(host, dev_nodes[i])) {
			strcpy(out, host);
			return 0;
		}
	for (size_t i = 0; i < sizeof dev_trees / sizeof dev_trees[0]; i++)
		if (procfs_beneath(host, dev_trees[i])) {
			snprintf(out, PATH_MAX, "%s", host);
			return 0;
		}
	return -1;
}

/* rest (a path) beneath the directory dir (never above it), with the guest's flags. */
static int open_beneath(int dir, const char *rest, int flags, int mode)
{
	struct open_how how = {
		.flags = path_flags(flags),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode & 07777 : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dir, *rest ? rest : ".", &how, sizeof how);
	return fd < 0 ? -errno : fd;
}

int devfs_open(struct proc *p, char *abs, int flags, int mode)
{
	char path[PATH_MAX]; /* abs, "." and ".." resolved: the root lacks it */
	size_t n = 0;
	for (const char *s = abs; *s;) {
		s += strspn(s, "/");
		size_t len = strcspn(s, "/");
		if (len == 2 && !strncmp(s, "..", 2))
			while (n > 0 && path[--n] != '/')
				;
		else if (len && !(len == 1 && *s == '.'))
			n += snprintf(path + n, sizeof path - n, "/%.*s", (int)len, s);
		s += len;
		if (n >= sizeof path)
			return PROCFS_NONE;
	}
	path[n] = 0;
	const char *rest;
	if (p->shm_fd >= 0 && (rest = procfs_beneath(path, "/dev/shm")))
		return open_beneath(p->shm_fd, rest + strspn(rest, "/"), flags, mode);
	for (size_t i = 0; i < sizeof dev_nodes / sizeof dev_nodes[0]; i++)
		if (!strcmp(path, dev_nodes[i]))
			return procfs_host_open(path, flags, mode);
	for (size_t i = 0; i < sizeof dev_trees / sizeof dev_trees[0]; i++)
		if ((rest = procfs_beneath(path, dev_trees[i]))) {
			if (i == 1 && (flags & O_ACCMODE) != O_RDONLY)
				return -EACCES;
			int dir = open(dev_trees[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (dir < 0)
				return -ENOENT;
			int fd = open_beneath(dir, rest + strspn(rest, "/"), flags & ~O_CREAT, mode);
			close(dir);
			return fd;
		}
	if (!strcmp(path, "/dev/fd")) {
		strcpy(abs, "/proc/self/fd");
		return PROCFS_AGAIN;
	}
	return PROCFS_NONE;
}

void devfs_init(struct proc *p)
{
	for (size_t i = 0; i < sizeof dev_nodes / sizeof dev_nodes[0]; i++)
		stat(dev_nodes[i], &node_st[i]);
	struct stat st;
	for (size_t i = 0; i < sizeof dev_trees / sizeof dev_trees[0]; i++)
		if (stat(dev_trees[i], &st) == 0)
			tree_dev[i] = st.st_dev;
	if (stat("/proc", &st) == 0)
		proc_dev = st.st_dev;
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, p->root_fd, "/dev/shm", &how, sizeof how);
	if (fd >= 0 || p->root_len == 1) { /* the root's own (the host's for /) */
		if (fd >= 0)
			close(fd);
		return;
	}
	snprintf(p->shm_dir, sizeof p->shm_dir, "/dev/shm/uniproc-shm.XXXXXX");
	if (!mkdtemp(p->shm_dir)) {
		snprintf(p->shm_dir, sizeof p->shm_dir, "/tmp/uniproc-shm.XXXXXX");
		if (!mkdtemp(p->shm_dir))
			return;
	}
	chmod(p->shm_dir, 01777);
	tree_set_private_dir(p->shm_dir);
	fd = open(p->shm_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	p->shm_fd = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, UP_FD_MAX);
	if (fd >= 0)
		close(fd);
}
