/*
 * config.json and process.json (the OCI runtime spec) read with jansson
 * into struct oci_config. Fields we do not know are ignored; fields we know
 * but cannot honour give a clear error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "oci.h"

const char *const oci_ns_names[NS_COUNT] = {"mount", "network", "uts", "ipc",
					    "pid", "user", "cgroup", "time"};

static int fail(char *err, size_t es, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, es, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A NULL-terminated copy of an array of strings; NULL if it is not one. */
static char **strings(json_t *a)
{
	if (!json_is_array(a))
		return NULL;
	size_t n = json_array_size(a), i;
	char **v = calloc(n + 1, sizeof *v);
	json_t *s;
	json_array_foreach(a, i, s) {
		if (!json_is_string(s))
			return NULL;
		v[i] = strdup(json_string_value(s));
	}
	return v;
}

static const struct { const char *name; int res; } rlimit_names[] = {
	{"AS", RLIMIT_AS}, {"CORE", RLIMIT_CORE}, {"CPU", RLIMIT_CPU}, {"DATA", RLIMIT_DATA},
	{"FSIZE", RLIMIT_FSIZE}, {"LOCKS", RLIMIT_LOCKS}, {"MEMLOCK", RLIMIT_MEMLOCK},
	{"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE}, {"NOFILE", RLIMIT_NOFILE},
	{"NPROC", RLIMIT_NPROC}, {"RSS", RLIMIT_RSS}, {"RTPRIO", RLIMIT_RTPRIO},
	{"RTTIME", RLIMIT_RTTIME}, {"SIGPENDING", RLIMIT_SIGPENDING}, {"STACK", RLIMIT_STACK},
};

/* Capability numbers (linux/capability.h), by name without "CAP_". */
static const char *const cap_names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
	"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
	"NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
	"SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
	"AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

static int parse_process(json_t *o, struct oci_process *p, char *err, size_t es)
{
	memset(p, 0, sizeof *p);
	if (!json_is_object(o))
		return fail(err, es, "process: missing");
	p->args = strings(json_object_get(o, "args"));
	if (!p->args || !p->args[0])
		return fail(err, es, "process.args: want a non-empty array of strings");
	json_t *env = json_object_get(o, "env");
	p->env = env ? strings(env) : calloc(1, sizeof(char *));
	if (!p->env)
		return fail(err, es, "process.env: want an array of strings");
	const char *cwd = str(o, "cwd");
	p->cwd = strdup(cwd && *cwd ? cwd : "/");
	if (p->cwd[0] != '/')
		return fail(err, es, "process.cwd %s: want an absolute path", p->cwd);
	json_t *user = json_object_get(o, "user");
	if (user) {
		if (str(user, "username"))
			return fail(err, es, "process.user.username: not supported (give uid and gid)");
		p->uid = json_integer_value(json_object_get(user, "uid"));
		p->gid = json_integer_value(json_object_get(user, "gid"));
		json_t *g, *groups = json_object_get(user, "additionalGids");
		size_t i;
		json_array_foreach(groups, i, g) {
			if (p->ngroups == OCI_MAX_GROUPS)
				return fail(err, es, "process.user.additionalGids: more than %d",
					    OCI_MAX_GROUPS);
			p->groups[p->ngroups++] = json_integer_value(g);
		}
	}
	json_t *r, *rl = json_object_get(o, "rlimits");
	size_t i;
	json_array_foreach(rl, i, r) {
		const char *type = str(r, "type");
		size_t k, n = sizeof rlimit_names / sizeof rlimit_names[0];
		if (!type || strncmp(type, "RLIMIT_", 7))
			return fail(err, es, "process.rlimits: bad type %s", type ? type : "(none)");
		for (k = 0; k < n && strcmp(type + 7, rlimit_names[k].name); k++)
			;
		if (k == n)
			return fail(err, es, "process.rlimits: unknown type %s", type);
		if (p->nrlimits == OCI_MAX_RLIMITS)
			return fail(err, es, "process.rlimits: too many");
		p->rlimits[p->nrlimits].resource = rlimit_names[k].res;
		p->rlimits[p->nrlimits].lim.rlim_cur = json_integer_value(json_object_get(r, "soft"));
		p->rlimits[p->nrlimits].lim.rlim_max = json_integer_value(json_object_get(r, "hard"));
		/* JSON integers are signed 64-bit: -1 or 2^64-1 means unlimited. */
		if ((long long)p->rlimits[p->nrlimits].lim.rlim_cur < 0)
			p->rlimits[p->nrlimits].lim.rlim_cur = RLIM_INFINITY;
		if ((long long)p->rlimits[p->nrlimits].lim.rlim_max < 0)
			p->rlimits[p->nrlimits].lim.rlim_max = RLIM_INFINITY;
		p->nrlimits++;
	}
	p->no_new_privs = json_is_true(json_object_get(o, "noNewPrivileges"));
	p->terminal = json_is_true(json_object_get(o, "terminal"));
	json_t *cs = json_object_get(o, "consoleSize");
	if (cs) {
		p->rows = json_integer_value(json_object_get(cs, "height"));
		p->cols = json_integer_value(json_object_get(cs, "width"));
	}
	json_t *caps = json_object_get(json_object_get(o, "capabilities"), "bounding");
	if (json_is_array(caps)) {
		json_t *c;
		p->has_caps = 1;
		json_array_foreach(caps, i, c) {
			const char *name = json_string_value(c);
			size_t k, n = sizeof cap_names / sizeof cap_names[0];
			if (!name || strncmp(name, "CAP_", 4))
				return fail(err, es, "process.capabilities: bad name %s",
					    name ? name : "(none)");
			for (k = 0; k < n && strcmp(name + 4, cap_names[k]); k++)
				;
			if (k < n) /* one this kernel may not know: not ours to keep */
				p->bounding |= 1ull << k;
		}
	}
	return 0;
}

/* Mount options: the flags runc knows, the rest as data. */
static const struct { const char *name; int clear; unsigned long flag; } mount_flags[] = {
	{"ro", 0, MS_RDONLY}, {"rw", 1, MS_RDONLY}, {"nosuid", 0, MS_NOSUID},
	{"suid", 1, MS_NOSUID}, {"nodev", 0, MS_NODEV}, {"dev", 1, MS_NODEV},
	{"noexec", 0, MS_NOEXEC}, {"exec", 1, MS_NOEXEC}, {"sync", 0, MS_SYNCHRONOUS},
	{"async", 1, MS_SYNCHRONOUS}, {"dirsync", 0, MS_DIRSYNC}, {"mand", 0, MS_MANDLOCK},
	{"nomand", 1, MS_MANDLOCK}, {"noatime", 0, MS_NOATIME}, {"atime", 1, MS_NOATIME},
	{"nodiratime", 0, MS_NODIRATIME}, {"diratime", 1, MS_NODIRATIME},
	{"relatime", 0, MS_RELATIME}, {"norelatime", 1, MS_RELATIME},
	{"strictatime", 0, MS_STRICTATIME}, {"nostrictatime", 1, MS_STRICTATIME},
	{"remount", 0, MS_REMOUNT}, {"bind", 0, MS_BIND}, {"rbind", 0, MS_BIND | MS_REC},
};
static const struct { const char *name; unsigned long flag; } mount_props[] = {
	{"private", MS_PRIVATE}, {"rprivate", MS_PRIVATE | MS_REC}, {"shared", MS_SHARED},
	{"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE}, {"rslave", MS_SLAVE | MS_REC},
	{"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};
/* Options of podman's or containerd's own, meant for them, not for mount(2). */
static const char *const mount_ignored[] = {"tmpcopyup", "notmpcopyup", "copy-symlink",
					    "z", "Z", "U", "idmap", "rro", "nocopy"};

static unsigned long prop_flag(const char *name)
{
	for (size_t k = 0; k < sizeof mount_props / sizeof mount_props[0]; k++)
		if (!strcmp(name, mount_props[k].name))
			return mount_props[k].flag;
	return 0;
}

static int parse_mount(json_t *o, struct oci_mount *m, char *err, size_t es)
{
	const char *dest = str(o, "destination"), *type = str(o, "type"), *src = str(o, "source");
	if (!dest || dest[0] != '/')
		return fail(err, es, "mounts: destination %s: want an absolute path",
			    dest ? dest : "(none)");
	m->dest = strdup(dest);
	m->type = strdup(type ? type : "");
	m->source = src ? strdup(src) : NULL;
	size_t dlen = 0, i;
	char data[4096] = "";
	json_t *opt;
	json_array_foreach(json_object_get(o, "options"), i, opt) {
		const char *s = json_string_value(opt);
		size_t k;
		int known = 0;
		if (!s)
			continue;
		for (k = 0; k < sizeof mount_flags / sizeof mount_flags[0]; k++)
			if (!strcmp(s, mount_flags[k].name)) {
				if (mount_flags[k].clear)
					m->flags &= ~mount_flags[k].flag;
				else
					m->flags |= mount_flags[k].flag;
				known = 1;
			}
		if (prop_flag(s)) {
			m->prop = prop_flag(s);
			known = 1;
		}
		for (k = 0; k < sizeof mount_ignored / sizeof mount_ignored[0]; k++)
			known |= !strcmp(s, mount_ignored[k]);
		if (!known) {
			int n = snprintf(data + dlen, sizeof data - dlen, "%s%s", dlen ? "," : "", s);
			if (n < 0 || (size_t)n >= sizeof data - dlen)
				return fail(err, es, "mounts: %s: options too long", dest);
			dlen += n;
		}
	}
	m->bind = (m->flags & MS_BIND) || !strcmp(m->type, "bind");
	m->flags &= ~(unsigned long)MS_BIND;
	if (m->bind && !m->source)
		return fail(err, es, "mounts: %s: a bind mount needs a source", dest);
	m->data = dlen ? strdup(data) : NULL;
	return 0;
}

static json_t *load_json(const char *path, char *err, size_t es)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	if (!root)
		fail(err, es, "%s: line %d: %s", path, je.line, je.text);
	else if (!json_is_object(root)) {
		fail(err, es, "%s: not a JSON object", path);
		json_decref(root);
		return NULL;
	}
	return root;
}

int oci_process_load(const char *file, struct oci_process *p, char *err, size_t es)
{
	json_t *root = load_json(file, err, es);
	if (!root)
		return -1;
	int r = parse_process(root, p, err, es);
	json_decref(root);
	return r;
}

int oci_config_load(const char *bundle, struct oci_config *c, char *err, size_t es)
{
	char path[PATH_MAX];
	memset(c, 0, sizeof *c);
	snprintf(path, sizeof path, "%s/config.json", bundle);
	json_t *root = load_json(path, err, es);
	if (!root)
		return -1;
	int r = -1;
	if (json_object_get(root, "hooks") && json_object_size(json_object_get(root, "hooks"))) {
		fail(err, es, "config.json: hooks are not supported by uniproc");
		goto out;
	}
	if (parse_process(json_object_get(root, "process"), &c->proc, err, es) < 0)
		goto out;
	json_t *rt = json_object_get(root, "root");
	const char *rp = str(rt, "path");
	if (!rp || !*rp) {
		fail(err, es, "config.json: root.path: missing");
		goto out;
	}
	char joined[PATH_MAX * 2];
	snprintf(joined, sizeof joined, "%s/%s", bundle, rp);
	c->root = realpath(rp[0] == '/' ? rp : joined, NULL);
	if (!c->root) {
		fail(err, es, "root.path %s: %s", rp, strerror(errno));
		goto out;
	}
	c->readonly = json_is_true(json_object_get(rt, "readonly"));
	json_t *ms = json_object_get(root, "mounts");
	c->mounts = calloc(json_array_size(ms) + 1, sizeof *c->mounts);
	size_t i;
	json_t *m;
	json_array_foreach(ms, i, m) {
		if (parse_mount(m, &c->mounts[c->nmounts], err, es) < 0)
			goto out;
		c->nmounts++;
	}
	const char *h = str(root, "hostname");
	c->hostname = h && *h ? strdup(h) : NULL;
	json_t *lnx = json_object_get(root, "linux"), *ns;
	json_array_foreach(json_object_get(lnx, "namespaces"), i, ns) {
		const char *type = str(ns, "type"), *p = str(ns, "path");
		int k;
		for (k = 0; k < NS_COUNT && (!type || strcmp(type, oci_ns_names[k])); k++)
			;
		if (k == NS_COUNT) {
			fail(err, es, "linux.namespaces: unknown type %s", type ? type : "(none)");
			goto out;
		}
		c->has_ns[k] = 1;
		c->ns_path[k] = p && *p ? strdup(p) : NULL;
	}
	if (c->has_ns[NS_USER]) {
		fail(err, es, "linux.namespaces: a user namespace is not supported by uniproc");
		goto out;
	}
	if (c->hostname && !c->has_ns[NS_UTS]) {
		fail(err, es, "hostname %s needs a uts namespace", c->hostname);
		goto out;
	}
	json_t *devs = json_object_get(lnx, "devices");
	if (json_array_size(devs)) {
		fail(err, es, "linux.devices: device nodes are not supported by uniproc (the "
			      "monitor serves null, zero, full, random, urandom, tty, ptmx)");
		goto out;
	}
	/* Only sysctls of a namespace the container has of its own, as runc. */
	json_t *sysctl = json_object_get(lnx, "sysctl"), *v;
	const char *key;
	c->sysctl_keys = calloc(json_object_size(sysctl) + 1, sizeof(char *));
	c->sysctl_values = calloc(json_object_size(sysctl) + 1, sizeof(char *));
	json_object_foreach(sysctl, key, v) {
		int ipc = !strncmp(key, "kernel.msg", 10) || !strcmp(key, "kernel.sem") ||
			  !strncmp(key, "kernel.shm", 10) || !strncmp(key, "fs.mqueue.", 10);
		int net = !strncmp(key, "net.", 4);
		int uts = !strcmp(key, "kernel.hostname") || !strcmp(key, "kernel.domainname");
		if (!json_is_string(v) || strstr(key, "..") || strchr(key, '/') ||
		    !((ipc && c->has_ns[NS_IPC] && !c->ns_path[NS_IPC]) ||
		      (net && c->has_ns[NS_NETWORK]) || (uts && c->has_ns[NS_UTS]))) {
			fail(err, es, "linux.sysctl %s: not in a namespace of the container's own", key);
			goto out;
		}
		c->sysctl_keys[c->nsysctls] = strdup(key);
		c->sysctl_values[c->nsysctls++] = strdup(json_string_value(v));
	}
	json_t *pids = json_object_get(json_object_get(json_object_get(lnx, "resources"), "pids"),
				       "limit");
	c->pids_limit = json_is_integer(pids) ? json_integer_value(pids) : 0;
	if (c->pids_limit < 0)
		c->pids_limit = 0;
	const char *prop = str(lnx, "rootfsPropagation");
	c->rootfs_prop = prop && *prop ? prop_flag(prop) : MS_PRIVATE | MS_REC;
	if (!c->rootfs_prop) {
		fail(err, es, "linux.rootfsPropagation %s: unknown", prop);
		goto out;
	}
	json_t *ann = json_object_get(root, "annotations");
	if (json_is_object(ann))
		c->annotations = json_dumps(ann, JSON_COMPACT);
	r = 0;
out:
	json_decref(root);
	return r;
}

int oci_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return n > 0 && n < NSIG ? (int)n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	if (!strncasecmp(s, "RTMIN+", 6) || !strncasecmp(s, "RTMAX-", 6)) {
		n = strtol(s + 6, &end, 10);
		n = toupper((unsigned char)s[3]) == 'I' ? SIGRTMIN + n : SIGRTMAX - n;
		return *end || n < SIGRTMIN || n > SIGRTMAX ? -1 : (int)n;
	}
	for (int i = 1; i < SIGRTMIN; i++) {
		const char *a = sigabbrev_np(i);
		if (a && !strcasecmp(a, s))
			return i;
	}
	return -1;
}
