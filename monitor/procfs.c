/*
 * /proc as the guest sees it, served by the monitor whatever the root
 * holds: true for the guest's view and silent about the host.
 *
 * - /proc lists the host's system-wide files (meminfo, stat, sys/...) and,
 *   of the processes, only those of the run (tree_member): any other pid,
 *   the host's or another run's, is ENOENT, as if it did not exist.
 * - /proc/PID of a process of the run (self, thread-self) serves an
 *   allowlist of entries (struct entry): files the monitor makes at open
 *   into a memfd (stat, status, cmdline, maps...: procfs_gen.c), host files
 *   of the monitor that say nothing of it (cgroup, oom_score_adj...), the
 *   magic links exe, cwd and root in the guest's terms, and the fd, fdinfo
 *   and task directories. The rest (mem, pagemap, environ of another,
 *   map_files, auxv, syscall...) does not exist.
 * - fds: only guest fds (below UP_FD_MAX); the monitor's are never listed,
 *   opened or read (fd/, fdinfo/ and the links).
 * - Directories are the host's, opened by the monitor; getdents64 filters
 *   their entries (procfs_getdents), so offsets, rewinddir and dup work as
 *   on Linux.
 *
 * Paths are parsed after /proc by components: "." and ".." are resolved
 * (/proc's directories hold no symlinks but self, thread-self, mounts and
 * net, expanded here, and the magic links, after which the rest of the path
 * is resolved again beneath the root from the link's guest target).
 * /dev and /sys are devfs.c's.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "monitor.h"

/* How an entry of /proc/PID is served. */
enum how {
	GEN,   /* made at open by procfs_gen.c */
	OWNGEN, /* the same, for the process itself only (EACCES for another) */
	HOSTF, /* the host's file for the monitor, read-only */
	HOSTW, /* the same, writable */
	HOSTD, /* the host's directory (namespaces, net) */
	LINK,  /* exe, cwd, root: the guest's */
	FDS,   /* fd/ */
	FDINFO, /* fdinfo/ */
	TASK,  /* task/ */
};
enum gen { G_NONE, G_STAT, G_STATUS, G_CMDLINE, G_ENVIRON, G_MAPS, G_SMAPS, G_LIMITS,
	   G_MOUNTS, G_MOUNTINFO };

static const struct entry {
	const char *name;
	enum how how;
	enum gen gen;
} entries[] = {
	{"stat", GEN, G_STAT}, {"status", GEN, G_STATUS}, {"cmdline", GEN, G_CMDLINE},
	{"limits", GEN, G_LIMITS}, {"mounts", GEN, G_MOUNTS}, {"mountinfo", GEN, G_MOUNTINFO},
	{"environ", OWNGEN, G_ENVIRON}, {"maps", OWNGEN, G_MAPS},
	{"smaps_rollup", OWNGEN, G_SMAPS},
	{"exe", LINK, 0}, {"cwd", LINK, 0}, {"root", LINK, 0},
	{"fd", FDS, 0}, {"fdinfo", FDINFO, 0}, {"task", TASK, 0},
	{"comm", HOSTW, 0}, {"oom_score_adj", HOSTW, 0}, {"oom_adj", HOSTW, 0},
	{"oom_score", HOSTF, 0}, {"loginuid", HOSTF, 0}, {"sessionid", HOSTF, 0},
	{"cgroup", HOSTF, 0}, {"io", HOSTF, 0}, {"statm", HOSTF, 0}, {"sched", HOSTF, 0},
	{"schedstat", HOSTF, 0}, {"wchan", HOSTF, 0}, {"personality", HOSTF, 0},
	{"uid_map", HOSTF, 0}, {"gid_map", HOSTF, 0}, {"projid_map", HOSTF, 0},
	{"setgroups", HOSTF, 0}, {"timerslack_ns", HOSTF, 0}, {"cpuset", HOSTF, 0},
	{"autogroup", HOSTF, 0}, {"ns", HOSTD, 0}, {"net", HOSTD, 0},
};

static const struct entry *entry(const char *name)
{
	for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
		if (!strcmp(entries[i].name, name))
			return &entries[i];
	return NULL;
}

