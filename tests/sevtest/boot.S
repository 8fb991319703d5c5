/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sevtest entry: reset vector, real mode -> protected mode -> long mode,
 * and the exception entry stubs.  Paging is off until the page tables
 * are built, so every access before that is private (APM 15.34.5).
 */
#include "sevtest.h"

#define RESET_CS32	SEL_CODE32
#include "../include/sev-reset.S"

	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff		/* SEL_CODE32 */
	.quad	0x00cf92000000ffff		/* SEL_DATA */
	.quad	0x00af9a000000ffff		/* SEL_CODE64 */
gdt_end:
gdtr:
	.word	gdt_end - gdt - 1
	.long	gdt

	.code32
start32:
	movl	$SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs

	/*
	 * The C-bit position: CPUID 0x8000001F EBX[5:0], asked through the
	 * GHCB MSR protocol since there is no GHCB yet.  Anything but a
	 * CPUID response for EBX, or a position the page tables below
	 * cannot hold, stops here.
	 */
	movl	$MSR_GHCB, %ecx
	movl	$((1 << 30) | GHCB_CPUID_REQ), %eax
	movl	$0x8000001f, %edx
	wrmsr
	VMGEXIT
	rdmsr
	cmpl	$((1 << 30) | GHCB_CPUID_RESP), %eax
	jne	die32
	movl	%edx, %esi
	andl	$0x3f, %esi
	cmpl	$32, %esi
	jb	die32
	cmpl	$51, %esi
	ja	die32
	movl	%esi, %ecx
	subl	$32, %ecx
	movl	$1, %ebp
	shll	%cl, %ebp			/* C-bit, high dword of a PTE */

	/* Page tables, written with paging off: private. */
	movl	$PML4_PA, %edi
	xorl	%eax, %eax
	movl	$(7 * 4096 / 4), %ecx
	rep stosl
	movl	$(PDPT_PA | 3), PML4_PA
	movl	$(PD_PA | 3), PDPT_PA
	movl	$(PD_PA + 0x1000 | 3), PDPT_PA + 8
	movl	$(PD_PA + 0x2000 | 3), PDPT_PA + 16
	movl	$(PD_PA + 0x3000 | 3), PDPT_PA + 24
	movl	$(PD_ALIAS_PA | 3), PDPT_PA + (SHARED_ALIAS >> 30) * 8

	xorl	%ebx, %ebx			/* 2 MiB page number, 0-4 GiB */
1:	movl	%ebx, %eax
	shll	$21, %eax
	orl	$0x83, %eax			/* P, RW, PS */
	movl	%eax, PD_PA(, %ebx, 8)
	movl	%ebp, %edx
	cmpl	$(PRIVATE_GIBS * 512), %ebx
	jb	2f
	cmpl	$2047, %ebx			/* the firmware is RAM too */
	je	2f
	xorl	%edx, %edx
2:	movl	%edx, PD_PA + 4(, %ebx, 8)
	incl	%ebx
	cmpl	$2048, %ebx
	jb	1b

	xorl	%ebx, %ebx			/* the shared alias of 0-1 GiB */
3:	movl	%ebx, %eax
	shll	$21, %eax
	orl	$0x83, %eax
	movl	%eax, PD_ALIAS_PA(, %ebx, 8)
	incl	%ebx
	cmpl	$511, %ebx
	jb	3b
	/* ... whose last 2 MiB show the firmware's instead */
	movl	$(FIRMWARE_2M | 0x83), PD_ALIAS_PA + 511 * 8

	movl	%cr4, %eax
	orl	$0x20, %eax			/* CR4.PAE */
	movl	%eax, %cr4
	movl	$PML4_PA, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$0x100, %eax			/* EFER.LME */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax		/* CR0.PG */
	movl	%eax, %cr0
	ljmpl	$SEL_CODE64, $start64

die32:
	hlt
	jmp	die32

	.text
	.code64
start64:
	movq	$STACK_TOP, %rsp
	movq	$__bss_start, %rdi
	movq	$__bss_end, %rcx
	subq	%rdi, %rcx
	xorl	%eax, %eax
	rep stosb
	movl	%esi, %edi
	call	sevtest_main
4:	hlt
	jmp	4b

/*
 * Exception entry: one 16-byte stub per vector 0-31, each pushing a
 * zero error code where the CPU pushes none, then the vector.
 */
	.balign	16
	.globl	vectors
vectors:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
		   16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.balign	16
	.if !(\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \
	      \n == 29 || \n == 30)
	pushq	$0
	.endif
	pushq	$\n
	jmp	trap_entry
	.endr

trap_entry:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	cld
	call	trap
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp
	iretq

	.section .note.GNU-stack, "", @progbits
