/*
 * uniproc monitor internals. One monitor process runs one guest VM, with a
 * vCPU (run by a host thread) for each thread of the guest process; it is
 * the "kernel" for what the guest cannot do alone.
 */
#ifndef MONITOR_H
#define MONITOR_H

#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <stdio.h>

#include "../include/uniproc/abi.h"

struct kvm_run;

#define MAX_SLOTS 400
#define PT_SLOT (MAX_SLOTS + 32) /* after the ring window's slots */
#define RUN_SLOT (MAX_SLOTS + 33) /* the run page (abi.h) */
#define UP_MAX_GIB 64            /* of guest memory */

/* kvm.c: the virtual machine. */
struct vm {
	int kvm_fd, vm_fd;
	size_t run_size;
	uint8_t *mem;      /* host mapping of guest memory */
	uint64_t mem_size; /* bytes, a multiple of 2 MiB */
	/* Backed by memory slots: [0, low_top) and [high_bottom, mem_size). */
	uint64_t low_top, high_bottom;
	int nslots;
	uint64_t slots[MAX_SLOTS][2]; /* [lo, hi) of each memory slot */
	/* Host mapping of the pipe ring window (UP_RING_BASE): PROT_NONE, where
	   each ring's memfd is mapped in place (pipe.c). Memory slots cover it
	   in groups of rings, made as rings are first used there: a slot costs
	   ~1 us per MiB to make. */
	uint8_t *rings;
	uint32_t ring_groups; /* bit g: slot MAX_SLOTS + g covers group g */
	/* Page tables of split 2 MiB chunks (mmu.c): guest-physical UP_PT_BASE,
	   4 KiB per chunk of guest memory, in slot PT_SLOT. */
	uint8_t *pts;
	uint64_t split[UP_MAX_GIB * 512 / 64]; /* bit c: chunk c is split */
	/* KVM's MMU walks the guest's tables in hardware (Intel EPT, AMD NPT),
	   not a shadow of them (this host's PVM, or hardware without them):
	   mmu.c writes every entry itself (see there). */
	int tdp;
	/* mmu.c's drop_translations: odd while host memory is read-only for
	   a moment; a vCPU that KVM could not give a page meanwhile runs again. */
	uint64_t drops;
};

/*
 * vcpu.c: threads. Each thread of the guest is a vCPU, run by a host thread
 * of the monitor whose thread id is the guest's tid (the first: our pid).
 * A vCPU whose thread ended waits, with its host thread, for the next
 * thread (KVM cannot destroy a vCPU).
 */
struct kvm_xsave;
struct vcpu {
	int idx;              /* KVM vCPU id; its page of UP_CPU_AREA */
	int fd;               /* KVM vCPU fd */
	struct kvm_run *run;
	int tid;              /* guest thread id: the host thread's, or our pid */
	int htid;             /* the host thread's id */
	int started;          /* its host thread runs (waits for work when not live) */
	jmp_buf resume;       /* vm_run: where a parked vCPU starts its next thread */
	uint64_t block;       /* guest address of its struct up_thread */
	int live;             /* runs a guest thread */
	int has_cpuid;        /* KVM_SET_CPUID2 done (it may not be redone) */
	uint64_t pending;     /* signals for this thread alone (tgkill, SIGPIPE) */
	siginfo_t info[65];   /* theirs: a standard signal's (one at most) */
	/* Its real-time ones queue, each with its siginfo, in the order they
	   came (signal.c; taken under its queue lock). */
#define VCPU_RTQ 64
	siginfo_t rtq[VCPU_RTQ];
	unsigned nrtq;
	int interrupted;      /* the last hypercall ended with EINTR for a signal */
	int execed;           /* set by a successful execve: no syscall result */
	int wake[2];          /* self-pipe: a signal for it wakes rt_sigsuspend */
	uint64_t waitset;     /* rt_sigtimedwait: the signals it waits for */
	uint64_t host_blocked; /* SIGTTIN/SIGTTOU its host thread blocks (signal_host_mask) */
	struct kvm_xsave *fpu[8]; /* FPU state saved at each signal delivery */
	int nfpu;
	long exits;           /* VM exits not yet added to the tree's count */
	int in_guest;         /* in KVM_RUN */
};
/* The vCPU the calling host thread runs. */
extern __thread struct vcpu *vcpu;
/* Every vCPU made, live or not; its index is its idx. */
extern struct vcpu *vcpus[UP_CPU_MAX];
extern int nvcpus;
/* The process lock: held while the monitor serves a hypercall, except
   around a host call that may block (hcall.c). */
void proc_lock(void);
void proc_unlock(void);
/* Let it go however often the calling thread holds it (to sleep); the count. */
int proc_unlock_all(void);
/* Take it back that many times. */
void proc_relock(int depth);
/* Make vCPU idx of the VM (its KVM vCPU and kvm_run). */
struct vcpu *vcpu_make(struct vm *vm, int idx);
/* The guest's struct up_thread of v, or NULL if its address is bad. */
struct proc;
struct up_thread *vcpu_thread(struct proc *p, struct vcpu *v);
/* UP_HC_CLONE: start a thread. */
void vcpu_clone(struct proc *p, uint32_t gpa);
/* UP_HC_THREAD_EXIT: the calling thread ends (the last: the process). */
void vcpu_exit(struct proc *p, int status) __attribute__((noreturn));
/* The live vCPU of guest thread tid, or NULL. */
struct vcpu *vcpu_of(int tid);
/* Make v leave KVM_RUN or a blocking host call soon (a host signal). */
void vcpu_kick(struct vcpu *v);
/* execve: end every other thread (they leave at their next stop). Holds
   the process lock. */
