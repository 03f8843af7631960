/* The remaining syscalls of the foundation, each checked against Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#define SHOW(fmt, ...) printf("%-44s " fmt "\n", __VA_ARGS__)

int main(void)
{
	struct utsname u, hu;
	uname(&u);
	SHOW("%s", "uname sysname/machine:", u.sysname);
	SHOW("%s", "", u.machine);
	(void)hu;
	struct sysinfo si;
	SHOW("%d", "sysinfo ok, has ram:", sysinfo(&si) == 0 && si.totalram > 0);
	SHOW("%d", "sched_yield:", sched_yield());
	char pname[16] = "";
	SHOW("%d", "prctl PR_SET_NAME:", prctl(PR_SET_NAME, "uniproc-test", 0, 0, 0));
	prctl(PR_GET_NAME, pname, 0, 0, 0);
	SHOW("%s", "prctl PR_GET_NAME:", pname);
	cpu_set_t set;
	CPU_ZERO(&set);
	SHOW("%d", "sched_getaffinity >= 1 cpu:", sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) >= 1);
	unsigned char rnd[64] = {0};
	SHOW("%ld", "getrandom 64:", (long)getrandom(rnd, sizeof rnd, 0));
	int nonzero = 0;
	for (int i = 0; i < 64; i++)
		nonzero |= rnd[i];
	SHOW("%d", "random bytes not all zero:", nonzero != 0);
	struct rlimit rl;
	SHOW("%d", "getrlimit NOFILE ok:", getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= 64);
	SHOW("%d", "getrlimit STACK ok:", getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur >= 8 << 20);
	SHOW("%d", "prlimit64 NOFILE:", (int)syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl));

	/* Memory: mmap, mremap (grow and move), madvise, mprotect, munmap. */
	char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SHOW("%d", "mmap 1 MiB:", m != MAP_FAILED);
	memset(m, 'x', 1 << 20);
	char *m2 = mremap(m, 1 << 20, 8 << 20, MREMAP_MAYMOVE);
	SHOW("%d", "mremap to 8 MiB keeps data:", m2 != MAP_FAILED && m2[12345] == 'x' && m2[(1 << 20) - 1] == 'x');
	SHOW("%d", "grown part is zero:", m2[(1 << 20) + 5] == 0 && m2[(8 << 20) - 1] == 0);
	SHOW("%d", "madvise DONTNEED:", madvise(m2, 1 << 20, MADV_DONTNEED));
	SHOW("%d", "zero after DONTNEED:", m2[100] == 0);
	SHOW("%d", "mprotect:", mprotect(m2, 4096, PROT_READ));
	SHOW("%d", "mprotect unaligned EINVAL:", mprotect(m2 + 1, 4096, PROT_READ) < 0 && errno == EINVAL);
	SHOW("%d", "munmap:", munmap(m2, 8 << 20));
	/* Transparent huge pages: advice taken (uniproc: by the host), data kept,
	   a 16 MiB mapping touched all over reads back; bad ranges refused */
	char *h = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SHOW("%d", "mmap 16 MiB:", h != MAP_FAILED);
	for (int i = 0; i < 16 << 20; i += 4096)
		h[i] = (char)(i >> 12);
	SHOW("%d", "madvise HUGEPAGE:", madvise(h, 16 << 20, MADV_HUGEPAGE));
	SHOW("%d", "madvise NOHUGEPAGE:", madvise(h + (4 << 20), 4 << 20, MADV_NOHUGEPAGE));
	int same = 1;
	for (int i = 0; i < 16 << 20; i += 4096)
		same &= h[i] == (char)(i >> 12);
	SHOW("%d", "data kept:", same);
	SHOW("%d", "madvise HUGEPAGE unaligned EINVAL:", madvise(h + 1, 4096, MADV_HUGEPAGE) < 0 && errno == EINVAL);
	SHOW("%d", "munmap 16 MiB:", munmap(h, 16 << 20));
	SHOW("%d", "madvise HUGEPAGE unmapped ENOMEM:", madvise(h, 4096, MADV_HUGEPAGE) < 0 && errno == ENOMEM);
	SHOW("%d", "mmap len 0 EINVAL:", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
	char *again = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int zero = 1;
	for (int i = 0; i < 1 << 20; i += 4096)
		zero &= again[i] == 0;
	SHOW("%d", "new mapping is zero:", zero);
	int fd = open("/proc/self/exe", O_RDONLY);
	char *f = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	SHOW("%d", "private file mapping of /proc/self/exe:", f != MAP_FAILED && memcmp(f, "\177ELF", 4) == 0);
	close(fd);

	/* Descriptors: readv, dup3, fcntl flags, ioctl FIONREAD / TCGETS, statx, faccessat. */
	int p[2];
	pipe(p);
	write(p[1], "hello world", 11);
	int avail = -1;
	SHOW("%d %d", "ioctl FIONREAD:", ioctl(p[0], FIONREAD, &avail), avail);
	char a[5], b[6];
	struct iovec iov[2] = {{a, 5}, {b, 6}};
	SHOW("%ld", "readv:", (long)readv(p[0], iov, 2));
	SHOW("%.5s|%.6s", "readv parts:", a, b);
	SHOW("%d", "dup3 O_CLOEXEC:", dup3(p[0], 50, O_CLOEXEC));
	SHOW("%d", "F_GETFD after dup3:", fcntl(50, F_GETFD));
	SHOW("%d", "dup3 same fd EINVAL:", dup3(50, 50, 0) < 0 && errno == EINVAL);
	SHOW("%d", "F_SETFL O_NONBLOCK:", fcntl(p[0], F_SETFL, O_NONBLOCK));
	SHOW("%d", "read empty nonblocking EAGAIN:", read(p[0], a, 1) < 0 && errno == EAGAIN);
	struct termios t;
	SHOW("%d", "TCGETS on a pipe ENOTTY:", tcgetattr(p[0], &t) < 0 && errno == ENOTTY);
	unsigned char sx[256]; /* struct statx: stx_mode is the u16 at offset 28 */
	unsigned short mode = 0;
	long r = syscall(SYS_statx, AT_FDCWD, "/", 0, 0x3 /* TYPE|MODE */, sx);
	memcpy(&mode, sx + 28, 2);
	SHOW("%d", "statx /:", r == 0 && S_ISDIR(mode));
	SHOW("%d", "faccessat / X_OK:", faccessat(AT_FDCWD, "/", X_OK, 0));
	SHOW("%d", "faccessat missing ENOENT:", faccessat(AT_FDCWD, "/nonexistent-uniproc", F_OK, 0) < 0 && errno == ENOENT);
	SHOW("%d", "bad fd EBADF:", write(999, "x", 1) < 0 && errno == EBADF);
	void *volatile bad = (void *)16;
	SHOW("%d", "bad pointer EFAULT:", write(1, bad, 1) < 0 && errno == EFAULT);
	SHOW("%d", "bad path pointer EFAULT:", open(bad, O_RDONLY) < 0 && errno == EFAULT);

	/* Signals: dispositions and masks are recorded; an ignored SIGPIPE gives EPIPE. */
	struct sigaction sa = {.sa_handler = SIG_IGN}, old;
	SHOW("%d", "sigaction SIGPIPE ignore:", sigaction(SIGPIPE, &sa, &old));
	SHOW("%d", "old was SIG_DFL:", old.sa_handler == SIG_DFL);
	sigaction(SIGPIPE, NULL, &old);
	SHOW("%d", "reads back SIG_IGN:", old.sa_handler == SIG_IGN);
	close(p[0]);
	close(50);
	SHOW("%d", "write to readerless pipe EPIPE:", write(p[1], "x", 1) < 0 && errno == EPIPE);
	sigset_t s, o;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	sigprocmask(SIG_SETMASK, NULL, &o);
	SHOW("%d", "sigprocmask records SIGUSR1:", sigismember(&o, SIGUSR1));
	SHOW("%d", "sigaction SIGKILL EINVAL:", sigaction(SIGKILL, &sa, NULL) < 0 && errno == EINVAL);
	return 0;
}
