/* The ABI header and the library OS image agree with each other. */
#include <stddef.h>
#include <string.h>

#include "../../include/uniproc/abi.h"
#include "check.h"

extern const unsigned char libos_image[], libos_image_end[];

int main(void)
{
	struct up_libos_header h;
	memcpy(&h, libos_image, sizeof h);
	CHECK(h.magic == UP_LIBOS_MAGIC);
	CHECK(h.abi_version == UP_ABI_VERSION);
	CHECK(h.image_end <= UP_LIBOS_LIMIT);
	CHECK(UP_LIBOS_BASE + (size_t)(libos_image_end - libos_image) <= h.image_end);
	uint64_t lo = UP_LIBOS_BASE, hi = h.image_end;
#define INSIDE(x) ((x) >= lo && (x) < hi)
	CHECK(INSIDE(h.boot_entry) && INSIDE(h.syscall_trap) && INSIDE(h.syscall_call));
	CHECK(INSIDE(h.boot_info) && h.boot_info + sizeof(struct up_boot_info) <= hi);
	CHECK(INSIDE(h.exc_stubs) && h.exc_stubs + 32 * h.exc_stride <= hi);
	CHECK(h.boot_stack > lo && h.boot_stack <= hi && h.boot_stack % 16 == 0);
	CHECK(h.exc_stack == UP_CPU_AREA + 4096); /* vCPU 0's, in the system area */
	CHECK(UP_CPU_AREA + 4096 * UP_CPU_MAX <= UP_LIBOS_BASE);
	CHECK(INSIDE(h.thread0) && h.thread0 % 64 == 0);
	/* Hypercall structs: the layout is the contract; only appends allowed. */
	CHECK(offsetof(struct up_hc_syscall, nr) == 0);
	CHECK(offsetof(struct up_hc_syscall, args) == 8);
	CHECK(offsetof(struct up_hc_syscall, ret) == 56);
	CHECK(offsetof(struct up_fault_frame, rip) == 24);
	CHECK(offsetof(struct up_boot_info, entry) == 8);
	CHECK(offsetof(struct up_boot_info, stack) == 16);
	CHECK(offsetof(struct up_boot_info, trace) == 88);
	CHECK(UP_HC_MMIO_BASE % 4096 == 0 && UP_HC_MAX * 8 <= 4096);
	CHECK(UP_USER_BASE == UP_LIBOS_LIMIT);
	DONE();
}