/* System-wide files of /proc that would show the host itself: absent. */
static int hidden(const char *name)
{
	static const char *const names[] = {"kcore", "kmsg", "kpagecgroup", "kpagecount",
					    "kpageflags", "sysrq-trigger"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

/* A pid as /proc names it (digits, no leading zero), or 0. */
static int pid_name(const char *s)
{
	size_t n = strspn(s, "0123456789");
	if (!n || s[n] || n > 9 || s[0] == '0')
		return 0;
	return atoi(s);
}

/* An fd number as /proc names it, below UP_FD_MAX, or -1. */
static int fd_name(const char *s)
{
	size_t n = strspn(s, "0123456789");
	if (!n || s[n] || n > 4 || (s[0] == '0' && n > 1))
		return -1;
	int fd = atoi(s);
	return fd < UP_FD_MAX ? fd : -1;
}

/* A guest path beneath /proc, split. */
#define MAXC 48
struct ppath {
	char buf[PATH_MAX + 64]; /* the components, NUL-terminated */
	char *c[MAXC];           /* those after /proc */
	int n;
	const char *rest;        /* after a magic link followed: "" or "/...", raw */
};

/* Does the process entry c[0..n) end at a magic link (exe, cwd, root, fd/N)? */
static int at_magic(char **c, int n)
{
	if (n < 2 || !pid_name(c[0]))
		return 0;
	int i = n >= 4 && !strcmp(c[1], "task") ? 3 : 1;
	if (n == i + 1)
		return !strcmp(c[i], "exe") || !strcmp(c[i], "cwd") || !strcmp(c[i], "root");
	return n == i + 2 && !strcmp(c[i], "fd");
}

/* Push component s (len bytes) onto pp; 0 or -ENAMETOOLONG. */
static int push(struct ppath *pp, const char *s, size_t len)
{
	char *w = pp->n ? pp->c[pp->n - 1] + strlen(pp->c[pp->n - 1]) + 1 : pp->buf;
	if (pp->n == MAXC || w + len + 1 > pp->buf + sizeof pp->buf)
		return -ENAMETOOLONG;
	memcpy(w, s, len);
	w[len] = 0;
	pp->c[pp->n++] = w;
	return 0;
}

/*
 * Split guest path abs after /proc into pp, resolving "." and "..". The
 * symlinks self, thread-self, mounts and net at the top are expanded, but
 * not as the last component when nofollow (the link itself is meant); a
 * magic link followed stops the walk (pp->rest). PROCFS_NONE if abs is not
 * beneath /proc, 0, or -errno.
 */
static int parse(const char *abs, int nofollow, struct ppath *pp)
{
	const char *s = abs + strspn(abs, "/");
	if (abs[0] != '/' || strncmp(s, "proc", 4) || (s[4] && s[4] != '/'))
		return PROCFS_NONE;
	s += 4;
	pp->n = 0;
	pp->rest = NULL;
	char pid[16];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	while (*(s += strspn(s, "/"))) {
		size_t len = strcspn(s, "/");
		const char *next = s + len;
		int r = 0, last = !*next;
		if (len == 1 && s[0] == '.') {
		} else if (len == 2 && s[0] == '.' && s[1] == '.') {
			if (pp->n == 0)
				return PROCFS_NONE; /* /proc/..: no longer ours */
			pp->n--;
		} else if (pp->n == 0 && !(last && nofollow) && len == 4 && !strncmp(s, "self", 4)) {
			r = push(pp, pid, strlen(pid));
		} else if (pp->n == 0 && !(last && nofollow) && len == 11 && !strncmp(s, "thread-self", 11)) {
			r = push(pp, pid, strlen(pid));
			r = r ? r : push(pp, "task", 4);
			r = r ? r : push(pp, pid, strlen(pid));
		} else if (pp->n == 0 && !(last && nofollow) &&
			   ((len == 6 && !strncmp(s, "mounts", 6)) || (len == 3 && !strncmp(s, "net", 3)))) {
			r = push(pp, pid, strlen(pid));
			r = r ? r : push(pp, s, len);
		} else if (len > NAME_MAX) {
			return -ENAMETOOLONG;
		} else {
			r = push(pp, s, len);
			if (r == 0 && at_magic(pp->c, pp->n) && !(last && nofollow)) {
				pp->rest = next;
				return 0;
			}
		}
		if (r < 0)
			return r;
		s = next;
	}
	return 0;
}

/* What a /proc path names. */
enum kind { K_ERR, K_HOST, K_GEN, K_REDIRECT, K_OWNFD, K_LINK };
struct target {
	enum kind kind;
	int err;            /* K_ERR */
	int writable;       /* K_HOST: may be opened for writing */
	int denied;         /* K_GEN: another process's own-only file (stat only) */
	enum gen gen;       /* K_GEN */
	int pid, own, fd;   /* the process; K_OWNFD and K_LINK of fd/N: N */
	const char *link;   /* K_LINK: exe, cwd, root or fd */
	char path[PATH_MAX]; /* K_HOST and K_LINK: host path; K_REDIRECT: guest path */
};

static void join(char *out, size_t size, const char *pre, char **c, int n)
{
	size_t len = snprintf(out, size, "%s", pre);
	for (int i = 0; i < n && len < size; i++)
		len += snprintf(out + len, size - len, "/%s", c[i]);
}

static int err(struct target *t, int e)
{
	t->kind = K_ERR;
	t->err = e;
	return e;
}

/* Guest path of host path host (an fd's target outside the root: as is). */
static void guest_of(struct proc *p, const char *host, char *out)
{
	if (host[0] != '/' || path_to_guest(p, host, out) < 0)
		snprintf(out, PATH_MAX, "%s", host);
}

/* The guest path a magic link of process pid names, into out[PATH_MAX]. */
static int link_target(struct proc *p, const struct target *t, char *out)
{
	if (!strcmp(t->link, "root")) {
		strcpy(out, "/");
		return 0;
	}
	if (!strcmp(t->link, "exe")) {
		if (t->own)
			strcpy(out, p->exe);
		else if (tree_cmd(t->pid, out, NULL, 0) < 0)
			return -ENOENT;
		return 0;
	}
	if (!strcmp(t->link, "cwd") && t->own) {
		strcpy(out, p->cwd);
		return 0;
	}
	if (t->own) /* fd/N */
		return procfs_fd_link(p, t->fd, out) < 0 ? -ENOENT : 0;
	char host[PATH_MAX];
	ssize_t n = readlink(t->path, host, sizeof host - 1);
	if (n < 0)
		return -errno;
	host[n] = 0;
	guest_of(p, host, out);
	return 0;
}

/* The entry c[i..n) of process pid: *t. */
static int resolve_entry(struct proc *p, struct ppath *pp, int i, struct target *t)
{
	char **c = pp->c;
	int n = pp->n, more = n - i - 1;
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d", t->pid);
	const struct entry *e = entry(c[i]);
	if (!e)
		return err(t, -ENOENT);
	t->kind = K_HOST;
	switch (e->how) {
	case OWNGEN:
		t->denied = !t->own;
		/* fall through */
	case GEN:
		if (more)
			return err(t, -ENOTDIR);
		t->kind = K_GEN;
		t->gen = e->gen;
		join(t->path, sizeof t->path, dir, c + i, 1); /* for O_PATH */
		return 0;
	case HOSTW:
		t->writable = 1;
		/* fall through */
	case HOSTF:
		if (more)
			return err(t, -ENOTDIR);
		/* fall through */
	case HOSTD:
		join(t->path, sizeof t->path, dir, c + i, n - i);
		return 0;
	case TASK:
		return err(t, -ENOENT); /* task/TID/task */
	case LINK:
	case FDS:
		break;
	case FDINFO:
		if (more == 1 && fd_name(c[i + 1]) < 0)
			return err(t, -ENOENT);
		if (more > 1)
			return err(t, -ENOTDIR);
		join(t->path, sizeof t->path, dir, c + i, n - i);
		return 0;
	}
	if (e->how == FDS && !more) { /* the directory */
		join(t->path, sizeof t->path, dir, c + i, 1);
		return 0;
	}
	if (e->how == FDS && (t->fd = fd_name(c[i + 1])) < 0)
		return err(t, -ENOENT);
	join(t->path, sizeof t->path, dir, c + i, e->how == FDS ? 2 : 1);
	t->link = c[i];
	if (!pp->rest) { /* the link itself */
		t->kind = K_LINK;
		return 0;
	}
	if (e->how == FDS && t->own) {
		t->kind = K_OWNFD;
		return 0;
	}
	if (e->how == FDS && !*pp->rest) { /* another's file: the host follows its link */
		t->writable = 1;
		return 0;
	}
	char target[PATH_MAX];
	int r = link_target(p, t, target);
	if (r < 0)
		return err(t, r);
	if (target[0] != '/')
		return err(t, *pp->rest ? -ENOTDIR : -ENOENT);
	t->kind = K_REDIRECT;
	if (snprintf(t->path, sizeof t->path, "%s%s", target, pp->rest) >= PATH_MAX)
		return err(t, -ENAMETOOLONG);
	return 0;
}

/* What the /proc path pp names: *t (K_ERR with t->err for none). */
static int resolve(struct proc *p, struct ppath *pp, struct target *t)
{
	char **c = pp->c;
	int n = pp->n;
	memset(t, 0, offsetof(struct target, path));
	t->kind = K_HOST;
	if (n == 0) {
		strcpy(t->path, "/proc");
		return 0;
	}
	if (!(t->pid = pid_name(c[0]))) { /* system-wide: the host's, read-only */
		if (hidden(c[0]))
			return err(t, -ENOENT);
		join(t->path, sizeof t->path, "/proc", c, n);
		return 0;
	}
	if (!tree_member(t->pid))
		return err(t, -ENOENT);
	t->own = t->pid == getpid();
	int i = 1;
	if (n > 1 && !strcmp(c[1], "task")) {
		if (n > 2 && pid_name(c[2]) != t->pid && !(t->own && vcpu_of(pid_name(c[2]))))
			return err(t, -ENOENT);
		i = n > 2 ? 3 : 2;
		if (n <= 3) {
			join(t->path, sizeof t->path, "/proc", c, n);
			return 0;
		}
	}
	if (n == i) { /* the process's directory */
		join(t->path, sizeof t->path, "/proc", c, n);
		return 0;
	}
	return resolve_entry(p, pp, i, t);
}

/* An fd open read-only on len bytes of data (O_CLOEXEC if cloexec). */
static int memfd_of(const char *data, size_t len, int cloexec)
{
	int mfd = memfd_create("proc", MFD_CLOEXEC), fd = -1;
	if (mfd < 0)
		return -errno;
	if (write(mfd, data, len) == (ssize_t)len) {
		char link[FD_LINK_MAX];
		path_fd_link(mfd, link);
		fd = open(link, O_RDONLY | (cloexec ? O_CLOEXEC : 0));
		fd = fd < 0 ? -errno : fd;
	} else {
		fd = -EIO;
	}
	close(mfd);
	return fd;
}

/* Make the file t names, into a memfd. */
static int generate(struct proc *p, const struct target *t, int flags)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);
	if (!f)
		return -ENOMEM;
	int r = -ENOENT;
	switch (t->gen) {
	case G_STAT: r = procfs_gen_stat(p, t->pid, t->own, f); break;
	case G_STATUS: r = procfs_gen_status(p, t->pid, t->own, f); break;
	case G_CMDLINE: r = procfs_gen_cmdline(p, t->pid, t->own, f); break;
	case G_ENVIRON: r = procfs_gen_environ(p, f); break;
	case G_MAPS: r = procfs_gen_maps(p, f); break;
	case G_SMAPS: r = procfs_gen_smaps_rollup(p, f); break;
	case G_LIMITS: r = procfs_gen_limits(p, t->pid, t->own, f); break;
	case G_MOUNTS: r = procfs_gen_mounts(p, 0, f); break;
	case G_MOUNTINFO: r = procfs_gen_mounts(p, 1, f); break;
	case G_NONE: break;
	}
	fclose(f);
	if (r == -ENOENT || r == -ESRCH) /* it ended meanwhile */
		r = -ENOENT;
	if (r >= 0)
		r = memfd_of(data, len, flags & O_CLOEXEC);
	free(data);
	return r;
}

