/* Path confinement: hostile paths never resolve outside --root. */
#include "../../monitor/path.c"
#include "check.h"

#include <sys/stat.h>

int tree_runs_exe(uint64_t dev, uint64_t ino) { return 0; }

int hsys_fd(uint64_t v)
{
	int fd = (int)v;
	return fd >= 0 && fd < UP_FD_MAX ? fd : -1;
}

/* procfs.c serves no entry in this test. */
int procfs_open(struct proc *p, char *abs, int flags, int mode)
{
	if (strcmp(abs, "/proc/cpuinfo") == 0) /* a system-wide file: the host's */
		return open(abs, flags);
	return PROCFS_NONE;
}
int devfs_open(struct proc *p, char *abs, int flags, int mode) { return PROCFS_NONE; }
int procfs_readlink(struct proc *p, char *abs, char *out) { return PROCFS_NONE; }
int procfs_guest_path(struct proc *p, int fd, const char *host, char *out) { return -1; }
int procfs_fd_link(struct proc *p, int fd, char *out) { return -ENOENT; }

static struct proc p;
static char root[PATH_MAX];

/* The host path an fd resolved to lies beneath root. */
static int inside(int fd)
{
	char host[PATH_MAX];
	if (host_path_of_fd(fd, host) < 0)
		return 0;
	return strncmp(host, root, strlen(root)) == 0;
}

static void hostile(const char *path)
{
	int fd = path_open(&p, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd >= 0) {
		CHECK(inside(fd));
		if (!inside(fd))
			fprintf(stderr, "  escaped with %s\n", path);
		close(fd);
	}
	char last[NAME_MAX + 1];
	fd = path_parent(&p, AT_FDCWD, path, last);
	if (fd >= 0) {
		CHECK(inside(fd) && !strchr(last, '/'));
		close(fd);
	}
}

