/*
 * runc's command line, so that podman (through conmon) and containerd
 * (through its io.containerd.runc.v2 shim) run containers whose every
 * process is a VM:
 *
 *   uniproc [--root STATE] [--log F] [--log-format text|json] [--debug]
 *           [--systemd-cgroup] COMMAND ...
 *   create --bundle DIR [--pid-file F] [--console-socket S] ID
 *   start ID | state ID | kill [--all] ID [SIG] | delete [--force] ID
 *   run [--bundle DIR] [--detach] [--pid-file F] ID
 *   exec --process P.json [--detach] [--pid-file F] ID | ps [--format json] ID
 *   features | --version
 *
 * `create` forks the container's process: it makes the namespaces and
 * mounts (oci_setup.c), tells `create` it is ready, and waits on the FIFO
 * STATE/ID/start.fifo. `create` writes STATE/ID/state.json and the pid file
 * and exits; the container's process is then a child of conmon or the shim
 * (their subreaper). `start` writes a byte to the FIFO and removes it: the
 * process becomes `uniproc run --root ROOTFS ... ARGS`, the monitor of the
 * container's first process, whose exit status is the container's.
 *
 * The container's processes are the processes in its mount namespace (every
 * monitor of the run and every `exec`'s run): `kill --all`, `ps` and
 * `delete --force` find them there.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"
#include "oci.h"

static const char *state_root = "/run/uniproc";
static const char *log_path;
static int log_json;

static void log_line(const char *level, const char *msg)
{
	if (!log_path)
		return;
	FILE *f = fopen(log_path, "ae");
	if (!f)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char when[64];
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&ts.tv_sec));
	if (log_json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", when);
		char *s = json_dumps(o, JSON_COMPACT);
		fprintf(f, "%s\n", s);
		free(s);
		json_decref(o);
	} else {
		fprintf(f, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, msg);
	}
	fclose(f);
}

/* An error: on stderr and in the log, then exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "uniproc: %s\n", msg);
	log_line("error", msg);
	exit(1);
}

/* --- options --------------------------------------------------------- */

/*
 * A command's options: "--name value", "--name=value", "-n value" and
 * flags; the first word that is no option and the rest are args. Unknown
 * options are an error, as in runc.
 */
struct opt {
	const char *names; /* "|--bundle|-b|" */
	int takes_value;
	const char *value; /* the value, or "1" for a flag given */
};

static int parse_opts(int argc, char **argv, struct opt *opts, int nopts, int *first_arg)
{
	int i;
	for (i = 0; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		char name[128];
		const char *eq = strchr(argv[i], '=');
		snprintf(name, sizeof name, "|%.*s|", eq ? (int)(eq - argv[i]) : (int)strlen(argv[i]),
			 argv[i]);
		int k;
		for (k = 0; k < nopts && !strstr(opts[k].names, name); k++)
			;
		if (k == nopts)
			die("unknown option %s", argv[i]);
		if (!opts[k].takes_value)
			opts[k].value = eq ? eq + 1 : "1";
		else if (eq)
			opts[k].value = eq + 1;
		else if (i + 1 < argc)
			opts[k].value = argv[++i];
		else
			die("option %s needs a value", argv[i]);
	}
	*first_arg = i;
	return 0;
}

/* --- state ----------------------------------------------------------- */

struct state {
	char id[256];
	char dir[4096];
	pid_t pid;
	unsigned long long start; /* the process's start time, against pid reuse */
	unsigned long long mntns; /* its mount namespace (inode) */
	char bundle[4096], rootfs[4096], created[64];
	json_t *annotations;
};

