/*
 * Pipe rings as the monitor sees them: bytes go through in order, and a
 * ring header full of garbage (the guest may write anything there) never
 * makes the monitor touch memory outside the ring or the caller's buffer
 * (built with ASan and UBSan).
 */
#include "../../monitor/pipe.c"
#include "../../monitor/gmem.c"
#include "check.h"

#include <stdarg.h>

/* What pipe.c needs from the rest of the monitor. */
void vm_ring(struct vm *vm, int idx) {}
void proc_lock(void) {}
void proc_unlock(void) {}
int proc_unlock_all(void) { return 1; }
void proc_relock(int depth) {}
static struct vcpu the_vcpu;
__thread struct vcpu *vcpu = &the_vcpu; /* tid 0 until main sets it */
void path_fd_link(int fd, char *out) { snprintf(out, FD_LINK_MAX, "/proc/self/fd/%d", fd); }
int signal_interrupts(struct proc *p) { return 0; }
int tree_lists(int pid) { return 1; } /* a live holder counts as one of the run */
uint64_t mmu_access_len(struct vm *vm, uint64_t lo, uint64_t len, int prot) { return len; }
uint64_t fmap_host_writable(uint64_t lo, uint64_t n) { return n; } /* no file mappings here */
static int signalled;
long signal_sigpipe(struct proc *p)
{
	signalled = SIGPIPE; /* no reader went away here */
	return -EPIPE;
}
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

