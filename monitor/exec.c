/*
 * execve(2). Checks everything that can fail while the caller can still
 * carry on (path, permissions, format, size); then the same process and VM
 * take the new program (proc_exec in main.c): fresh guest memory, and what
 * Linux keeps is kept: the pid, the parent, the cwd, the umask, ignored
 * signals, the signal mask and every fd without FD_CLOEXEC.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsys.h"

#define ARG_MAX_BYTES (2 << 20)
#define MAX_ARGS 65536

/* Copy a guest NULL-terminated array of strings; count or -errno. out is
   NULL-terminated either way, for free_strv. */
static long copy_strv(struct proc *p, uint64_t gpa, char **out, int max, size_t *bytes)
{
	int n = 0;
	long r = 0;
	for (;; n++) {
		out[n] = NULL;
		const uint64_t *slot = gmem_ptr(&p->vm, gpa + 8 * (uint64_t)n, 8);
		if (!slot) {
			r = gpa ? -EFAULT : 0;
			break;
		}
		if (!*slot)
			break;
		if (n + 1 >= max) {
			r = -E2BIG;
			break;
		}
		char buf[PATH_MAX * 8];
		int e = gmem_str(&p->vm, *slot, buf, sizeof buf);
		if (e < 0) {
			r = e == -ENAMETOOLONG ? -E2BIG : e;
			break;
		}
		*bytes += strlen(buf) + 1 + sizeof(char *);
		if (*bytes > ARG_MAX_BYTES) {
			r = -E2BIG;
			break;
		}
		out[n] = strdup(buf);
	}
	return r < 0 ? r : n;
}

static void free_strv(char **v)
{
	for (int i = 0; v && v[i]; i++) {
		free(v[i]);
		v[i] = NULL;
	}
}

/* Open path for exec: a regular file we may execute. fd or -errno. */
static int open_exec(struct proc *p, int dirfd, const char *path)
{
	int fd = path_open(p, dirfd, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	struct stat st;
	char self[FD_LINK_MAX];
	path_fd_link(fd, self);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || access(self, X_OK) < 0) {
		close(fd);
		return -EACCES;
	}
	return fd;
}

/* A dynamic program's interpreter: missing gives ENOENT, and one that is not
   a loadable ELF ENOEXEC, as on Linux. */
static int check_interp(struct proc *p, const char *interp)
{
	int fd = path_open(p, AT_FDCWD, interp, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	struct stat st;
	void *d = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size
			  ? mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
			  : MAP_FAILED;
	close(fd);
	if (d == MAP_FAILED)
		return -ENOEXEC;
	if ((size_t)st.st_size < sizeof(Elf64_Ehdr)) { /* Linux reads the header: EIO */
		munmap(d, st.st_size);
		return -EIO;
	}
	char why[256], nested[PATH_MAX];
	int bad = elf_check(&p->vm, d, st.st_size, nested, why, sizeof why);
	munmap(d, st.st_size);
	if (bad || nested[0]) {
		dprintf(p->log_fd, "uniproc: execve: interpreter %s: %s\n", interp,
			bad ? why : "has an interpreter itself");
		return -ENOEXEC;
	}
	return 0;
}

/*
 * Decide what to run: an ELF we can load, or a #! script's interpreter.
 * Fills exe (the guest path to load) and may prepend to argv. 0 or -errno.
 */
static int resolve(struct proc *p, int dirfd, const char *path, char *exe, char **argv, int *argc)
{
	char cur[PATH_MAX + 2];
	if (path_names_exe(p, dirfd, path)) /* what it names here, not in the new monitor */
		path = p->exe;
	snprintf(cur, sizeof cur, "%s", path);
	for (int depth = 0; depth < 4; depth++) {
		int fd = open_exec(p, depth ? AT_FDCWD : dirfd, cur);
		if (fd < 0)
			return fd;
		struct stat st;
		fstat(fd, &st);
		size_t size = st.st_size;
		void *d = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
		close(fd);
		if (d == MAP_FAILED)
			return -ENOEXEC;
		if (size > 2 && !memcmp(d, "#!", 2)) {
			char line[256];
			size_t n = size < sizeof line - 1 ? size : sizeof line - 1;
			memcpy(line, d, n);
			line[n] = 0;
			munmap(d, size);
			line[strcspn(line, "\n")] = 0;
			char *interp = line + 2 + strspn(line + 2, " \t");
			char *arg = interp + strcspn(interp, " \t");
			if (*arg) {
				*arg++ = 0;
				arg += strspn(arg, " \t");
			}
			if (!*interp || *argc + 3 >= MAX_ARGS)
				return -ENOEXEC;
			/* argv becomes: interp [arg] script args-after-argv0 */
			int extra = *arg ? 2 : 1;
			free(argv[0]);
			memmove(argv + extra + 1, argv + 1, *argc * sizeof *argv);
			argv[0] = strdup(interp);
			if (*arg)
				argv[1] = strdup(arg);
			argv[extra] = strdup(cur);
			*argc += extra;
			snprintf(cur, sizeof cur, "%s", interp);
			continue;
		}
		char why[256], interp[PATH_MAX];
		int bad = elf_check(&p->vm, d, size, interp, why, sizeof why);
		munmap(d, size);
		if (bad) {
			dprintf(p->log_fd, "uniproc: execve %s: %s\n", cur, why);
			return -ENOEXEC;
		}
		if (interp[0] && (bad = check_interp(p, interp)) < 0)
			return bad;
		/* No PATH search in the new monitor: keep a relative path relative. */
		if (strlen(cur) + 3 > PATH_MAX)
			return -ENAMETOOLONG;
		snprintf(exe, PATH_MAX, "%s%.4093s", strchr(cur, '/') ? "" : "./", cur);
		return 0;
	}
	return -ELOOP;
}

static long do_execve(struct proc *p, int dirfd, uint64_t gpath, uint64_t gargv, uint64_t genvp)
{
	char path[PATH_MAX], exe[PATH_MAX];
	int r = gmem_str(&p->vm, gpath, path, sizeof path);
	if (r < 0)
		return r;
	static char *argv[MAX_ARGS + 4], *envp[MAX_ARGS];
	size_t bytes = 0;
	long argc = copy_strv(p, gargv, argv, MAX_ARGS, &bytes);
	long envc = argc < 0 ? 0 : copy_strv(p, genvp, envp, MAX_ARGS, &bytes);
	if (argc < 0 || envc < 0) {
		free_strv(argv);
		free_strv(envp);
		return argc < 0 ? argc : envc;
	}
	if (argc == 0) { /* Linux passes an empty argv[0] */
		argv[0] = strdup("");
		argv[1] = NULL;
		argc = 1;
	}
	int n = (int)argc;
	r = resolve(p, dirfd, path, exe, argv, &n);
	if (r < 0) {
		free_strv(argv);
		free_strv(envp);
		return r;
	}

	proc_exec(p, exe, argv, envp);
	p->execed = 1; /* no return value: the old program is gone */
	free_strv(argv);
	free_strv(envp);
	return 0;
}

HSYS(execve)
{
	return do_execve(p, AT_FDCWD, a[0], a[1], a[2]);
}

HSYS(execveat)
{
	if (a[4] & ~(uint64_t)AT_SYMLINK_NOFOLLOW)
		return -EINVAL; /* AT_EMPTY_PATH (fexecve) is not supported */
	return do_execve(p, (int)a[0], a[1], a[2], a[3]);
}
