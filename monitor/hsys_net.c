/*
 * Sockets: the host's own, behind guest fds like files, so inheritance
 * across fork and exec, readiness and the kernel's semantics are Linux's.
 * Unix socket paths resolve beneath --root. A pipe ring's fd is a socket on
 * the host, but not to the guest: socket calls on it give ENOTSOCK.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hsys.h"

#define IOV_MAX_ 1024
#define CONTROL_MAX 65536

/* A socket fd argument: not a pipe ring. */
#define SOCK_ARG(var, i)               \
	FD_ARG(var, i);                \
	if (pipe_is_ring(var))         \
		return -ENOTSOCK

/* 0 if the guest may make sockets of family, else -errno (warned once). */
static int family_ok(struct proc *p, int family)
{
	if (p->net_none && family != AF_UNIX) {
		static uint64_t warned; /* one bit per family below 64 */
		if (family < 0 || family >= 64 || !(warned & (1ull << family)))
			dprintf(p->log_fd, "uniproc: warning: socket family %d refused (--net none)\n", family);
		if (family >= 0 && family < 64)
			warned |= 1ull << family;
		return -EACCES;
	}
	switch (family) {
	case AF_UNIX:
	case AF_INET:
	case AF_INET6:
	case AF_NETLINK:
		return 0;
	}
	hsys_warn_once(p, "socket family", family);
	return -EAFNOSUPPORT;
}

HSYS(socket)
{
	int r = family_ok(p, (int)a[0]);
	return r < 0 ? r : hsys_newfd(p, socket((int)a[0], (int)a[1], (int)a[2]));
}

HSYS(socketpair)
{
	OUT_ARG(sv, 3, 2 * sizeof(int));
	int r = family_ok(p, (int)a[0]);
	if (r < 0)
		return r;
	int fds[2];
	if (socketpair((int)a[0], (int)a[1], (int)a[2], fds) < 0)
		return -errno;
	if (fds[0] >= p->fd_limit || fds[1] >= p->fd_limit) {
		close(fds[0]);
		close(fds[1]);
		return -EMFILE;
	}
	memcpy(sv, fds, sizeof fds);
	return 0;
}

/*
 * Copy the guest's address (ga, len) into *ss. A unix socket path is
 * resolved beneath the root: for bind, its directory (the name must not
 * exist); else the socket file itself. The address then names it through
 * a magic link of the O_PATH fd left in *hold (close it after the call).
 */
static long get_addr(struct proc *p, uint64_t ga, uint64_t len, int bind_, struct sockaddr_storage *ss,
		     socklen_t *sl, int *hold)
{
	*hold = -1;
	if (len > sizeof *ss)
		return -EINVAL;
	const void *g = gmem_in(p, ga, len);
	if (!g)
		return -EFAULT;
	memset(ss, 0, sizeof *ss);
	memcpy(ss, g, len);
	*sl = (socklen_t)len;
	struct sockaddr_un *un = (struct sockaddr_un *)ss;
	if (len <= offsetof(struct sockaddr_un, sun_path) || un->sun_family != AF_UNIX ||
	    un->sun_path[0] == 0) /* not a path: abstract or unnamed */
		return 0;
	char path[sizeof un->sun_path + 1], last[NAME_MAX + 1];
	size_t n = strnlen(un->sun_path, len - offsetof(struct sockaddr_un, sun_path));
	memcpy(path, un->sun_path, n);
	path[n] = 0;
	int fd = bind_ ? path_parent(p, AT_FDCWD, path, last)
		       : path_open(p, AT_FDCWD, path, O_PATH | O_CLOEXEC, 0);
	if (fd < 0)
		return fd == -EBUSY ? -EADDRINUSE : fd;
	int w = bind_ ? snprintf(un->sun_path, sizeof un->sun_path, "/proc/self/fd/%d/%s", fd, last)
		      : snprintf(un->sun_path, sizeof un->sun_path, "/proc/self/fd/%d", fd);
	if (w < 0 || (size_t)w >= sizeof un->sun_path) {
		close(fd);
		return -ENAMETOOLONG;
	}
	*sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + w + 1);
	*hold = fd;
	return 0;
}