static uint64_t rnd(void)
{
	static uint64_t s = 0x9e3779b97f4a7c15ull;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

/* A value a guest might write: small, near a boundary, or anything. */
static uint64_t wild(void)
{
	switch (rnd() % 6) {
	case 0: return rnd() % 8;
	case 1: return UP_RING_CAP_MAX + rnd() % 3 - 1;
	case 2: return (1ull << (rnd() % 64)) + rnd() % 3 - 1;
	case 3: return ~0ull - rnd() % 4;
	case 4: return 65536;
	default: return rnd();
	}
}

int main(void)
{
	struct proc *p = &proc;
	vcpu->tid = getpid(); /* the lock holder the library OS would write */
	p->vm.mem_size = 8 << 20;
	p->vm.mem = calloc(1, p->vm.mem_size);
	p->vm.rings = mmap(NULL, UP_RING_MAX * UP_RING_STRIDE, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	p->libos.fd_table = UP_LIBOS_BASE;
	p->fd_limit = UP_FD_MAX;
	CHECK(p->vm.mem && p->vm.rings != MAP_FAILED);

	/* In order, across the ring's end, through several iovecs. */
	int fds[2];
	CHECK(pipe_new(p, O_NONBLOCK, fds) == 0);
	CHECK(pipe_is_ring(fds[0]) && pipe_is_ring(fds[1]));
	uint16_t *tab = (uint16_t *)(p->vm.mem + UP_LIBOS_BASE);
	CHECK(tab[fds[0]] && (tab[fds[1]] & UP_FD_WRITE) && (tab[fds[1]] & UP_FD_NONBLOCK));
	static uint8_t in[200000], out[200000];
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)rnd();
	size_t wrote = 0, got = 0;
	while (got < sizeof in) {
		size_t n = 1 + rnd() % 9000;
		if (wrote < sizeof in) {
			n = n < sizeof in - wrote ? n : sizeof in - wrote;
			struct iovec v[2] = {{in + wrote, n / 2}, {in + wrote + n / 2, n - n / 2}};
			long r = pipe_write(p, fds[1], v, 2, 0);
			CHECK(r == -EAGAIN || (r > 0 && (size_t)r <= n));
			if (r > 0)
				wrote += r;
		}
		struct iovec v = {out + got, 1 + rnd() % 7000};
		long r = pipe_read(p, fds[0], &v, 1);
		CHECK(r == -EAGAIN || r > 0);
		if (r > 0)
			got += r;
	}
	CHECK(memcmp(in, out, sizeof in) == 0);
	CHECK(pipe_read(p, fds[1], &(struct iovec){out, 1}, 1) == -EBADF);
	CHECK(pipe_write(p, fds[0], &(struct iovec){in, 1}, 1, 0) == -EBADF);

	/* Atomic writes: all of it or EAGAIN, never a part. */
	int full = 0;
	for (int i = 0; i < 100; i++) {
		long r = pipe_write(p, fds[1], &(struct iovec){in, 3000}, 1, 0);
		CHECK(r == 3000 || r == -EAGAIN);
		full |= r == -EAGAIN;
	}
	CHECK(full);
	int avail;
	pipe_fionread(fds[0], &avail);
	CHECK(avail == 3000 * 16); /* a page each, as Linux counts them */
	CHECK(pipe_fcntl(p, fds[0], F_SETPIPE_SZ, 4096) == -EBUSY);
	CHECK(pipe_fcntl(p, fds[0], F_SETPIPE_SZ, 100000) == 131072);
	CHECK(pipe_fcntl(p, fds[0], F_GETPIPE_SZ, 0) == 131072);
	struct iovec v = {out, 3000};
	CHECK(pipe_read(p, fds[0], &v, 1) == 3000 && memcmp(out, in, 3000) == 0);

	/* splice and tee: a peek leaves the bytes, a drop takes them; the room
	   is the free bytes. */
	pipe_fionread(fds[0], &avail);
	CHECK(pipe_take(p, fds[0], &(struct iovec){out, 100}, 1, PIPE_PEEK | PIPE_BLOCK) == 100 &&
	      memcmp(out, in, 100) == 0);
	int after;
	pipe_fionread(fds[0], &after);
	CHECK(after == avail);
	CHECK(pipe_take(p, fds[0], &(struct iovec){out, 100}, 1, PIPE_PEEK | PIPE_HOLD) == 100);
	struct up_ring *hd = (struct up_ring *)(p->vm.rings);
	CHECK(hd->rlock == (uint32_t)getpid()); /* held until the drop */
	pipe_drop(p, fds[0], 100);
	CHECK(hd->rlock == 0);
	pipe_fionread(fds[0], &after);
	CHECK(after == avail - 100);
	CHECK(pipe_room(p, fds[1], PIPE_NONBLOCK) == 131072 - 15 * 4096); /* free pages */
	CHECK(pipe_same(fds[0], fds[1]) && !pipe_same(fds[0], 0));
	CHECK(pipe_take(p, fds[1], &(struct iovec){out, 1}, 1, PIPE_PEEK) == -EBADF);
	CHECK(pipe_room(p, fds[0], 0) == -EBADF);
	pipe_drop(p, fds[0], ~0ull); /* no more than there is */
	pipe_fionread(fds[0], &after);
	CHECK(after == 0);
	CHECK(pipe_take(p, fds[0], &(struct iovec){out, 1}, 1, PIPE_PEEK | PIPE_NONBLOCK) == -EAGAIN);

	/* A guest scribbles on the header between calls. */
	struct up_ring *h = (struct up_ring *)(p->vm.rings);
	int eio = 0, moved = 0;
	for (int i = 0; i < 20000; i++) {
		switch (rnd() % 5) {
		case 0: h->head = wild(); break;
		case 1: h->tail = wild(); break;
		case 2: h->cap = (uint32_t)wild(); break;
		case 3: h->rsleep = (uint32_t)wild(); h->wsleep = wild(); break;
		default: h->wlock = h->rlock = rnd() % 2 ? 0 : 0x7ffffff0; /* a dead holder */
		}
		size_t n = rnd() % (2 * UP_RING_CAP_MAX);
		n = n < sizeof out ? n : sizeof out;
		struct iovec iv = {out, n}; /* pipe_write may consume it */
		long r = rnd() % 2 ? pipe_read(p, fds[0], &iv, 1) : pipe_write(p, fds[1], &iv, 1, 0);
		CHECK(r == -EIO || r == -EAGAIN || (r >= 0 && (size_t)r <= n));
		eio += r == -EIO;
		moved += r > 0;
		if (rnd() % 8 == 0)
			pipe_fcntl(p, fds[0], F_SETPIPE_SZ, wild() % (4 * UP_RING_CAP_MAX));
		iv = (struct iovec){out, n};
		r = pipe_take(p, fds[0], &iv, 1, PIPE_PEEK | PIPE_NONBLOCK);
		CHECK(r == -EIO || r == -EAGAIN || (r >= 0 && (size_t)r <= n));
		r = pipe_room(p, fds[1], PIPE_NONBLOCK);
		CHECK(r == -EIO || r == -EAGAIN || (r > 0 && r <= (long)UP_RING_CAP_MAX));
		if (rnd() % 4 == 0)
			pipe_drop(p, fds[0], wild());
		pipe_fionread(fds[0], &avail);
		CHECK(avail >= 0 && avail <= (int)UP_RING_CAP_MAX);
		pipe_revents(fds[0], POLLIN);
		pipe_revents(fds[1], POLLOUT);
	}
	CHECK(eio > 0 && moved > 0);
	CHECK(signalled == 0);

	/* Pages: 1-byte writes merge, a write that does not fit starts a page;
	   the rest of a write never merges; an emptied pipe starts afresh. */
	for (int i = 0; i < 4; i++)
		pipe_read(p, fds[0], &(struct iovec){out, sizeof out}, 1);
	h->head = h->tail = 0;
	h->pages = h->page_start = 0;
	memset(h->page_end, 0, sizeof h->page_end);
	h->cap = 65536;
	h->rsleep = h->wsleep = 0;
	h->rlock = h->wlock = 0;
	CHECK(pipe_write(p, fds[1], &(struct iovec){in, 100}, 1, 0) == 100);
	CHECK(pipe_write(p, fds[1], &(struct iovec){in, 100}, 1, PIPE_REST) == 100);
	CHECK(pipe_write(p, fds[1], &(struct iovec){in, 100}, 1, 0) == 100);
	CHECK(up_ring_busy(h, 65536, h->head, h->tail) == 2);
	CHECK(pipe_write(p, fds[1], &(struct iovec){in, 4000}, 1, 0) == 4000);
	CHECK(pipe_room(p, fds[1], PIPE_NONBLOCK) == 65536 - 3 * 4096);
	CHECK(pipe_read(p, fds[0], &(struct iovec){out, 4300}, 1) == 4300);
	CHECK(pipe_write(p, fds[1], &(struct iovec){in, 1}, 1, 0) == 1);
	CHECK(up_ring_busy(h, 65536, h->head, h->tail) == 1);

	/* A death in the run: a sleeper that died is counted out, a live one
	   stays; a side whose every holder is gone counts no holder. */
	run_page = calloc(1, 4096);
	CHECK(run_page);
	h->rsleep = 2;
	h->sleeper[READ][3] = 0x7ffffff0; /* dead */
	h->sleeper[READ][5] = (uint32_t)getppid(); /* alive */
	h->nreaders = h->nwriters = 1;
	pipe_death();
	pipe_revents(fds[1], POLLOUT); /* a ring call notices */
	CHECK(h->rsleep == 1 && !h->sleeper[READ][3] && h->sleeper[READ][5] == (uint32_t)getppid());
	CHECK(h->nreaders == 1 && run_page->deaths == 1);
	close(fds[0]); /* the host's read end goes, not yet ours */
	pipe_death();
	pipe_revents(fds[1], POLLOUT);
	CHECK(h->nreaders == 0 && h->rsleep == 0 && !h->sleeper[READ][5] && h->nwriters == 1);

	/* Closing both ends unmaps the ring. */
	pipe_forget(p, fds[0]);
	close(fds[1]);
	pipe_forget(p, fds[1]);
	CHECK(!pipe_is_ring(fds[0]) && !pipe_is_ring(fds[1]) && !tab[fds[0]]);
	DONE();
}
