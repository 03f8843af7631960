/* Library OS internals. Runs at CPL3 in the program's address space. */
#ifndef LIBOS_H
#define LIBOS_H

#include <stddef.h>
#include <stdint.h>

#include "../include/uniproc/abi.h"

/* What entry.S saves at a syscall; handlers may change it. */
struct sc_frame {
	uint64_t nr;
	uint64_t a[6];
	uint64_t rcx, r11; /* return RIP and RFLAGS on the trap path */
	uint64_t rflags;   /* a rewritten site's (via_call only) */
};
/* Below the frame entry.S keeps the registers the C ABI preserves: the
   program's, which a new thread starts with (sys_thread.c). */
struct sc_saved {
	uint64_t r15, r14, r13, r12, rbp, rbx;
};
#define SC_SAVED(f) ((const struct sc_saved *)(f) - 1)

typedef long (*sys_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
		       uint64_t);

extern struct up_boot_info boot_info;

/* The running thread's state (abi.h): GS base of its vCPU. */
static inline struct up_thread *self(void)
{
	struct up_thread *t;
	__asm__("mov %%gs:0, %0" : "=r"(t));
	return t;
}
#define sigstate (self()->sig)

/* sys_thread.c: threads. */
/* A lock of the library OS: spins (the holder may be in a hypercall);
   the same thread may take it again. */
struct lock {
	uint32_t owner, depth;
};
void lock_take(struct lock *l);
void lock_give(struct lock *l);
/* More than one thread has ever run (then private futexes may sleep). */
extern int threaded;
/* In a forked child: this thread is the only one. */
void thread_fork_child(void);

/* hcall.c: hypercalls */
long hc_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		uint64_t a3, uint64_t a4, uint64_t a5);
void hc_exit(int status) __attribute__((noreturn));
void hc_log(const char *msg, size_t len);
/* Ask the monitor to rewrite the syscall instruction at site; returns
   where the trapped syscall must now return, or 0 if not rewritten. */
uint64_t hc_patch(uint64_t site, uint64_t rax);
/* Start a thread (abi.h); the new tid or -errno. */
long hc_clone(struct up_hc_clone *hc);
/* This thread ends (the last one: the process, with status). */
void hc_thread_exit(int status) __attribute__((noreturn));
/* rt_sigreturn: the monitor restores the program's registers. */
void hc_sigreturn(struct up_hc_sigreturn *hc);
/* Wake the other side of the pipe ring fd names, asleep in its monitor. */
void hc_wake(int fd);
/* Back [lo, hi) with host memory; updates the watermarks. 0 or -1. */
int hc_memory(uint64_t lo, uint64_t hi, uint64_t *low_top, uint64_t *high_bottom);

/* entry.S: make the page-directory stores the monitor queued (abi.h). */
void mmu_sync(void);

/* lib.c: freestanding helpers */
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int fmt(char *buf, size_t size, const char *f, ...);
/* Log one formatted line (up to 512 bytes) to the monitor's stderr. */
void logf(const char *f, ...);

/* True if [p, p+n) is program memory the library OS may touch. */
int user_ok(uint64_t p, uint64_t n);
/*
 * A pointer the program passed, as Linux's copy_to_user/copy_from_user see
 * it: user_mem is user_ok and no page given back (munmap); put_user and
 * get_user copy n bytes to or from it, 0 or -EFAULT, also where a page is
 * read-only or PROT_NONE (the fault is caught: entry.S user_copy).
 */
int user_mem(uint64_t p, uint64_t n);
long put_user(uint64_t dst, const void *src, size_t n);
long get_user(void *dst, uint64_t src, size_t n);
/* entry.S: copy n bytes, 0 or -EFAULT (a page fault in it is caught). */
long user_copy(void *dst, const void *src, size_t n);
/* sys_mem.c: does [a, a + n) meet a free extent (memory given back)? */
int mem_freed(uint64_t a, uint64_t n);

/* sys_mem.c */
void mem_init(void);
extern struct lock mem_lock; /* taken around memory syscalls */
long sys_mmap(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
/* Make [a, b) zero and give its pages back to the host. */
void mem_release(uint64_t a, uint64_t b);
/* The thread ends: give back the stack pages its munmap left (sys_mem.c). */
void mem_thread_exit(void);

/* sys_proc.c: wait with mask for a signal; -EINTR once its handler may run. */
long suspend(uint64_t mask);

/* sys_pipe.c: the monitor's table of pipe ring fds (abi.h UP_FD_RING). */
extern uint16_t fd_table[UP_FD_MAX];

/* sys_file.c: closes put off (abi.h struct up_defer). Send them now; or
   if the oldest waited a millisecond. */
void defer_send(void);
void defer_riding(void);
void defer_tick(void);

/* sys_time.c */
void time_init(void);
/* Nanoseconds since boot by the TSC; 0 when the TSC is not usable. */
uint64_t tsc_ns(void);

/* Syscall handlers: one per Linux syscall, in sys_*.c. */
#define SYS(name)                                                          \
	long sys_##name(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, \
			uint64_t)
#define SYSDEF(name)                                                       \
	long sys_##name(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, \
			uint64_t a4, uint64_t a5)
#define UNUSED_ARGS(...) (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5

/* Served by the monitor: forward the syscall as it is. */
long sys_host(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
#define cur_nr (self()->nr) /* number of the syscall being served */
/* The frame of the syscall the running thread serves (entry.S). */
struct sc_frame *cur_frame(void);

#endif
