/*
 * Pipes between VMs. The bytes move through a ring (struct up_ring, abi.h)
 * in a memfd mapped into every VM that holds an end; the guest copies them
 * in and out at CPL3 without an exit (guest/sys_pipe.c). The monitor serves
 * what needs waiting or the kernel's word: blocking, EOF, EPIPE, EAGAIN,
 * poll, and any I/O the guest leaves to it.
 *
 * Each guest fd of a pipe is a host fd on one AF_UNIX socket pair: the
 * readers hold one socket, the writers the other. So the host kernel tracks
 * who holds which end across dup, fork, exec and crashes: when the last
 * writer is gone, however it went, the readers' socket hangs up, and the
 * other way round. The sockets also carry the doorbells: a side that must
 * wait sleeps in poll() on its socket, and the other side sends it a byte.
 *
 * The ring is trusted by no one: indices are masked, lengths clamped and
 * the capacity checked at every use, so a guest that scribbles on it only
 * garbles that pipe's bytes.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

#define MAP_BYTES (UP_RING_DATA + UP_RING_CAP_MAX)
#define READ 0
#define WRITE 1

struct ring {
	int memfd;           /* host fd, above UP_FD_MAX */
	struct up_ring *hdr; /* our mapping: the header, then the data */
	int nfd[2];          /* our guest fds naming the read end, the write end */
};

static struct ring *rings[UP_RING_MAX];
static void notice_deaths(void);
static uint16_t fdtab[UP_FD_MAX]; /* ours; the guest's copy is a hint */

static uint8_t *ring_data(struct ring *r)
{
	return (uint8_t *)r->hdr + UP_RING_DATA;
}

/* The capacity, or 0 if the guest has scribbled on it. */
static uint32_t ring_cap(struct ring *r)
{
	uint32_t c = __atomic_load_n(&r->hdr->cap, __ATOMIC_RELAXED);
	if (c < UP_RING_CAP_MIN || c > UP_RING_CAP_MAX || (c & (c - 1)))
		return 0;
	return c;
}

static void publish(struct proc *p, int fd)
{
	uint16_t *t = gmem_ptr(&p->vm, p->libos.fd_table + 2 * (uint64_t)fd, 2);
	if (t)
		*t = fdtab[fd];
}

/* The ring fd names and which end, or NULL if fd is no pipe ring. */
static struct ring *ring_of(int fd, int *end)
{
	if (fd < 0 || fd >= UP_FD_MAX || !fdtab[fd])
		return NULL;
	*end = (fdtab[fd] & UP_FD_WRITE) ? WRITE : READ;
	return rings[UP_FD_RING(fdtab[fd])];
}

int pipe_is_ring(int fd)
{
	int end = READ;
	return ring_of(fd, &end) != NULL;
}

static void hint(struct ring *r, int end, int delta)
{
	uint32_t *h = end == WRITE ? &r->hdr->nwriters : &r->hdr->nreaders;
	__atomic_fetch_add(h, (uint32_t)delta, __ATOMIC_SEQ_CST);
}

/* Map the ring in place in the window, so the guest sees it at once. */
static int map_ring(struct proc *p, int idx, int memfd)
{
	vm_ring(&p->vm, idx);
	struct ring *r = calloc(1, sizeof *r);
	void *m = r ? mmap(p->vm.rings + idx * UP_RING_STRIDE, MAP_BYTES, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_FIXED, memfd, 0)
		    : MAP_FAILED;
	if (m == MAP_FAILED) {
		free(r);
		return -ENOMEM;
	}
	r->memfd = memfd;
	r->hdr = m;
	rings[idx] = r;
	return 0;
}

static void unmap_ring(struct proc *p, int idx)
{
	struct ring *r = rings[idx];
	if (mmap(r->hdr, MAP_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
		 -1, 0) == MAP_FAILED)
		proc_die(p, SIGKILL, "cannot unmap a pipe ring");
	close(r->memfd);
	free(r);
	rings[idx] = NULL;
}

static int free_index(void)
{
	for (int i = 0; i < UP_RING_MAX; i++)
		if (!rings[i])
			return i;
	return -1;
}

static void name_fd(struct proc *p, int fd, int idx, int end, int nonblock)
{
	fdtab[fd] = (uint16_t)((idx + 1) | (end == WRITE ? UP_FD_WRITE : 0) |
			       (nonblock ? UP_FD_NONBLOCK : 0));
	rings[idx]->nfd[end]++;
	publish(p, fd);
}