static void check_id(const char *id)
{
	if (!*id || strlen(id) > 200 || id[0] == '.')
		die("invalid container id \"%s\"", id);
	for (const char *s = id; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.", *s))
			die("invalid container id \"%s\"", id);
}

static void state_dir(const char *id, char *out)
{
	check_id(id);
	snprintf(out, 4096, "%s/%s", state_root, id);
}

/* The host start time of pid, or 0 if it is gone (or a zombie). */
static unsigned long long start_time(pid_t pid)
{
	return host_start_time(pid, 1);
}

static unsigned long long mnt_ns(pid_t pid)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)pid);
	return stat(path, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

static void write_state(const struct state *s)
{
	json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:I, s:I}", "ociVersion", OCI_VERSION,
			      "id", s->id, "pid", (int)s->pid, "bundle", s->bundle, "rootfs",
			      s->rootfs, "created", s->created, "startTime",
			      (json_int_t)s->start, "mountNamespace", (json_int_t)s->mntns);
	if (s->annotations)
		json_object_set(o, "annotations", s->annotations);
	char path[4200], tmp[4200];
	snprintf(path, sizeof path, "%s/state.json", s->dir);
	snprintf(tmp, sizeof tmp, "%s/state.json.tmp", s->dir);
	if (json_dump_file(o, tmp, JSON_INDENT(1)) < 0 || rename(tmp, path) < 0)
		die("%s: cannot write the state", path);
	json_decref(o);
}

static void read_state(const char *id, struct state *s)
{
	memset(s, 0, sizeof *s);
	state_dir(id, s->dir);
	snprintf(s->id, sizeof s->id, "%s", id);
	char path[4200];
	snprintf(path, sizeof path, "%s/state.json", s->dir);
	json_error_t je;
	json_t *o = json_load_file(path, 0, &je);
	if (!o)
		die("container \"%s\" does not exist", id);
	s->pid = json_integer_value(json_object_get(o, "pid"));
	s->start = json_integer_value(json_object_get(o, "startTime"));
	s->mntns = json_integer_value(json_object_get(o, "mountNamespace"));
	snprintf(s->bundle, sizeof s->bundle, "%s", json_string_value(json_object_get(o, "bundle")));
	snprintf(s->rootfs, sizeof s->rootfs, "%s", json_string_value(json_object_get(o, "rootfs")));
	snprintf(s->created, sizeof s->created, "%s",
		 json_string_value(json_object_get(o, "created")));
	s->annotations = json_incref(json_object_get(o, "annotations"));
	json_decref(o);
}

/* The container's process runs (an exiting one has left its namespaces). */
static int alive(const struct state *s)
{
	return s->pid > 0 && start_time(s->pid) == s->start && mnt_ns(s->pid) == s->mntns;
}

/* created (waiting on the FIFO), running, or stopped. */
static const char *status(const struct state *s)
{
	char fifo[4200];
	if (!alive(s))
		return "stopped";
	snprintf(fifo, sizeof fifo, "%s/start.fifo", s->dir);
	return access(fifo, F_OK) == 0 ? "created" : "running";
}

/*
 * The container's processes: those in its mount namespace. The run's
 * watchdog (which ends the rest when the first process ends) is left out
 * unless all is set.
 */
static int members(const struct state *s, pid_t *pids, int max, int all)
{
	int n = 0;
	if (!s->mntns || !alive(s))
		return 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d)) && n < max) {
		pid_t pid = atoi(e->d_name);
		if (pid <= 0 || pid == getpid() || mnt_ns(pid) != s->mntns)
			continue;
		if (!all) {
			char path[64], comm[32] = "";
			snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
			FILE *f = fopen(path, "re");
			if (f) {
				if (!fgets(comm, sizeof comm, f))
					comm[0] = 0;
				fclose(f);
			}
			if (!strncmp(comm, "uniproc-watchdo", 15))
				continue;
		}
		pids[n++] = pid;
	}
	if (d)
		closedir(d);
	return n;
}

