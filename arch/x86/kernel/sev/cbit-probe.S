/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The accesses of the C-bit probe (see cbit.c), on the probe's own page
 * tables.  Those map four pages: this code, the test page twice (once with
 * the candidate C-bit, once without) and a scratch page without it; and the
 * test page is also a page table, for the other half of this 2 MiB region.
 * APM vol. 2, "SEV Encryption Behavior": instruction fetches and
 * page-table walks are private whatever the C-bit says, so the code runs
 * however wrong the candidate is; data accesses follow the C-bit.
 * Descriptor-table reads and the exception frame are data accesses too, so
 * the GDT, IDT and stack used while the probe's tables are live sit in the
 * scratch page and are written through its C-bit-clear mapping: plaintext,
 * whatever the C-bit.
 *
 * Any exception (a reserved-bit #PF from a bad candidate, a #VC because it
 * points at MMIO) ends the probe: 1 is returned for one before the
 * page-table walk through the test page, 2 for one in it.  Interrupts are
 * off.
 *
 * The routine is well under 1 KiB and 1 KiB aligned, so it lies in one
 * page.  It uses no absolute address: it runs before the kernel is
 * relocated.
 *
 * int sev_cbit_probe_run(struct sev_cbit_probe_io *io)
 */
#include <linux/linkage.h>
#include <asm/processor-flags.h>

#define IO_CR3		0
#define IO_VA_PRIVATE	8
#define IO_VA_SHARED	16
#define IO_VA_SCRATCH	24
#define IO_PATTERN	32
#define IO_BEFORE	40
#define IO_READBACK	48
#define IO_AFTER	56
#define IO_WALK_PTE	64
#define IO_WALKED	72

/* Scratch page layout. */
#define S_GDT		0x000		/* null, 64-bit code, data */
#define S_GDTR		0x020
#define S_IDTR		0x030
#define S_IDT		0x100		/* 32 gates, 16 bytes each */
#define S_STACK		0x1000

#define PROBE_CS	0x08
#define GATE_INTR	0x8e00		/* present, DPL 0, 64-bit interrupt gate */

	.text
	.balign 1024
SYM_FUNC_START(sev_cbit_probe_run)
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushfq
	cli
	pushq	%rdi
	subq	$32, %rsp
	sgdt	0(%rsp)
	sidt	16(%rsp)
	movq	%rsp, %rbp
	movq	%cr3, %r12
	movq	%cr4, %r13
	movl	%cs, %r14d

	movq	IO_VA_PRIVATE(%rdi), %r9
	movq	IO_VA_SHARED(%rdi), %r10
	movq	IO_VA_SCRATCH(%rdi), %r11
	movq	IO_PATTERN(%rdi), %r15
	movq	IO_WALK_PTE(%rdi), %r8

	/* No global TLB entries may survive into the probe. */
	movq	%r13, %rax
	andq	$~X86_CR4_PGE, %rax
	movq	%rax, %cr4
	movq	IO_CR3(%rdi), %rax
	movq	%rax, %cr3

	/* GDT: null, 64-bit code, flat data. */
	movq	$0, S_GDT(%r11)
	movabsq	$0x00af9b000000ffff, %rax
	movq	%rax, S_GDT + 8(%r11)
	movabsq	$0x00cf93000000ffff, %rax
	movq	%rax, S_GDT + 16(%r11)
	movw	$23, S_GDTR(%r11)
	movq	%r11, S_GDTR + 2(%r11)

	/* IDT: every exception vector to .Lfaulted. */
	leaq	.Lfaulted(%rip), %rax
	movq	%rax, %rdx
	andl	$0xffff, %eax
	orl	$(PROBE_CS << 16), %eax
	movq	%rdx, %rcx
	shrq	$16, %rcx
	shlq	$48, %rcx
	orq	%rcx, %rax
	movabsq	$(GATE_INTR << 32), %rcx
	orq	%rcx, %rax		/* low quadword of the gate */
	shrq	$32, %rdx		/* high quadword */
	leaq	S_IDT(%r11), %rdi
	movl	$32, %ecx
1:	movq	%rax, 0(%rdi)
	movq	%rdx, 8(%rdi)
	addq	$16, %rdi
	decl	%ecx
	jnz	1b
	movw	$(32 * 16 - 1), S_IDTR(%r11)
	leaq	S_IDT(%r11), %rax
	movq	%rax, S_IDTR + 2(%r11)

	lgdt	S_GDTR(%r11)
	lidt	S_IDTR(%r11)
	leaq	S_STACK(%r11), %rsp
	movl	$1, %edi		/* what .Lfaulted returns */

	/*
	 * Each access is flushed from the cache before the page is read
	 * through the other mapping: hardware keeps no coherency between a
	 * page's private and shared views (APM vol. 2, "SEV Encryption
	 * Behavior").
	 */
	movq	(%r10), %rbx		/* shared view, before */
	clflush	(%r10)
	mfence
	movq	%r15, (%r9)		/* write through the candidate */
	clflush	(%r9)
	mfence
	movq	(%r9), %rcx		/* read it back */
	clflush	(%r9)
	mfence
	movq	(%r10), %rdx		/* shared view, after */
	clflush	(%r10)
	mfence

	/*
	 * Page-table walks are private whatever the C-bit: write a PTE for
	 * the scratch page through the candidate into slot k of the test
	 * page (k from the pattern, 1..511), and read the scratch page's
	 * GDT through the test page used as a page table.  Only a write that
	 * the CPU encrypted into the test page gives the walk that PTE.
	 */
	movq	%r15, %rax
	shrq	$8, %rax
	andl	$511, %eax
	jnz	4f
	movl	$1, %eax
4:	movq	%r8, (%r9,%rax,8)
	clflush	(%r9,%rax,8)
	mfence
	shlq	$12, %rax
	movq	%r9, %rsi
	andq	$~0x1fffff, %rsi
	xorq	$0x200000, %rsi
	orq	%rax, %rsi
	invlpg	(%rsi)
	movl	$2, %edi
	movq	S_GDT + 8(%rsi), %rsi	/* the walk */
	xorl	%eax, %eax
	jmp	.Lleave

.Lfaulted:
	movl	%edi, %eax

.Lleave:
	/* Write back what went through the scratch page's shared view. */
	clflush	S_GDT(%r11)
	leaq	S_IDT(%r11), %r8
	movl	$(32 * 16 / 64), %edi
3:	clflush	(%r8)
	addq	$64, %r8
	decl	%edi
	jnz	3b
	clflush	S_STACK - 64(%r11)
	mfence

	movq	%r12, %cr3
	movq	%r13, %cr4
	movq	%rbp, %rsp
	lgdt	0(%rsp)
	lidt	16(%rsp)
	/* The CPU may have loaded CS from the probe's GDT: reload ours. */
	pushq	%r14
	leaq	2f(%rip), %r8
	pushq	%r8
	lretq
2:	addq	$32, %rsp
	popq	%rdi
	movq	%rbx, IO_BEFORE(%rdi)
	movq	%rcx, IO_READBACK(%rdi)
	movq	%rdx, IO_AFTER(%rdi)
	movq	%rsi, IO_WALKED(%rdi)
	popfq
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	RET
SYM_FUNC_END(sev_cbit_probe_run)
