/*
 * What runc's container process does before it runs the program, done by
 * the process that becomes the container's first monitor: namespaces (a
 * mount namespace always, of the monitor: its mounts are seen by every VM
 * of the container through --root), the config's mounts beneath the root
 * file system, the hostname, the terminal, limits and privileges. Then it
 * becomes `uniproc run --root ROOTFS ... ARGS` by exec of our own binary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "../include/uniproc/abi.h"
#include "oci.h"

static int fail(char *err, size_t es, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, es, fmt, ap);
	va_end(ap);
	return -1;
}

/* path beneath the directory rootfd, symlinks resolved inside it. */
static int open_beneath(int rootfd, const char *path, int flags)
{
	struct open_how how = {.flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

/*
 * An O_PATH handle of path beneath rootfd, made (with its parents, as
 * directories) if missing: a directory, or an empty file if file is set.
 * A path with a ".." component is refused.
 */
static int make_beneath(int rootfd, const char *path, int file)
{
	int fd = open_beneath(rootfd, path, O_PATH);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", path);
	char *slash = strrchr(parent, '/');
	while (slash && slash > parent && slash[1] == 0) { /* trailing slashes */
		*slash = 0;
		slash = strrchr(parent, '/');
	}
	if (!slash || !strcmp(slash + 1, "..") || !strcmp(slash + 1, ".") || !slash[1]) {
		errno = EINVAL;
		return -1;
	}
	char base[NAME_MAX + 1];
	snprintf(base, sizeof base, "%s", slash + 1);
	if (slash == parent)
		slash[1] = 0;
	else
		*slash = 0;
	int pfd = make_beneath(rootfd, parent, 0);
	if (pfd < 0)
		return -1;
	int dfd = open_beneath(rootfd, parent, O_DIRECTORY | O_RDONLY);
	close(pfd);
	if (dfd < 0)
		return -1;
	int r;
	if (file) {
		r = openat(dfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (r >= 0)
			close(r);
	} else {
		r = mkdirat(dfd, base, 0755);
	}
	close(dfd);
	if (r < 0 && errno != EEXIST)
		return -1;
	return open_beneath(rootfd, path, O_PATH);
}

static void fd_path(int fd, char *out)
{
	sprintf(out, "/proc/self/fd/%d", fd);
}

/* Types the monitor serves itself, whatever the root holds (procfs.c,
   devfs.c), or that mean nothing to a VM: nothing is mounted for them. */
static int served(const char *type)
{
	static const char *const t[] = {"proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2"};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(type, t[i]))
			return 1;
	return 0;
}

static int do_mount(int rootfd, const struct oci_mount *m, char *err, size_t es)
{
	char at[64];
	if (!m->bind && served(m->type))
		return 0;
	int file = 0;
	if (m->bind) {
		struct stat st;
		if (stat(m->source, &st) < 0)
			return fail(err, es, "mount %s: source %s: %s", m->dest, m->source,
				    strerror(errno));
		file = !S_ISDIR(st.st_mode);
	}
	int fd = make_beneath(rootfd, m->dest, file);
	if (fd < 0)
		return fail(err, es, "mount %s: cannot make it beneath the root: %s", m->dest,
			    strerror(errno));
	fd_path(fd, at);
	int r;
	if (m->bind)
		r = mount(m->source, at, NULL, MS_BIND | (m->flags & MS_REC), NULL);
	else
		r = mount(m->source ? m->source : m->type, at, m->type, m->flags, m->data);
	close(fd);
	if (r < 0)
		return fail(err, es, "mount %s (%s%s%s): %s", m->dest, m->bind ? "bind" : m->type,
			    m->data ? " " : "", m->data ? m->data : "", strerror(errno));
	/* The handle of what is mounted there now. */
	fd = open_beneath(rootfd, m->dest, O_PATH);
	if (fd < 0)
		return fail(err, es, "mount %s: %s", m->dest, strerror(errno));
	fd_path(fd, at);
	unsigned long flags = m->flags & ~(unsigned long)(MS_REC | MS_REMOUNT);
	if (m->bind && flags && mount(NULL, at, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
		r = fail(err, es, "mount %s: remount with its options: %s", m->dest, strerror(errno));
	if (r == 0 && m->prop && mount(NULL, at, NULL, m->prop, NULL) < 0)
		r = fail(err, es, "mount %s: propagation: %s", m->dest, strerror(errno));
	close(fd);
	return r;
}

static int join_ns(const char *path, int type, const char *name, char *err, size_t es)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, es, "%s namespace %s: %s", name, path, strerror(errno));
	int r = setns(fd, type);
	close(fd);
	if (r < 0)
		return fail(err, es, "%s namespace %s: setns: %s", name, path, strerror(errno));
	return 0;
}

static const int ns_clone[NS_COUNT] = {CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWUTS, CLONE_NEWIPC,
				       CLONE_NEWPID, CLONE_NEWUSER, CLONE_NEWCGROUP, 0};

int oci_setup_container(const struct oci_config *c, char *err, size_t es)
{
	/* Namespaces given by path are joined; net, uts and ipc without one
	   are new. There is no pid namespace (the monitor's /proc shows the
	   container's processes only) nor cgroup namespace; a mount
	   namespace of our own is always made. */
	int flags = CLONE_NEWNS;
	for (int k = 0; k < NS_COUNT; k++) {
		if (!c->has_ns[k] || k == NS_PID || k == NS_CGROUP || k == NS_TIME)
			continue;
		if (c->ns_path[k]) {
			if (k == NS_MOUNT)
				return fail(err, es, "a mount namespace given by path is not supported");
			if (join_ns(c->ns_path[k], ns_clone[k], oci_ns_names[k], err, es) < 0)
				return -1;
		} else {
			flags |= ns_clone[k];
		}
	}
	if (unshare(flags) < 0)
		return fail(err, es, "unshare namespaces: %s", strerror(errno));
	if (mount(NULL, "/", NULL, c->rootfs_prop, NULL) < 0)
		return fail(err, es, "mount propagation of /: %s", strerror(errno));
	/* The root file system is a mount of its own (so it can be read-only). */
	if (mount(c->root, c->root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail(err, es, "bind mount of the root %s: %s", c->root, strerror(errno));
	int rootfd = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return fail(err, es, "root %s: %s", c->root, strerror(errno));
	for (int i = 0; i < c->nmounts; i++)
		if (do_mount(rootfd, &c->mounts[i], err, es) < 0) {
			close(rootfd);
			return -1;
		}
	close(rootfd);
	for (int i = 0; i < c->nsysctls; i++) {
		char path[PATH_MAX];
		int n = snprintf(path, sizeof path, "/proc/sys/%s", c->sysctl_keys[i]);
		for (char *s = path + 10; s < path + n; s++)
			if (*s == '.')
				*s = '/';
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		size_t len = strlen(c->sysctl_values[i]);
		if (fd < 0 || write(fd, c->sysctl_values[i], len) != (ssize_t)len) {
			fail(err, es, "sysctl %s: %s", c->sysctl_keys[i], strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return fail(err, es, "hostname %s: %s", c->hostname, strerror(errno));
	if (c->readonly && mount(NULL, c->root, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return fail(err, es, "read-only root: %s", strerror(errno));
	return 0;
}

int oci_join_container(pid_t init, const struct oci_config *c, char *err, size_t es)
{
	static const struct { const char *name; int type; } order[] = {
		{"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"net", CLONE_NEWNET},
		{"mnt", CLONE_NEWNS}};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		char path[64];
		struct stat a, b;
		snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)init, order[i].name);
		if (stat(path, &a) < 0)
			return fail(err, es, "container process %d: %s", (int)init, strerror(errno));
		snprintf(path + 5, sizeof path - 5, "self/ns/%s", order[i].name);
		if (stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			continue; /* already there */
		snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)init, order[i].name);
		if (join_ns(path, order[i].type, order[i].name, err, es) < 0)
			return -1;
	}
	return 0;
}

/* Send the pty master to the console socket (SCM_RIGHTS), as runc does. */
static int send_console(const char *sock_path, int master, char *err, size_t es)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(sock_path) >= sizeof sa.sun_path)
		return fail(err, es, "console socket %s: path too long", sock_path);
	strcpy(sa.sun_path, sock_path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fail(err, es, "console socket %s: %s", sock_path, strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	char name[] = "/dev/ptmx";
	struct iovec iov = {name, sizeof name - 1};
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			     .msg_controllen = sizeof u.b};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &master, sizeof(int));
	int r = sendmsg(s, &msg, 0) < 0 ? fail(err, es, "console socket: %s", strerror(errno)) : 0;
	close(s);
	return r;
}

/* A pty whose master goes to the console socket, the slave our stdio. */
static int setup_terminal(const struct oci_process *p, const char *sock, char *err, size_t es)
{
	if (!sock)
		return fail(err, es, "process.terminal is set but no --console-socket was given");
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return fail(err, es, "pty: %s", strerror(errno));
	char *name = ptsname(m);
	int s = name ? open(name, O_RDWR | O_NOCTTY) : -1;
	if (s < 0)
		return fail(err, es, "pty %s: %s", name ? name : "?", strerror(errno));
	if (p->rows && p->cols) {
		struct winsize ws = {.ws_row = p->rows, .ws_col = p->cols};
		ioctl(s, TIOCSWINSZ, &ws);
	}
	if (send_console(sock, m, err, es) < 0)
		return -1;
	close(m);
	if (ioctl(s, TIOCSCTTY, 0) < 0)
		return fail(err, es, "pty: controlling terminal: %s", strerror(errno));
	for (int fd = 0; fd < 3; fd++)
		dup2(s, fd);
	if (s > 2)
		close(s);
	return 0;
}

int oci_setup_process(const struct oci_process *p, const char *console_socket, int preserve_fds,
		      char *err, size_t es)
{
	setsid(); /* a session of its own, as runc's container process */
	if (p->terminal && setup_terminal(p, console_socket, err, es) < 0)
		return -1;
	/* Only stdio and the descriptors the caller preserves reach the program. */
	syscall(SYS_close_range, 3 + preserve_fds, ~0u, 4 /* CLOSE_RANGE_CLOEXEC */);
	for (int i = 0; i < p->nrlimits; i++) {
		struct rlimit want = p->rlimits[i].lim, have;
		int res = p->rlimits[i].resource;
		/* The monitor keeps fds from UP_FD_MAX up for itself; the guest
		   sees at most UP_FD_MAX whatever the host limit is. */
		if (res == RLIMIT_NOFILE && want.rlim_max < UP_FD_MAX + 64)
			continue;
		if (setrlimit(res, &want) == 0)
			continue;
		/* Raising a hard limit needs CAP_SYS_RESOURCE: keep the highest
		   we may have (a lower limit than asked, never a higher one). */
		if (errno != EPERM || getrlimit(res, &have) < 0)
			return fail(err, es, "rlimit %d: %s", res, strerror(errno));
		if (want.rlim_max > have.rlim_max)
			want.rlim_max = have.rlim_max;
		if (want.rlim_cur > want.rlim_max)
			want.rlim_cur = want.rlim_max;
		if (setrlimit(res, &want) < 0)
			return fail(err, es, "rlimit %d: %s", res, strerror(errno));
	}
	if (p->has_caps) {
		/* Our own bounding set: what exec gives the (root) monitor. */
		for (int cap = 0; cap < 64; cap++)
			if (!(p->bounding >> cap & 1) && cap != 8 /* CAP_SETPCAP, last */ &&
			    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				return fail(err, es, "capability %d: %s", cap, strerror(errno));
		if (!(p->bounding >> 8 & 1) && prctl(PR_CAPBSET_DROP, 8, 0, 0, 0) < 0)
			return fail(err, es, "capability CAP_SETPCAP: %s", strerror(errno));
	}
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(err, es, "no_new_privs: %s", strerror(errno));
	return 0;
}

void oci_exec_run(int self_fd, const struct oci_config *c, const struct oci_process *p,
		  char *err, size_t es)
{
	int rootfd = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int cwd = rootfd < 0 ? -1 : make_beneath(rootfd, p->cwd, 0);
	if (cwd < 0 || fchdir(cwd) < 0) {
		fail(err, es, "process.cwd %s: %s", p->cwd, strerror(errno));
		return;
	}
	close(cwd);
	close(rootfd);
	int n = 0;
	for (char **a = p->args; *a; a++)
		n++;
	char **argv = calloc(n + 16, sizeof *argv);
	char procs[32], user[32 + OCI_MAX_GROUPS * 12];
	int k = 0;
	argv[k++] = "uniproc";
	argv[k++] = "run";
	argv[k++] = "--root";
	argv[k++] = c->root;
	argv[k++] = "--ipc"; /* the container's IPC namespace, made or joined here */
	argv[k++] = "host";
	argv[k++] = "--keep-caps"; /* the config's capabilities, set above */
	if (c->pids_limit > 0) {
		snprintf(procs, sizeof procs, "%ld", c->pids_limit);
		argv[k++] = "--max-procs";
		argv[k++] = procs;
	}
	if (p->uid || p->gid || p->ngroups) {
		int len = snprintf(user, sizeof user, "%u:%u", p->uid, p->gid);
		for (int i = 0; i < p->ngroups; i++)
			len += snprintf(user + len, sizeof user - len, "%s%u", i ? "," : ":",
					p->groups[i]);
		argv[k++] = "--user";
		argv[k++] = user;
	}
	argv[k++] = "--";
	for (int i = 0; i < n; i++)
		argv[k++] = p->args[i];
	syscall(SYS_execveat, self_fd, "", argv, p->env, AT_EMPTY_PATH);
	fail(err, es, "exec of uniproc run: %s", strerror(errno));
}