int pipe_new(struct proc *p, int flags, int fds[2])
{
	int idx = free_index();
	if (idx < 0)
		return -ENOSPC; /* the caller makes a host pipe instead */
	int memfd = memfd_create("uniproc-pipe", MFD_CLOEXEC);
	if (memfd < 0)
		return -errno;
	int hi = fcntl(memfd, F_DUPFD_CLOEXEC, UP_FD_MAX);
	close(memfd);
	if (hi < 0 || ftruncate(hi, MAP_BYTES) < 0) {
		if (hi >= 0)
			close(hi);
		return -EMFILE;
	}
	int type = SOCK_STREAM | (flags & O_CLOEXEC ? SOCK_CLOEXEC : 0) |
		   (flags & O_NONBLOCK ? SOCK_NONBLOCK : 0);
	int sv[2];
	if (socketpair(AF_UNIX, type, 0, sv) < 0) {
		close(hi);
		return -errno;
	}
	if (sv[0] >= p->fd_limit || sv[1] >= p->fd_limit) {
		close(sv[0]);
		close(sv[1]);
		close(hi);
		return -EMFILE;
	}
	int r = map_ring(p, idx, hi);
	if (r < 0) {
		close(sv[0]);
		close(sv[1]);
		close(hi);
		return r;
	}
	struct up_ring *h = rings[idx]->hdr;
	h->cap = UP_RING_CAP_DEFAULT;
	h->nreaders = h->nwriters = 1;
	name_fd(p, sv[0], idx, READ, flags & O_NONBLOCK);
	name_fd(p, sv[1], idx, WRITE, flags & O_NONBLOCK);
	fds[0] = sv[0];
	fds[1] = sv[1];
	return 0;
}

void pipe_forget(struct proc *p, int fd)
{
	int end = READ;
	struct ring *r = ring_of(fd, &end);
	if (!r)
		return;
	int idx = UP_FD_RING(fdtab[fd]);
	fdtab[fd] = 0;
	publish(p, fd);
	if (--r->nfd[end] == 0)
		hint(r, end, -1);
	if (!r->nfd[READ] && !r->nfd[WRITE])
		unmap_ring(p, idx);
}

void pipe_copied(struct proc *p, int from, int to)
{
	if (to < 0 || to >= UP_FD_MAX || from == to)
		return;
	pipe_forget(p, to); /* the kernel closed what `to` was */
	int end = READ;
	if (!ring_of(from, &end))
		return;
	int idx = UP_FD_RING(fdtab[from]);
	name_fd(p, to, idx, end, fdtab[from] & UP_FD_NONBLOCK);
}

void pipe_set_nonblock(struct proc *p, int fd, int on)
{
	int end = READ;
	if (!ring_of(fd, &end))
		return;
	fdtab[fd] = (uint16_t)((fdtab[fd] & ~UP_FD_NONBLOCK) | (on ? UP_FD_NONBLOCK : 0));
	publish(p, fd);
}

/* --- Locks and waiting ------------------------------------------------ */

/* Is tid a thread that can still release a lock (not gone, not a zombie)?
   Its process's pid, or 0. */
static int alive(uint32_t tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%u/status", tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	const char *st = strstr(buf, "\nState:\t"), *tg = strstr(buf, "\nTgid:\t");
	if (!st || !tg || st[8] == 'Z' || st[8] == 'X')
		return 0;
	return atoi(tg + 7);
}

/* How long a live process of the run may keep a ring lock. Holders copy for
   microseconds and never sleep holding it: one that keeps it this long is a
   guest that wrote a pid there. */
#define LOCK_WAIT_NS 1000000000ll

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ll + t.tv_nsec;
}

/*
 * Take a ring lock: 0, -EINTR if a signal the guest takes arrives while we
 * wait, or -EIO if a live process of the run keeps it past LOCK_WAIT_NS.
 * A holder that died holding it (SIGKILL) loses it, and so does a pid that
 * is no process of the run: only the run's processes hold its rings.
 */
