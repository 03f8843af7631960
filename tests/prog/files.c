/* File syscalls in a scratch directory (argv[1]); prints results, never inode numbers. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* <linux/fs.h>'s, which musl-gcc does not reach */
struct file_clone_range {
	int64_t src_fd;
	uint64_t src_offset, src_length, dest_offset;
};
struct fiemap {
	uint64_t fm_start, fm_length;
	uint32_t fm_flags, fm_mapped_extents, fm_extent_count, fm_reserved;
	uint64_t fm_extents[4 * 7]; /* 4 struct fiemap_extent */
};
struct fiemap_header {
	uint64_t start, length;
	uint32_t flags, mapped, count, reserved;
};
#define FS_IOC_FIEMAP _IOWR('f', 11, struct fiemap_header)
#define FICLONE _IOW(0x94, 9, int)
#define FICLONERANGE _IOW(0x94, 13, struct file_clone_range)

#define CHECK(x) report(#x, (long)(x))
static void report(const char *what, long r)
{
	printf("%-60s = %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char **)a, *(char **)b);
}

static void list(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		printf("opendir %s: %s\n", dir, strerror(errno));
		return;
	}
	char *names[64];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 64)
		names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof *names, cmp);
	printf("ls %s:", dir);
	for (int i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) < 0)
		return 2;
	char buf[256];
	struct stat st;
	int fd;
	CHECK(fd = open("a.txt", O_CREAT | O_RDWR | O_TRUNC, 0640));
	CHECK(write(fd, "hello, world\n", 13));
	CHECK(lseek(fd, 0, SEEK_CUR));
	CHECK(lseek(fd, 7, SEEK_SET));
	CHECK(read(fd, buf, 5));
	printf("read: %.5s\n", buf);
	CHECK(pwrite(fd, "HELLO", 5, 0));
	CHECK(pread(fd, buf, 13, 0));
	printf("pread: %.13s", buf);
	CHECK(lseek(fd, 0, SEEK_END));
	struct iovec iov[2] = {{"vec", 3}, {"tor\n", 4}};
	CHECK(writev(fd, iov, 2));
	CHECK(fstat(fd, &st));
	printf("size=%ld mode=%o regular=%d\n", (long)st.st_size, st.st_mode & 0777, S_ISREG(st.st_mode));
	CHECK(ftruncate(fd, 5));
	CHECK(fstat(fd, &st));
	printf("size after ftruncate=%ld\n", (long)st.st_size);
	int fd2;
	CHECK(fd2 = dup(fd));
	CHECK(lseek(fd2, 1, SEEK_SET));
	CHECK(lseek(fd, 0, SEEK_CUR)); /* shared offset */
	CHECK(dup2(fd, 20));
	CHECK(fcntl(20, F_GETFD));
	CHECK(fcntl(20, F_SETFD, FD_CLOEXEC));
	CHECK(fcntl(20, F_GETFD));
	CHECK(fcntl(fd, F_GETFL) & O_ACCMODE);
	CHECK(fcntl(fd, F_DUPFD, 30));
	CHECK(close(20));
	CHECK(close(20));
	CHECK(close(fd2));
	CHECK(close(fd));
	CHECK(fd = open("log", O_CREAT | O_WRONLY | O_APPEND, 0600));
	CHECK(write(fd, "one\n", 4));
	CHECK(lseek(fd, 0, SEEK_SET));
	CHECK(write(fd, "two\n", 4));
	CHECK(close(fd));
	CHECK(fd = open("log", O_RDONLY));
	CHECK(read(fd, buf, sizeof buf));
	printf("log: %.8s", buf);
	CHECK(close(fd));
	CHECK(open("log", O_CREAT | O_EXCL | O_WRONLY, 0600));
	CHECK(open("missing", O_RDONLY));
	CHECK(mkdir("sub", 0755));
	CHECK(mkdir("sub", 0755));
	CHECK(mkdir("sub/inner", 0700));
	CHECK(rename("a.txt", "sub/b.txt"));
	CHECK(stat("sub/b.txt", &st));
	printf("b.txt size=%ld\n", (long)st.st_size);
	CHECK(stat("a.txt", &st));
	CHECK(access("sub/b.txt", R_OK | W_OK));
	CHECK(access("sub/b.txt", X_OK));
	CHECK(symlink("sub/b.txt", "link"));
	CHECK(lstat("link", &st));
	printf("link is symlink: %d\n", S_ISLNK(st.st_mode));
	CHECK(stat("link", &st));
	printf("target is regular: %d size=%ld\n", S_ISREG(st.st_mode), (long)st.st_size);
	ssize_t n;
	CHECK(n = readlink("link", buf, sizeof buf));
	printf("readlink: %.*s\n", (int)(n > 0 ? n : 0), buf);
	CHECK(readlink("log", buf, sizeof buf));
	CHECK(link("log", "hardlink"));
	CHECK(stat("hardlink", &st));
	printf("hardlink nlink=%ld\n", (long)st.st_nlink);
	CHECK(unlink("hardlink"));
	struct timespec times[2] = {{1000000000, 0}, {1234567890, 0}};
	CHECK(utimensat(AT_FDCWD, "log", times, 0));
	CHECK(stat("log", &st));
	printf("log mtime=%ld\n", (long)st.st_mtime);
	/* cp's reflink (FICLONE): whatever the file system says, and no warning */
	int c1, c2;
	CHECK(c1 = open("c1", O_CREAT | O_RDWR | O_TRUNC, 0600));
	CHECK(write(c1, "clone me", 8));
	CHECK(c2 = open("c2", O_CREAT | O_RDWR | O_TRUNC, 0600));
	CHECK(ioctl(c2, FICLONE, c1));
	CHECK(ioctl(c2, FICLONE, 999));
	struct file_clone_range cr = {.src_fd = c1, .src_length = 4096};
	CHECK(ioctl(c2, FICLONERANGE, &cr));
	cr.src_fd = 999;
	CHECK(ioctl(c2, FICLONERANGE, &cr));
	CHECK(ioctl(c2, FICLONERANGE, (void *)8));
	/* filefrag's and cp's FIEMAP: the number of extents (their places differ) */
	struct fiemap fm = {.fm_length = ~0ull, .fm_flags = 1 /* SYNC */};
	memset(fm.fm_extents, 0xaa, sizeof fm.fm_extents);
	CHECK(fsync(c1));
	CHECK(ioctl(c1, FS_IOC_FIEMAP, &fm));
	int untouched = 1; /* asked how many (count 0): no extent is written */
	for (size_t i = 0; i < sizeof fm.fm_extents / sizeof *fm.fm_extents; i++)
		untouched &= fm.fm_extents[i] == 0xaaaaaaaaaaaaaaaaull;
	printf("FIEMAP extents: %u, none written: %d\n", fm.fm_mapped_extents, untouched);
	fm.fm_extent_count = 4;
	CHECK(ioctl(c1, FS_IOC_FIEMAP, &fm));
	printf("FIEMAP extents: %u, last flag set: %d\n", fm.fm_mapped_extents,
	       fm.fm_mapped_extents ? (int)(fm.fm_extents[7 * (fm.fm_mapped_extents - 1) + 5] & 1) : -1);
	CHECK(ioctl(c1, FS_IOC_FIEMAP, (void *)8));
	CHECK(close(c1));
	CHECK(close(c2));
	CHECK(unlink("c1"));
	CHECK(unlink("c2"));
	CHECK(chmod("log", 0644));
	CHECK(stat("log", &st));
	printf("log mode=%o\n", st.st_mode & 0777);
	list(".");
	list("sub");
	CHECK(chdir("sub"));
	CHECK(getcwd(buf, sizeof buf) != NULL);
	printf("cwd ends with /sub: %d\n", strlen(buf) >= 4 && !strcmp(buf + strlen(buf) - 4, "/sub"));
	CHECK(fd = open("..", O_RDONLY | O_DIRECTORY));
	CHECK(fstatat(fd, "log", &st, 0));
	CHECK(openat(fd, "sub/b.txt", O_RDONLY) >= 0);
	CHECK(fchdir(fd));
	CHECK(close(fd));
	CHECK(unlink("link"));
	CHECK(unlink("sub/b.txt"));
	CHECK(unlink("sub/b.txt"));
	CHECK(rmdir("sub"));
	CHECK(rmdir("sub/inner"));
	CHECK(rmdir("sub"));
	CHECK(unlink("log"));
	CHECK(rmdir("."));
	list(".");
	CHECK(getcwd(buf, 1) != NULL);
	CHECK(isatty(1));
	CHECK(umask(077));
	CHECK(umask(022));
	return 0;
}
