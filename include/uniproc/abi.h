/*
 * uniproc host/guest ABI: the only code shared by the monitor and the guest
 * library OS. Self-contained C99. Append only; bump UP_ABI_VERSION on any
 * change. The monitor checks the version in the library OS header.
 *
 * A hypercall is one 32-bit store of the guest-physical address of its
 * argument struct to UP_HC_MMIO_BASE + 8 * nr, issued from CPL3: that page
 * has no memory behind it, so the store exits to the monitor as MMIO. (This
 * host's KVM ignores IOPL and the TSS I/O bitmap for CPL3, so `out` is only
 * usable from CPL0: the exception stubs use port UP_HC_PORT_BASE + nr.)
 * Fields are tagged IN (guest to monitor) or OUT (monitor to guest).
 */
#ifndef UNIPROC_ABI_H
#define UNIPROC_ABI_H

#ifndef __ASSEMBLY__
#include <stdint.h>
#endif

#define UP_ABI_VERSION 9
#define UP_LIBOS_MAGIC 0x534f424c50494e55 /* "UNIPLBOS" */

/*
 * Guest-physical (= guest-virtual, identity mapped) memory layout. All of
 * it lies below 2^UP_PHYS_BITS: guest memory (at most 64 GiB), then the
 * hypercall page, the pipe ring window and the split page tables, a GiB
 * apart. KVM refuses a memory slot past the host CPU's physical address
 * width (/proc/cpuinfo "address sizes"), which is 39 bits on many Intel
 * CPUs and 40 in QEMU's default vCPU, so nothing may sit higher.
 */
#define UP_PHYS_BITS 38
#define UP_SYS_BASE 0x1000      /* page tables, GDT, IDT, TSS: CPL0 only */
#define UP_LIBOS_BASE 0x100000  /* library OS image, data and stacks */
#define UP_LIBOS_LIMIT 0x400000 /* end of the library OS area */
#define UP_USER_BASE 0x400000   /* first address a program may use */
#define UP_STACK_SIZE (8 << 20) /* main stack, at the top of memory */
#define UP_FD_MAX 1024            /* guest fds are host fds below this */

/*
 * Pipe rings: each pipe whose ends this process holds is mapped at
 * UP_RING_BASE + i * UP_RING_STRIDE (struct up_ring, then its data), for
 * i < UP_RING_MAX. The window is mapped in the page tables; only the rings
 * the process holds have memory behind them.
 */
#define UP_RING_BASE 0x2040000000ull /* 129 GiB */
#define UP_RING_STRIDE (2ull << 20)
#define UP_RING_MAX 512
#define UP_RING_DATA 4096           /* offset of the data in a ring */
#define UP_RING_CAP_MIN 4096        /* capacities are powers of two ... */
#define UP_RING_CAP_MAX (1u << 20)  /* ... in this range */
#define UP_RING_CAP_DEFAULT 65536   /* Linux's default pipe size */
#define UP_PIPE_BUF 4096            /* writes up to this size are atomic */
#define UP_PAGE 4096                /* Linux counts a pipe by pages of this size */
#define UP_RING_PAGES (UP_RING_CAP_MAX / UP_PAGE)
#define UP_RING_SLEEPERS 16         /* sleepers of each side known by thread id */
/* writev's 4th argument when the library OS hands the monitor the rest of
   a write the ring took part of: no merge into the newest page (Linux
   merges only at a write's start). */
#define UP_WRITEV_REST 0x52455354

/*
 * Page tables. Guest memory is mapped in 2 MiB pages, each with one
 * protection; a 2 MiB chunk whose pages differ (mprotect, a library's text
 * next to its data) is split into 4 KiB pages whose table lives at
 * UP_PT_BASE + 4096 * chunk (guest-physical only: never mapped, so CPL3
 * cannot reach it). The monitor writes page tables; KVM's shadow of them
 * stays right because a split's one page-directory store is made by the
 * guest at CPL0 (the monitor queues it; the library OS's `int3` in
 * mmu_sync, which the CPL0 breakpoint stub recognizes by its address,
 * applies it), and a changed 4 KiB entry's old translation is dropped by
 * the host. (This host's KVM gives #UD for `int n`; int3 and syscall work.)
 * Where the CPU walks the tables (EPT, NPT), the monitor writes every entry
 * and nothing is queued (monitor/mmu.c).
 */