void vcpu_end_others(struct proc *p);
/* Does the calling thread have to end (execve or exit in another)? Then
   (holding the process lock) it does, never returning. */
void vcpu_check_end(struct proc *p);
/* Must the calling thread end (a wait in the monitor stops)? */
int vcpu_ending(void);
/* In a forked child: the calling thread's vCPU is the only one. */
void vcpu_fork_child(struct proc *p);
/* Rewriting code at [lo, hi) (rewrite.c): stop the other threads' vCPUs
   (they stay out of the guest while we hold the process lock) and say
   whether none of them is inside it, or returns into it from a syscall. */
int vcpu_quiet(struct proc *p, uint64_t lo, uint64_t hi);
/* How many guest threads are live. */
int vcpu_count(void);
/* VM exits of every vCPU, not yet added to the tree's count. */
long vcpu_exits(struct proc *p);
/* signal.c: a vCPU's own signal state (its self-pipe). */
void signal_vcpu_init(struct vcpu *v);
/* A signal for thread v alone (tgkill, SIGPIPE), from us with si_code code.
   These three give 0, or -EAGAIN for a real-time signal that the queue
   has no room for (RLIMIT_SIGPENDING). */
int signal_thread(struct proc *p, struct vcpu *v, int sig, int code);
/* The same with the sender's siginfo (rt_tgsigqueueinfo). */
int signal_thread_info(struct proc *p, struct vcpu *v, int sig, const siginfo_t *si);
/* rt_sigqueueinfo to our own process. */
int signal_queue(struct proc *p, int sig, const siginfo_t *si);
/* A siginfo another monitor's rt_tgsigqueueinfo sends carries this mark
   at SIGNAL_MARK_AT (bytes the host passes on, unused by si_code < 0):
   the receiver takes it for the thread it came to, not the process. A
   process-directed one has it cleared by the sender (signal_mark). */
#define SIGNAL_MARK 0x7570746873696721ull /* "!gisthpu" */
#define SIGNAL_MARK_AT 40
void signal_mark(siginfo_t *si, int thread);
/* A new thread's view of the signals pending for the process. */
void signal_thread_start(struct up_thread *t);
/* v starts a new thread: nothing is pending for it alone. */
void signal_thread_reset(struct vcpu *v);
/* RLIMIT_SIGPENDING, the guest's: bounds the real-time signals queued.
   set (or NULL) the new one, old (or NULL) gets the current: 0 or -errno. */
int signal_rlimit(const struct rlimit *set, struct rlimit *old);
/* The process this monitor runs (for signal handlers). */
extern struct proc *cur_proc;
/* The host signal that makes a vCPU's host thread leave KVM_RUN or a
   blocking call (vcpu_kick): one of ours to ourselves, by tgkill. */
#define SIGNAL_KICK 64

/* Everything the monitor knows about its process. */
struct proc {
	struct vm vm;
	struct up_libos_header libos; /* copy of the library OS header */
	int root_fd;                  /* O_PATH handle of --root */
	char root[PATH_MAX];          /* canonical host path of --root */
	size_t root_len;
	char cwd[PATH_MAX];  /* guest path of the working directory */
	char exe[PATH_MAX];  /* guest path of the program, /proc/self/exe */
	const char *name;    /* program name for messages */
	int log_fd;          /* the monitor's own stderr */
	int trace;           /* --trace */
	int rewrite;         /* patch hot syscall sites (not --no-rewrite) */
	uint64_t stub_used;  /* bytes of the library OS stub pool in use */
	int vfork_fd;        /* held until exec or exit when created by vfork */
	int fd_limit;        /* RLIMIT_NOFILE of the guest, at most UP_FD_MAX */
	int stats;           /* --stats: print process and VM counts at exit */
	long exits;          /* VM exits of ended threads, not yet added to the tree's count */
	int net_none;        /* --net none: only AF_UNIX sockets */
	int no_new_privs;    /* the guest's prctl flag (the monitor's own is always set) */
	int own_creds;       /* each host thread has its own credentials (hsys_id.c) */
	int fd_hard;         /* the guest's hard RLIMIT_NOFILE (fd_limit is the soft one) */
	struct rlimit core;   /* the guest's RLIMIT_CORE (the monitor's own is 0) */
	/* The initial stack's strings (stack.c): /proc/self/cmdline and environ. */
	uint64_t arg_start, arg_end, env_start, env_end;
	int sq;              /* exitless host calls (sq.c): 0 (--no-exitless), SQ_AUTO, SQ_ALWAYS */
	int shm_fd;          /* O_PATH handle of the run's own /dev/shm (a root without one), or -1 */
	char shm_dir[128];   /* its host path */
};

/* gmem.c: the one way the monitor reaches guest memory. */
/*
 * Host pointer for guest range [gpa, gpa + len), or NULL if any of it lies
 * outside memory the guest may name (below UP_LIBOS_BASE or past the end).
 */
void *gmem_ptr(const struct vm *vm, uint64_t gpa, uint64_t len);
/* gmem_ptr for a range the monitor stores to (a hypercall's result, a
   thread's block, a futex word): NULL also where its host mapping is
   read-only (FMAP_HOST_RO), where the store would fault the monitor. */
