/* Large stdout: 8 MiB through stdio, then 4 MiB through one write(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	for (int i = 0; i < 200000; i++)
		printf("line %06d: the quick brown fox jumps over\n", i);
	fflush(stdout);
	size_t n = 4u << 20;
	char *b = malloc(n);
	for (size_t i = 0; i < n; i++)
		b[i] = "abcdefghijklmnopqrstuvwxyz\n"[i % 27];
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(1, b + done, n - done);
		if (w <= 0)
			return 1;
		done += w;
	}
	return 0;
}