static long addr_call(struct proc *p, const uint64_t a[6], int bind_)
{
	SOCK_ARG(fd, 0);
	struct sockaddr_storage ss;
	socklen_t sl;
	int hold;
	long r = get_addr(p, a[1], a[2], bind_, &ss, &sl, &hold);
	if (r < 0)
		return r;
	r = hsys_ret(bind_ ? bind(fd, (struct sockaddr *)&ss, sl)
			   : connect(fd, (struct sockaddr *)&ss, sl));
	if (hold >= 0)
		close(hold);
	if (!bind_ && r == 0)
		hsys_defer_may(p, fd);
	return r;
}

HSYS(bind) { return addr_call(p, a, 1); }
HSYS(connect) { return addr_call(p, a, 0); }

HSYS(listen)
{
	SOCK_ARG(fd, 0);
	return hsys_ret(listen(fd, (int)a[1]));
}

HSYS(shutdown)
{
	SOCK_ARG(fd, 0);
	return hsys_ret(shutdown(fd, (int)a[1]));
}

/* An (addr, addrlen) pair the kernel fills: the guest's, checked. */
static long out_addr(struct proc *p, uint64_t ga, uint64_t glen, struct sockaddr **sa,
		     socklen_t **sl)
{
	*sa = NULL;
	*sl = NULL;
	if (!ga)
		return 0;
	*sl = gmem_out(p, glen, sizeof(socklen_t));
	if (!*sl || (int)**sl < 0)
		return *sl ? -EINVAL : -EFAULT;
	*sa = gmem_out(p, ga, **sl);
	return *sa || !**sl ? 0 : -EFAULT;
}

static long accept_(struct proc *p, const uint64_t a[6], int flags)
{
	SOCK_ARG(fd, 0);
	struct sockaddr *sa;
	socklen_t *sl;
	long r = out_addr(p, a[1], a[2], &sa, &sl);
	if (r < 0)
		return r;
	r = hsys_newfd(p, accept4(fd, sa, sl, flags));
	if (r >= 0)
		hsys_defer_may(p, (int)r);
	return r;
}

HSYS(accept) { return accept_(p, a, 0); }
HSYS(accept4) { return accept_(p, a, (int)a[3]); }

static long name_call(struct proc *p, const uint64_t a[6], int peer)
{
	SOCK_ARG(fd, 0);
	struct sockaddr *sa;
	socklen_t *sl;
	if (!a[1] || !a[2])
		return -EFAULT;
	long r = out_addr(p, a[1], a[2], &sa, &sl);
	if (r < 0)
		return r;
	return hsys_ret(peer ? getpeername(fd, sa, sl) : getsockname(fd, sa, sl));
}

HSYS(getsockname) { return name_call(p, a, 0); }
HSYS(getpeername) { return name_call(p, a, 1); }

HSYS(setsockopt)
{
	SOCK_ARG(fd, 0);
	if (a[4] > 4096)
		return -EINVAL;
	const void *v = a[4] ? gmem_in(p, a[3], a[4]) : NULL;
	if (a[4] && !v)
		return -EFAULT;
	if ((int)a[1] == SOL_SOCKET && (int)a[2] == SO_LINGER)
		hsys_defer_never(p, fd); /* its close may wait, or reset */
	return hsys_ret(setsockopt(fd, (int)a[1], (int)a[2], v, (socklen_t)a[4]));
}