/* Is path s prefix, or beneath it? Then what follows ("" or "/..."). */
const char *procfs_beneath(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return !strncmp(s, prefix, n) && (!s[n] || s[n] == '/') ? s + n : NULL;
}

/* Would an open with flags write to the file, or truncate it? */
static int writes(int flags)
{
	return !(flags & O_PATH) && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC));
}

int procfs_host_open(const char *path, int flags, int mode)
{
	int fd = open(path, (int)path_flags(flags) & ~(O_CREAT | (O_TMPFILE & ~O_DIRECTORY)), mode & 07777);
	return fd < 0 ? -errno : fd;
}

/* /dev/fd/N with N past the guest's fds (the monitor's): none. */
static int dev_fd(const char *abs)
{
	if (strncmp(abs, "/dev/fd/", 8))
		return PROCFS_NONE;
	const char *n = abs + 8 + strspn(abs + 8, "/");
	size_t digits = strspn(n, "0123456789");
	if (digits && (!n[digits] || n[digits] == '/') && (digits > 4 || atoi(n) >= UP_FD_MAX))
		return -ENOENT;
	return PROCFS_NONE;
}

int procfs_open(struct proc *p, char *abs, int flags, int mode)
{
	struct ppath pp;
	static struct target t;
	int r = dev_fd(abs);
	if (r != PROCFS_NONE)
		return r;
	if ((r = parse(abs, (flags & O_NOFOLLOW) != 0, &pp)) < 0)
		return r;
	if ((r = resolve(p, &pp, &t)) < 0)
		return r;
	switch (t.kind) {
	case K_REDIRECT:
		strcpy(abs, t.path);
		return PROCFS_AGAIN;
	case K_OWNFD: { /* path.c serves the guest's own fds */
		char own[PATH_MAX];
		if (snprintf(own, sizeof own, "/proc/self/fd/%d%s", t.fd, pp.rest) >= PATH_MAX)
			return -ENAMETOOLONG;
		if (!strcmp(own, abs))
			return PROCFS_NONE;
		strcpy(abs, own);
		return PROCFS_AGAIN;
	}
	case K_GEN:
		if (flags & O_PATH)
			return procfs_host_open(t.path, flags, 0);
		if (writes(flags) || t.denied)
			return -EACCES;
		if (flags & O_DIRECTORY)
			return -ENOTDIR;
		return generate(p, &t, flags);
	case K_HOST:
		if (writes(flags) && !t.writable)
			return -EACCES;
		/* fall through */
	case K_LINK: /* not followed: the host refuses (ELOOP) but for O_PATH */
		return procfs_host_open(t.path, flags, mode);
	case K_ERR:
		break;
	}
	return t.err;
}

