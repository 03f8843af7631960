/* Library OS start-up: runs once, at CPL3, before the program's entry. */
#include "libos.h"

/* Filled in by the monitor before the first instruction. */
__attribute__((section(".data"))) struct up_boot_info boot_info;

void libos_main(void)
{
	mem_init();
	time_init();
}
