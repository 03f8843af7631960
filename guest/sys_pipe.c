/*
 * Pipes, the fast path: the bytes move through a ring shared with the VMs
 * at the other end (struct up_ring, abi.h), copied here at CPL3 without an
 * exit. When the ring stays empty (read) or full (write) for longer than a
 * short spin, or anything looks odd, the syscall goes to the monitor, which
 * blocks, reports EOF, EPIPE or EAGAIN (monitor/pipe.c).
 */
#include <asm/errno.h>
#include <asm/unistd.h>

#include "libos.h"



/* Written by the monitor (UP_FD_RING); the program can scribble on it, but
   then only sees its own rings wrongly. */
uint16_t fd_table[UP_FD_MAX];

/*
 * How long to spin before asking the monitor to sleep: about what sleeping
 * and being woken costs (two exits, a host wake-up), so spinning never
 * wastes more than twice the best choice.
 */
#define SPIN_US 50

struct iov {
	uint64_t base, len;
};

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Spin budget: has it run out since *start (0: now starts it)? */
static int spun_out(uint64_t *start)
{
	uint64_t now = rdtsc(), limit = boot_info.tsc_khz ? boot_info.tsc_khz * SPIN_US / 1000 : 100000;
	if (!*start)
		*start = now;
	__builtin_ia32_pause();
	return now - *start > limit;
}

static struct up_ring *ring_of(uint64_t fd, int write, int *nonblock)
{
	if (fd >= UP_FD_MAX)
		return 0;
	uint16_t e = fd_table[fd];
	if (!e || !(e & UP_FD_WRITE) != !write || UP_FD_RING(e) >= UP_RING_MAX)
		return 0;
	*nonblock = (e & UP_FD_NONBLOCK) != 0;
	return (struct up_ring *)(UP_RING_BASE + UP_FD_RING(e) * UP_RING_STRIDE);
}

static uint32_t ring_cap(struct up_ring *r)
{
	uint32_t c = __atomic_load_n(&r->cap, __ATOMIC_RELAXED);
	if (c < UP_RING_CAP_MIN || c > UP_RING_CAP_MAX || (c & (c - 1)))
		return 0;
	return c;
}

static int lock(uint32_t *l, uint64_t *spin)
{
	for (;;) {
		uint32_t z = 0;
		if (__atomic_compare_exchange_n(l, &z, (uint32_t)self()->tid, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 1;
		if (spun_out(spin))
			return 0;
	}
}

static void unlock(uint32_t *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* Total length of iov, or -1 if it is not all program memory. */
static int64_t iov_total(const struct iov *v, int n)
{
	uint64_t t = 0;
	for (int i = 0; i < n; i++) {
		if (v[i].len && !user_mem(v[i].base, v[i].len))
			return -1;
		t += v[i].len;
	}
	return t > (1ull << 31) ? -1 : (int64_t)t;
}

/* up_ring_copy through user_copy: -EFAULT if the program's buffer faults
   (read-only, PROT_NONE); then the monitor serves the call (EFAULT). */
static long ring_copy(uint8_t *data, uint32_t cap, uint64_t pos, uint8_t *buf, uint64_t len,
		      int to_ring)
{
	while (len) {
		uint64_t off = pos & (cap - 1), c = cap - off < len ? cap - off : len;
		if (to_ring ? user_copy(data + off, buf, c) : user_copy(buf, data + off, c))
			return -EFAULT;
		buf += c;
		pos += c;
		len -= c;
	}
	return 0;
}

/* Copy n bytes between the ring at position pos and iov (from byte skip on);
   0 or -EFAULT. */
static long copy(struct up_ring *r, uint32_t cap, uint64_t pos, const struct iov *v, int nv,
		 uint64_t skip, uint64_t n, int to_ring)
{
	uint8_t *data = (uint8_t *)r + UP_RING_DATA;
	for (int i = 0; n && i < nv; i++) {
		if (skip >= v[i].len) {
			skip -= v[i].len;
			continue;
		}
		uint64_t len = v[i].len - skip < n ? v[i].len - skip : n;
		if (ring_copy(data, cap, pos, (uint8_t *)v[i].base + skip, len, to_ring))
			return -EFAULT;
		skip = 0;
		pos += len;
		n -= len;
	}
	return 0;
}

/* Ring the bell if nobody rang it yet. */
static void hc_ring(uint64_t fd, uint32_t *bell)
{
	if (!__atomic_exchange_n(bell, 1, __ATOMIC_SEQ_CST))
		hc_wake((int)fd);
}

/* Bytes read into iov, or -1: let the monitor serve the whole call. */
static long ring_read(uint64_t fd, struct up_ring *r, int nonblock, const struct iov *v, int nv)
{
	int64_t want = iov_total(v, nv);
	uint64_t spin = 0;
	if (want <= 0 || !lock(&r->rlock, &spin))
		return -1;
	uint32_t cap = ring_cap(r);
	uint64_t tail = r->tail, avail;
	while (cap && (avail = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) - tail) == 0) {
		if (nonblock || !__atomic_load_n(&r->nwriters, __ATOMIC_RELAXED) || spun_out(&spin))
			break;
	}
	if (!cap || avail == 0 || avail > cap) {
		unlock(&r->rlock);
		return -1;
	}
	uint64_t n = avail < (uint64_t)want ? avail : (uint64_t)want;
	if (copy(r, cap, tail, v, nv, 0, n, 0)) { /* nothing taken from the ring */
		unlock(&r->rlock);
		return -1;
	}
	__atomic_store_n(&r->tail, tail + n, __ATOMIC_SEQ_CST);
	unlock(&r->rlock);
	uint64_t w = __atomic_load_n(&r->wsleep, __ATOMIC_SEQ_CST);
	if (UP_WSLEEP_COUNT(w) &&
	    up_ring_room(r, cap, __atomic_load_n(&r->head, __ATOMIC_RELAXED), tail + n) >= UP_WSLEEP_WANT(w))
		hc_ring(fd, &r->wbell);
	return (long)n;
}

/*
 * Bytes written from iov, all of them unless the ring stayed full (then
 * *full is 1); pages are counted as Linux counts them (up_ring_fit), so a
 * write of at most UP_PIPE_BUF bytes goes in whole or not at all. -1: let
 * the monitor serve the whole call.
 */
static long ring_write(uint64_t fd, struct up_ring *r, int nonblock, const struct iov *v, int nv,
		       uint64_t *total, int *full)
{
	int64_t t = iov_total(v, nv);
	uint64_t spin = 0;
	if (t <= 0 || !__atomic_load_n(&r->nreaders, __ATOMIC_RELAXED) || !lock(&r->wlock, &spin))
		return -1;
	*total = (uint64_t)t;
	uint32_t cap = ring_cap(r);
	uint64_t head = r->head, done = 0;
	int start = 1;
	while (cap && done < *total) {
		uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE), merge;
		if (head - tail > cap)
			break;
		uint64_t n = up_ring_fit(r, cap, head, tail, *total - done, start, &merge);
		start = 0;
		if (!n) {
			if (nonblock || spun_out(&spin)) {
				*full = 1;
				break;
			}
			continue;
		}
		if (copy(r, cap, head, v, nv, done, n, 1))
			break; /* a short write, or the monitor's EFAULT */
		up_ring_commit(r, head, n, merge);
		head += n;
		done += n;
		__atomic_store_n(&r->head, head, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&r->rsleep, __ATOMIC_SEQ_CST))
			hc_ring(fd, &r->rbell);
		spin = 0;
	}
	unlock(&r->wlock);
	return done ? (long)done : -1;
}