int procfs_readlink(struct proc *p, char *abs, char *out)
{
	struct ppath pp;
	static struct target t;
	int r = parse(abs, 1, &pp);
	if (r < 0)
		return r;
	if ((r = resolve(p, &pp, &t)) < 0)
		return r;
	if (t.kind == K_REDIRECT) {
		strcpy(abs, t.path);
		return PROCFS_AGAIN;
	}
	if (t.kind != K_LINK)
		return PROCFS_NONE; /* the host's link (self, ns/...), or none */
	if ((r = link_target(p, &t, out)) < 0)
		return r;
	return (int)strlen(out);
}

int procfs_fd_link(struct proc *p, int fd, char *out)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -ENOENT;
	if (pipe_is_ring(fd)) {
		snprintf(out, PATH_MAX, "pipe:[%lu]", (unsigned long)st.st_ino);
	} else if (path_of_fd(p, fd, out) < 0) {
		char link[FD_LINK_MAX];
		path_fd_link(fd, link);
		ssize_t n = readlink(link, out, PATH_MAX - 1);
		if (n < 0)
			return -errno;
		out[n] = 0;
	}
	return (int)strlen(out);
}


int procfs_guest_path(struct proc *p, int fd, const char *host, char *out)
{
	struct statfs sf;
	if (procfs_beneath(host, "/proc") && fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC) {
		snprintf(out, PATH_MAX, "%s", host);
		return 0;
	}
	return devfs_guest_path(p, host, out);
}