#define UP_PT_BASE 0x2080000000ull /* 130 GiB, up to 128 MiB of tables */
#define UP_MMU_QUEUE_MAX 127 /* pairs in a vCPU's queue (below); then a 0 address */

/*
 * Threads. Each thread of a process is a vCPU of its VM, run by a host
 * thread of the monitor. vCPU i has a page of the system area (CPL0 only)
 * at UP_CPU_AREA + 4096 * i: the monitor's queue of page-directory stores
 * for it (UP_MMU_QUEUE_MAX pairs), its TSS, and its ring-0 exception stack
 * up to the page's end (TSS.RSP0), so a CPL0 stub finds the queue as
 * RSP & ~4095. Its GS base is its struct up_thread (below), in library OS
 * memory: the library OS finds its per-thread state there.
 */
#define UP_CPU_AREA 0x60000
#define UP_CPU_MAX 160          /* vCPUs (threads) per process: up to 0x100000 */
#define UP_CPU_TSS 2048         /* offset of the TSS in a vCPU's page */
/* Offsets in struct up_thread (below) that entry.S uses. */
#define UP_T_SAVED_RSP 8
#define UP_T_VIA_CALL 16
#define UP_T_IRET_PTR 24
#define UP_T_STACK_TOP 72
#define UP_T_RET_OVERRIDE 144
#define UP_T_DELIVER 160 /* sig.deliver */

/*
 * The run page: one page shared by every VM of a run, which the monitors
 * write and the guests may only read, at UP_RUN_PAGE. futex_sleepers counts
 * the processes of the run asleep in the host's futex (monitor/hsys_futex.c):
 * while it is 0 a shared futex WAKE has no one to wake, and the library OS
 * skips the exit.
 */
#define UP_RUN_PAGE (UP_HC_MMIO_BASE + 0x1000)
#ifndef __ASSEMBLY__
struct up_run_page {
	uint32_t futex_sleepers;
	uint32_t awake[8];      /* monitor/sq.c: pids whose call servers are awake, or 0 */
	/* Processes of the run that died of a signal (counted by the monitor
	   that reaped them): a pipe ring's holder counts and sleepers may name
	   the dead, so a monitor that sees this change checks its rings, and
	   the library OS's pipe writes go to the monitor once after a change. */
	uint32_t deaths;
};
#endif

/* shmat(2) with this flag (no Linux SHM_* flag) asks the segment's size,
   so the library OS can choose where to attach it. */
#define UP_SHMAT_QUERY 0x40000000

/* Selectors of the GDT the monitor builds. */
#define UP_SEL_KCODE 0x08
#define UP_SEL_KDATA 0x10
#define UP_SEL_UDATA 0x2b /* Linux's user selectors: this host's KVM (PVM) */
#define UP_SEL_UCODE 0x33 /* switches to CPL0 directly only for these (3x faster) */
#define UP_SEL_TSS 0x40

#define UP_HC_PORT_BASE 0x7700
#define UP_HC_MMIO_BASE 0x2000000000 /* 128 GiB, past any guest memory */
#define UP_HC_FAULT_NR 3
#define UP_HC_SIGNAL_NR 7

#ifndef __ASSEMBLY__
enum up_hc_nr {
	UP_HC_SYSCALL = 0, /* struct up_hc_syscall: a Linux syscall the host serves */
	UP_HC_EXIT = 1,    /* struct up_hc_exit: the process ends */
	UP_HC_LOG = 2,     /* struct up_hc_log: a line for the monitor's stderr */
	UP_HC_FAULT = UP_HC_FAULT_NR, /* from the CPL0 exception stubs; no struct, see below */
	UP_HC_MEMORY = 4,  /* struct up_hc_memory: back guest memory with host memory */
	UP_HC_PATCH = 5,   /* struct up_hc_patch: rewrite a hot syscall site */
	UP_HC_WAKE = 6,    /* struct up_hc_wake: wake the other side of a pipe ring */
	UP_HC_SIGNAL = UP_HC_SIGNAL_NR, /* no struct: deliver pending signals, see up_sigstate */
	UP_HC_SIGRETURN = 8, /* struct up_hc_sigreturn: a signal handler returned */
	UP_HC_CLONE = 9,   /* struct up_hc_clone: start a thread on a new vCPU */
	UP_HC_THREAD_EXIT = 10, /* no struct: this thread ends (exit(2)) */
	UP_HC_MAX
};

