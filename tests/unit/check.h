/* Minimal unit-test helpers: CHECK counts, main prints "N checks" on success. */
#include <stdio.h>
#include <stdlib.h>

static int checks, failures;
#define CHECK(cond)                                                         \
	do {                                                                \
		checks++;                                                   \
		if (!(cond)) {                                              \
			failures++;                                         \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, \
				__LINE__, #cond);                           \
		}                                                           \
	} while (0)
#define DONE()                                                          \
	do {                                                            \
		printf("%d checks, %d failed\n", checks, failures);     \
		return failures != 0;                                   \
	} while (0)
