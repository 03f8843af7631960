/*
 * The /proc files the monitor makes (procfs.c opens them): each is written,
 * when opened, for a process of the run. Its own process's are made from
 * the guest's view (its memory, mappings, signal state, limits); another
 * process's from the host's numbers for its monitor and what the run keeps
 * of it (tree.c: program, argv, signal masks), never the monitor's own
 * command line, mappings or addresses.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "monitor.h"

#define PAGE 4096ull

/* The host's /proc/PID/name (pid 0: /proc/name) into buf[size], NUL-
   terminated: its length or -errno. */
static int slurp(int pid, const char *name, char *buf, size_t size)
{
	char path[64];
	if (pid)
		snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
	else
		snprintf(path, sizeof path, "/proc/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	ssize_t r;
	while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return (int)n;
}

/* The guest's map of its memory, copied once, its fields clamped. */
struct view {
	uint64_t brk_start, brk_cur, area_lo, area_hi;
	int nfree;
	const struct up_extent *free;
};

static int get_view(struct proc *p, struct view *v)
{
	const struct up_memview *g = gmem_ptr(&p->vm, p->libos.mem_view, sizeof *g);
	if (!g)
		return -EIO;
	*v = (struct view){g->brk_start, g->brk_cur, g->area_lo, g->area_hi, g->nfree, g->free};
	if (v->nfree < 0 || v->nfree > UP_MEMVIEW_MAX)
		v->nfree = 0;
	return 0;
}

/* Is page a of the mmap area in use: in no free extent? */
static int in_use(const struct view *v, uint64_t a)
{
	for (int i = 0; i < v->nfree; i++) {
		uint64_t lo = v->free[i].lo, hi = v->free[i].hi; /* the guest may change them */
		if (lo <= a && a < hi)
			return 0;
	}
	return 1;
}

/* What maps page a: 0 nothing, else the line's kind; *m its file, if any. */
enum kind { NONE, FILE_, HEAP, STACK, ANON };
static enum kind what(struct proc *p, const struct view *v, uint64_t a, const struct fmap **m)
{
	*m = fmap_at(a);
	uint64_t stack = p->vm.mem_size - UP_STACK_SIZE;
	if (a >= stack)
		return STACK;
	if (*m)
		return FILE_;
	if (a < v->area_lo || a >= v->area_hi)
		return NONE;
	if (!in_use(v, a))
		return NONE;
	uint64_t heap_hi = (v->brk_cur + PAGE - 1) & ~(PAGE - 1);
	return a >= v->area_lo && a < heap_hi && v->brk_cur > v->area_lo ? HEAP : ANON;
}

static void line(FILE *f, uint64_t lo, uint64_t hi, int prot, enum kind k, const struct fmap *m)
{
	int n = fprintf(f, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ", (unsigned long long)lo,
			(unsigned long long)hi, prot & PROT_READ ? 'r' : '-',
			prot & PROT_WRITE ? 'w' : '-', prot & PROT_EXEC ? 'x' : '-',
			m && m->shared ? 's' : 'p',
			(unsigned long long)(m ? m->off + (lo - m->lo) : 0),
			m ? major(m->dev) : 0, m ? minor(m->dev) : 0,
			(unsigned long long)(m ? m->ino : 0));
	const char *name = k == FILE_ ? m->path : k == HEAP ? "[heap]" : k == STACK ? "[stack]" : "";
	if (*name)
		fprintf(f, "%*s%s", n < 73 ? 73 - n : 0, "", name);
	fputc('\n', f);
}

/* /proc/self/maps: runs of pages with one protection, kind and file. */
int procfs_gen_maps(struct proc *p, FILE *f)
{
	struct view v;
	if (get_view(p, &v) < 0)
		return -EIO;
	uint64_t start = 0, a;
	int cur_prot = 0;
	enum kind cur = NONE;
	const struct fmap *cur_m = NULL;
	for (a = UP_USER_BASE; a < p->vm.mem_size; a += PAGE) {
		const struct fmap *m;
		enum kind k = what(p, &v, a, &m);
		int prot = k == NONE ? 0 : mmu_prot(&p->vm, a);
		if (k != cur || prot != cur_prot || m != cur_m) {
			if (cur != NONE)
				line(f, start, a, cur_prot, cur, cur_m);
			start = a;
			cur = k;
			cur_prot = prot;
			cur_m = m;
		}
		if (k == NONE && !m) { /* skip a free extent or the gap at once */
			uint64_t next = a + PAGE;
			for (int i = 0; i < v.nfree; i++)
				if (v.free[i].lo <= a && a < v.free[i].hi && v.free[i].hi > next)
					next = v.free[i].hi & ~(PAGE - 1);
			a = next - PAGE;
		}
	}
	if (cur != NONE)
		line(f, start, a, cur_prot, cur, cur_m);
	return 0;
}

/* smaps_rollup: the span of the guest's mappings, then the monitor's totals
   (the host's numbers for this process: guest memory is most of them). */
int procfs_gen_smaps_rollup(struct proc *p, FILE *f)
{
	char *maps = NULL, buf[4096];
	size_t len = 0;
	FILE *m = open_memstream(&maps, &len);
	if (!m)
		return -ENOMEM;
	int r = procfs_gen_maps(p, m);
	fclose(m);
	unsigned long long lo = 0, hi = 0, x;
	for (char *l = maps; r == 0 && l && *l; l = strchr(l, '\n') + 1) {
		if (sscanf(l, "%llx-%llx", lo ? &x : &lo, &hi) < 2)
			break;
		if (!strchr(l, '\n'))
			break;
	}
	free(maps);
	if (r < 0 || (r = slurp(0, "self/smaps_rollup", buf, sizeof buf)) < 0)
		return r;
	char *rest = strchr(buf, '\n');
	int n = fprintf(f, "%08llx-%08llx ---p 00000000 00:00 0 ", lo, hi);
	fprintf(f, "%*s[rollup]\n", n < 73 ? 73 - n : 0, "");
	fputs(rest ? rest + 1 : "", f);
	return 0;
}

/* The guest's signal mask, ignored, caught and pending signals (m[4]): our
   own, or what another process of the run told the run (no pending). */
static int sig_masks(struct proc *p, int pid, int own, uint64_t m[4])
{
	if (own) {
		signal_masks(p, m);
		return 0;
	}
	m[3] = 0;
	return tree_sigs(pid, m);
}

/* The fd table size Linux would show: 64, doubled until it holds the
   highest guest fd open. */
static int fd_size(int pid, int own)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", pid);
	DIR *d = opendir(path);
	int max = 0, size = 64;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (fd < UP_FD_MAX && fd > max && !(own && fd == dirfd(d)))
			max = fd;
	}
	if (d)
		closedir(d);
	while (size <= max)
		size *= 2;
	return size;
}