/*
 * UP_HC_SYSCALL: the monitor performs Linux syscall `nr` for the guest.
 * Pointer arguments are guest addresses; the monitor checks each one.
 */
struct up_hc_syscall {
	uint64_t nr;      /* IN */
	uint64_t args[6]; /* IN */
	int64_t ret;      /* OUT: result or -errno */
};

struct up_hc_exit {
	int64_t status; /* IN: exit_group() status */
};

struct up_hc_log {
	uint64_t msg; /* IN: guest address of the text */
	uint64_t len; /* IN */
};

/*
 * UP_HC_MEMORY: guest memory is backed lazily, from both ends: [0, low_top)
 * and [high_bottom, mem_size). Anything else exits as an access to unbacked
 * memory. The library OS asks for [lo, hi) before handing it out; the
 * monitor may back more and reports the new watermarks.
 */
struct up_hc_memory {
	uint64_t lo, hi;                /* IN */
	uint64_t low_top, high_bottom; /* OUT */
};

/*
 * UP_HC_PATCH: the `syscall` instruction at `site` trapped more than once.
 * The monitor may rewrite it (and neighbouring instructions) into a jump to
 * a stub in the library OS's stub pool that calls syscall_call.
 */
struct up_hc_patch {
	uint64_t site; /* IN: address of the 0f 05 bytes */
	uint64_t rax;  /* IN: the syscall number it was just seen with */
	int64_t ret;   /* OUT: 0 if patched, else -errno (left to trap) */
	uint64_t resume; /* OUT: where the trapped syscall must return instead */
};

/*
 * A pipe ring, shared by every VM that holds an end of the pipe and trusted
 * by none: head and tail count bytes ever written and read, so the bytes
 * [tail, head) sit at data[pos & (cap - 1)]. The writers' and the readers'
 * fields are on separate cache lines.
 */
struct up_ring {
	uint64_t head;     /* bytes written; stored by the holder of wlock */
	uint32_t wlock;    /* pid of the process copying in, or 0 */
	uint32_t rsleep;   /* readers asleep in their monitors */
	uint32_t nwriters; /* processes holding a write end (a hint) */
	uint32_t rbell;    /* 1: readers' doorbell rung, not yet answered */
	/* Pages, as Linux counts a pipe (up_ring_fit): pages ever started, the
	   stream position (low 32 bits) where the newest one starts; each
	   page's end is in page_end[], below. Stored by the holder of wlock. */
	uint32_t pages;
	uint32_t page_start;
	uint32_t pad0[8];
	uint64_t tail;     /* bytes read; stored by the holder of rlock */
	uint32_t rlock;    /* pid of the process copying out, or 0 */
	uint32_t nreaders; /* processes holding a read end (a hint) */
	/* Writers asleep in their monitors (low 32 bits), and the least free
	   room one of them waits for (high 32 bits): readers wake them only
	   then, so a big write is not woken for every few bytes read. */
	uint64_t wsleep;
	uint32_t wbell;    /* 1: writers' doorbell rung, not yet answered */
	uint32_t pad1[9];
	uint32_t cap;      /* capacity; changed holding both locks */
	uint32_t pad2;
	/* The host thread ids of the monitors asleep for each side (readers,
	   writers), as far as they fit: one that died (SIGKILL) is counted out
	   by another monitor (monitor/pipe.c). The guest never reads them. */
	uint32_t sleeper[2][UP_RING_SLEEPERS];
	/* End (stream position, low 32 bits) of page i, for the last
	   UP_RING_PAGES pages started; stored by the holder of wlock. */
	uint32_t page_end[UP_RING_PAGES];
};

/*
 * The library OS's descriptor table (up_libos_header.fd_table), written by
 * the monitor: for each guest fd, 0 or the ring it names.
 */