/* Which /proc directory a host directory fd lists: what its entries show. */
enum dirkind { D_ANY, D_ROOT, D_PID, D_FDS, D_TASK, D_FOREIGN };

static enum dirkind dir_kind(int fd, int *pid)
{
	char host[PATH_MAX], link[FD_LINK_MAX];
	path_fd_link(fd, link);
	ssize_t n = readlink(link, host, sizeof host - 1);
	if (n < 0)
		return D_FOREIGN;
	host[n] = 0;
	const char *rest = procfs_beneath(host, "/proc");
	if (!rest)
		return D_FOREIGN; /* a procfs mounted elsewhere: no process but ours */
	struct ppath pp;
	if (parse(host, 1, &pp) < 0)
		return D_ANY;
	char **c = pp.c;
	if (pp.n == 0)
		return D_ROOT;
	if (!(*pid = pid_name(c[0])))
		return D_ANY;
	int i = pp.n >= 3 && !strcmp(c[1], "task") ? 3 : 1;
	if (pp.n == i)
		return D_PID;
	if (pp.n == 2 && !strcmp(c[1], "task"))
		return D_TASK;
	if (pp.n == i + 1 && (!strcmp(c[i], "fd") || !strcmp(c[i], "fdinfo")))
		return D_FDS;
	return D_ANY;
}