void *gmem_wptr(const struct vm *vm, uint64_t gpa, uint64_t len);
/* Copy the NUL-terminated guest string at gpa into buf; 0 or -errno. */
int gmem_str(const struct vm *vm, uint64_t gpa, char *buf, size_t size);
/*
 * A pointer the program passed to a syscall, checked as Linux's
 * copy_from_user/copy_to_user would find it: every page mapped, not given
 * back (munmap), and readable (gmem_in) or writable (gmem_out) at CPL3.
 * NULL: the call's EFAULT. gmem_user_len is the length of the prefix of
 * [gpa, gpa + len) that is so, for calls that stop short where Linux does.
 * gmem_ustr is gmem_str for a program's string (-EFAULT where it is not).
 */
struct proc;
void *gmem_in(struct proc *p, uint64_t gpa, uint64_t len);
void *gmem_out(struct proc *p, uint64_t gpa, uint64_t len);
uint64_t gmem_user_len(struct proc *p, uint64_t gpa, uint64_t len, int prot);
int gmem_ustr(struct proc *p, uint64_t gpa, char *buf, size_t size);
/* Copy a call's result out to the program, as Linux does once the call is
   done (its own errors come first): 0, or -EFAULT. */
long gmem_put(struct proc *p, uint64_t gpa, const void *src, size_t n);
/*
 * A file page past the end of its file (the file shrank after it was
 * mapped, into guest memory or for the monitor to read) raises SIGBUS when
 * the monitor touches it. signal.c's handler calls gmem_bus; GMEM_CATCH(c)
 * arms catch point c and is 0, then 1 again (sigsetjmp) if such a SIGBUS
 * comes, with c->addr the host address and c disarmed. On the way out
 * without one, gmem_uncatch(c). Catch points nest; the innermost wins.
 */
struct gmem_catch {
	sigjmp_buf jb;
	struct gmem_catch *outer;
	uintptr_t addr;
};
extern __thread struct gmem_catch *gmem_catcher;
#define GMEM_CATCH(c) ((c)->outer = gmem_catcher, gmem_catcher = (c), sigsetjmp((c)->jb, 0))
/* signal.c's SIGBUS handler: a catch point armed? Jumps there. */
void gmem_bus(siginfo_t *si, void *uc);
void gmem_uncatch(struct gmem_catch *c);
/* The guest address of host address a in guest memory, or 0 if outside it. */
uint64_t gmem_guest_addr(const struct vm *vm, uintptr_t a);
/* A page of guest memory that maps a file past its end: the one at gpa, or
   with gpa 0 the first one; its address and a description in out, or 0. */
uint64_t gmem_past_eof(const struct vm *vm, uint64_t gpa, char *out, size_t size);

/* The run page (abi.h): made by the main process, inherited by forks. */
extern struct up_run_page *run_page;

/* kvm.c */
/* Create the VM, its memory (lazily backed) and vCPU 0. Exits on error. */
void vm_create(struct vm *vm, uint64_t mem_size);
/*
 * Make guest range [lo, hi) usable by the guest, growing one of the two
 * backed ends geometrically. Returns 0, or -ENOMEM if out of range or slots.
 */
int vm_back(struct vm *vm, uint64_t lo, uint64_t hi);
/* Make sure a memory slot covers ring idx of the window. */
void vm_ring(struct vm *vm, int idx);
/* execve: fresh guest memory in place of the old (same slots). */
void vm_reset(struct vm *vm);
/* After fork: a new VM over the same memory ranges, with one vCPU (the
   calling thread's, same idx). */
void vm_recreate(struct vm *vm);
/* Run the calling thread's vCPU until the guest exits; never returns. */
void vm_run(struct proc *p) __attribute__((noreturn));

/* mmu.c: guest page tables (see the comment there). */
/* Build them for a fresh guest: 2 MiB pages, read-write and no-execute,
   the system area and the library OS's code protected. */
void mmu_build(struct proc *p);
/* Before the first run: [lo, hi) (rounded out to pages) gets mmap's prot. */
void mmu_boot_protect(struct vm *vm, uint64_t lo, uint64_t hi, int prot);
/* [lo, hi) (page aligned, user memory) gets prot. live: the guest has run,
   so page-directory stores are queued for it. Returns how many were queued
   (the guest must run mmu_sync), or -EINVAL, or -ENOSPC. */
int mmu_protect(struct vm *vm, uint64_t lo, uint64_t hi, int prot, int live);

/* Memory [lo, hi) has just been backed: map its 2 MiB pages (read-write)
   where they are not mapped yet. Returns the stores queued, or -ENOSPC. */
int mmu_present(struct vm *vm, uint64_t lo, uint64_t hi);
/* The protection of the page at addr (in guest memory), as mmap's prot. */
int mmu_prot(struct vm *vm, uint64_t addr);
/* How much of [lo, lo + len) (in guest memory) CPL3 may access with prot,
   from lo on: PROT_READ, or PROT_WRITE. */
/* Do the entries now allow the access of a page fault at CPL3 with error code pf_error? */
int mmu_allows(struct vm *vm, uint64_t addr, uint64_t pf_error);
uint64_t mmu_access_len(struct vm *vm, uint64_t lo, uint64_t len, int prot);
/* Is addr in a page mapped PROT_NONE (a fault there is SEGV_ACCERR)? */
int mmu_prot_none(struct vm *vm, uint64_t addr);