#define UP_FD_RING(e) (((e) & 0x3ff) - 1) /* index of the ring, if e != 0 */
#define UP_FD_WRITE 0x8000                 /* the write end */
#define UP_FD_NONBLOCK 0x4000              /* O_NONBLOCK was set (a hint) */

/*
 * UP_HC_WAKE: after moving bytes through the ring of fd, the guest saw the
 * other side asleep (rsleep or wsleep not 0) and its bell not yet rung: it
 * set the bell (rbell or wbell) to 1. A woken side sets its bell back to 0
 * before it looks at the ring again, so each sleep costs one wake.
 */
struct up_hc_wake {
	int64_t fd; /* IN */
};

/*
 * Signals. The library OS keeps the program's signal mask here; the monitor
 * marks signals pending and sets `deliver` when one is not blocked. At each
 * return to the program, with the program's registers restored, the library
 * OS checks `deliver` and issues UP_HC_SIGNAL (a store of EAX, which it does
 * not change); the monitor then builds Linux's signal frame on the program's
 * stack from the vCPU registers and enters the handler.
 */
struct up_sigstate {
	uint64_t deliver;  /* monitor or library OS: trap at the next return */
	uint64_t blocked;  /* the program's mask, bit sig - 1 */
	uint64_t pending;  /* monitor: signals waiting, bit sig - 1 */
	uint64_t suspend_mask; /* rt_sigsuspend: the mask to restore after the handler */
	uint64_t suspended;    /* 1 while suspend_mask is set */
	uint64_t nr;           /* library OS: the syscall it serves (SA_RESTART) */
	uint64_t ss_sp, ss_size, ss_flags; /* library OS: the sigaltstack */
};

/*
 * Exitless host calls. While the monitor's call server (monitor/sq.c) is
 * awake (up_boot_info.sq_awake), a thread may put a host call in its slot
 * instead of a hypercall: it stores nr and args, then state SUBMITTED; the
 * server takes it (TAKEN), serves it as UP_HC_SYSCALL would, stores ret and
 * DONE. A call the server would have to wait for (a read with nothing to
 * read) it answers UP_SQ_RETRY: the thread makes the hypercall. A thread
 * that waits long sets waiting and sleeps in a futex on state. A SUBMITTED
 * call not taken in time the thread takes back (IDLE) and makes the
 * hypercall. The monitor reads the slot once and trusts nothing in it.
 */
#define UP_SQ_IDLE 0
#define UP_SQ_SUBMITTED 1
#define UP_SQ_TAKEN 2
#define UP_SQ_DONE 3
#define UP_SQ_RETRY (-100000) /* ret: make the hypercall */
#ifndef __ASSEMBLY__
struct up_sq {
	uint32_t state, waiting;
	uint64_t nr, args[6];
	int64_t ret;
};
#endif

/*
 * A thread's state in the library OS, at its vCPU's GS base (CR4.FSGSBASE:
 * the program keeps FS for its TLS; GS is the library OS's). The monitor
 * reads and writes it as guest memory, trusting none of it.
 */
struct up_thread {
	uint64_t self;       /* %gs:0 its own address */
	uint64_t saved_rsp;  /* %gs:8 the program's RSP during a syscall */
	uint64_t via_call;   /* %gs:16 1 while serving a rewritten site */
	uint64_t iret_ptr;   /* %gs:24 &iret: the CPL0 trap's stack */
	uint64_t iret[5];    /* %gs:32 iretq frame to syscall_entry at CPL3 */
	uint64_t stack_top;  /* %gs:72 this thread's library OS stack */
	uint64_t tid;        /* %gs:80 its thread id (the host thread's) */
	uint64_t nr;         /* %gs:88 the syscall it serves */
	uint64_t mmu_pending;/* %gs:96 monitor: mmu_sync before returning */
	uint64_t clear_tid;  /* set_tid_address / CLONE_CHILD_CLEARTID */
	uint64_t robust;     /* set_robust_list: the head */
	uint64_t state;      /* library OS: in use; monitor: 0 once free */
	uint64_t cpu;        /* monitor: its vCPU's index */
	uint64_t frame;      /* library OS: the frame of the syscall it serves */
	uint64_t ret_override; /* %gs:144 library OS: a rewritten site returns here, not by
				  the stack (which the syscall unmapped), if not 0 */
	uint64_t unmap_lo;   /* library OS: stack pages munmap left until exit */
	struct up_sigstate sig; /* %gs:160 its mask, pending, sigaltstack */
	uint64_t unmap_hi;   /* ... up to here */
	struct up_sq sq;     /* its slot for exitless host calls (below) */
};

