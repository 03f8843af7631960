/* Guest memory access: every guest pointer the monitor follows passes here. */
#include <errno.h>
#include <string.h>

#include "monitor.h"

void *gmem_ptr(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa < UP_LIBOS_BASE || gpa > vm->mem_size ||
	    len > vm->mem_size - gpa)
		return NULL;
	return vm->mem + gpa;
}

int gmem_str(const struct vm *vm, uint64_t gpa, char *buf, size_t size)
{
	if (gpa < UP_LIBOS_BASE || gpa >= vm->mem_size)
		return -EFAULT;
	size_t avail = vm->mem_size - gpa;
	size_t n = avail < size ? avail : size;
	const char *s = (const char *)vm->mem + gpa;
	const char *nul = memchr(s, 0, n);
	if (!nul)
		return n == size ? -ENAMETOOLONG : -EFAULT;
	memcpy(buf, s, nul - s + 1);
	return 0;
}