/* hsys_mem.c: which file each part of guest memory maps (/proc/self/maps). */
struct fmap {
	uint64_t lo, hi, off; /* guest range, and the file offset at lo */
	uint64_t dev, ino;
	char *path;           /* the guest's path of the file */
	int shared;           /* mapped MAP_SHARED */
	int maywrite;         /* the fd was open for writing */
	int sysv;             /* a SysV shared memory segment (shmdt) */
};
/* Is m's host mapping read-only, so that a store of the monitor there
   would fault? Only a SysV segment attached SHM_RDONLY: a shared mapping
   of a file not open for writing is private and writable on the host
   (hsys_mem.c, mmap). */
#define FMAP_HOST_RO(m) ((m)->sysv && !(m)->maywrite)
/* The length of the prefix of guest range [lo, lo + n) whose host mapping
   takes the monitor's stores. */
uint64_t fmap_host_writable(uint64_t lo, uint64_t n);
/* [lo, hi) now maps host file fd from offset off (replacing what was there). */
void fmap_add(struct proc *p, uint64_t lo, uint64_t hi, uint64_t off, int fd, int shared);
/* [lo, hi) is shared anonymous memory. */
void fmap_shared_anon(uint64_t lo, uint64_t hi);
/* [lo, hi) is an attached SysV segment shown as name (maywrite: not
   SHM_RDONLY, whose host mapping can never be made writable). */
void fmap_sysv(uint64_t lo, uint64_t hi, const char *name, int maywrite);
/* [lo, hi) now maps what *m (from elsewhere) mapped, from its start. */
void fmap_move(struct proc *p, const struct fmap *m, uint64_t lo, uint64_t hi);
/* [lo, hi) maps no file any more. */
void fmap_remove(uint64_t lo, uint64_t hi);
/* The file mapping at addr, or NULL. */
const struct fmap *fmap_at(uint64_t addr);
/* The first file mapping that ends above addr, or NULL. */
const struct fmap *fmap_next(uint64_t addr);

/*
 * procfs.c: /proc as the guest sees it: its own processes, nothing of the
 * monitor; and the minimum of /dev and /sys, whatever the root holds. The
 * hooks return PROCFS_NONE for a name they leave to the caller, and
 * PROCFS_AGAIN when they rewrote the (guest) path abs[PATH_MAX] into
 * another name for the same file, for the caller to resolve again.
 */
#define PROCFS_NONE (-100000)
#define PROCFS_AGAIN (-100001)
/* open(2) of guest path abs (absolute, not yet resolved): an fd, -errno,
   PROCFS_NONE or PROCFS_AGAIN. */
int procfs_open(struct proc *p, char *abs, int flags, int mode);
/* readlink(2) of guest path abs into out[PATH_MAX]: its length, -errno,
   PROCFS_NONE (a plain symlink, if any) or PROCFS_AGAIN. */
int procfs_readlink(struct proc *p, char *abs, char *out);
/* The guest path of host fd fd at host path host, if it is one procfs or
   devfs gave out: 0 with out[PATH_MAX] set, else -1. */
int procfs_guest_path(struct proc *p, int fd, const char *host, char *out);
/* getdents64(2) on fd: the guest's view of a /proc directory (the run's
   processes, their fds below UP_FD_MAX), or PROCFS_NONE for any other. */
long procfs_getdents(struct proc *p, int fd, void *buf, size_t len);
/* fstat/statx of fd, a /proc/PID/fd directory: its size is the count of
   the guest's fds (the host's would count the monitor's); transient: fd is
   the monitor's own handle for the call (not counted), or -1. */
struct stat;
struct statx;
void procfs_stat(int fd, int transient, struct stat *st, struct statx *stx);
/* The target of the guest's own fd fd, as readlink of /proc/self/fd/N shows
   it (a path, pipe:[N], socket:[N]...): its length in out[PATH_MAX]. */
int procfs_fd_link(struct proc *p, int fd, char *out);
/* Is path s prefix, or beneath it? Then what follows it ("" or "/..."). */
const char *procfs_beneath(const char *s, const char *prefix);
/* Open host path path with the guest's open flags (never creating). */
int procfs_host_open(const char *path, int flags, int mode);

/* devfs.c: /dev and /sys as programs need them, whatever the root holds. */
/* abs was not found beneath the root: an fd on what /dev or /sys must
   hold anyway (the host's device, the run's own /dev/shm), -errno,
   PROCFS_NONE or PROCFS_AGAIN. */
int devfs_open(struct proc *p, char *abs, int flags, int mode);
/* The guest path of host path host, if devfs_open gave it: 0, else -1. */
int devfs_guest_path(struct proc *p, const char *host, char *out);
/* At the start of a run: the run's own /dev/shm if the root has none. */
void devfs_init(struct proc *p);
int devfs_unchangeable(struct proc *p, int fd); /* -EPERM for a host node it gave */

/* procfs_gen.c: the files procfs makes, written to f for process pid (a
   process of the run; own: our own, whose guest memory we can read). */
int procfs_gen_maps(struct proc *p, FILE *f);
int procfs_gen_smaps_rollup(struct proc *p, FILE *f);
int procfs_gen_stat(struct proc *p, int pid, int own, FILE *f);
int procfs_gen_status(struct proc *p, int pid, int own, FILE *f);
int procfs_gen_cmdline(struct proc *p, int pid, int own, FILE *f);
int procfs_gen_environ(struct proc *p, FILE *f);
int procfs_gen_limits(struct proc *p, int pid, int own, FILE *f);
int procfs_gen_mounts(struct proc *p, int info, FILE *f);