/*
 * UP_HC_CLONE: clone(2) of a thread (CLONE_VM | CLONE_THREAD ...). The new
 * vCPU starts at CPL3 with regs (the program's registers at the syscall,
 * rax 0, its new stack and TLS), GS base block (a struct up_thread the
 * library OS prepared, with its stack), and the signal mask of the caller.
 */
struct up_hc_clone {
	uint64_t flags;       /* IN: clone flags */
	uint64_t block;       /* IN: the new thread's struct up_thread */
	uint64_t ptid, ctid;  /* IN: CLONE_PARENT_SETTID, CLONE_CHILD_*TID */
	uint64_t fs_base;     /* IN: its TLS (CLONE_SETTLS, else ours) */
	/* IN: r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi rip rsp rflags */
	uint64_t regs[18];
	int64_t ret;          /* OUT: the new tid, or -errno */
};

/* UP_HC_SIGRETURN: rt_sigreturn; the frame's ucontext is at rsp. */
struct up_hc_sigreturn {
	uint64_t rsp; /* IN: the program's RSP at the syscall */
};

/*
 * UP_HC_FAULT: a CPL0 exception stub reports an exception taken at CPL3.
 * At the exit, RSP points at struct up_fault_frame: the program's RDX
 * (which the stub needs), then the CPU's exception frame.
 */
struct up_fault_frame {
	uint64_t rdx, vector, error, rip, cs, rflags, rsp, ss;
};

/* Written by the monitor before the first instruction runs. */
struct up_boot_info {
	uint64_t mem_size;     /* bytes of guest memory */
	uint64_t entry;        /* program entry point */
	uint64_t stack;        /* initial RSP: argc, argv, envp, auxv */
	uint64_t brk;          /* initial program break */
	uint64_t mmap_top;     /* mmap area grows down from here */
	uint64_t pid, ppid;    /* process identity */
	uint64_t tsc_khz;      /* guest TSC frequency */
	uint64_t tsc0;         /* guest TSC value at ... */
	uint64_t realtime0_ns; /* ... this CLOCK_REALTIME ... */
	uint64_t monotonic0_ns;/* ... and this CLOCK_MONOTONIC */
	uint64_t trace;        /* 1: log each syscall (--trace) */
	uint64_t exe_path;     /* guest address of the program's path */
	uint64_t umask;        /* initial umask */
	uint64_t uid, euid;    /* credentials */
	uint64_t gid, egid;
	uint64_t low_top, high_bottom; /* backed memory, see up_hc_memory */
	uint64_t rewrite;              /* 1: patch hot syscall sites */
	/* OUT, after a hypercall that changed protections: 1 when a page
	   directory store waits for mmu_sync; the library OS clears it. A
	   stale or forged 1 costs one harmless trap. */
	uint64_t mmu_pending;
	uint64_t ncpus;                /* CPUs the host lets the monitor use */
	uint64_t sq_awake;             /* monitor: the call server takes calls (up_sq) */
};

/*
 * The library OS's map of program memory (up_libos_header.mem_view), which
 * the monitor reads, trusting none of it, to answer /proc/self/maps: the
 * free extents of the mmap area [area_lo, area_hi), sorted, and the break.
 */
#define UP_MEMVIEW_MAX 8192
struct up_memview {
	uint64_t brk_start, brk_cur;
	uint64_t area_lo, area_hi;
	int32_t nfree, pad;
	struct up_extent {
		uint64_t lo, hi;
	} free[UP_MEMVIEW_MAX];
};

