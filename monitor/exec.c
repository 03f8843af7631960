/*
 * execve(2). Checks everything that can fail while the caller can still
 * carry on (path, permissions, format, interpreter, size), keeping the
 * files it checked open; then the same process and VM take the new program
 * from them (proc_exec in main.c): fresh guest memory, and what Linux keeps
 * is kept: the pid, the parent, the cwd, the umask, ignored signals, the
 * signal mask and every fd without FD_CLOEXEC.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsys.h"

#define MAX_ARGS 65536
#define MAX_ARG_STRLEN 131072 /* Linux's limit for one string, its NUL included */
#define MAX_DEPTH 4           /* #! scripts naming scripts, as Linux allows */

/* Copy a guest NULL-terminated array of strings; count or -errno. out is
   NULL-terminated either way, for free_strv. */
static long copy_strv(struct proc *p, uint64_t gpa, char **out, int max, size_t *bytes)
{
	static char buf[MAX_ARG_STRLEN];
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
		int e = gmem_str(&p->vm, *slot, buf, sizeof buf);
		if (e < 0) {
			r = e == -ENAMETOOLONG ? -E2BIG : e;
			break;
		}
		*bytes += strlen(buf) + 1 + sizeof(char *);
		if (*bytes > STACK_ARG_MAX) {
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

/* Move a monitor-private fd out of the guest's range (execve closes the
   guest's CLOEXEC fds). fd or -errno. */
static int hide(int fd)
{
	if (fd < 0)
		return fd;
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, UP_FD_MAX);
	close(fd);
	return hi < 0 ? -EMFILE : hi;
}

int exec_open(struct proc *p, int dirfd, const char *path)
{
	int fd = path_open(p, dirfd, path, O_PATH | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	struct stat st;
	char self[FD_LINK_MAX];
	path_fd_link(fd, self);
	int r = fstat(fd, &st) < 0 ? -errno : 0;
	if (r == 0 && (!S_ISREG(st.st_mode) || faccessat(AT_FDCWD, self, X_OK, AT_EACCESS) < 0))
		r = -EACCES;
	if (r == 0 && (r = open(self, O_RDONLY | O_CLOEXEC)) < 0)
		r = -errno;
	close(fd);
	return hide(r);
}

/* Map the file open at fd for reading; NULL if it is empty or cannot be. */
static void *map_file(int fd, size_t *size)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size <= 0)
		return NULL;
	void *d = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	*size = st.st_size;
	return d == MAP_FAILED ? NULL : d;
}

static int why(struct exec_image *img, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(img->why, sizeof img->why, fmt, ap);
	va_end(ap);
	return err;
}

/*
 * A #! line (NUL-terminated, "#!" included): argv becomes interp [arg]
 * script args-after-argv0, as Linux makes it; the interpreter's path goes
 * to next. 0, or -ENOEXEC.
 */
static int script(char *line, const char *cur, char **argv, int *argc, char *next)
{
	line[strcspn(line, "\n")] = 0;
	char *interp = line + 2 + strspn(line + 2, " \t");
	char *arg = interp + strcspn(interp, " \t");
	if (*arg) {
		*arg++ = 0;
		arg += strspn(arg, " \t");
	}
	if (!*interp || *argc + 3 >= MAX_ARGS)
		return -ENOEXEC;
	int extra = *arg ? 2 : 1;
	free(argv[0]);
	memmove(argv + extra + 1, argv + 1, *argc * sizeof *argv);
	argv[0] = strdup(interp);
	if (*arg)
		argv[1] = strdup(arg);
	argv[extra] = strdup(cur);
	*argc += extra;
	snprintf(next, PATH_MAX, "%s", interp);
	return 0;
}

/*
 * The first line of the file open at fd, if it starts with #!, into
 * line[256] (what Linux reads of it). 1 if it does, 0 if not, -EIO if the
 * file shrank while we read it.
 */
static int shebang(int fd, char *line)
{
	size_t size = 0;
	uint8_t *d = map_file(fd, &size);
	size_t n = d ? (size < 255 ? size : 255) : 0;
	struct gmem_catch c;
	if (GMEM_CATCH(&c)) {
		munmap(d, size);
		return -EIO;
	}
	if (n)
		memcpy(line, d, n);
	gmem_uncatch(&c);
	line[n] = 0;
	if (d)
		munmap(d, size);
	return n > 2 && line[0] == '#' && line[1] == '!';
}

/*
 * Check the ELF file open at fd as it will load (base, top; base 0 for an
 * interpreter), filling info. what names it in reasons ("": the program
 * execve was given). 0 or -errno, with img->why set.
 */