/* x86_64.c: descriptor tables and registers for the boot. */
void arch_setup(struct proc *p, uint64_t entry, uint64_t rsp);
/* A thread's new vCPU v: the calling vCPU's state, with regs (abi.h
   up_hc_clone order), FS base fs and GS base gs. */
void arch_thread(struct proc *p, struct vcpu *v, const uint64_t regs[18], uint64_t fs,
		 uint64_t gs);
/* vCPU state that a fork carries to the child's new vCPU. */
struct arch_state;
struct arch_state *arch_save(struct proc *p);
/* Load saved state into the (new) vCPU and free it. */
void arch_restore(struct proc *p, struct arch_state *st);
/* Pair one guest TSC reading with the host clocks in *bi. */
void arch_clock(struct proc *p, struct up_boot_info *bi);
/* Back to the program's code and stack segments (CPL3), from a CPL0 stub. */
void arch_user_segments(struct proc *p);

/* elf.c */
struct elf_info {
	uint64_t entry;            /* entry point, relocated */
	uint64_t phdr, phent, phnum; /* program headers as loaded */
	uint64_t start, end;       /* first page and end of the segments */
	uint64_t bias;             /* load bias (AT_BASE of an interpreter) */
	int nseg;                  /* PT_LOAD segments as loaded, for their protections */
	struct { uint64_t lo, hi, off; int prot; } seg[16];
	int stack_prot;            /* the stack's, from PT_GNU_STACK */
	char interp[PATH_MAX];     /* PT_INTERP, or "" for a static program */
};
/*
 * Check the ELF file image [data, data + size) as it would load: an ET_DYN
 * goes at base, or with base 0 as high as fits below top; an ET_EXEC where
 * it was linked; all of it must fit [UP_USER_BASE, top), with its entry
 * point in it and its program headers loaded. Fills info (its PT_INTERP, or
 * ""); on failure returns -1 with a one-line reason in err.
 */
int elf_check(const struct vm *vm, const uint8_t *data, size_t size, uint64_t base,
	      uint64_t top, struct elf_info *info, char *err, size_t errsize);
/* elf_check, then load it into guest memory, mapping its pages from fd
   where it can (fd -1: always copy). */
int elf_load(struct vm *vm, int fd, const uint8_t *data, size_t size, uint64_t base,
	     uint64_t top, struct elf_info *info, char *err, size_t errsize);
/* The highest address a program's image may reach. */
uint64_t elf_top(const struct vm *vm);
/* The top of the mmap area (which grows down): an interpreter ends below it. */
uint64_t elf_mmap_top(const struct vm *vm);

/* stack.c */
/* What argv, envp and AT_EXECFN may take of the stack, as Linux allows with
   an 8 MiB stack limit: a quarter. */
#define STACK_ARG_MAX (UP_STACK_SIZE / 4)
/* Linux's rule: the strings of execfn, argv and envp and a pointer for each
   argument (at least one) and variable fit STACK_ARG_MAX. 0 or -E2BIG. */
int stack_check(const char *execfn, char *const argv[], char *const envp[]);
/*
 * Build the initial stack at the top of guest memory as Linux does
 * (AT_BASE is interp_base: 0 for a static program). Returns the initial
 * RSP, or 0 if the arguments are too big (never after stack_check).
 */
uint64_t stack_build(struct proc *p, const struct elf_info *ei, uint64_t interp_base,
		     const char *execfn, char *const argv[], char *const envp[]);

/* path.c: the guest's view of the host tree, confined beneath --root. */
/* Set up root and cwd; exits with a message on error. */
void path_init(struct proc *p, const char *root);
/* openat2() of guest path (relative to dirfd) beneath the root. */
int path_open(struct proc *p, int dirfd, const char *path, int flags, int mode);
/*
 * Open the parent directory of path (O_PATH) beneath the root and copy the
 * last component into last[NAME_MAX + 1]. For creating and removing names.
 */
int path_parent(struct proc *p, int dirfd, const char *path, char *last);
/* -ETXTBSY if the file open at fd is a program a process of the run runs
   (Linux refuses to write to it), else 0. */
int path_busy(int fd);
/* Does path name the guest's own fd N (/proc/self/fd/N, /dev/fd/N, ...)? N or -1. */
int path_own_fd(struct proc *p, int dirfd, const char *path);
/* Does path (relative to dirfd) name /proc/self/exe, that is p->exe? */
int path_names_exe(struct proc *p, int dirfd, const char *path);
/* The host's magic link for a host fd, "/proc/self/fd/N", into out[FD_LINK_MAX]:
   how the unconfined monitor acts on a file it opened O_PATH beneath the root. */
#define FD_LINK_MAX 32
void path_fd_link(int fd, char *out);
/* Guest path of a host fd into out[PATH_MAX]; -EACCES if outside root. */
int path_of_fd(struct proc *p, int fd, char *out);
/* Guest path of host path host into out[PATH_MAX]; -EACCES if outside root. */
int path_to_guest(const struct proc *p, const char *host, char *out);
/* The open(2) flags of flags that openat2() takes. */
uint64_t path_flags(int flags);
/* readlink(2) of path (relative to dirfd) when the monitor answers it (the
   guest's fds, /proc's magic links): the target's length in out[PATH_MAX]
   (not NUL-terminated), -errno, or PROCFS_NONE: a plain file or symlink. */