/*
 * Closes put off (guest/sys_file.c, monitor/hsys_io.c). A VM exit costs
 * ~25 us here, so a connected socket's close goes with the process's next
 * host call instead of by an exit of its own. The monitor marks in `may`
 * the fds whose close can wait: a socket it got from accept or a connect
 * that succeeded, without SO_LINGER; a regular file opened read-only on a
 * local file system, until the process takes a lock or the file may be
 * shared with another process (fork, SCM_RIGHTS). Any close or
 * replacement of the fd clears the mark. The library OS puts such an fd + 1 in a free `fd1` slot
 * and returns 0; the monitor closes what it finds there at the start of
 * every hypercall and exitless call, taking each slot once (an atomic
 * exchange) and closing an fd only if it is still the file it marked
 * (the monitor keeps its device and inode), so no slot closes another
 * file. The
 * library OS also sends them before a pipe ring or futex operation, and at
 * its first syscall a millisecond after the close.
 */
#define UP_DEFER_SLOTS 8
struct up_defer {
	uint8_t may[UP_FD_MAX / 8];
	uint32_t fd1[UP_DEFER_SLOTS];
};

/* At offset 0 of the library OS image, linked at UP_LIBOS_BASE. */
struct up_libos_header {
	uint64_t magic;        /* UP_LIBOS_MAGIC */
	uint64_t abi_version;  /* UP_ABI_VERSION */
	uint64_t image_end;    /* end of code, data and bss */
	uint64_t boot_entry;   /* CPL3 entry: set up, then jump to the program */
	uint64_t boot_stack;   /* CPL3 stack top for boot_entry */
	uint64_t boot_info;    /* where the monitor writes struct up_boot_info */
	uint64_t syscall_trap; /* CPL0 target of the `syscall` instruction (LSTAR) */
	uint64_t exc_stubs;    /* CPL0 exception stubs, 32 of them ... */
	uint64_t exc_stride;   /* ... this many bytes apart */
	uint64_t exc_stack;    /* CPL0 stack top for exceptions (TSS.RSP0) */
	uint64_t syscall_call; /* CPL3 entry for rewritten syscall sites */
	uint64_t stub_pool;    /* space for the rewriter's stubs ... */
	uint64_t stub_pool_size; /* ... of this many bytes */
	uint64_t saved_rsp;    /* where the program's RSP is kept during a syscall */
	uint64_t fd_table;     /* uint16_t[UP_FD_MAX], see UP_FD_RING */
	uint64_t sigstate;     /* struct up_sigstate */
	uint64_t text_end;     /* code and read-only data end here (page aligned) */
	uint64_t mem_view;     /* struct up_memview */
	uint64_t thread0;      /* the first thread's struct up_thread */
	/* The library OS's one instruction that touches program memory the
	   program may not (user_copy): a page fault there resumes at
	   copy_fault, which returns -EFAULT, as Linux's exception table. */
	uint64_t copy_insn, copy_fault;
	uint64_t defer;        /* struct up_defer */
};

_Static_assert(sizeof(struct up_hc_syscall) == 64, "up_hc_syscall layout");
_Static_assert(sizeof(struct up_fault_frame) == 64, "up_fault_frame layout");
_Static_assert(sizeof(struct up_boot_info) == 24 * 8, "up_boot_info layout");
_Static_assert(sizeof(struct up_libos_header) == 22 * 8, "libos header layout");
_Static_assert(__builtin_offsetof(struct up_thread, stack_top) == UP_T_STACK_TOP &&
	       __builtin_offsetof(struct up_thread, sig) == UP_T_DELIVER &&
	       __builtin_offsetof(struct up_thread, ret_override) == UP_T_RET_OVERRIDE &&
	       __builtin_offsetof(struct up_thread, iret) == 32, "up_thread layout");
_Static_assert(sizeof(struct up_ring) == 136 + 4 * (2 * UP_RING_SLEEPERS + UP_RING_PAGES) &&
	       sizeof(struct up_ring) <= UP_RING_DATA, "up_ring layout");
/* Copy len bytes between buf and the ring's data (capacity cap, checked by
   the caller) from stream position pos, wrapping at the end. */