/* status: the host's for the monitor, with the guest's threads (one), fd
   table, signal state, and no tracer (one would trace the monitor). */
int procfs_gen_status(struct proc *p, int pid, int own, FILE *f)
{
	char buf[8192];
	uint64_t m[4];
	int r = slurp(pid, "status", buf, sizeof buf);
	if (r < 0 || (r = sig_masks(p, pid, own, m)) < 0)
		return r;
	for (char *l = buf, *end; *l; l = end) {
		end = strchr(l, '\n');
		end = end ? end + 1 : l + strlen(l);
		unsigned long long pnd;
		if (!strncmp(l, "TracerPid:", 10))
			fprintf(f, "TracerPid:\t0\n");
		else if (!strncmp(l, "State:", 6) && own) /* the reader: running */
			fprintf(f, "State:\tR (running)\n");
		else if (!strncmp(l, "FDSize:", 7))
			fprintf(f, "FDSize:\t%d\n", fd_size(pid, own));
		else if (!strncmp(l, "Threads:", 8))
			fprintf(f, "Threads:\t1\n");
		else if (!strncmp(l, "NoNewPrivs:", 11)) /* the guest's, not the sandbox's */
			fprintf(f, "NoNewPrivs:\t%d\n", own ? p->no_new_privs : tree_nnp(pid));
		else if (!strncmp(l, "Seccomp:", 8))
			fprintf(f, "Seccomp:\t%d\n", sandbox_host_seccomp);
		else if (!strncmp(l, "Seccomp_filters:", 16))
			fprintf(f, "Seccomp_filters:\t%d\n", sandbox_host_filters);
		else if (!strncmp(l, "SigBlk:", 7))
			fprintf(f, "SigBlk:\t%016llx\n", (unsigned long long)m[0]);
		else if (!strncmp(l, "SigIgn:", 7))
			fprintf(f, "SigIgn:\t%016llx\n", (unsigned long long)m[1]);
		else if (!strncmp(l, "SigCgt:", 7))
			fprintf(f, "SigCgt:\t%016llx\n", (unsigned long long)m[2]);
		else if (!strncmp(l, "ShdPnd:", 7) && sscanf(l + 7, "%llx", &pnd) == 1)
			fprintf(f, "ShdPnd:\t%016llx\n", pnd | (unsigned long long)m[3]);
		else
			fwrite(l, 1, end - l, f);
	}
	return 0;
}

