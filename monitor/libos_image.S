/* The library OS image (guest/libos.bin), carried inside the monitor. */
	.section .rodata
	.balign 4096
	.globl libos_image, libos_image_end
libos_image:
	.incbin LIBOS_BIN
libos_image_end:
	.section .note.GNU-stack, "", @progbits
