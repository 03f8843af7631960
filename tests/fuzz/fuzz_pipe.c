/*
 * libFuzzer harness for the pipe rings as the monitor sees them
 * (monitor/pipe.c, linked as tests/unit/test_pipe.c links it): the input
 * is a program of steps, each either a store the guest may make into the
 * ring header it shares (head, tail, capacity, locks, sleepers and their
 * names, bells, pages) or a call the monitor makes on its behalf (read,
 * write, the rest of a write, FIONREAD, poll, F_SETPIPE_SZ, splice's peek,
 * drop and room, a death in the run). Whatever the header holds, the
 * monitor touches no memory outside the ring and the caller's buffers
 * (ASan, UBSan) and its results stay in range.
 */
#define _GNU_SOURCE
#include "../../monitor/pipe.c"
#include "../../monitor/gmem.c"
/* gmem.c asks mmu.c which guest pages a copy may touch: all of them here. */
uint64_t mmu_access_len(struct vm *vm, uint64_t lo, uint64_t len, int prot) { return len; }
uint64_t fmap_host_writable(uint64_t lo, uint64_t n) { return n; } /* no file mappings here */

#include <stdarg.h>

/* What pipe.c needs from the rest of the monitor. */
void vm_ring(struct vm *vm, int idx) {}
void proc_lock(void) {}
void proc_unlock(void) {}
int proc_unlock_all(void) { return 1; }
void proc_relock(int depth) {}
static struct vcpu the_vcpu;
__thread struct vcpu *vcpu = &the_vcpu;
void path_fd_link(int fd, char *out) { snprintf(out, FD_LINK_MAX, "/proc/self/fd/%d", fd); }
int signal_interrupts(struct proc *p) { return 0; }
int tree_lists(int pid) { return 0; } /* no other process is in the run */
long signal_sigpipe(struct proc *p) { return -EPIPE; }
void proc_die(struct proc *p, int sig, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

static struct proc proc;
struct up_run_page *run_page;
static uint8_t buf[2 * UP_RING_CAP_MAX];

#define FAIL(...) (fprintf(stderr, __VA_ARGS__), abort())

/* The input, read as it is consumed; zeros when it runs out. */
struct in {
	const uint8_t *d;
	size_t n;
};
static uint64_t take(struct in *in, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes && in->n; i++, in->d++, in->n--)
		v |= (uint64_t)*in->d << (8 * i);
	return v;
}

