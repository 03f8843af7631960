/*
 * The OCI runtime (runc's command line): podman through conmon, containerd
 * through its runc shim. A container's first process is `uniproc run
 * --root ROOTFS ... ARGS` with the config's settings, started by a process
 * that set up its namespaces and mounts and waited for `start`.
 */
#ifndef OCI_H
#define OCI_H

#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* main.c hands the command line over when it is runc's (oci.c). */
int oci_wants(int argc, char **argv);
int oci_main(int argc, char **argv);

#define OCI_VERSION "1.0.2"
#define OCI_MAX_RLIMITS 16
#define OCI_MAX_GROUPS 64

/* What config.json's "process" (or exec's process.json) asks for. */
struct oci_process {
	char **args;           /* NULL-terminated */
	char **env;            /* NULL-terminated */
	char *cwd;             /* absolute, in the container */
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[OCI_MAX_GROUPS];
	int nrlimits;
	struct {
		int resource;
		struct rlimit lim;
	} rlimits[OCI_MAX_RLIMITS];
	int no_new_privs;
	int terminal;
	unsigned short rows, cols; /* consoleSize, 0: none */
	int has_caps;          /* capabilities.bounding was given */
	uint64_t bounding;     /* bit N: capability N is kept */
};

struct oci_mount {
	char *dest, *type, *source;
	unsigned long flags;   /* MS_* from the options */
	unsigned long prop;    /* MS_PRIVATE, MS_SLAVE... or 0 */
	int bind;              /* bind or rbind (MS_REC in flags for rbind) */
	char *data;            /* the options that are no flag, comma separated */
};

enum { NS_MOUNT, NS_NETWORK, NS_UTS, NS_IPC, NS_PID, NS_USER, NS_CGROUP, NS_TIME, NS_COUNT };

struct oci_config {
	struct oci_process proc;
	char *root;            /* absolute host path of the root file system */
	int readonly;
	int nmounts;
	struct oci_mount *mounts;
	char *hostname;
	int has_ns[NS_COUNT];
	char *ns_path[NS_COUNT]; /* setns to this one, or NULL: a new one */
	long pids_limit;       /* 0: none */
	unsigned long rootfs_prop;
	char *annotations;     /* JSON text of the object, or NULL */
	int nsysctls;
	char **sysctl_keys, **sysctl_values; /* linux.sysctl, namespaced ones only */
};

extern const char *const oci_ns_names[NS_COUNT];

/* oci_config.c: read and check; 0, or -1 with a message in err. */
int oci_config_load(const char *bundle, struct oci_config *c, char *err, size_t es);
int oci_process_load(const char *file, struct oci_process *p, char *err, size_t es);
int oci_signal(const char *s); /* "TERM", "SIGTERM", "15"; -1 if unknown */

/* oci_setup.c: in the process that becomes the container's (or an exec's)
   monitor. Each returns 0 or -1 with a message in err. */
int oci_setup_container(const struct oci_config *c, char *err, size_t es);
int oci_join_container(pid_t init, const struct oci_config *c, char *err, size_t es);
int oci_setup_process(const struct oci_process *p, const char *console_socket, int preserve_fds,
		      char *err, size_t es);
/* Exec `uniproc run` for the process; returns only on failure. */
void oci_exec_run(int self_fd, const struct oci_config *c, const struct oci_process *p,
		  char *err, size_t es);

#endif
