/*
 * epoll, eventfd and timerfd: the host's objects behind guest fds. An epoll
 * set holds host fds as the host kernel does. A pipe ring's readiness is in
 * its ring, not its socket, so ring fds added to a set are kept here, per
 * epoll fd, and a wait over a set that has them polls the rings and the
 * host set together (the same sleep as poll(2): a doorbell on the ring's
 * socket). EPOLLONESHOT disarms a ring entry. With EPOLLET a read end is
 * reported again after each write (Linux wakes pipe pollers on each), a
 * write end after a read that may have found the ring full (Linux wakes
 * writers when a read empties a slot of a full pipe: we cannot see a full
 * ring that was drained between two waits, so a read after enough was
 * written to fill it counts), either after a hang-up. EPOLLEXCLUSIVE wakes
 * every waiter ("one or more", says Linux).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "hsys.h"

#define MAX_RING_WATCH 256
#define MAX_EVENTS 4096

static struct watch {
	int epfd, fd; /* epfd -1: free */
	uint32_t events;
	uint64_t data;
	uint64_t head, tail; /* EPOLLET: the ring's counters when last reported */
	uint32_t fired; /* EPOLLET: 1 reported, 2 reported a hang-up */
} watch[MAX_RING_WATCH];
static int nwatch;

static struct watch *find(int epfd, int fd)
{
	for (int i = 0; i < nwatch; i++)
		if (watch[i].epfd == epfd && watch[i].fd == fd)
			return &watch[i];
	return NULL;
}

static int is_epoll(int fd)
{
	char link[FD_LINK_MAX], target[32];
	path_fd_link(fd, link);
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n < 0)
		return 0;
	target[n] = 0;
	return strcmp(target, "anon_inode:[eventpoll]") == 0;
}

void epoll_forget(int fd)
{
	for (int i = 0; i < nwatch; i++)
		if (watch[i].epfd == fd || (watch[i].fd == fd && !pipe_is_ring(fd)))
			watch[i].epfd = -1;
	while (nwatch && watch[nwatch - 1].epfd < 0)
		nwatch--;
}

HSYS(epoll_create1)
{
	return hsys_newfd(p, epoll_create1((int)a[0]));
}

HSYS(epoll_create)
{
	if ((int)a[0] <= 0)
		return -EINVAL;
	return hsys_newfd(p, epoll_create1(0));
}

static long ring_ctl(struct proc *p, int epfd, int op, int fd, const struct epoll_event *ev)
{
	struct watch *w = find(epfd, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (w)
			return -EEXIST;
		for (int i = 0; i < nwatch && !w; i++)
			if (watch[i].epfd < 0)
				w = &watch[i];
		if (!w && nwatch == MAX_RING_WATCH) {
			hsys_warn_once(p, "pipe fds in epoll sets, more than", MAX_RING_WATCH);
			return -ENOSPC;
		}
		if (!w)
			w = &watch[nwatch++];
		*w = (struct watch){epfd, fd, ev->events, ev->data.u64}; /* ready now: reported */
		return 0;
	case EPOLL_CTL_MOD:
		if (!w)
			return -ENOENT;
		if (ev->events & EPOLLEXCLUSIVE)
			return -EINVAL; /* as Linux */
		w->events = ev->events;
		w->data = ev->data.u64;
		w->fired = 0; /* a MOD re-arms: ready now is reported */
		return 0;
	case EPOLL_CTL_DEL:
		if (!w)
			return -ENOENT;
		w->epfd = -1;
		return 0;
	}
	return -EINVAL;
}

HSYS(epoll_ctl)
{
	int op = (int)a[1];
	struct epoll_event ev = {0};
	if (op != EPOLL_CTL_DEL) { /* Linux copies the event before it looks at the fds */
		const struct epoll_event *g = gmem_in(p, a[3], sizeof *g);
		if (!g)
			return -EFAULT;
		memcpy(&ev, g, sizeof ev);
	}
	FD_ARG(epfd, 0);
	FD_ARG(fd, 2);
	if (!pipe_is_ring(fd))
		return hsys_ret(epoll_ctl(epfd, op, fd, &ev));
	if (!is_epoll(epfd))
		return fcntl(epfd, F_GETFD) < 0 ? -EBADF : -EINVAL;
	if (epfd == fd)
		return -EINVAL;
	return ring_ctl(p, epfd, op, fd, &ev);
}