/* SIGKILL everything of the container, and wait until it is gone. */
static void kill_all_wait(const struct state *s)
{
	static pid_t pids[65536];
	int pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	for (int round = 0; round < 1000; round++) {
		int n = members(s, pids, 65536, 1);
		if (!n)
			break;
		for (int i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		nanosleep(&(struct timespec){0, 5000000}, NULL);
	}
	if (pidfd >= 0) { /* the first process's end is seen at once */
		struct pollfd pf = {pidfd, POLLIN, 0};
		poll(&pf, 1, 5000);
		close(pidfd);
	}
}

static void remove_state(const struct state *s)
{
	char path[4200];
	const char *files[] = {"state.json", "state.json.tmp", "start.fifo"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", s->dir, files[i]);
		unlink(path);
	}
	rmdir(s->dir);
}

static void now_rfc3339(char *out, size_t n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + k, n - k, ".%09ldZ", ts.tv_nsec);
}

static void write_pid_file(const char *path, pid_t pid)
{
	if (!path)
		return;
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.uniproc-tmp", path);
	FILE *f = fopen(tmp, "we");
	if (!f || fprintf(f, "%d", (int)pid) < 0 || fclose(f) != 0 || rename(tmp, path) < 0)
		die("pid file %s: %s", path, strerror(errno));
}

/* --- create, start, run ---------------------------------------------- */

static void mkdir_p(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s", dir);
	for (char *s = path + 1;; s++)
		if (*s == '/' || !*s) {
			char c = *s;
			*s = 0;
			mkdir(path, 0711);
			if (!(*s = c))
				break;
		}
}

/*
 * Read a child's report on the CLOEXEC pipe fd: a NUL byte when ready, or
 * an error message; end of file (exec) counts as ready if eof_ok.
 */