/* stat: the host's for the monitor, with one thread and the guest's signal
   state and memory layout (0 where only the monitor's is known). */
int procfs_gen_stat(struct proc *p, int pid, int own, FILE *f)
{
	char buf[2048];
	uint64_t m[4], v[53] = {0};
	int r = slurp(pid, "stat", buf, sizeof buf);
	if (r < 0 || (r = sig_masks(p, pid, own, m)) < 0)
		return r;
	char *close = strrchr(buf, ')'); /* the name may hold ") " */
	if (!close)
		return -EIO;
	*close = 0;
	char *field[53] = {0}, *save = NULL;
	int n = 3;
	for (char *t = strtok_r(close + 1, " \n", &save); t && n < 53; t = strtok_r(NULL, " \n", &save))
		field[n++] = t;
	struct view view = {0};
	if (own && get_view(p, &view) == 0) {
		v[47] = view.brk_start;
		v[48] = p->arg_start, v[49] = p->arg_end, v[50] = p->env_start, v[51] = p->env_end;
	}
	fprintf(f, "%s)", buf);
	for (int i = 3; i < n; i++) {
		if (i == 3 && own) /* it is reading this: running, whatever its host threads do */
			fprintf(f, " R");
		else if (i == 20)
			fprintf(f, " 1");
		else if ((i >= 26 && i <= 30) || (i >= 45 && i <= 51))
			fprintf(f, " %llu", (unsigned long long)v[i]);
		else if (i == 31)
			fprintf(f, " %llu", strtoull(field[i], NULL, 10) | (unsigned long long)m[3]);
		else if (i >= 32 && i <= 34)
			fprintf(f, " %llu", (unsigned long long)m[i - 32]);
		else
			fprintf(f, " %s", field[i]);
	}
	fputc('\n', f);
	return 0;
}

/* Guest memory [lo, hi) to f; -EIO if any of it cannot be read. */
static int guest_bytes(struct proc *p, uint64_t lo, uint64_t hi, FILE *f)
{
	const char *s = hi > lo ? gmem_ptr(&p->vm, lo, hi - lo) : NULL;
	if (hi <= lo)
		return 0;
	struct gmem_catch c;
	if (!s || GMEM_CATCH(&c))
		return -EIO;
	fwrite(s, 1, hi - lo, f);
	gmem_uncatch(&c);
	return 0;
}

/* cmdline: our own argv as it is now in guest memory (as Linux reads it,
   so a program that rewrites it is shown so); another's, as it was at exec. */
int procfs_gen_cmdline(struct proc *p, int pid, int own, FILE *f)
{
	if (!own) {
		static char buf[4096];
		int n = tree_cmd(pid, NULL, buf, sizeof buf);
		if (n < 0)
			return n;
		fwrite(buf, 1, n, f);
		return 0;
	}
	const char *last = p->arg_end > p->arg_start ? gmem_ptr(&p->vm, p->arg_end - 1, 1) : NULL;
	int r = guest_bytes(p, p->arg_start, p->arg_end, f);
	if (r == 0 && last && *last) { /* setproctitle: on into the environment */
		const char *env = gmem_ptr(&p->vm, p->env_start, p->env_end - p->env_start);
		if (env)
			r = guest_bytes(p, p->env_start, p->env_start + strnlen(env, p->env_end - p->env_start), f);
	}
	return r;
}

int procfs_gen_environ(struct proc *p, FILE *f)
{
	return guest_bytes(p, p->env_start, p->env_end, f);
}

/* limits: the host's, with the guest's own for the limits the library OS
   serves (stack, data, address space, open files). */
