/*
 * Library OS entry points. Only the code marked CPL0 runs in ring 0; this
 * host emulates ring-0 code at ~1 us per instruction, so it is kept to a
 * handful of instructions. Everything else runs at CPL3 with the program.
 */
#define __ASSEMBLY__
#include "../include/uniproc/abi.h"

#define STACK_SIZE 65536
#define STUB_POOL_SIZE (256 << 10)

	.section .header, "a"
	.globl libos_header
libos_header:
	.quad UP_LIBOS_MAGIC, UP_ABI_VERSION, _image_end, boot_entry
	.quad libos_stack_top, boot_info, syscall_trap, exc_stubs, 16
	.quad UP_CPU_AREA + 4096, syscall_call, stub_pool, STUB_POOL_SIZE, thread0 + UP_T_SAVED_RSP
	.quad fd_table, thread0 + UP_T_DELIVER, _text_end, mem_view, thread0
	.quad user_copy_insn, user_copy_fault, defer

	.data
	.align 64
	/* The first thread's struct up_thread (abi.h): GS base of vCPU 0. */
	.globl thread0
thread0:
	.quad thread0, 0, 0, thread0 + 32
	/* iretq frame from the CPL0 syscall trap to syscall_entry at CPL3. */
	.quad syscall_entry, UP_SEL_UCODE, 0x3002 /* IOPL=3 */
	.quad libos_stack_top, UP_SEL_UDATA
	.quad libos_stack_top
	.space 512 - 80

	.bss
	.align 4096
	.globl stub_pool
stub_pool:		/* read-only and executable for CPL3: the monitor writes it */
	.space STUB_POOL_SIZE
	.align 16
	.globl libos_stack
libos_stack:
	.space STACK_SIZE
libos_stack_top:

	.text
/*
 * CPL3: long user_copy(void *dst, const void *src, size_t n): 0, or -EFAULT
 * when a page of either faults (the monitor resumes at user_copy_fault, with
 * RSP as it was at the fault: the return address on top).
 */
	.globl user_copy
user_copy:
	mov %rdx, %rcx
user_copy_insn:
	rep movsb
	xor %eax, %eax
	ret
user_copy_fault:
	mov $-14, %rax
	ret

/* CPL0: LSTAR points here. RCX = user RIP, R11 = user RFLAGS. */
	.globl syscall_trap
syscall_trap:
	mov %rsp, %gs:UP_T_SAVED_RSP
	mov %gs:UP_T_IRET_PTR, %rsp
	iretq

/*
 * CPL3, on the library OS stack, from the trap above.
 * Saves what the kernel ABI preserves, calls libos_syscall(frame), and
 * returns to RCX with RFLAGS = R11 and the user's RSP.
 */
	.globl syscall_entry
syscall_entry:
	movq $0, %gs:UP_T_VIA_CALL
	push %r11
	push %rcx
	push %r9
	push %r8
	push %r10
	push %rdx
	push %rsi
	push %rdi
	push %rax
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	lea 48(%rsp), %rdi
	sub $8, %rsp
	call libos_syscall_trap
	add $8, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	add $8, %rsp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %r10
	pop %r8
	pop %r9
	pop %rcx
	pop %r11
	cmpq $0, %gs:UP_T_DELIVER  /* up_sigstate.deliver */
	jne 1f
	push %r11
	popfq
	mov %gs:UP_T_SAVED_RSP, %rsp
	jmp *%rcx
1:	push %r11
	popfq
	mov %gs:UP_T_SAVED_RSP, %rsp
	movabs %eax, UP_HC_MMIO_BASE + 8 * UP_HC_SIGNAL_NR  /* the program's registers, all of them */
	jmp *%rcx

/*
 * CPL3, from a rewritten syscall site: `lea -128(%rsp),%rsp; call
 * syscall_call`. Same contract as the trap, but RCX and R11 are preserved
 * and it returns with `ret`.
 */
	.globl syscall_call