HSYS(getsockopt)
{
	SOCK_ARG(fd, 0);
	socklen_t *sl = gmem_out(p, a[4], sizeof *sl);
	if (!sl)
		return -EFAULT;
	socklen_t n = *sl > 4096 ? 4096 : *sl;
	void *v = n ? gmem_out(p, a[3], n) : NULL;
	if (n && !v)
		return -EFAULT;
	long r = hsys_ret(getsockopt(fd, (int)a[1], (int)a[2], v, &n));
	if (r == 0)
		*sl = n;
	return r;
}

HSYS(sendto)
{
	SOCK_ARG(fd, 0);
	BUF_ARG(buf, 1, a[2]);
	if (!a[4])
		return hsys_ret(sendto(fd, buf, a[2], (int)a[3], NULL, 0));
	struct sockaddr_storage ss;
	socklen_t sl;
	int hold;
	long r = get_addr(p, a[4], a[5], 0, &ss, &sl, &hold);
	if (r < 0)
		return r;
	r = hsys_ret(sendto(fd, buf, a[2], (int)a[3], (struct sockaddr *)&ss, sl));
	if (hold >= 0)
		close(hold);
	return r;
}

HSYS(recvfrom)
{
	SOCK_ARG(fd, 0);
	OUT_ARG(buf, 1, a[2]);
	struct sockaddr *sa;
	socklen_t *sl;
	long r = out_addr(p, a[4], a[5], &sa, &sl);
	if (r < 0)
		return r;
	return hsys_ret(recvfrom(fd, buf, a[2], (int)a[3], sa, sl));
}

/*
 * Control messages out: a copy of the guest's, where SCM_RIGHTS carries
 * after each pipe ring fd its companion (pipe_export), which the receiving
 * monitor turns back into a working ring (import_rights). The companions
 * are closed after the send (*extra, *nextra).
 */
static long rights_out(struct proc *p, struct msghdr *g, uint8_t *out, size_t room, size_t *len, int *extra,
		       int *nextra)
{
	size_t used = 0;
	*nextra = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(g); c; c = CMSG_NXTHDR(g, c)) {
		size_t data = c->cmsg_len - CMSG_LEN(0);
		int rights = c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS;
		int n = rights ? (int)(data / sizeof(int)) : 0, k = 0;
		size_t need = CMSG_SPACE(rights ? 2 * n * sizeof(int) : data);
		if (c->cmsg_len < CMSG_LEN(0) || used + need > room)
			return -EINVAL;
		struct cmsghdr *o = (struct cmsghdr *)(out + used);
		*o = *c;
		if (!rights) {
			memcpy(CMSG_DATA(o), CMSG_DATA(c), data);
			used += CMSG_SPACE(data);
			continue;
		}
		int *src = (int *)CMSG_DATA(c), *dst = (int *)CMSG_DATA(o);
		for (int i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, src + i, sizeof fd);
			if (hsys_fd(fd) < 0)
				return -EBADF;
			hsys_defer_shared(p, fd); /* the receiver may lock it */
			dst[k++] = fd;
			if (pipe_is_ring(fd) && *nextra < 253) {
				int e = pipe_export(fd);
				if (e < 0)
					return -EMFILE;
				dst[k++] = extra[(*nextra)++] = e;
			}
		}
		o->cmsg_len = CMSG_LEN(k * sizeof(int));
		used += CMSG_SPACE(k * sizeof(int));
	}
	*len = used;
	return 0;
}

/*
 * Control messages in (*h, from the host) into the guest's buffer (at most
 * room bytes): a ring fd's companion makes it a working ring and leaves the
 * array; what does not fit is closed and flagged MSG_CTRUNC.
 */