static void setup(void)
{
	struct proc *p = &proc;
	vcpu->tid = getpid(); /* the lock holder the library OS would write */
	p->vm.mem_size = 8 << 20;
	p->vm.mem = calloc(1, p->vm.mem_size);
	p->vm.rings = mmap(NULL, UP_RING_MAX * UP_RING_STRIDE, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	p->libos.fd_table = UP_LIBOS_BASE;
	p->fd_limit = UP_FD_MAX;
	run_page = calloc(1, 4096);
	if (!run_page || !p->vm.mem || p->vm.rings == MAP_FAILED)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t size)
{
	struct proc *p = &proc;
	if (!p->vm.mem)
		setup();
	int fds[2];
	if (pipe_new(p, O_NONBLOCK, fds) < 0)
		FAIL("pipe_new failed\n");
	int end;
	struct ring *ring = ring_of(fds[0], &end);
	struct up_ring *h = ring->hdr;
	struct in in = {d, size};
	const uint32_t locks[4] = {0, (uint32_t)getpid(), 0x7ffffff0 /* dead */, 1 /* not ours */};
	for (int steps = 0; in.n && steps < 64; steps++) {
		int op = take(&in, 1) % 19;
		uint64_t v = op < 8 ? take(&in, 8) : take(&in, 3); /* a length: < 16 MiB */
		size_t n = v < sizeof buf ? v : sizeof buf;
		struct iovec iv = {buf, n};
		long r = 0;
		int avail;
		switch (op) {
		/* The guest's stores. */
		case 0: h->head = v; break;
		case 1: h->tail = v; break;
		case 2: h->cap = (uint32_t)v; break;
		case 3: h->rsleep = (uint32_t)v; h->wsleep = v; break;
		case 4: h->rlock = locks[v % 4]; h->wlock = locks[(v >> 8) % 4]; break;
		case 5: h->rbell = (uint32_t)v; h->wbell = (uint32_t)(v >> 32); break;
		case 6: h->nreaders = (uint32_t)v; h->nwriters = (uint32_t)(v >> 32); break;
		case 7: h->head += v % 8192; break; /* near the tail: a plausible lie */
		/* The monitor's calls. */
		case 8:
			r = pipe_read(p, fds[0], &iv, 1);
			if (r != -EIO && r != -EAGAIN && (r < 0 || (size_t)r > n))
				FAIL("pipe_read %zu: %ld\n", n, r);
			break;
		case 9: {
			struct iovec v2[2] = {{buf, n / 2}, {buf + n / 2, n - n / 2}};
			r = pipe_write(p, fds[1], v2, 2, v & 1 ? PIPE_REST : 0);
			if (r != -EIO && r != -EAGAIN && (r < 0 || (size_t)r > n))
				FAIL("pipe_write %zu: %ld\n", n, r);
			break;
		}
		case 10:
			pipe_fionread(fds[0], &avail);
			if (avail < 0 || avail > (int)UP_RING_CAP_MAX)
				FAIL("FIONREAD %d\n", avail);
			break;
		case 11:
			pipe_revents(fds[0], POLLIN | POLLOUT);
			pipe_revents(fds[1], POLLIN | POLLOUT);
			break;
		case 12:
			r = pipe_fcntl(p, fds[v % 2], F_SETPIPE_SZ, v >> 1);
			if (r >= 0 && (r < UP_RING_CAP_MIN || r > UP_RING_CAP_MAX))
				FAIL("F_SETPIPE_SZ %llu: %ld\n", (unsigned long long)(v >> 1), r);
			r = pipe_fcntl(p, fds[0], F_GETPIPE_SZ, 0);
			if (r != -EIO && (r < UP_RING_CAP_MIN || r > UP_RING_CAP_MAX))
				FAIL("F_GETPIPE_SZ: %ld\n", r);
			break;
		case 13:
			r = pipe_take(p, fds[0], &iv, 1, PIPE_PEEK | PIPE_NONBLOCK | (v & 1 ? PIPE_HOLD : 0));
			if (r != -EIO && r != -EAGAIN && (r < 0 || (size_t)r > n))
				FAIL("pipe_take %zu: %ld\n", n, r);
			if (v & 1 && r > 0)
				pipe_drop(p, fds[0], r);
			break;
		case 14:
			pipe_drop(p, fds[0], v);
			break;
		case 16: /* pages: where the newest starts, how many, their ends */
			h->page_start = (uint32_t)v;
			h->pages = (uint32_t)(v >> 4);
			h->page_end[v % UP_RING_PAGES] = (uint32_t)(h->head + (v >> 8) % 8192);
			break;
		case 17: /* sleepers' names: none, dead, ours, not ours */
			h->sleeper[v & 1][(v >> 1) % UP_RING_SLEEPERS] = locks[(v >> 8) % 4];
			break;
		case 18:
			pipe_death();
			break;
		default:
			r = pipe_room(p, fds[1], PIPE_NONBLOCK);
			if (r != -EIO && r != -EAGAIN && (r <= 0 || r > (long)UP_RING_CAP_MAX))
				FAIL("pipe_room: %ld\n", r);
		}
	}
	close(fds[0]);
	pipe_forget(p, fds[0]);
	close(fds[1]);
	pipe_forget(p, fds[1]);
	if (pipe_is_ring(fds[0]) || pipe_is_ring(fds[1]))
		FAIL("ring left behind\n");
	return 0;
}