int path_readlink(struct proc *p, int dirfd, const char *path, char *out);

/* tree.c: the monitors of one `uniproc run`. */
/* The host start time of pid (field 22 of /proc/PID/stat), or 0 if it is
   gone (with live_only, a zombie too). */
uint64_t host_start_time(pid_t pid, int live_only);
/* In the main process: a table of at most max processes. */
void tree_init(int max);
/* Reserve a slot for a child about to be forked; slot or -EAGAIN. */
int tree_reserve(void);
/* Put pid in the reserved slot: the parent does it as soon as fork returns
   (so that no exit can miss the child), and the child too. */
void tree_fill(int slot, int pid);
/* Give back a reserved slot (the fork failed). */
void tree_release(int slot);
/* Is pid a live process of this tree? */
int tree_has(int pid);
/* Is pid in the tree's table (a process of the run, unless it died by
   SIGKILL and its pid was reused)? No /proc lookup: any uid may ask. */
int tree_lists(int pid);
/* Send sig to the processes of the tree in process group pgid (0: all);
   returns how many got it. */
int tree_signal_group(int sig, int pgid, int include_self);
/* This process runs the program file dev/ino (at the start, after execve). */
void tree_set_exe(uint64_t dev, uint64_t ino);
/* Does a live process of the run run the file dev/ino? Linux refuses to
   write to a running program (ETXTBSY). */
int tree_runs_exe(uint64_t dev, uint64_t ino);
/* Is pid a live process of the run (and not a host process that took the
   pid of one that died)? Any uid may ask. */
int tree_member(int pid);
/* The pids of the run's live processes (us included, as tree_member
   tells), in no order: a malloc'd array of *n, or NULL if out of memory. */
int *tree_pids(int *n);
/* This process runs the program at guest path exe with argv, from now on
   (what the other processes of the run see as its exe and cmdline). */
void tree_set_cmd(const char *exe, char *const argv[]);
/* The program and argv (NUL-separated, at most size bytes) of pid, a
   process of the run: the length of argv, or -ENOENT. exe: PATH_MAX bytes. */
int tree_cmd(int pid, char *exe, char *cmdline, size_t size);
/* This process's signal mask, ignored and caught signals (bit sig - 1). */
void tree_set_sigs(uint64_t blk, uint64_t ign, uint64_t cgt, int nnp);
/* Those of pid, a process of the run, into out[3]; 0 or -ENOENT. */
int tree_sigs(int pid, uint64_t out[3]);
int tree_nnp(int pid); /* the guest no_new_privs of a process of the run */
void tree_reaped(pid_t pid); /* a wait reaped pid: its slot is free */
int tree_zombie(pid_t pid);  /* has pid, a process of the run, exited unreaped? */
/* The run ends: remove this host directory with what it holds. */
void tree_set_private_dir(const char *dir);
/* Count VMs created, processes (the first, forks) and execs. */
void tree_count(int vm, int proc, int exec);
/* Add n VM exits (each monitor as it exits). */
void tree_exits(long n);
/* In the main process: print the counts (--stats). */
void tree_stats(int fd);
/* At exit: leave the table; the main process kills what is left. */
void tree_leave(void);

/* exec.c: a program checked and opened, ready to load (execve, or the
   start of a run). */
struct exec_image {
	int fd;                /* the ELF to load (for a #! script, its interpreter) */
	int interp_fd;         /* the ELF's PT_INTERP, or -1 */
	struct elf_info ei, interp; /* how they will load */
	char execfn[PATH_MAX]; /* the path as given: AT_EXECFN */
	char why[256];         /* a one-line reason, for a failure that has one */
};
/*
 * Open path (relative to dirfd) for execve as Linux does: a regular file
 * the process may execute, else EACCES, found before anything reads it (a
 * FIFO is never opened, so it cannot hang). An O_RDONLY fd or -errno.
 */
int exec_open(struct proc *p, int dirfd, const char *path);
/*
 * Everything execve checks before its point of no return, so the caller
 * can still carry on: path names a program we may execute; a #! script is
 * run by its interpreter (argv, with room for 8 more, is rewritten as Linux
 * does, *argc with it; up to 4 scripts deep); the ELF and its PT_INTERP check as they will load;
 * argv and envp fit the new stack (E2BIG). 0 with img filled and its files
 * open, or -errno (img->why says more, if it can).
 */
int exec_prepare(struct proc *p, int dirfd, const char *path, char **argv, int *argc,
		 char **envp, struct exec_image *img);
/* Close what exec_prepare opened. */
void exec_release(struct exec_image *img);

/* main.c: what the host shows as our command line and name, from now on
   (a process that is no guest's). */
void proc_title(const char *title);

/* sandbox.c: what a monitor gives up once set up (capabilities, then
   every host call not on its list); the tests' check of that list. */
void sandbox_enter(struct proc *p, int keep_caps, int filter);
int sandbox_check(int argc, char **argv);
void sandbox_watchdog(void); /* the watchdog's own, smaller sandbox */
void sandbox_refused(siginfo_t *si) __attribute__((noreturn)); /* SIGSYS of a refused call */
extern int sandbox_host_seccomp, sandbox_host_filters; /* as uniproc was started */
/* main.c: execve past its checks: the process runs img from now on, and
   img is released. */
void proc_exec(struct proc *p, struct exec_image *img, char **argv, char **envp);

