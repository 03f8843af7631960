/* Heavy allocation: many sizes, realloc, and one 64 MiB block. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(void)
{
	enum { N = 4096 };
	static unsigned char *p[N];
	static size_t sz[N];
	uint64_t sum = 0;
	for (int round = 0; round < 12; round++) {
		for (int i = 0; i < N; i++) {
			size_t s = next() % (next() % 8 == 0 ? 300000 : 600);
			if (p[i]) {
				for (size_t j = 0; j < sz[i]; j++)
					sum += p[i][j] ^ (unsigned char)(i + j);
				if (next() % 2) {
					free(p[i]);
					p[i] = NULL;
					continue;
				}
				p[i] = realloc(p[i], s + 1);
			} else {
				p[i] = malloc(s + 1);
			}
			if (!p[i])
				return 1;
			sz[i] = s + 1;
			memset(p[i], (int)i, sz[i]);
			for (size_t j = 0; j < sz[i]; j++)
				p[i][j] = (unsigned char)(i + j);
		}
	}
	for (int i = 0; i < N; i++)
		free(p[i]);
	size_t big = 64u << 20;
	unsigned char *b = malloc(big);
	if (!b)
		return 2;
	for (size_t i = 0; i < big; i += 4096)
		b[i] = (unsigned char)i;
	uint64_t bs = 0;
	for (size_t i = 0; i < big; i += 4096)
		bs += b[i];
	b = realloc(b, big * 2);
	printf("realloc to 128 MiB: %s, kept data: %d\n", b ? "ok" : "failed", b && b[4096 * 3] == (unsigned char)(4096 * 3));
	free(b);
	unsigned char *z = calloc(1, 1 << 20);
	int zero = 1;
	for (int i = 0; i < 1 << 20; i++)
		zero &= z[i] == 0;
	printf("checksum %llu big %llu calloc zero %d\n", (unsigned long long)sum,
	       (unsigned long long)bs, zero);
	return 0;
}