static size_t rights_in(struct proc *p, struct msghdr *h, uint8_t *gbuf, size_t room, int *flags)
{
	size_t used = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
		size_t data = c->cmsg_len - CMSG_LEN(0);
		if (!(c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)) {
			if (used + CMSG_LEN(data) > room) {
				*flags |= MSG_CTRUNC;
				continue;
			}
			memcpy(gbuf + used, c, CMSG_LEN(data));
			used += CMSG_SPACE(data) < room - used ? CMSG_SPACE(data) : room - used;
			continue;
		}
		int n = (int)(data / sizeof(int)), k = 0, fds[n > 0 ? n : 1];
		memcpy(fds, CMSG_DATA(c), n * sizeof(int));
		for (int i = 0; i < n; i++) {
			int fd = fds[i];
			if (i + 1 < n && pipe_is_export(fds[i + 1])) {
				if (pipe_import(p, fd, fds[i + 1]) < 0) /* closes the companion */
					*flags |= MSG_CTRUNC;
				i++;
			}
			fds[k++] = fd;
		}
		size_t fit = used + CMSG_LEN(0) < room ? (room - used - CMSG_LEN(0)) / sizeof(int) : 0;
		fit = fit < (size_t)k ? fit : (size_t)k;
		for (int i = (int)fit; i < k; i++)
			close(fds[i]);
		if (fit < (size_t)k)
			*flags |= MSG_CTRUNC;
		if (!fit)
			continue;
		struct cmsghdr o = *c;
		o.cmsg_len = CMSG_LEN(fit * sizeof(int));
		memcpy(gbuf + used, &o, sizeof o);
		memcpy(gbuf + used + CMSG_LEN(0), fds, fit * sizeof(int));
		used += CMSG_SPACE(fit * sizeof(int)) < room - used ? CMSG_SPACE(fit * sizeof(int)) : room - used;
	}
	return used;
}

/* A guest struct msghdr at gm as a host one in *m (iov holds IOV_MAX_
   entries); the address is copied to *ss when sending. The control buffer
   is left as the guest's (checked) for the caller to translate. */
static long get_msg(struct proc *p, uint64_t gm, int send, struct msghdr *m, struct iovec *iov,
		    struct sockaddr_storage *ss, int *hold)
{
	*hold = -1;
	/* recvmsg writes lengths and flags back into the guest's struct */
	const struct msghdr *g = send ? gmem_in(p, gm, sizeof *g) : gmem_out(p, gm, sizeof *g);
	if (!g)
		return -EFAULT;
	struct msghdr c = *g; /* read the guest's struct once */
	if (c.msg_iovlen > IOV_MAX_ || c.msg_controllen > CONTROL_MAX)
		return c.msg_iovlen > IOV_MAX_ ? -EMSGSIZE : -ENOBUFS;
	*m = (struct msghdr){.msg_iov = iov, .msg_iovlen = c.msg_iovlen, .msg_flags = 0};
	const struct iovec *giov = c.msg_iovlen ? gmem_in(p, (uint64_t)c.msg_iov,
						     c.msg_iovlen * sizeof *giov) : NULL;
	if (c.msg_iovlen && !giov)
		return -EFAULT;
	for (size_t i = 0; i < c.msg_iovlen; i++) {
		struct iovec v = giov[i];
		iov[i].iov_len = v.iov_len;
		iov[i].iov_base = !v.iov_len ? NULL
				  : send  ? gmem_in(p, (uint64_t)v.iov_base, v.iov_len)
					  : gmem_out(p, (uint64_t)v.iov_base, v.iov_len);
		if (v.iov_len && !iov[i].iov_base)
			return -EFAULT;
	}
	if (c.msg_controllen) {
		m->msg_control = send ? gmem_in(p, (uint64_t)c.msg_control, c.msg_controllen)
				      : gmem_out(p, (uint64_t)c.msg_control, c.msg_controllen);
		m->msg_controllen = c.msg_controllen;
		if (!m->msg_control)
			return -EFAULT;
	}
	if (c.msg_name && send) {
		socklen_t sl;
		long r = get_addr(p, (uint64_t)c.msg_name, c.msg_namelen, 0, ss, &sl, hold);
		if (r < 0)
			return r;
		m->msg_name = ss;
		m->msg_namelen = sl;
	} else if (c.msg_name) {
		m->msg_namelen = c.msg_namelen;
		m->msg_name = gmem_out(p, (uint64_t)c.msg_name, c.msg_namelen);
		if (!m->msg_name && c.msg_namelen)
			return -EFAULT;
	}
	return 0;
}