static int child_report(int fd, char *msg, size_t n, int eof_ok)
{
	size_t got = 0;
	ssize_t r;
	while (got < n - 1 && (r = read(fd, msg + got, n - 1 - got)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += r;
		if (msg[0] == 0)
			return 0;
	}
	msg[got] = 0;
	if (got == 0 && eof_ok)
		return 0;
	if (got == 0)
		snprintf(msg, n, "the container's process died while it was set up");
	return -1;
}

static void report(int fd, const char *msg)
{
	if (write(fd, msg, strlen(msg) + 1) < 0)
		_exit(1);
}

/* path made absolute against the cwd (NULL stays NULL). */
static const char *absolute(const char *path)
{
	char cwd[4096], *out;
	if (!path || path[0] == '/' || !getcwd(cwd, sizeof cwd))
		return path;
	if (asprintf(&out, "%s/%s", cwd, path) < 0)
		die("%s", strerror(errno));
	return out;
}

/*
 * Make the container ID from the bundle: fork its process, which waits for
 * start; write the state. The child's pid.
 */
static pid_t create(const char *id, const char *bundle, const char *pid_file, const char *console,
		    int preserve)
{
	static struct oci_config c;
	char err[8192], dir[4096], path[4200];
	state_dir(id, dir);
	char *b = realpath(bundle, NULL);
	pid_file = absolute(pid_file); /* named from where we were called */
	console = absolute(console);
	if (!b || chdir(b) < 0)
		die("bundle %s: %s", bundle, strerror(errno));
	if (oci_config_load(b, &c, err, sizeof err) < 0)
		die("%s", err);
	mkdir_p(state_root);
	if (mkdir(dir, 0700) < 0)
		die(errno == EEXIST ? "container \"%s\" already exists" : "state of %s: %s", id,
		    strerror(errno));
	struct state s = {.annotations = NULL};
	snprintf(s.id, sizeof s.id, "%s", id);
	snprintf(s.dir, sizeof s.dir, "%s", dir);
	snprintf(path, sizeof path, "%s/start.fifo", dir);
	int self = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	int st[2];
	if (mkfifo(path, 0600) < 0 || self < 0 || pipe2(st, O_CLOEXEC) < 0) {
		remove_state(&s);
		die("container %s: %s", id, strerror(errno));
	}
	pid_t pid = fork();
	if (pid < 0) {
		remove_state(&s);
		die("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(st[0]);
		int fifo = open(path, O_RDWR | O_CLOEXEC);
		if (fifo < 0 || oci_setup_container(&c, err, sizeof err) < 0 ||
		    oci_setup_process(&c.proc, console, preserve, err, sizeof err) < 0) {
			if (fifo < 0)
				snprintf(err, sizeof err, "%s: %s", path, strerror(errno));
			report(st[1], err);
			_exit(1);
		}
		prctl(PR_SET_NAME, "uniproc-create");
		report(st[1], "");
		char go;
		while (read(fifo, &go, 1) < 0 && errno == EINTR)
			;
		close(fifo);
		oci_exec_run(self, &c, &c.proc, err, sizeof err);
		fprintf(stderr, "uniproc: %s\n", err); /* the container's stderr */
		_exit(127);
	}
	close(st[1]);
	if (child_report(st[0], err, sizeof err, 0) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		remove_state(&s);
		die("%s", err);
	}
	close(st[0]);
	close(self);
	s.pid = pid;
	s.start = start_time(pid);
	s.mntns = mnt_ns(pid);
	snprintf(s.bundle, sizeof s.bundle, "%s", b);
	snprintf(s.rootfs, sizeof s.rootfs, "%s", c.root);
	now_rfc3339(s.created, sizeof s.created);
	json_error_t je;
	s.annotations = c.annotations ? json_loads(c.annotations, 0, &je) : NULL;
	write_state(&s);
	write_pid_file(pid_file, pid);
	return pid;
}

static void start(const char *id)
{
	struct state s;
	read_state(id, &s);
	const char *st = status(&s);
	if (strcmp(st, "created"))
		die("cannot start a container that is %s", st);
	char path[4200];
	snprintf(path, sizeof path, "%s/start.fifo", s.dir);
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || write(fd, "g", 1) != 1)
		die("start %s: %s", id, strerror(errno));
	close(fd);
	unlink(path);
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int cmd_create(int argc, char **argv, int run)
{
	struct opt o[] = {{"|--bundle|-b|", 1, "."}, {"|--pid-file|", 1, NULL},
			  {"|--console-socket|", 1, NULL}, {"|--no-pivot|", 0, NULL},
			  {"|--no-new-keyring|", 0, NULL}, {"|--preserve-fds|", 1, "0"},
			  {"|--detach|-d|", 0, NULL}, {"|--keep|", 0, NULL},
			  {"|--no-subreaper|", 0, NULL}, {"|--pidfd-socket|", 1, NULL}};
	int i;
	parse_opts(argc, argv, o, sizeof o / sizeof o[0], &i);
	if (i != argc - 1)
		die("%s: want exactly one container id", run ? "run" : "create");
	if (!run && o[6].value)
		die("create: unknown option --detach");
	const char *id = argv[i];
	pid_t pid = create(id, o[0].value, o[1].value, o[2].value, atoi(o[5].value));
	if (!run)
		return 0;
	start(id);
	if (o[6].value)
		return 0;
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	struct state s;
	read_state(id, &s);
	if (!o[7].value) {
		kill_all_wait(&s);
		remove_state(&s);
	}
	return exit_code(st);
}

/* --- the other commands ---------------------------------------------- */

static const char *one_id(int argc, char **argv, struct opt *o, int n, const char *cmd)
{
	int i;
	parse_opts(argc, argv, o, n, &i);
	if (i != argc - 1)
		die("%s: want exactly one container id", cmd);
	return argv[i];
}

static int cmd_start(int argc, char **argv)
{
	start(one_id(argc, argv, NULL, 0, "start"));
	return 0;
}

static int cmd_state(int argc, char **argv)
{
	struct state s;
	read_state(one_id(argc, argv, NULL, 0, "state"), &s);
	const char *st = status(&s);
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "ociVersion", OCI_VERSION,
			      "id", s.id, "status", st, "pid",
			      strcmp(st, "stopped") ? (int)s.pid : 0, "bundle", s.bundle, "rootfs",
			      s.rootfs, "created", s.created, "owner", "");
	json_object_set(o, "annotations", s.annotations ? s.annotations : json_object());
	char *text = json_dumps(o, JSON_INDENT(2));
	printf("%s\n", text);
	free(text);
	return 0;
}

static int cmd_kill(int argc, char **argv)
{
	struct opt o[] = {{"|--all|-a|", 0, NULL}, {"|--pid|-p|", 1, NULL}};
	int i;
	parse_opts(argc, argv, o, 2, &i);
	if (i != argc - 1 && i != argc - 2)
		die("kill: want a container id and a signal");
	int sig = i == argc - 2 ? oci_signal(argv[i + 1]) : SIGTERM;
	if (sig < 0)
		die("kill: unknown signal %s", argv[i + 1]);
	struct state s;
	read_state(argv[i], &s);
	if (!alive(&s))
		die("container not running");
	if (!o[0].value) {
		if (kill(s.pid, sig) < 0)
			die("kill: %s", strerror(errno));
		return 0;
	}
	static pid_t pids[65536];
	int n = members(&s, pids, 65536, sig == SIGKILL);
	for (int k = 0; k < n; k++)
		kill(pids[k], sig);
	return 0;
}

static int cmd_delete(int argc, char **argv)
{
	struct opt o[] = {{"|--force|-f|", 0, NULL}};
	const char *id = one_id(argc, argv, o, 1, "delete");
	struct state s;
	char dir[4096];
	state_dir(id, dir);
	if (access(dir, F_OK) < 0)
		die("container \"%s\" does not exist", id);
	read_state(id, &s);
	const char *st = status(&s);
	if (!strcmp(st, "running") && !o[0].value)
		die("cannot delete container %s that is not stopped: %s", id, st);
	kill_all_wait(&s);
	remove_state(&s);
	return 0;
}

static int cmd_ps(int argc, char **argv)
{
	struct opt o[] = {{"|--format|-f|", 1, "table"}};
	int i;
	parse_opts(argc, argv, o, 1, &i);
	if (i >= argc)
		die("ps: want a container id");
	struct state s;
	read_state(argv[i], &s);
	static pid_t pids[65536];
	int n = members(&s, pids, 65536, 0);
	if (!strcmp(o[0].value, "json")) {
		printf("[");
		for (int k = 0; k < n; k++)
			printf("%s%d", k ? "," : "", (int)pids[k]);
		printf("]\n");
		return 0;
	}
	if (strcmp(o[0].value, "table"))
		die("ps: unknown format %s", o[0].value);
	printf("PID CMD\n");
	for (int k = 0; k < n; k++) {
		char path[64], cmd[4096];
		snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pids[k]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t len = fd < 0 ? 0 : read(fd, cmd, sizeof cmd - 1);
		if (fd >= 0)
			close(fd);
		for (ssize_t j = 0; j < len - 1; j++)
			if (!cmd[j])
				cmd[j] = ' ';
		cmd[len > 0 ? len : 0] = 0;
		printf("%d %s\n", (int)pids[k], cmd);
	}
	return 0;
}

/*
 * An exec'd process is a run of its own: when the container's first process
 * ends, it must end too (as in a pid namespace whose init died). A watcher,
 * a child whose end signals no one (so the run's waits never see it) and
 * holding no descriptor but two pidfds, kills the exec's run (whose own
 * watchdog then ends the rest) when the container's process ends first.
 */
static void exec_watch(pid_t init)
{
	pid_t me = getpid();
	int ifd = (int)syscall(SYS_pidfd_open, init, 0);
	int mfd = (int)syscall(SYS_pidfd_open, me, 0);
	if (ifd < 0 || mfd < 0)
		return;
	if (syscall(SYS_clone, 0, NULL, NULL, NULL, 0) == 0) { /* a fork, no SIGCHLD */
		int lo = ifd < mfd ? ifd : mfd, hi = ifd < mfd ? mfd : ifd;
		syscall(SYS_close_range, 0, lo - 1, 0);
		syscall(SYS_close_range, lo + 1, hi - 1, 0);
		syscall(SYS_close_range, hi + 1, ~0u, 0);
		prctl(PR_SET_NAME, "uniproc-watchdog");
		struct pollfd pf[2] = {{ifd, POLLIN, 0}, {mfd, POLLIN, 0}};
		while (poll(pf, 2, -1) < 0 && errno == EINTR)
			;
		if ((pf[0].revents & POLLIN) && !(pf[1].revents & POLLIN))
			kill(me, SIGKILL);
		_exit(0);
	}
	close(ifd);
	close(mfd);
}

static int cmd_exec(int argc, char **argv)
{
	struct opt o[] = {{"|--process|-p|", 1, NULL}, {"|--detach|-d|", 0, NULL},
			  {"|--pid-file|", 1, NULL}, {"|--console-socket|", 1, NULL},
			  {"|--tty|-t|", 0, NULL}, {"|--cwd|", 1, NULL},
			  {"|--preserve-fds|", 1, "0"}, {"|--env|-e|", 1, NULL},
			  {"|--user|-u|", 1, NULL}, {"|--no-new-privs|", 0, NULL},
			  {"|--process-label|", 1, NULL}, {"|--apparmor|", 1, NULL},
			  {"|--cgroup|", 1, NULL}, {"|--ignore-paused|", 0, NULL},
			  {"|--pidfd-socket|", 1, NULL}, {"|--cap|-c|", 1, NULL}};
	int i;
	parse_opts(argc, argv, o, sizeof o / sizeof o[0], &i);
	if (i >= argc)
		die("exec: want a container id");
	const char *id = argv[i];
	struct state s;
	read_state(id, &s);
	if (strcmp(status(&s), "running"))
		die("cannot exec in a container that is %s", status(&s));
	static struct oci_config c;
	char err[4096];
	if (oci_config_load(s.bundle, &c, err, sizeof err) < 0)
		die("%s", err);
	struct oci_process *p = &c.proc; /* the config's, unless a process is given */
	if (o[0].value) {
		if (oci_process_load(o[0].value, p, err, sizeof err) < 0)
			die("%s", err);
	} else {
		if (i + 1 >= argc)
			die("exec: want --process or a command");
		p->args = argv + i + 1;
		p->terminal = o[4].value != NULL;
		if (o[5].value)
			p->cwd = (char *)o[5].value;
		if (o[8].value && sscanf(o[8].value, "%u:%u", &p->uid, &p->gid) < 1)
			die("exec: --user %s: want UID[:GID]", o[8].value);
		if (o[9].value)
			p->no_new_privs = 1;
		if (o[7].value) { /* one --env only; --process is the way for more */
			int n = 0;
			while (p->env[n])
				n++;
			char **env = calloc(n + 2, sizeof *env);
			memcpy(env, p->env, n * sizeof *env);
			env[n] = (char *)o[7].value;
			p->env = env;
		}
	}
	int self = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	int st[2];
	if (self < 0 || pipe2(st, O_CLOEXEC) < 0)
		die("exec: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(st[0]);
		if (oci_join_container(s.pid, &c, err, sizeof err) < 0 ||
		    oci_setup_process(p, o[3].value, atoi(o[6].value), err, sizeof err) < 0) {
			report(st[1], err);
			_exit(1);
		}
		exec_watch(s.pid);
		oci_exec_run(self, &c, p, err, sizeof err);
		report(st[1], err);
		_exit(127);
	}
	close(st[1]);
	if (child_report(st[0], err, sizeof err, 1) < 0) {
		waitpid(pid, NULL, 0);
		die("exec: %s", err);
	}
	write_pid_file(o[2].value, pid);
	if (o[1].value)
		return 0;
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return exit_code(status);
}

static int cmd_features(void)
{
	json_t *ns = json_array();
	for (int k = 0; k < NS_COUNT; k++)
		if (k != NS_USER && k != NS_TIME)
			json_array_append_new(ns, json_string(oci_ns_names[k]));
	json_t *o = json_pack(
		"{s:s, s:s, s:[], s:[s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s], s:{s:o, s:[]}, s:{}}",
		"ociVersionMin", "1.0.0", "ociVersionMax", OCI_VERSION, "hooks", "mountOptions",
		"ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "bind", "rbind",
		"private", "rprivate", "shared", "rshared", "slave", "rslave", "relatime",
		"noatime", "strictatime", "sync", "linux", "namespaces", ns, "capabilities",
		"annotations");
	char *text = json_dumps(o, JSON_INDENT(2));
	printf("%s\n", text);
	free(text);
	return 0;
}

int oci_wants(int argc, char **argv)
{
	static const char *const cmds[] = {"create", "start", "state", "kill", "delete", "exec",
					   "ps", "features", "list", "pause", "resume", "update",
					   "events", "checkpoint", "restore", "spec"};
	static const char *const run_only[] = {"--bundle", "-b", "--detach", "-d", "--pid-file",
					       "--console-socket", "--no-pivot", "--no-new-keyring",
					       "--keep", "--preserve-fds", "--no-subreaper"};
	if (argc < 2)
		return 0;
	if (argv[1][0] == '-')
		return strcmp(argv[1], "--version") && strcmp(argv[1], "--help") &&
		       strcmp(argv[1], "-h") && strcmp(argv[1], "-v");
	for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++)
		if (!strcmp(argv[1], cmds[k]))
			return 1;
	if (strcmp(argv[1], "run"))
		return 0;
	/* `run` is uniproc's own unless an option of runc's run comes first. */
	for (int i = 2; i < argc && argv[i][0] == '-'; i++)
		for (size_t k = 0; k < sizeof run_only / sizeof run_only[0]; k++)
			if (!strncmp(argv[i], run_only[k], strlen(run_only[k])) &&
			    (!argv[i][strlen(run_only[k])] || argv[i][strlen(run_only[k])] == '='))
				return 1;
	return 0;
}

