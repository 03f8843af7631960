/* Freestanding helpers: the library OS links no libc. */
#include <stdarg.h>

#include <asm/errno.h>

#include "libos.h"

void *memcpy(void *d, const void *s, size_t n)
{
	void *r = d;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return r;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

void *memset(void *d, int c, size_t n)
{
	void *r = d;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return r;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;
	while (*p)
		p++;
	return p - s;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, uint64_t v, int base, int neg)
{
	char tmp[24];
	int n = 0;
	if (neg)
		put(o, '-');
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		put(o, tmp[--n]);
}

/* A small vsnprintf: %s %c %d %u %x %p with optional l/ll. */
static int vfmt(char *buf, size_t size, const char *f, va_list ap)
{
	struct out o = {buf, size, 0};
	for (; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		int lng = 0;
		while (*++f == 'l')
			lng = 1;
		switch (*f) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			while (*s)
				put(&o, *s++);
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0);
			break;
		}
		case 'u':
			put_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, 0);
			break;
		case 'p':
			lng = 1;
			put(&o, '0');
			put(&o, 'x');
			/* fall through */
		case 'x':
			put_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, 0);
			break;
		default:
			put(&o, *f);
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vfmt(buf, size, f, ap);
	va_end(ap);
	return n;
}

void logf(const char *f, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, f);
	int n = vfmt(buf, sizeof buf, f, ap);
	va_end(ap);
	hc_log(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
}

int user_ok(uint64_t p, uint64_t n)
{
	return p >= UP_USER_BASE && p + n >= p && p + n <= boot_info.mem_size;
}

int user_mem(uint64_t p, uint64_t n)
{
	return user_ok(p, n) && !mem_freed(p, n);
}

long put_user(uint64_t dst, const void *src, size_t n)
{
	return user_mem(dst, n) ? user_copy((void *)dst, src, n) : -EFAULT;
}

long get_user(void *dst, uint64_t src, size_t n)
{
	return user_mem(src, n) ? user_copy(dst, (const void *)src, n) : -EFAULT;
}