/* After recvmsg: lengths and flags back into the guest's struct. */
static void put_msg(struct proc *p, uint64_t gm, const struct msghdr *m)
{
	struct msghdr *g = gmem_out(p, gm, sizeof *g);
	if (!g)
		return;
	g->msg_namelen = m->msg_namelen;
	g->msg_controllen = m->msg_controllen;
	g->msg_flags = m->msg_flags;
}

static long msg_call(struct proc *p, int fd, uint64_t gm, int flags, int send)
{
	/* Each thread its own (this call runs without the process lock). */
	static __thread struct iovec iov[IOV_MAX_];
	static __thread uint8_t *ctl;
	if (!ctl && !(ctl = aligned_alloc(8, 2 * CONTROL_MAX)))
		return -ENOMEM;
	struct msghdr m;
	struct sockaddr_storage ss;
	int hold, extra[256], nextra = 0;
	long r = get_msg(p, gm, send, &m, iov, &ss, &hold);
	if (r < 0)
		return r;
	uint8_t *gctl = m.msg_control;
	size_t groom = m.msg_controllen;
	if (send) {
		if (gctl) {
			size_t len = 0;
			r = rights_out(p, &m, ctl, 2 * CONTROL_MAX, &len, extra, &nextra);
			m.msg_control = ctl;
			m.msg_controllen = len;
		}
		if (r == 0)
			r = hsys_ret(sendmsg(fd, &m, flags));
		for (int i = 0; i < nextra; i++)
			close(extra[i]);
	} else {
		if (gctl) { /* room for each fd's companion */
			m.msg_control = ctl;
			m.msg_controllen = 2 * groom + CMSG_SPACE(0) < 2 * CONTROL_MAX ? 2 * groom + CMSG_SPACE(0)
										 : 2 * CONTROL_MAX;
		}
		r = hsys_ret(recvmsg(fd, &m, flags));
		if (r >= 0 && gctl)
			m.msg_controllen = rights_in(p, &m, gctl, groom, &m.msg_flags);
		if (r >= 0)
			put_msg(p, gm, &m);
	}
	if (hold >= 0)
		close(hold);
	return r;
}

HSYS(sendmsg)
{
	SOCK_ARG(fd, 0);
	return msg_call(p, fd, a[1], (int)a[2], 1);
}

HSYS(recvmsg)
{
	SOCK_ARG(fd, 0);
	return msg_call(p, fd, a[1], (int)a[2], 0);
}

/* sendmmsg/recvmmsg: one message at a time (struct mmsghdr is a msghdr
   then the count of bytes). recvmmsg's timeout is not served. */
static long mmsg(struct proc *p, const uint64_t a[6], int send)
{
	SOCK_ARG(fd, 0);
	unsigned n = (unsigned)a[2] > 1024 ? 1024 : (unsigned)a[2];
	unsigned i = 0;
	long r = 0;
	for (; i < n; i++) {
		uint64_t gm = a[1] + i * (uint64_t)sizeof(struct mmsghdr);
		unsigned *len = gmem_out(p, gm + offsetof(struct mmsghdr, msg_len), sizeof *len);
		if (!len) {
			r = -EFAULT;
			break;
		}
		int flags = (int)a[3] & ~MSG_WAITFORONE;
		if (!send && i > 0 && ((int)a[3] & MSG_WAITFORONE))
			flags |= MSG_DONTWAIT;
		r = msg_call(p, fd, gm, flags, send);
		if (r < 0)
			break;
		*len = (unsigned)r;
	}
	return i ? (long)i : r;
}

HSYS(sendmmsg) { return mmsg(p, a, 1); }
HSYS(recvmmsg) { return mmsg(p, a, 0); }