/* The monitor writes what the ring did not take: the rest of v after done. */
static long write_rest(uint64_t fd, const struct iov *v, int nv, uint64_t done)
{
	struct iov rest[64];
	int n = 0;
	for (int i = 0; i < nv; i++) {
		if (done >= v[i].len) {
			done -= v[i].len;
			continue;
		}
		rest[n].base = v[i].base + done;
		rest[n++].len = v[i].len - done;
		done = 0;
	}
	return hc_syscall(__NR_writev, fd, (uint64_t)(uintptr_t)rest, n, UP_WRITEV_REST, 0, 0);
}

static long pipe_read(uint64_t fd, const struct iov *v, int nv)
{
	int nonblock;
	defer_send(); /* a ring is seen by other processes without the monitor */
	struct up_ring *r = ring_of(fd, 0, &nonblock);
	long n = r && nv <= 64 ? ring_read(fd, r, nonblock, v, nv) : -1;
	return n >= 0 ? n : hc_syscall(__NR_readv, fd, (uint64_t)(uintptr_t)v, nv, 0, 0, 0);
}

/* The run's count of deaths by a signal when this process last had the
   monitor write to a ring: after a change, one write goes to the monitor,
   which first checks its rings for holders and sleepers that died. */
static uint32_t deaths_seen;

static long pipe_write(uint64_t fd, const struct iov *v, int nv)
{
	int nonblock, full = 0;
	uint64_t total = 0;
	defer_send(); /* a ring is seen by other processes without the monitor */
	uint32_t deaths = __atomic_load_n(&((const volatile struct up_run_page *)UP_RUN_PAGE)->deaths,
					  __ATOMIC_ACQUIRE);
	struct up_ring *r = ring_of(fd, 1, &nonblock);
	long done = r && nv <= 64 && deaths == deaths_seen ? ring_write(fd, r, nonblock, v, nv, &total, &full) : -1;
	if (done < 0) {
		long ret = hc_syscall(__NR_writev, fd, (uint64_t)(uintptr_t)v, nv, 0, 0, 0);
		deaths_seen = deaths;
		return ret;
	}
	if ((uint64_t)done == total || (full && nonblock))
		return done; /* nonblocking: Linux returns what went in */
	long more = write_rest(fd, v, nv, (uint64_t)done);
	return more < 0 ? done : done + more;
}

SYSDEF(read)
{
	if (a0 >= UP_FD_MAX || !fd_table[a0])
		return hc_syscall(__NR_read, a0, a1, a2, 0, 0, 0);
	struct iov v = {a1, a2};
	return pipe_read(a0, &v, 1);
}

SYSDEF(write)
{
	if (a0 >= UP_FD_MAX || !fd_table[a0])
		return hc_syscall(__NR_write, a0, a1, a2, 0, 0, 0);
	struct iov v = {a1, a2};
	return pipe_write(a0, &v, 1);
}

SYSDEF(readv)
{
	struct iov v[64];
	if (a0 >= UP_FD_MAX || !fd_table[a0] || a2 > 64 || get_user(v, a1, a2 * 16))
		return hc_syscall(__NR_readv, a0, a1, a2, 0, 0, 0);
	return pipe_read(a0, v, (int)a2);
}

SYSDEF(writev)
{
	struct iov v[64];
	if (a0 >= UP_FD_MAX || !fd_table[a0] || a2 > 64 || get_user(v, a1, a2 * 16))
		return hc_syscall(__NR_writev, a0, a1, a2, 0, 0, 0);
	return pipe_write(a0, v, (int)a2);
}
