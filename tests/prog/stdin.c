/* Reading stdin to the end: line count, byte count, checksum. */
#include <stdio.h>

int main(void)
{
	unsigned long lines = 0, bytes = 0, sum = 0;
	int c;
	while ((c = getchar()) != EOF) {
		bytes++;
		sum = sum * 31 + (unsigned char)c;
		lines += c == '\n';
	}
	printf("lines=%lu bytes=%lu sum=%lu\n", lines, bytes, sum);
	return 0;
}