int procfs_gen_limits(struct proc *p, int pid, int own, FILE *f)
{
	char buf[4096], soft[32], hard[32];
	int r = slurp(pid, "limits", buf, sizeof buf);
	if (r < 0)
		return r;
	for (char *l = buf, *end; *l; l = end) {
		end = strchr(l, '\n');
		end = end ? end + 1 : l + strlen(l);
		const char *units = "bytes";
		if (!strncmp(l, "Max stack size ", 15)) {
			snprintf(soft, sizeof soft, "%llu", (unsigned long long)UP_STACK_SIZE);
			strcpy(hard, "unlimited");
		} else if (!strncmp(l, "Max data size ", 14) || !strncmp(l, "Max address space ", 18)) {
			strcpy(soft, "unlimited");
			strcpy(hard, "unlimited");
		} else if (!strncmp(l, "Max open files ", 15)) {
			snprintf(soft, sizeof soft, "%d", own ? p->fd_limit : UP_FD_MAX);
			snprintf(hard, sizeof hard, "%d", own ? p->fd_hard : UP_FD_MAX);
			units = "files";
		} else {
			fwrite(l, 1, end - l, f);
			continue;
		}
		fprintf(f, "%-25.25s %-20s %-20s %-10s\n", l, soft, hard, units);
	}
	return 0;
}

/* s as /proc/mounts writes a path: space, tab, newline, backslash in octal. */
static void escape(const char *s, char *out, size_t size)
{
	size_t n = 0;
	for (; *s && n + 5 < size; s++)
		n += strchr(" \t\n\\", *s) ? (size_t)sprintf(out + n, "\\%03o", (unsigned char)*s)
					   : (size_t)(out[n] = *s, 1);
	out[n] = 0;
}

/* Is mount point mp (escaped) root or beneath it (er, escaped, not "/")?
   2 for root itself, 1 beneath, 0 outside. */
static int under(const char *mp, const char *er)
{
	size_t n = strlen(er);
	if (strncmp(mp, er, n))
		return 0;
	return !mp[n] ? 2 : mp[n] == '/' ? 1 : 0;
}

/* Field i (0-based, space-separated) of line l: its start, *len its length. */
static const char *field(const char *l, int i, size_t *len)
{
	for (; i > 0 && l; i--)
		if ((l = strchr(l, ' ')))
			l++;
	if (!l)
		return NULL;
	*len = strcspn(l, " \n");
	return l;
}

/*
 * mounts and mountinfo (info): the host's as the guest sees them beneath
 * the root: mounts beneath it with their paths from it, the mount that
 * holds the root as "/", the rest left out.
 */
int procfs_gen_mounts(struct proc *p, int info, FILE *f)
{
	static char buf[1 << 18];
	int r = slurp(0, info ? "self/mountinfo" : "self/mounts", buf, sizeof buf);
	if (r < 0)
		return r;
	if (p->root_len == 1) { /* the root is the host's */
		fputs(buf, f);
		return 0;
	}
	char er[PATH_MAX * 4];
	escape(p->root, er, sizeof er);
	int mpf = info ? 4 : 1;
	/* The mount that holds the root: the last with the longest mount point
	   that is the root or above it. */
	const char *holder = NULL;
	size_t best = 0, len;
	for (const char *l = buf; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		const char *mp = field(l, mpf, &len);
		if (mp && (len == 1 || (len <= strlen(er) && !strncmp(er, mp, len) &&
					(er[len] == '/' || !er[len]))) && len >= best)
			best = len, holder = l;
	}
	for (const char *l = buf; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		const char *mp = field(l, mpf, &len), *end = l + strcspn(l, "\n");
		if (!mp)
			continue;
		char point[PATH_MAX * 4];
		snprintf(point, sizeof point, "%.*s", (int)len, mp);
		int u = under(point, er);
		if (!u && l != holder)
			continue;
		const char *shown = u == 1 ? point + strlen(er) : "/";
		if (info && l == holder && u != 2) { /* its root field: down to ours */
			size_t rlen;
			const char *root = field(l, 3, &rlen);
			fprintf(f, "%.*s%.*s%s %s%.*s\n", (int)(root - l), l,
				(int)(rlen == 1 ? 0 : rlen), root, er + best - (best == 1), shown,
				(int)(end - mp - len), mp + len);
		} else {
			fprintf(f, "%.*s%s%.*s\n", (int)(mp - l), l, shown, (int)(end - mp - len), mp + len);
		}
	}
	return 0;
}