int oci_main(int argc, char **argv)
{
	struct opt g[] = {{"|--root|", 1, NULL}, {"|--log|", 1, NULL},
			  {"|--log-format|", 1, "text"}, {"|--systemd-cgroup|", 0, NULL},
			  {"|--debug|", 0, NULL}, {"|--rootless|", 1, NULL},
			  {"|--criu|", 1, NULL}, {"|--version|-v|", 0, NULL}};
	int i;
	parse_opts(argc - 1, argv + 1, g, sizeof g / sizeof g[0], &i);
	i++;
	if (g[0].value)
		state_root = g[0].value;
	log_path = g[1].value;
	log_json = !strcmp(g[2].value, "json");
	if (g[7].value) {
		printf("uniproc version 0.1\nspec: %s\n", OCI_VERSION);
		return 0;
	}
	if (i >= argc)
		die("want a command: create, start, state, kill, delete, run, exec, ps, features");
	const char *cmd = argv[i];
	int n = argc - i - 1;
	char **a = argv + i + 1;
	if (!strcmp(cmd, "create"))
		return cmd_create(n, a, 0);
	if (!strcmp(cmd, "run"))
		return cmd_create(n, a, 1);
	if (!strcmp(cmd, "start"))
		return cmd_start(n, a);
	if (!strcmp(cmd, "state"))
		return cmd_state(n, a);
	if (!strcmp(cmd, "kill"))
		return cmd_kill(n, a);
	if (!strcmp(cmd, "delete"))
		return cmd_delete(n, a);
	if (!strcmp(cmd, "exec"))
		return cmd_exec(n, a);
	if (!strcmp(cmd, "ps"))
		return cmd_ps(n, a);
	if (!strcmp(cmd, "features"))
		return cmd_features();
	die("%s: not supported by uniproc", cmd);
}