static int by_value(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The run's live pids, sorted, while a directory of /proc is listed
   (tree_pids: one look at the run's table, not one per host pid). */
static int *listed, nlisted;

/* Does the guest see the entry name of a directory of kind k? */
static int shown(enum dirkind k, int pid, const char *name)
{
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 1;
	switch (k) {
	case D_ROOT:
	case D_FOREIGN: {
		int n = pid_name(name);
		if (n)
			return listed && bsearch(&n, listed, nlisted, sizeof n, by_value);
		return strspn(name, "0123456789") ? 0 : !hidden(name);
	}
	case D_PID:
		return entry(name) != NULL;
	case D_FDS:
		return fd_name(name) >= 0;
	case D_TASK: /* our threads (vcpu.c); another process's main thread */
		return pid_name(name) == pid || (pid == getpid() && vcpu_of(pid_name(name)));
	case D_ANY:
		break;
	}
	return 1;
}

long procfs_getdents(struct proc *p, int fd, void *buf, size_t len)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
		return PROCFS_NONE;
	int pid = 0;
	enum dirkind k = dir_kind(fd, &pid);
	if (k == D_ANY)
		return PROCFS_NONE;
	static char tmp[65536];
	long r = 0;
	if (k == D_ROOT || k == D_FOREIGN) {
		listed = tree_pids(&nlisted);
		if (listed)
			qsort(listed, nlisted, sizeof *listed, by_value);
	}
	while (r == 0) { /* until an entry is shown, or the end */
		long n = getdents64(fd, tmp, len < sizeof tmp ? len : sizeof tmp);
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		for (long at = 0; at < n;) {
			struct dirent64 *d = (struct dirent64 *)(tmp + at);
			if (shown(k, pid, d->d_name)) {
				memcpy((char *)buf + r, d, d->d_reclen);
				r += d->d_reclen;
			}
			at += d->d_reclen;
		}
	}
	free(listed);
	listed = NULL;
	return r;
}

void procfs_stat(int fd, int transient, struct stat *st, struct statx *stx)
{
	struct statfs sf;
	int pid = 0;
	if (!S_ISDIR(st ? st->st_mode : stx->stx_mode) || fstatfs(fd, &sf) < 0 ||
	    sf.f_type != PROC_SUPER_MAGIC || dir_kind(fd, &pid) != D_FDS ||
	    (st ? st->st_size : (off_t)stx->stx_size) == 0) /* fdinfo/ */
		return;
	char link[FD_LINK_MAX];
	path_fd_link(fd, link);
	int dir = open(link, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n, count = 0;
	static char tmp[65536];
	while (dir >= 0 && (n = getdents64(dir, tmp, sizeof tmp)) > 0)
		for (long at = 0; at < n; at += ((struct dirent64 *)(tmp + at))->d_reclen) {
			int f = fd_name(((struct dirent64 *)(tmp + at))->d_name);
			count += f >= 0 && !(pid == getpid() && (f == dir || f == transient));
		}
	if (dir >= 0)
		close(dir);
	if (st)
		st->st_size = count;
	else
		stx->stx_size = count;
}