int main(void)
{
	char tmpl[] = "/tmp/uniproc-path.XXXXXX";
	char *top = mkdtemp(tmpl);
	CHECK(top != NULL);
	snprintf(root, sizeof root, "%s/root", top);
	char buf[PATH_MAX + 64];
	mkdir(root, 0755);
	snprintf(buf, sizeof buf, "%s/secret", top);
	close(open(buf, O_CREAT | O_WRONLY, 0600));
	snprintf(buf, sizeof buf, "%s/dir", root);
	mkdir(buf, 0755);
	snprintf(buf, sizeof buf, "%s/file", root);
	close(open(buf, O_CREAT | O_WRONLY, 0600));
#define LINK(target, name) (snprintf(buf, sizeof buf, "%s/%s", root, name), symlink(target, buf))
	LINK("/", "to-root");
	LINK("..", "dotdot");
	LINK("../../../../..", "far-up");
	LINK("/../secret", "abs-secret");
	LINK("/proc/self/root", "proc-root");
	LINK("dir/../../secret", "rel-secret");

	p.log_fd = 2;
	path_init(&p, root);
	CHECK(strcmp(p.root, root) == 0);
	CHECK(strcmp(p.cwd, "/") == 0); /* the test's cwd is outside the root */

	const char *paths[] = {
		"../secret", "/../secret", "../../../../../../secret", "dir/../../secret",
		"to-root/../secret", "dotdot/secret", "far-up/secret", "abs-secret",
		"rel-secret", "proc-root/etc/passwd", "/proc/self/root/etc/passwd",
		"/proc/self/cwd", "//..//..//secret", "./../secret", "/proc/self/fd/0/../secret",
		"/dev/fd/0/..", "/proc/self/fd/1500", "/dev/fd/99999999999",
		"dir/../dir/../../secret", "..", "/..", "to-root", "far-up", "dotdot/..",
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		hostile(paths[i]);

	/* What must resolve does, and stays inside. */
	int fd = path_open(&p, AT_FDCWD, "dir/../file", O_RDONLY, 0);
	CHECK(fd >= 0 && inside(fd));
	close(fd);
	CHECK(path_open(&p, AT_FDCWD, "abs-secret", O_RDONLY, 0) == -ENOENT);
	/* The guest's own fds, by /proc/self/fd/N or /dev/fd/N: the same file,
	   and a directory's fd joins the rest of the path beneath the root. */
	int dir = path_open(&p, AT_FDCWD, "dir", O_RDONLY | O_DIRECTORY, 0);
	CHECK(dir >= 0 && dir < UP_FD_MAX);
	snprintf(buf, sizeof buf, "/dev/fd/%d/../file", dir);
	fd = path_open(&p, AT_FDCWD, buf, O_RDONLY, 0);
	CHECK(fd >= 0 && inside(fd));
	close(fd);
	snprintf(buf, sizeof buf, "/proc/self/fd/%d/../../secret", dir);
	CHECK(path_open(&p, AT_FDCWD, buf, O_RDONLY, 0) == -ENOENT);
	snprintf(buf, sizeof buf, "/proc/self/fd/%d", dir);
	fd = path_open(&p, AT_FDCWD, buf, O_RDONLY | O_DIRECTORY, 0);
	CHECK(fd >= 0 && inside(fd));
	close(fd);
	close(dir);
	CHECK(path_open(&p, AT_FDCWD, buf, O_RDONLY, 0) == -ENOENT); /* closed */
	/* The monitor's own fds (above UP_FD_MAX) are never reached. */
	snprintf(buf, sizeof buf, "/proc/self/fd/%d", p.root_fd);
	CHECK(path_open(&p, AT_FDCWD, buf, O_RDONLY, 0) < 0);
	CHECK(path_open(&p, AT_FDCWD, "", O_RDONLY, 0) == -ENOENT);
	char last[NAME_MAX + 1];
	CHECK(path_parent(&p, AT_FDCWD, "dir/..", last) == -EBUSY);
	CHECK(path_parent(&p, AT_FDCWD, "/", last) == -EBUSY);
	fd = path_parent(&p, AT_FDCWD, "../../new", last);
	CHECK(fd >= 0 && inside(fd) && strcmp(last, "new") == 0);
	close(fd);

	/* A host procfs reached through the root (root "/") is never opened as
	   such: path.c hands its name to procfs.c (a stub here, serving none). */
	struct proc q = {.log_fd = 2};
	path_init(&q, "/");
	CHECK(path_open(&q, AT_FDCWD, "/proc/self/mem", O_RDONLY, 0) < 0);
	CHECK(path_open(&q, AT_FDCWD, "/proc/self/environ", O_RDONLY, 0) < 0);
	CHECK(path_open(&q, AT_FDCWD, "/proc/1/mem", O_RDONLY, 0) < 0);
	CHECK(path_open(&q, AT_FDCWD, "/proc/self/mem", O_PATH, 0) < 0);
	snprintf(buf, sizeof buf, "/proc/self/fd/%d", q.root_fd); /* a monitor fd */
	CHECK(path_open(&q, AT_FDCWD, buf, O_RDONLY, 0) < 0);
	CHECK(path_open(&q, AT_FDCWD, "/proc/self/fd/0/../mem", O_RDONLY, 0) < 0);
	snprintf(buf, sizeof buf, "%s/mem", top); /* a symlink into /proc */
	symlink("/proc/self/mem", buf);
	CHECK(path_open(&q, AT_FDCWD, buf, O_RDONLY, 0) < 0);
	CHECK(path_open(&q, AT_FDCWD, buf, O_RDWR, 0) < 0);
	fd = path_open(&q, AT_FDCWD, "/proc/cpuinfo", O_RDONLY, 0);
	CHECK(fd >= 0);
	close(fd);

	snprintf(buf, sizeof buf, "rm -rf '%s'", top);
	CHECK(system(buf) == 0);
	DONE();
}