/* sq.c: exitless host calls. A host call came by hypercall: wake the call
   server (start it the first time), so the next ones need no exit. */
void sq_kick(struct proc *p);
void sq_stop(struct proc *p); /* no more exitless calls: per-thread credentials */
void exec_creds(struct proc *p); /* hsys_id.c: execve's capability rules */
/* A signal for thread v: if the server makes a call for it, end that call. */
void sq_signal(struct vcpu *v);
/* Would host call nr wait (a blocking fd that is not ready, a lock)? */
int sq_would_wait(uint64_t nr, const uint64_t a[6]);
#define SQ_AUTO 1   /* a server wakes when a CPU is free for it */
#define SQ_ALWAYS 2 /* whatever the host's load (--exitless always: tests) */
/* Before the sandbox: what sq.c looks at to see if a CPU is free. */
void sq_init(void);
/* The process ends: its server's place in the run is free. */
void sq_exit(void);
/* In a forked child: no server yet. */
void sq_fork_child(struct proc *p);

/* hcall.c: hypercall entry from the run loop. */
void hcall(struct proc *p, unsigned nr, uint32_t gpa);
/* The process exits with status; the VM is destroyed after our parent sees it. */
void proc_exit(struct proc *p, int status) __attribute__((noreturn));
/* Report a fatal guest event and die as if killed by sig. */
void proc_die(struct proc *p, int sig, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

/* Die of sig, as the kernel's default action would, with no message. */
void proc_signal(struct proc *p, int sig) __attribute__((noreturn));

/* signal.c: signals with handlers, delivered into the guest. */
/* At the start: catch the signals whose default action ends the process. */
void signal_init(void);
/* After a hypercall: mark the library OS to deliver at its next return. */
/* sigtail.c: the program's registers once the library OS's return to it,
   interrupted after it looked at up_sigstate.deliver, is done. */
struct sigtail_regs {
	uint64_t rip, rsp, rflags, rcx, r11;
};
struct sigtail_mem { /* guest memory: len bytes at addr, or NULL */
	const uint8_t *(*ptr)(void *ctx, uint64_t addr, uint64_t len);
	void *ctx;
};
/* 1 with *r at the program's next instruction; 0 (r unchanged) if r is
   not in that return. thread: the guest address of its struct up_thread. */
int sigtail_finish(struct sigtail_regs *r, uint64_t thread, struct sigtail_mem *m);
/* Before a host call: block in the host thread the tty signals the guest
   thread blocks, for the host's tty checks (tcsetpgrp, background I/O). */
void signal_host_mask(struct proc *p);
void signal_check(struct proc *p);
/* Is a signal pending that the guest does not block (EINTR for a wait)? */
int signal_interrupts(struct proc *p);
/* Enter the handler of a pending signal (UP_HC_SIGNAL). */
void signal_deliver(struct proc *p);
/* The vCPU runs with run: a host signal makes KVM_RUN return at once
   (immediate_exit), however close to it the signal lands. */
void signal_vcpu(struct kvm_run *run);
/* KVM_RUN was interrupted by a host signal. */
void signal_interrupted(struct proc *p);
/* rt_sigreturn: restore what the frame at rsp holds (UP_HC_SIGRETURN). */
void signal_return(struct proc *p, uint64_t rsp);
void signal_fork_child(void);
/* A fault of the program, reported by a CPL0 stub with frame f: enter its
   handler for sig and return 1, or 0 if it has none (or blocks sig). */
int signal_fault(struct proc *p, int sig, int code, uint64_t addr,
		 const struct up_fault_frame *f);
/* signalfds: is fd one; it closed; read(2) of one. */
int signal_is_signalfd(int fd);
void signal_forget_fd(int fd);
long signal_read(struct proc *p, int fd, void *buf, size_t len);
/* A write found no reader left: SIGPIPE (which may end us), or -EPIPE. */
long signal_sigpipe(struct proc *p);
/* The guest's signal mask, ignored, caught and pending signals, into m[4]. */
void signal_masks(struct proc *p, uint64_t m[4]);
/* Tell the run our masks (tree_set_sigs): after each hypercall. */
void signal_publish(struct proc *p);
/* execve: handlers go back to SIG_DFL; returns the mask to keep. */
uint64_t signal_exec(struct proc *p);
/* After the new program is loaded: its mask is the old one. */
void signal_exec_done(struct proc *p, uint64_t blocked);

/* pipe.c: pipes whose bytes move through rings in shared memory. */
struct iovec;
struct stat;
/* A pipe with a ring; -ENOSPC if this process maps too many rings already. */
int pipe_new(struct proc *p, int flags, int fds[2]);
int pipe_is_ring(int fd);
/* After the host closed fd (close, or dup2 over it). */
void pipe_forget(struct proc *p, int fd);
/* After the host duplicated from into to. */
void pipe_copied(struct proc *p, int from, int to);
void pipe_set_nonblock(struct proc *p, int fd, int on);
long pipe_read(struct proc *p, int fd, struct iovec *iov, int niov);
long pipe_write(struct proc *p, int fd, struct iovec *iov, int niov, int how);
void pipe_wake(struct proc *p, int64_t fd);
/* F_GETFL, F_SETFL, F_GETPIPE_SZ, F_SETPIPE_SZ; -ENOSYS for the rest. */
long pipe_fcntl(struct proc *p, int fd, int cmd, uint64_t arg);
long pipe_fionread(int fd, int *out);
/* What fstat or statx of a pipe shows, over the socket's. */
struct statx;
void pipe_stat(struct stat *st, struct statx *stx);
short pipe_revents(int fd, short events);
int pipe_counters(int fd, uint64_t *head, uint64_t *tail, uint32_t *cap);
void pipe_poll_sleep(int fd, int delta, int rang);
void pipe_fork(int delta);
/* SCM_RIGHTS of a ring fd: a host fd to send after it (see pipe.c), or -1
   if fd is no ring. */
int pipe_export(int fd);
/* Is fd such a companion of a ring fd? */
int pipe_is_export(int fd);
/* fd was received with its companion mfd: make fd a ring end (takes mfd). */
int pipe_import(struct proc *p, int fd, int mfd);
void pipe_exit(void);
/* We reaped a child that died of a signal: the run's rings may name it. */
void pipe_death(void);
/* execve: tell the new library OS which fds are rings. */
void pipe_republish(struct proc *p);

/*
 * rewrite.c: turn the syscall instruction at site into a call; 0 or -errno.
 * On success *resume is where the syscall trapping now must return.
 */
int rewrite_site(struct proc *p, uint64_t site, uint64_t rax, uint64_t *resume);
/* Where a syscall made from a rewritten region restarts, given the return
   address its stub's call pushed (the region's first byte), or 0. */
uint64_t rewrite_restart_at(uint64_t ret);
/* Where code returning to rip, just after a `syscall` that was rewritten
   since (a signal handler's frame holds it), goes on: the stub's copy of
   what followed it; rip if it was not. */
/* The syscall site whose stub returns to ret, or 0. */
uint64_t rewrite_site_of(uint64_t ret);
/* Where a syscall of the rewritten site before rip (site + 2) restarts, or 0. */
uint64_t rewrite_restart_after(uint64_t rip);
uint64_t rewrite_moved(uint64_t rip);
/* execve: no region is rewritten any more. */
void rewrite_reset(void);

/* hsys.c: Linux syscalls the monitor serves for the guest. */
typedef long (*hsys_fn)(struct proc *p, const uint64_t a[6]);
long hsys(struct proc *p, uint64_t nr, const uint64_t a[6]);
/* May syscall nr block (then it runs without the process lock)? */
int hsys_may_block(uint64_t nr);
/* Closes put off (abi.h struct up_defer, hsys_io.c): fd, a connected
   socket or a regular file opened read-only, may have its close put off;
   the process took a lock (no file's close waits from now on); fd's open
   file (fd < 0: all) may be shared with another process; fd's close may
   not; make the closes that wait (at each hypercall and exitless call,
   before it). */
void hsys_defer_may(struct proc *p, int fd);
void hsys_defer_may_file(struct proc *p, int fd, int flags); /* openat's flags */
void hsys_defer_lock(struct proc *p);
void hsys_defer_shared(struct proc *p, int fd);
void hsys_defer_never(struct proc *p, int fd);
void hsys_defer_close(struct proc *p);
/* Guest fd argument as a host fd, or -1 if it can't be one. */
int hsys_fd(uint64_t v);
/* Host result to syscall result: -errno on failure. */
long hsys_ret(long r);
/* Check a new host fd is in the guest range; else close it, -EMFILE. */
long hsys_newfd(struct proc *p, long fd);
/* One-time warning to the monitor's stderr. */
void hsys_warn_once(struct proc *p, const char *what, unsigned long code);

/* libos_image.S: the library OS, linked into the monitor. */
extern const uint8_t libos_image[], libos_image_end[];

/* issue 17: pipe rings for splice, tee and vmsplice (pipe.c), POSIX
   timers (hsys_timer.c). */
/* pipe_take's how: copy without consuming; never wait; wait whatever the
   fd's O_NONBLOCK says (neither: as it says); with PIPE_PEEK, keep the
   read lock (if bytes were copied) until pipe_drop, so that no other
   reader takes them meanwhile. */
#define PIPE_PEEK 1
#define PIPE_NONBLOCK 2
#define PIPE_BLOCK 4
#define PIPE_HOLD 8
#define PIPE_REST 16 /* pipe_write: the rest of a write the guest began */
/* Read from a ring's read end as read(2) does (0 at EOF, -EAGAIN, -EINTR). */
long pipe_take(struct proc *p, int fd, struct iovec *iov, int niov, int how);
/* Consume n bytes a peek has seen (fewer if fewer are left); releases
   the read lock a PIPE_HOLD peek kept. */
void pipe_drop(struct proc *p, int fd, uint64_t n);
/* Wait for room in a ring's write end (how as pipe_take): the free bytes,
   or -EPIPE (after SIGPIPE) when no reader is left, -EAGAIN, -EINTR. */
long pipe_room(struct proc *p, int fd, int how);
/* Do ring fds a and b name the same pipe? */
int pipe_same(int a, int b);
/* execve: POSIX timers are deleted (itimers and alarm stay). */
void timer_exec(void);
/* A count that timer_settime, timer_delete and exec move on; a signal
   handler may read it (to date a timer's signal). */
uint64_t timer_now(void);
/* A timer's signal, caught at `caught` (timer_now), is to be delivered:
   0 if its timer was reset or deleted since (Linux drops it), else 1 (and
   timer_getoverrun reports overrun from now on). */
int timer_delivered(int timerid, int overrun, uint64_t caught);

#endif