static inline void up_ring_copy(uint8_t *data, uint32_t cap, uint64_t pos, uint8_t *buf,
				uint64_t len, int to_ring)
{
	while (len) {
		uint64_t off = pos & (cap - 1), c = cap - off < len ? cap - off : len;
		if (to_ring)
			__builtin_memcpy(data + off, buf, c);
		else
			__builtin_memcpy(buf, data + off, c);
		buf += c;
		pos += c;
		len -= c;
	}
}
#define UP_WSLEEP_COUNT(w) ((uint32_t)(w))
#define UP_WSLEEP_WANT(w) ((uint32_t)((w) >> 32))

/*
 * Pages. Linux's pipe is cap / 4096 page buffers, and a ring counts its
 * bytes the same way, so programs that fill a pipe see the same counts:
 * a page holds the bytes of the writes that made it until all are read; a
 * write merges into the newest page only at its start, only when the pipe
 * is not empty, and only its last partial page (len % 4096) if that fits
 * there whole; the rest starts new pages of up to 4096 bytes.
 *
 * Pages still holding unread bytes of [tail, head), at most cap / UP_PAGE
 * (the fields are hints: anyone may have scribbled on them).
 */
static inline uint32_t up_ring_busy(const struct up_ring *r, uint32_t cap, uint64_t head,
				    uint64_t tail)
{
	if (head == tail)
		return 0;
	uint32_t max = cap / UP_PAGE, s = __atomic_load_n(&r->pages, __ATOMIC_ACQUIRE), n = 0;
	while (n < max && (int32_t)(__atomic_load_n(&r->page_end[(s - 1 - n) % UP_RING_PAGES],
						    __ATOMIC_RELAXED) - (uint32_t)tail) > 0)
		n++;
	return n ? n : 1;
}

/* Room for a writer: the free pages, in bytes (never past the unread
   bytes, whatever the pages say; the caller checks head - tail <= cap). */
static inline uint64_t up_ring_room(const struct up_ring *r, uint32_t cap, uint64_t head,
				    uint64_t tail)
{
	uint64_t room = (uint64_t)(cap / UP_PAGE - up_ring_busy(r, cap, head, tail)) * UP_PAGE;
	return room < cap - (head - tail) ? room : cap - (head - tail);
}

/*
 * How many of the len bytes left of a write fit now (0 if a write of at
 * most UP_PIPE_BUF bytes does not fit whole); *merge of them go to the
 * newest page. start: this is the write's first try.
 */
static inline uint64_t up_ring_fit(const struct up_ring *r, uint32_t cap, uint64_t head,
				   uint64_t tail, uint64_t len, int start, uint64_t *merge)
{
	uint64_t used = head - tail, chars = len & (UP_PAGE - 1), n;
	*merge = 0;
	if (used > cap)
		return 0;
	if (start && chars && used &&
	    (uint32_t)((uint32_t)head - __atomic_load_n(&r->page_start, __ATOMIC_RELAXED)) + chars <= UP_PAGE)
		*merge = chars;
	uint64_t room = up_ring_room(r, cap, head, tail);
	n = *merge + (room < len - *merge ? room : len - *merge);
	if (n > cap - used) /* whatever the pages say, never past the unread bytes */
		n = cap - used;
	if (*merge > n)
		*merge = n;
	if (len <= UP_PIPE_BUF && n < len)
		n = *merge = 0;
	return n;
}

/* After copying n bytes in at head, *merge of them to the newest page:
   record the pages (the caller holds wlock, then publishes head). */
static inline void up_ring_commit(struct up_ring *r, uint64_t head, uint64_t n, uint64_t merge)
{
	uint32_t s = r->pages;
	if (merge) {
		__atomic_store_n(&r->page_end[(s - 1) % UP_RING_PAGES], (uint32_t)(head + merge),
				 __ATOMIC_RELAXED);
		head += merge;
		n -= merge;
	}
	while (n) {
		uint64_t c = n < UP_PAGE ? n : UP_PAGE;
		__atomic_store_n(&r->page_start, (uint32_t)head, __ATOMIC_RELAXED);
		__atomic_store_n(&r->page_end[s % UP_RING_PAGES], (uint32_t)(head + c), __ATOMIC_RELAXED);
		s++;
		head += c;
		n -= c;
	}
	__atomic_store_n(&r->pages, s, __ATOMIC_RELEASE);
}

#endif /* __ASSEMBLY__ */
#endif