static int ring_lock(struct proc *p, uint32_t *l)
{
	uint32_t me = (uint32_t)vcpu->tid; /* the guest thread's, as the library OS writes it */
	long long since = 0;
	for (int i = 0;; i++) {
		uint32_t z = 0;
		if (__atomic_compare_exchange_n(l, &z, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 0;
		if (z == me) /* our guest's, left behind: it is not running now */
			return 0;
		if (i < 64) {
			sched_yield();
			continue;
		}
		int pid = alive(z);
		if ((!pid || !tree_lists(pid)) &&
		    __atomic_compare_exchange_n(l, &z, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 0;
		if (signal_interrupts(p))
			return -EINTR;
		if (!since)
			since = now_ns();
		else if (now_ns() - since > LOCK_WAIT_NS)
			return -EIO;
		nanosleep(&(struct timespec){0, 200000}, NULL);
	}
}

static void ring_unlock(uint32_t *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* Has the other side gone, every one of its holders? */
static int hung_up(int sock)
{
	struct pollfd pf = {sock, POLLIN, 0};
	return poll(&pf, 1, 0) == 1 && (pf.revents & (POLLHUP | POLLERR));
}

static int nonblocking(int sock)
{
	int fl = fcntl(sock, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

/* How many of side `end` sleep. */
static uint32_t sleepers(struct ring *r, int end)
{
	if (end == READ)
		return __atomic_load_n(&r->hdr->rsleep, __ATOMIC_SEQ_CST);
	return UP_WSLEEP_COUNT(__atomic_load_n(&r->hdr->wsleep, __ATOMIC_SEQ_CST));
}

static uint32_t *bell_of(struct ring *r, int end)
{
	return end == READ ? &r->hdr->rbell : &r->hdr->wbell;
}

/* Count a sleeper in (delta 1, waiting for `want` bytes of room if a
   writer) or out (-1; the last one out clears the want). */
static void sleeper(struct ring *r, int end, int delta, uint32_t want)
{
	if (end == READ) {
		__atomic_fetch_add(&r->hdr->rsleep, (uint32_t)delta, __ATOMIC_SEQ_CST);
		return;
	}
	uint64_t old = __atomic_load_n(&r->hdr->wsleep, __ATOMIC_SEQ_CST), new;
	do {
		uint32_t n = UP_WSLEEP_COUNT(old) + (uint32_t)delta, w = UP_WSLEEP_WANT(old);
		if (delta > 0)
			w = UP_WSLEEP_COUNT(old) && w < want ? w : want;
		else if (n == 0)
			w = 0;
		new = (uint64_t)w << 32 | n;
	} while (!__atomic_compare_exchange_n(&r->hdr->wsleep, &old, new, 0, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
}

/*
 * A monitor thread sleeps for side `end`: count it in, and name it (its
 * host thread id) where there is room, so that if it dies asleep
 * (SIGKILL), another monitor counts it out (repair_sleepers).
 */
static void sleep_in(struct ring *r, int end, uint32_t want)
{
	sleeper(r, end, 1, want);
	uint32_t me = (uint32_t)gettid();
	for (int i = 0; i < UP_RING_SLEEPERS; i++)
		if (__atomic_compare_exchange_n(&r->hdr->sleeper[end][i], &(uint32_t){0}, me, 0,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return;
}

/* It woke: unname it (if the guest wrote over its name, still count it out:
   no other monitor takes a live thread's). */
static void sleep_out(struct ring *r, int end)
{
	uint32_t me = (uint32_t)gettid();
	for (int i = 0; i < UP_RING_SLEEPERS; i++)
		if (__atomic_compare_exchange_n(&r->hdr->sleeper[end][i], &(uint32_t){me}, 0, 0,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			break;
	sleeper(r, end, -1, 0);
}

/* Wake side `end` (asleep in poll on its socket) by a byte per sleeper
   through sock, our own socket on the other side. */
static void ring_bell(struct ring *r, int end, int sock)
{
	/* At least one byte, even if the sleeper has just woken: the bell is
	   set, and only a sleeper that takes a byte sets it back. */
	uint32_t n = sleepers(r, end);
	n = n ? n : 1;
	static const char bells[64];
	send(sock, bells, n < sizeof bells ? n : sizeof bells, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Take one doorbell byte, if there is one. */
static void drain(int sock)
{
	char c;
	recv(sock, &c, 1, MSG_DONTWAIT);
}

/* Bytes readable and free, clamped to the capacity. */
static uint64_t ring_used(struct ring *r, uint32_t cap)
{
	uint64_t used = __atomic_load_n(&r->hdr->head, __ATOMIC_ACQUIRE) -
			__atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);
	return used > cap ? cap : used;
}

/* Room for a writer: free pages, in bytes (up_ring_fit). */
static uint64_t ring_room(struct ring *r, uint32_t cap)
{
	uint64_t head = __atomic_load_n(&r->hdr->head, __ATOMIC_ACQUIRE),
		 tail = __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);
	return head - tail > cap ? 0 : up_ring_room(r->hdr, cap, head, tail);
}

/* Ready for this end: data (read), room for an atomic write (write)? */
static int ring_ready(struct ring *r, int end, uint64_t need)
{
	uint32_t cap = ring_cap(r);
	if (!cap)
		return 1; /* broken: let the caller see it */
	if (end == READ)
		return ring_used(r, cap) > 0;
	return ring_room(r, cap) >= need;
}

/*
 * Sleep until the other side rings, or hangs up. The counter tells it we
 * sleep; checking readiness after raising it closes the race with a side
 * that moved bytes just before. A writer asks for `want` bytes of room
 * (at least what it needs to go on).
 */
/* After a sleep, which lets the process lock go: another thread may have
   closed fd (and freed r meanwhile, but r is still ours while ring_of says so). */
static struct ring *ring_again(int fd, struct ring *r, int end)
{
	int e = READ;
	return ring_of(fd, &e) == r && e == end ? r : NULL;
}

static void ring_sleep(struct ring *r, int sock, int end, uint64_t want)
{
	sleep_in(r, end, (uint32_t)want);
	if (!ring_ready(r, end, want)) {
		struct pollfd pf = {sock, POLLIN, 0};
		int d = proc_unlock_all(); /* the other threads go on; r stays: see ring_again */
		int n = poll(&pf, 1, -1);
		proc_relock(d);
		if (ring_again(sock, r, end) != r)
			return; /* another thread closed it meanwhile: r is gone */
		__atomic_store_n(bell_of(r, end), 0, __ATOMIC_SEQ_CST);
		if (n == 1 && !(pf.revents & (POLLHUP | POLLERR)))
			drain(sock);
	}
	sleep_out(r, end);
}

/* We moved bytes: wake the other side if it sleeps, wants what there is
   now, and is not rung yet. */
static void wake(struct ring *r, int end, int sock)
{
	if (end == WRITE) {
		uint64_t w = __atomic_load_n(&r->hdr->wsleep, __ATOMIC_SEQ_CST);
		uint32_t cap = ring_cap(r);
		if (!UP_WSLEEP_COUNT(w) || (cap && ring_room(r, cap) < UP_WSLEEP_WANT(w)))
			return;
	} else if (!sleepers(r, end)) {
		return;
	}
	if (!__atomic_exchange_n(bell_of(r, end), 1, __ATOMIC_SEQ_CST))
		ring_bell(r, end, sock);
}

/* --- I/O ---------------------------------------------------------------- */

/* Copy n bytes between the ring at position pos and the iovecs. */
static void ring_copy(struct ring *r, uint32_t cap, uint64_t pos, struct iovec *iov, int niov,
		      uint64_t n, int to_ring)
{
	uint8_t *data = ring_data(r);
	for (int i = 0; n && i < niov; i++) {
		uint64_t len = iov[i].iov_len < n ? iov[i].iov_len : n;
		up_ring_copy(data, cap, pos, iov[i].iov_base, len, to_ring);
		pos += len;
		n -= len;
	}
}

/* Drop the first n bytes of the iovecs. */
static int iov_skip(struct iovec *iov, int niov, uint64_t n, struct iovec **out)
{
	while (niov && n >= iov->iov_len) {
		n -= iov->iov_len;
		iov++;
		niov--;
	}
	if (niov) {
		iov->iov_base = (uint8_t *)iov->iov_base + n;
		iov->iov_len -= n;
	}
	*out = iov;
	return niov;
}

static uint64_t iov_total(const struct iovec *iov, int niov)
{
	uint64_t t = 0;
	for (int i = 0; i < niov; i++)
		t += iov[i].iov_len;
	return t;
}

/* Does this call wait for the ring: as the fd's O_NONBLOCK says, or as told? */
static int may_wait(int fd, int how)
{
	if (how & PIPE_NONBLOCK)
		return 0;
	return (how & PIPE_BLOCK) || !nonblocking(fd);
}

/*
 * Read from the ring fd names (its read end) into the iovecs, waiting for
 * bytes as read(2) does: 0 once no writer is left, -EAGAIN, -EINTR. With
 * PIPE_PEEK the bytes stay in the ring (tee, splice until the other side
 * took them); with PIPE_HOLD too, the read lock stays ours until pipe_drop.
 */
static long pipe_take_locked(struct proc *p, int fd, struct iovec *iov, int niov, int how)
{
	int end = READ;
	struct ring *r = ring_of(fd, &end);
	if (!r || end != READ)
		return -EBADF;
	uint64_t want = iov_total(iov, niov);
	if (!want)
		return 0;
	for (;;) {
		int e = ring_lock(p, &r->hdr->rlock);
		if (e < 0)
			return e;
		uint32_t cap = ring_cap(r);
		if (!cap) {
			ring_unlock(&r->hdr->rlock);
			return -EIO;
		}
		uint64_t tail = r->hdr->tail, n = ring_used(r, cap);
		n = n < want ? n : want;
		if (n) {
			ring_copy(r, cap, tail, iov, niov, n, 0);
			if (!(how & PIPE_PEEK))
				__atomic_store_n(&r->hdr->tail, tail + n, __ATOMIC_SEQ_CST);
		}
		if (!n || !(how & PIPE_HOLD))
			ring_unlock(&r->hdr->rlock);
		if (n) {
			if (!(how & PIPE_PEEK))
				wake(r, WRITE, fd);
			return (long)n;
		}
		if (hung_up(fd)) { /* no writer is left: what they wrote is in */
			if (ring_ready(r, READ, 1))
				continue;
			return 0;
		}
		if (!may_wait(fd, how))
			return -EAGAIN;
		if (signal_interrupts(p))
			return -EINTR;
		ring_sleep(r, fd, READ, 1);
		if (!(r = ring_again(fd, r, READ)))
			return -EBADF;
	}
}

long pipe_read(struct proc *p, int fd, struct iovec *iov, int niov)
{
	return pipe_take(p, fd, iov, niov, 0);
}

static void pipe_drop_locked(struct proc *p, int fd, uint64_t n)
{
	int end = READ;
	struct ring *r = ring_of(fd, &end);
	if (!r || end != READ)
		return;
	if (ring_lock(p, &r->hdr->rlock) < 0) /* at once if PIPE_HOLD kept it ours */
		return;
	uint32_t cap = ring_cap(r);
	uint64_t used = cap ? ring_used(r, cap) : 0;
	n = n < used ? n : used;
	__atomic_store_n(&r->hdr->tail, r->hdr->tail + n, __ATOMIC_SEQ_CST);
	ring_unlock(&r->hdr->rlock);
	if (n)
		wake(r, WRITE, fd);
}

static long pipe_room_locked(struct proc *p, int fd, int how)
{
	int end = READ;
	struct ring *r = ring_of(fd, &end);
	if (!r || end != WRITE)
		return -EBADF;
	for (;;) {
		if (hung_up(fd))
			return signal_sigpipe(p);
		uint32_t cap = ring_cap(r);
		if (!cap)
			return -EIO;
		uint64_t room = ring_room(r, cap);
		if (room)
			return (long)room;
		if (!may_wait(fd, how))
			return -EAGAIN;
		if (signal_interrupts(p))
			return -EINTR;
		ring_sleep(r, fd, WRITE, 1);
		if (!(r = ring_again(fd, r, WRITE)))
			return -EBADF;
	}
}

static int pipe_same_locked(int a, int b)
{
	int end = READ;
	struct ring *ra = ring_of(a, &end), *rb = ring_of(b, &end);
	return ra && ra == rb;
}

/* how: PIPE_REST if this is the rest of a write the guest began (no merge
   into the newest page: up_ring_fit). */
static long pipe_write_locked(struct proc *p, int fd, struct iovec *iov, int niov, int how)
{
	int end = READ, start = !(how & PIPE_REST);
	struct ring *r = ring_of(fd, &end);
	if (end != WRITE)
		return -EBADF;
	uint64_t total = iov_total(iov, niov), done = 0;
	if (!total)
		return 0;
	uint64_t need = total <= UP_PIPE_BUF ? total : 1; /* small writes are atomic */
	for (;;) {
		if (hung_up(fd))
			return done ? (long)done : signal_sigpipe(p);
		int e = ring_lock(p, &r->hdr->wlock);
		if (e < 0)
			return done ? (long)done : e;
		uint32_t cap = ring_cap(r);
		if (!cap) {
			ring_unlock(&r->hdr->wlock);
			return done ? (long)done : -EIO;
		}
		uint64_t head = r->hdr->head, merge,
			 n = up_ring_fit(r->hdr, cap, head, __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE),
					 total - done, start, &merge);
		start = 0;
		if (n) {
			ring_copy(r, cap, head, iov, niov, n, 1);
			up_ring_commit(r->hdr, head, n, merge);
			__atomic_store_n(&r->hdr->head, head + n, __ATOMIC_SEQ_CST);
		}
		ring_unlock(&r->hdr->wlock);
		if (n) {
			wake(r, READ, fd);
			done += n;
			if (done == total)
				return (long)done;
			niov = iov_skip(iov, niov, n, &iov);
		}
		if (nonblocking(fd))
			return done ? (long)done : -EAGAIN;
		if (!n && signal_interrupts(p))
			return done ? (long)done : -EINTR;
		if (!n) { /* a big write waits for room for much of the rest */
			uint64_t want = total - done < cap / 2 ? total - done : cap / 2;
			ring_sleep(r, fd, WRITE, want > need ? want : need);
			if (!(r = ring_again(fd, r, WRITE)))
				return done ? (long)done : -EBADF;
		}
	}
}

/* UP_HC_WAKE: the guest moved bytes and saw the other side asleep. */
void pipe_wake(struct proc *p, int64_t fd)
{
	int end = READ;
	struct ring *r = fd >= 0 && fd < UP_FD_MAX ? ring_of((int)fd, &end) : NULL;
	if (r) /* the guest has set the bell */
		ring_bell(r, end == READ ? WRITE : READ, (int)fd);
}

/* --- Descriptor calls on ring fds --------------------------------------- */

long pipe_fcntl(struct proc *p, int fd, int cmd, uint64_t arg)
{
	int end = READ;
	struct ring *r = ring_of(fd, &end);
	switch (cmd) {
	case F_GETFL: {
		int fl = fcntl(fd, F_GETFL);
		return fl < 0 ? -errno : (fl & ~O_ACCMODE) | (end == READ ? O_RDONLY : O_WRONLY);
	}
	case F_SETFL:
		if (fcntl(fd, F_SETFL, (int)arg & O_NONBLOCK) < 0)
			return -errno;
		pipe_set_nonblock(p, fd, arg & O_NONBLOCK);
		return 0;
	case F_GETPIPE_SZ:
		return ring_cap(r) ? (long)ring_cap(r) : -EIO;
	case F_SETPIPE_SZ: {
		/* Linux takes an unsigned int, rounded up to a power of two pages */
		uint64_t want = (uint32_t)arg < UP_RING_CAP_MIN ? UP_RING_CAP_MIN : (uint32_t)arg;
		if (want > (1u << 31))
			return -EINVAL;
		if (want > UP_RING_CAP_MAX)
			return -EPERM; /* past /proc/sys/fs/pipe-max-size */
		uint32_t cap = UP_RING_CAP_MIN;
		while (cap < want)
			cap <<= 1;
		/* Holding both locks, move the bytes to where the new size puts them. */
		int e = ring_lock(p, &r->hdr->wlock);
		if (e < 0)
			return e;
		if ((e = ring_lock(p, &r->hdr->rlock)) < 0) {
			ring_unlock(&r->hdr->wlock);
			return e;
		}
		uint32_t old = ring_cap(r);
		long ret = cap;
		uint64_t used = old ? ring_used(r, old) : 0;
		if (!old)
			ret = -EIO;
		else if (used > cap || up_ring_busy(r->hdr, old, r->hdr->tail + used, r->hdr->tail) > cap / UP_PAGE)
			ret = -EBUSY; /* Linux counts the pages in use */
		else if (cap != old) {
			uint8_t *tmp = malloc(used ? used : 1);
			struct iovec v = {tmp, used};
			uint64_t tail = r->hdr->tail;
			ring_copy(r, old, tail, &v, 1, used, 0);
			ring_copy(r, cap, tail, &v, 1, used, 1);
			free(tmp);
			__atomic_store_n(&r->hdr->cap, cap, __ATOMIC_SEQ_CST);
		}
		ring_unlock(&r->hdr->rlock);
		ring_unlock(&r->hdr->wlock);
		return ret;
	}
	}
	return -ENOSYS; /* the caller serves the rest on the socket */
}

static long pipe_fionread_locked(int fd, int *out)
{
	int end = READ;
	struct ring *r = ring_of(fd, &end);
	if (!r)
		return -EBADF;
	uint32_t cap = ring_cap(r);
	*out = cap ? (int)ring_used(r, cap) : 0;
	return 0;
}

void pipe_stat(struct stat *st, struct statx *stx)
{
	if (st) {
		st->st_mode = S_IFIFO | 0600;
		st->st_size = 0;
		st->st_blksize = 4096;
		st->st_blocks = 0;
	}
	if (stx) {
		stx->stx_mode = S_IFIFO | 0600;
		stx->stx_size = 0;
		stx->stx_blksize = 4096;
		stx->stx_blocks = 0;
	}
}

/* poll(2) readiness of a ring fd for events; 0 if not ready. */
static short pipe_revents_locked(int fd, short events)
{
	int end = READ;
	struct ring *r = ring_of(fd, &end);
	short rev = 0;
	if (!r) /* closed by another thread since the caller looked */
		return POLLNVAL;
	if (end == READ) {
		if (ring_ready(r, READ, 1))
			rev |= events & (POLLIN | POLLRDNORM);
		if (hung_up(fd))
			rev |= POLLHUP;
	} else {
		if (ring_ready(r, WRITE, UP_PIPE_BUF))
			rev |= events & (POLLOUT | POLLWRNORM);
		if (hung_up(fd))
			rev |= POLLERR;
	}
	return rev;
}

/* poll(2) is about to sleep on fd's socket (delta 1), or woke (-1). */
static void pipe_poll_sleep_locked(int fd, int delta, int rang)
{
	int end = READ;
	struct ring *r = ring_of(fd, &end);
	if (!r) /* closed by another thread meanwhile */
		return;
	if (delta < 0) {
		__atomic_store_n(bell_of(r, end), 0, __ATOMIC_SEQ_CST);
		sleep_out(r, end);
	} else {
		sleep_in(r, end, UP_PIPE_BUF); /* POLLOUT: a free page */
	}
	if (rang)
		drain(fd);
}

/* --- Deaths ----------------------------------------------------------- */

/*
 * A process killed by SIGKILL cannot say it goes: the holder counts in its
 * rings (hints that spare the other side an exit) stay up, and so does its
 * sleeper count if it slept. The kernel knows the holders (a side whose
 * socket hangs up has none left) and /proc the sleepers (each named by its
 * thread id while it fits in the ring): whoever holds a ring and learns of
 * a death (run_page->deaths) sets them right. The dead never come back, so
 * only the dead are counted out.
 */
static uint32_t deaths_seen;

static void repair_sleepers(struct ring *r)
{
	for (int end = READ; end <= WRITE; end++)
		for (int i = 0; i < UP_RING_SLEEPERS; i++) {
			uint32_t tid = __atomic_load_n(&r->hdr->sleeper[end][i], __ATOMIC_SEQ_CST);
			if (tid && tid != (uint32_t)gettid() && !alive(tid) &&
			    __atomic_compare_exchange_n(&r->hdr->sleeper[end][i], &tid, 0, 0,
							__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
				sleeper(r, end, -1, 0);
		}
}

/* fd names an end of r whose socket hung up: the other end has no holder
   left, so none of them sleeps either. */
static void repair_holders(struct ring *r, int end)
{
	int other = end == READ ? WRITE : READ;
	__atomic_store_n(other == WRITE ? &r->hdr->nwriters : &r->hdr->nreaders, 0, __ATOMIC_SEQ_CST);
	if (other == READ)
		__atomic_store_n(&r->hdr->rsleep, 0, __ATOMIC_SEQ_CST);
	else
		__atomic_store_n(&r->hdr->wsleep, 0, __ATOMIC_SEQ_CST);
	for (int i = 0; i < UP_RING_SLEEPERS; i++)
		__atomic_store_n(&r->hdr->sleeper[other][i], 0, __ATOMIC_SEQ_CST);
}

/* Under the process lock: has a process of the run died since we looked? */
static void notice_deaths(void)
{
	uint32_t d = run_page ? __atomic_load_n(&run_page->deaths, __ATOMIC_SEQ_CST) : 0;
	if (d == deaths_seen)
		return;
	deaths_seen = d;
	for (int i = 0; i < UP_RING_MAX; i++)
		if (rings[i])
			repair_sleepers(rings[i]);
	for (int fd = 0; fd < UP_FD_MAX; fd++) {
		int end = READ;
		struct ring *r = ring_of(fd, &end);
		if (r && hung_up(fd))
			repair_holders(r, end);
	}
}

/* We reaped a child that died of a signal: tell the run. We look at our
   own rings at our next ring call (not now: another thread may hold the
   process lock while it waits, for a FIFO's peer say). */
void pipe_death(void)
{
	if (run_page)
		__atomic_fetch_add(&run_page->deaths, 1, __ATOMIC_SEQ_CST);
}

/* --- Fork, exec and exit ------------------------------------------------ */

/* Before a fork: the child will hold what we hold (undo: -1 after a failure). */
/*
 * SCM_RIGHTS. A ring fd travels as its socket followed by its memfd, which
 * the sender reopens read-only for a read end and write-only for a write
 * end, so the receiver learns both the ring and the end. The receiver (a
 * monitor like us, trusting the ring no more than its own) maps it.
 */
static int pipe_export_locked(int fd)
{
	int end = READ;
	struct ring *r = ring_of(fd, &end);
	if (!r)
		return -1;
	char link[FD_LINK_MAX];
	path_fd_link(r->memfd, link);
	return open(link, (end == WRITE ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
}

static int pipe_is_export_locked(int fd)
{
	char link[FD_LINK_MAX], name[64];
	path_fd_link(fd, link);
	ssize_t n = readlink(link, name, sizeof name - 1);
	if (n < 0)
		return 0;
	name[n] = 0;
	struct stat st;
	return !strcmp(name, "/memfd:uniproc-pipe (deleted)") && fstat(fd, &st) == 0 &&
	       st.st_size == MAP_BYTES;
}

static int pipe_import_locked(struct proc *p, int fd, int mfd)
{
	int fl = fcntl(mfd, F_GETFL), end = (fl & O_ACCMODE) == O_WRONLY ? WRITE : READ;
	struct stat st, mine;
	int idx = -1, r = -EIO;
	if (fl < 0 || fstat(mfd, &st) < 0)
		goto out;
	for (int i = 0; i < UP_RING_MAX && idx < 0; i++) /* a ring we map already? */
		if (rings[i] && fstat(rings[i]->memfd, &mine) == 0 && mine.st_ino == st.st_ino &&
		    mine.st_dev == st.st_dev)
			idx = i;
	if (idx < 0) {
		char link[FD_LINK_MAX];
		path_fd_link(mfd, link);
		int rw = open(link, O_RDWR | O_CLOEXEC);
		int hi = rw < 0 ? -1 : fcntl(rw, F_DUPFD_CLOEXEC, UP_FD_MAX);
		if (rw >= 0)
			close(rw);
		if (hi < 0 || (idx = free_index()) < 0 || map_ring(p, idx, hi) < 0) {
			if (hi >= 0)
				close(hi);
			r = -EMFILE;
			goto out;
		}
	}
	pipe_forget(p, fd);
	if (rings[idx]->nfd[end] == 0)
		hint(rings[idx], end, 1);
	name_fd(p, fd, idx, end, nonblocking(fd));
	r = 0;
out:
	close(mfd);
	return r;
}

void pipe_fork(int delta)
{
	for (int i = 0; i < UP_RING_MAX; i++)
		for (int end = 0; rings[i] && end < 2; end++)
			if (rings[i]->nfd[end])
				hint(rings[i], end, delta);
}

/* The process exits: close its fds, then stop counting it as a holder. */
void pipe_exit(void)
{
	close_range(0, UP_FD_MAX - 1, 0);
	for (int i = 0; i < UP_RING_MAX; i++)
		for (int end = 0; rings[i] && end < 2; end++)
			if (rings[i]->nfd[end])
				hint(rings[i], end, -1);
}

void pipe_republish(struct proc *p)
{
	for (int fd = 0; fd < UP_FD_MAX; fd++)
		if (fdtab[fd])
			publish(p, fd);
}

/* The calls above as threads make them: some without the process lock
   (hsys_may_block), so each takes it, and lets it go only to sleep. */
long pipe_take(struct proc *p, int fd, struct iovec *iov, int niov, int how)
{
	proc_lock();
	notice_deaths();
	long r = pipe_take_locked(p, fd, iov, niov, how);
	proc_unlock();
	return r;
}

void pipe_drop(struct proc *p, int fd, uint64_t n)
{
	proc_lock();
	pipe_drop_locked(p, fd, n);
	proc_unlock();
}

long pipe_room(struct proc *p, int fd, int how)
{
	proc_lock();
	notice_deaths();
	long r = pipe_room_locked(p, fd, how);
	proc_unlock();
	return r;
}

int pipe_same(int a, int b)
{
	proc_lock();
	int r = pipe_same_locked(a, b);
	proc_unlock();
	return r;
}

long pipe_write(struct proc *p, int fd, struct iovec *iov, int niov, int how)
{
	proc_lock();
	notice_deaths();
	long r = pipe_write_locked(p, fd, iov, niov, how);
	proc_unlock();
	return r;
}

/* The ring's counters (bytes written, bytes read) and capacity, for the
   edges of EPOLLET: 1 for a read end, 2 a write end, 0 if fd is no ring.
   Hints: the guest may scribble on them. */
int pipe_counters(int fd, uint64_t *head, uint64_t *tail, uint32_t *cap)
{
	int end = READ;
	proc_lock();
	struct ring *r = ring_of(fd, &end);
	if (r) {
		*head = __atomic_load_n(&r->hdr->head, __ATOMIC_SEQ_CST);
		*tail = __atomic_load_n(&r->hdr->tail, __ATOMIC_SEQ_CST);
		*cap = ring_cap(r);
	}
	proc_unlock();
	return !r ? 0 : end == READ ? 1 : 2;
}

short pipe_revents(int fd, short events)
{
	proc_lock();
	notice_deaths();
	short r = pipe_revents_locked(fd, events);
	proc_unlock();
	return r;
}

void pipe_poll_sleep(int fd, int delta, int rang)
{
	proc_lock();
	pipe_poll_sleep_locked(fd, delta, rang);
	proc_unlock();
}

int pipe_export(int fd)
{
	proc_lock();
	int r = pipe_export_locked(fd);
	proc_unlock();
	return r;
}

int pipe_is_export(int fd)
{
	proc_lock();
	int r = pipe_is_export_locked(fd);
	proc_unlock();
	return r;
}

int pipe_import(struct proc *p, int fd, int mfd)
{
	proc_lock();
	int r = pipe_import_locked(p, fd, mfd);
	proc_unlock();
	return r;
}

long pipe_fionread(int fd, int *out)
{
	proc_lock();
	long r = pipe_fionread_locked(fd, out);
	proc_unlock();
	return r;
}