/* Ready ring entries of epfd into out (room for max); how many. */
static int ring_events(int epfd, struct epoll_event *out, int max)
{
	int n = 0;
	for (int i = 0; i < nwatch && n < max; i++) {
		struct watch *w = &watch[i];
		if (w->epfd != epfd)
			continue;
		if (!pipe_is_ring(w->fd)) { /* closed: gone from the set, as on Linux */
			w->epfd = -1;
			continue;
		}
		short want = (short)(w->events & (EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM));
		uint32_t rev = (uint16_t)pipe_revents(w->fd, want);
		if (rev & POLLHUP)
			rev |= w->events & EPOLLRDHUP;
		if (!rev)
			continue;
		uint64_t head = 0, tail = 0;
		uint32_t cap = 0, hup = rev & (POLLHUP | POLLERR) ? 2 : 1;
		int end = w->events & EPOLLET ? pipe_counters(w->fd, &head, &tail, &cap) : 0;
		if (end) {
			int edge = end == 1 ? head != w->head
					    : tail != w->tail && head - w->tail + UP_PIPE_BUF > cap;
			if (w->fired >= hup && !edge)
				continue; /* nothing new since the last report */
			w->head = head, w->tail = tail;
			w->fired = hup;
		}
		out[n].events = rev;
		out[n].data.u64 = w->data;
		n++;
		if (w->events & EPOLLONESHOT)
			w->events = 0;
	}
	return n;
}

static int has_rings(int epfd)
{
	for (int i = 0; i < nwatch; i++)
		if (watch[i].epfd == epfd)
			return 1;
	return 0;
}

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long wait_common(struct proc *p, const uint64_t a[6], long long tmo_ns)
{
	FD_ARG(epfd, 0);
	int max = (int)a[2];
	if (max <= 0 || max > MAX_EVENTS)
		return max <= 0 ? -EINVAL : wait_common(p, (uint64_t[6]){a[0], a[1], MAX_EVENTS}, tmo_ns);
	struct epoll_event *out = gmem_out(p, a[1], (uint64_t)max * sizeof *out);
	if (!out)
		return -EFAULT;
	if (!has_rings(epfd)) {
		struct timespec ts = {tmo_ns / 1000000000LL, tmo_ns % 1000000000LL};
		return hsys_ret(epoll_pwait2(epfd, out, max, tmo_ns < 0 ? NULL : &ts, NULL));
	}
	long long deadline = tmo_ns < 0 ? 0 : now_ns() + tmo_ns;
	for (;;) {
		int n = epoll_wait(epfd, out, max, 0);
		if (n < 0)
			return -errno;
		n += ring_events(epfd, out + n, max - n);
		long long left = tmo_ns < 0 ? -1 : deadline - now_ns();
		if (n || (tmo_ns >= 0 && left <= 0))
			return n;
		/* Sleep until the host set or a ring may be ready. */
		static __thread struct pollfd h[MAX_RING_WATCH + 1]; /* each thread its own */
		static __thread short ev[MAX_RING_WATCH + 1];
		int k = 0;
		h[k].fd = epfd;
		ev[k++] = POLLIN;
		/* An edge-triggered end whose hang-up was reported can tell
		   nothing new, and its socket stays ready: left out, or this
		   would spin (Go's netpoller, an exited child's pipe). */
		for (int i = 0; i < nwatch; i++)
			if (watch[i].epfd == epfd && watch[i].events &&
			    !((watch[i].events & EPOLLET) && watch[i].fired >= 2)) {
				h[k].fd = watch[i].fd;
				ev[k++] = (short)(watch[i].events & (POLLIN | POLLOUT));
			}
		int r = hsys_poll_fds(h, ev, k, left);
		if (r < 0)
			return r;
	}
}

HSYS(epoll_wait)
{
	int ms = (int)a[3];
	return wait_common(p, a, ms < 0 ? -1 : ms * 1000000LL);
}

HSYS(epoll_pwait) /* the signal mask is not applied, as for ppoll */
{
	int ms = (int)a[3];
	if (a[4] && !gmem_in(p, a[4], 8))
		return -EFAULT;
	return wait_common(p, a, ms < 0 ? -1 : ms * 1000000LL);
}

HSYS(epoll_pwait2)
{
	if (a[4] && !gmem_in(p, a[4], 8))
		return -EFAULT;
	if (!a[3])
		return wait_common(p, a, -1);
	const struct timespec *t = gmem_in(p, a[3], sizeof *t);
	if (!t)
		return -EFAULT;
	if (t->tv_sec < 0 || t->tv_nsec < 0 || t->tv_nsec >= 1000000000L)
		return -EINVAL;
	return wait_common(p, a, t->tv_sec * 1000000000LL + t->tv_nsec);
}

HSYS(eventfd2)
{
	return hsys_newfd(p, eventfd((unsigned)a[0], (int)a[1]));
}

HSYS(eventfd)
{
	return hsys_newfd(p, eventfd((unsigned)a[0], 0));
}

HSYS(timerfd_create)
{
	return hsys_newfd(p, timerfd_create((int)a[0], (int)a[1]));
}

HSYS(timerfd_settime)
{
	BUF_ARG(nv, 2, sizeof(struct itimerspec)); /* Linux copies it before it looks at fd */
	FD_ARG(fd, 0);
	struct itimerspec *old = a[3] ? gmem_out(p, a[3], sizeof *old) : NULL;
	if (a[3] && !old)
		return -EFAULT;
	return hsys_ret(timerfd_settime(fd, (int)a[1], nv, old));
}

HSYS(timerfd_gettime)
{
	FD_ARG(fd, 0);
	OUT_ARG(cur, 1, sizeof(struct itimerspec));
	return hsys_ret(timerfd_gettime(fd, cur));
}
