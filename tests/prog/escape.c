/* Run with --root DIR: every way out of DIR must fail or stay inside. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void try_open(const char *path)
{
	int fd = open(path, O_RDONLY);
	char buf[64] = "";
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof buf - 1);
		buf[n > 0 ? n : 0] = 0;
		buf[strcspn(buf, "\n")] = 0;
		close(fd);
		printf("open %-28s -> ok [%s]\n", path, buf);
	} else {
		printf("open %-28s -> %s\n", path, strerror(errno));
	}
}

int main(void)
{
	symlink("/../../../../etc/hostname", "abs-link");
	symlink("../../../../../../etc/hostname", "rel-link");
	symlink("/", "root-link");
	try_open("/secret.txt");
	try_open("../../../../secret.txt");
	try_open("/../../etc/hostname");
	try_open("abs-link");
	try_open("rel-link");
	try_open("root-link/../../etc/hostname");
	try_open("/proc/self/root/etc/hostname");
	try_open("/proc/self/mem");
	try_open("/proc/1/environ");
	try_open("/proc/self/cwd/secret.txt");
	char cwd[256];
	chdir("/../..");
	printf("cwd after chdir(/../..): %s\n", getcwd(cwd, sizeof cwd));
	char link[256];
	ssize_t n = readlink("/proc/self/exe", link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	printf("/proc/self/exe -> %s\n", link);
	struct stat st;
	printf("stat /etc/hostname inside root: %s\n", stat("/etc/hostname", &st) ? strerror(errno) : "exists");
	return 0;
}