static int check_elf(struct proc *p, int fd, const char *what, uint64_t base, uint64_t top,
		     struct elf_info *info, struct exec_image *img)
{
	const char *sep = *what ? ": " : "";
	size_t size = 0;
	uint8_t *d = map_file(fd, &size);
	if (!d)
		return why(img, -ENOEXEC, "%s%snot an ELF file (empty)", what, sep);
	if (base == 0 && size < sizeof(Elf64_Ehdr)) {
		munmap(d, size); /* Linux reads an interpreter's whole header: EIO */
		return why(img, -EIO, "%s%struncated ELF header", what, sep);
	}
	char err[200];
	struct gmem_catch c;
	int r = 0;
	if (GMEM_CATCH(&c)) { /* the file shrank while we read it */
		munmap(d, size);
		return why(img, -EIO, "%s%schanged while it was read", what, sep);
	}
	if (elf_check(&p->vm, d, size, base, top, info, err, sizeof err) < 0)
		r = why(img, -ENOEXEC, "%s%s%s", what, sep, err);
	gmem_uncatch(&c);
	munmap(d, size);
	return r;
}

/* The program's PT_INTERP: found beneath the root, loadable just below the
   mmap area, above the program. 0 or -errno (ENOENT if it is missing). */
static int check_interp(struct proc *p, struct exec_image *img)
{
	const char *name = img->ei.interp;
	int fd = exec_open(p, AT_FDCWD, name);
	if (fd < 0)
		return why(img, fd, "interpreter %s: %s", name, strerror(-fd));
	img->interp_fd = fd;
	char what[PATH_MAX + 16];
	snprintf(what, sizeof what, "interpreter %s", name);
	int r = check_elf(p, fd, what, 0, elf_mmap_top(&p->vm), &img->interp, img);
	if (r == 0 && img->interp.interp[0])
		r = why(img, -ENOEXEC, "%s: has an interpreter itself", what);
	if (r == 0 && img->interp.start < img->ei.end)
		r = why(img, -ENOEXEC, "%s: does not fit above the program (try a larger --mem)",
			what);
	return r;
}

void exec_release(struct exec_image *img)
{
	if (img->fd >= 0)
		close(img->fd);
	if (img->interp_fd >= 0)
		close(img->interp_fd);
	img->fd = img->interp_fd = -1;
}

int exec_prepare(struct proc *p, int dirfd, const char *path, char **argv, int *argc,
		 char **envp, struct exec_image *img)
{
	img->fd = img->interp_fd = -1;
	img->why[0] = 0;
	if (strlen(path) >= sizeof img->execfn)
		return -ENAMETOOLONG;
	strcpy(img->execfn, path); /* AT_EXECFN: the path as given */
	char cur[PATH_MAX];
	/* What /proc/self/exe names here, not in the new program. */
	snprintf(cur, sizeof cur, "%s", path_names_exe(p, dirfd, path) ? p->exe : path);
	for (int depth = 0; depth < MAX_DEPTH; depth++) {
		int fd = exec_open(p, depth ? AT_FDCWD : dirfd, cur);
		if (fd < 0)
			return fd;
		char line[256], next[PATH_MAX];
		int r = shebang(fd, line);
		if (r == 0) { /* not a script: an ELF, we shall see */
			img->fd = fd;
			break;
		}
		close(fd);
		if (r < 0)
			return why(img, r, "%s: changed while it was read", cur);
		if ((r = script(line, cur, argv, argc, next)) < 0)
			return r;
		strcpy(cur, next);
	}
	if (img->fd < 0)
		return -ELOOP;
	int r = stack_check(img->execfn, argv, envp);
	if (r == 0)
		r = check_elf(p, img->fd, strcmp(cur, path) ? cur : "", UP_USER_BASE,
			      elf_top(&p->vm), &img->ei, img);
	if (r == 0 && img->ei.interp[0])
		r = check_interp(p, img);
	if (r < 0)
		exec_release(img);
	return r;
}

static long do_execve(struct proc *p, int dirfd, uint64_t gpath, uint64_t gargv, uint64_t genvp)
{
	char path[PATH_MAX];
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
		int fd = exec_open(p, dirfd, path); /* Linux opens the file first */
		if (fd >= 0)
			close(fd);
		return fd < 0 ? fd : argc < 0 ? argc : envc;
	}
	if (argc == 0) { /* Linux passes an empty argv[0] */
		argv[0] = strdup("");
		argv[1] = NULL;
		argc = 1;
	}
	int n = (int)argc;
	static struct exec_image img;
	r = exec_prepare(p, dirfd, path, argv, &n, envp, &img);
	if (r == -ENOEXEC && img.why[0])
		dprintf(p->log_fd, "uniproc: execve %s: %s\n", path, img.why);
	if (r == 0) {
		exec_creds(p);
		proc_exec(p, &img, argv, envp); /* the old program is gone */
		vcpu->execed = 1;                  /* no return value */
	}
	free_strv(argv);
	free_strv(envp);
	return r;
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