syscall_call:
	mov %rsp, %gs:UP_T_SAVED_RSP
	movq $1, %gs:UP_T_VIA_CALL
	mov %gs:UP_T_STACK_TOP, %rsp
	pushfq
	push %r11
	push %rcx
	push %r9
	push %r8
	push %r10
	push %rdx
	push %rsi
	push %rdi
	push %rax
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	lea 48(%rsp), %rdi
	call libos_syscall
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	add $8, %rsp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %r10
	pop %r8
	pop %r9
	pop %rcx
	pop %r11
	cmpq $0, %gs:UP_T_DELIVER  /* up_sigstate.deliver */
	jne 1f
	cmpq $0, %gs:UP_T_RET_OVERRIDE
	jne 2f
	popfq
	mov %gs:UP_T_SAVED_RSP, %rsp
	ret
2:	popfq		/* the syscall unmapped the stack (musl's __unmapself) */
	mov %gs:UP_T_SAVED_RSP, %rsp
	lea 8(%rsp), %rsp
	jmp *%gs:UP_T_RET_OVERRIDE
1:	popfq
	mov %gs:UP_T_SAVED_RSP, %rsp
	movabs %eax, UP_HC_MMIO_BASE + 8 * UP_HC_SIGNAL_NR
	ret

/* CPL3: make the page-directory stores the monitor queued (abi.h): the
   breakpoint stub knows this int3 by the address after it. */
	.globl mmu_sync
mmu_sync:
	int3
mmu_sync_ret:
	ret

/* CPL3: first instruction. Set up, then enter the program. */
	.globl boot_entry
boot_entry:
	call libos_main
	mov boot_info+16(%rip), %rsp   /* up_boot_info.stack */
	mov boot_info+8(%rip), %rax    /* up_boot_info.entry */
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx  /* no atexit function for _start */
	xor %esi, %esi
	xor %edi, %edi
	xor %ebp, %ebp
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	jmp *%rax

/*
 * CPL0 exception stubs, 16 bytes apart: push a zero error code where the
 * CPU pushes none, push the vector, report to the monitor. Never returns.
 */
.macro exc vec, has_err
	.align 16
	.if \has_err == 0
	push $0
	.endif
	push $\vec
	jmp exc_common
.endm
	.align 16
	.globl exc_stubs
exc_stubs:
	exc 0,0; exc 1,0; exc 2,0
	.align 16
	jmp bp_stub
	exc 4,0; exc 5,0; exc 6,0; exc 7,0
	exc 8,1; exc 9,0; exc 10,1; exc 11,1; exc 12,1; exc 13,1; exc 14,1; exc 15,0
	exc 16,0; exc 17,1; exc 18,0; exc 19,0; exc 20,0; exc 21,1; exc 22,0; exc 23,0
	exc 24,0; exc 25,0; exc 26,0; exc 27,0; exc 28,0; exc 29,1; exc 30,1; exc 31,0
/*
 * CPL0, vector 3. From mmu_sync: make the stores queued in this vCPU's
 * page of UP_CPU_AREA (CPL0 only; its exception stack's page), pairs of address and value ending at address 0, then empty
 * the queue; a guest store, unlike the monitor's, lets KVM drop its shadow
 * of the old entry. It only does what the monitor queued. Any other
 * breakpoint is an exception like the rest.
 */
bp_stub:
	cmpq $mmu_sync_ret, (%rsp)
	jne 3f
	push %rax
	push %rdx
	push %rcx
	mov %rsp, %rcx	/* this vCPU's queue: the start of its stack's page */
	and $~4095, %rcx
1:	mov (%rcx), %rdx
	test %rdx, %rdx
	jz 2f
	mov 8(%rcx), %rax
	mov %rax, (%rdx)
	add $16, %rcx
	jmp 1b
2:	and $~4095, %rcx
	movq $0, (%rcx)
	pop %rcx
	pop %rdx
	pop %rax
	iretq
3:	push $0
	push $3
	jmp exc_common
exc_common:
	push %rdx
	mov $(UP_HC_PORT_BASE + UP_HC_FAULT_NR), %dx
	out %eax, %dx
1:	hlt
	jmp 1b
