/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The AP parking code (GHCB spec (56421), "AP Jump Table" and "AP Reset Hold").
 *
 * park.c copies it into the page of the AP jump table: the firmware
 * reserved that page, so neither this kernel nor one it kexecs into
 * overwrites it.  An AP that leaves the kernel (offline, or stopped for
 * kexec) jumps here in long mode, leaves long mode for flat 32-bit code
 * with paging off, and waits in an AP reset hold through the GHCB MSR
 * protocol: with paging off it can reach no shared page, so no GHCB.
 * Once a SIPI ends the hold it enters real mode at the CS:IP in the jump
 * table, as the firmware's reset code does for an AP that never ran:
 * whichever kernel wrote the table last starts it.
 *
 * Entry, 64-bit with interrupts off: %rdi = the page's physical address
 * (below 4 GiB, identity-mapped, private), %esi = this CPU's slot.  The
 * slot reads SEV_ES_PARK_PARKED once the CPU no longer needs the
 * kernel's memory, and SEV_ES_PARK_AWAY again once it has left.
 *
 * Everything here is addressed from the page, never from the kernel:
 * park.c fills in the GDT pointer, the 16-bit segment bases and the
 * table's offset before the first AP comes.
 */
#include <linux/linkage.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/sev-es-msr.h>
#include <asm/sev-park.h>

#define PARK_CS32	0x08
#define PARK_DS32	0x10
#define PARK_CS16	0x18
#define PARK_DS16	0x20

/* Offset of @sym in the page. */
#define PAGE_OFF(sym)	(SEV_ES_PARK_BASE + (sym) - sev_es_park_blob)

#define PARK_TERM_HOLD	(GHCB_MSR_TERM_REQ | SEV_TERM_SET_LINUX << 12 | \
			 GHCB_TERM_AP_HOLD << 16)

/* The offsets park.c relies on. */
.if SEV_ES_PARK_CS16 != SEV_ES_PARK_GDT + 0x18 || SEV_ES_PARK_DS16 != SEV_ES_PARK_GDT + 0x20
.error "sev-park.h: the 16-bit descriptors are not where the GDT has them"
.endif

	.section .rodata, "a"
	.balign	16
SYM_DATA_START(sev_es_park_blob)
	.ascii	SEV_ES_PARK_MAGIC

	.org	sev_es_park_blob + SEV_ES_PARK_GDT_PTR
	.word	park_gdt_end - park_gdt - 1	/* lgdt operand, 64-bit form */
	.quad	0				/* base: filled in */

	.org	sev_es_park_blob + SEV_ES_PARK_TABLE_OFF
	.word	0				/* filled in */

	/* Flat 32-bit code and data; 16-bit ones based at the page. */
	.org	sev_es_park_blob + SEV_ES_PARK_GDT
park_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff		/* PARK_CS32 */
	.quad	0x00cf93000000ffff		/* PARK_DS32 */
	.quad	0x00009b000000ffff		/* PARK_CS16, base filled in */
	.quad	0x000093000000ffff		/* PARK_DS16, base filled in */
park_gdt_end:

	.code64
	.org	sev_es_park_blob + SEV_ES_PARK_ENTRY
	.byte	0xf3, 0x0f, 0x1e, 0xfa		/* endbr64 */
	lgdt	PAGE_OFF(sev_es_park_blob + SEV_ES_PARK_GDT_PTR)(%rdi)
	/* Paging goes off below: no PCIDs, so that CR0.PG may be cleared. */
	movq	%cr4, %rax
	btrq	$X86_CR4_PCIDE_BIT, %rax
	movq	%rax, %cr4
	leaq	PAGE_OFF(park32)(%rdi), %rax
	pushq	$PARK_CS32
	pushq	%rax
	lretq

	.code32
park32:
	/* Compatibility mode: paging off leaves long mode. */
	movl	%cr0, %eax
	btrl	$X86_CR0_PG_BIT, %eax
	movl	%eax, %cr0
	movl	$PARK_DS32, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%edi, %ebp
	movl	$MSR_EFER, %ecx
	rdmsr
	btrl	$_EFER_LME, %eax
	wrmsr
	movb	$SEV_ES_PARK_PARKED, SEV_ES_PARK_SLOTS(%ebp, %esi)

	/* GHCB MSR protocol AP reset hold: GHCBData non-zero once woken. */
park_hold:
	movl	$MSR_AMD64_SEV_ES_GHCB, %ecx
	movl	$GHCB_MSR_AP_RESET_HOLD_REQ, %eax
	xorl	%edx, %edx
	wrmsr
	.byte	0xf3, 0x0f, 0x01, 0xd9		/* VMGEXIT */
	rdmsr
	movl	%eax, %ebx
	andl	$0xfff, %ebx			/* GHCBInfo */
	cmpl	$GHCB_MSR_AP_RESET_HOLD_RESP, %ebx
	jne	park_bad_answer
	shrl	$12, %eax
	orl	%edx, %eax
	jz	park_hold

	movb	$SEV_ES_PARK_AWAY, SEV_ES_PARK_SLOTS(%ebp, %esi)
	ljmpl	$PARK_CS16, $PAGE_OFF(park16)

	/* Asked again and again, should the hypervisor resume us. */
park_bad_answer:
	movl	$MSR_AMD64_SEV_ES_GHCB, %ecx
	movl	$PARK_TERM_HOLD, %eax
	xorl	%edx, %edx
	wrmsr
	.byte	0xf3, 0x0f, 0x01, 0xd9		/* VMGEXIT */
	jmp	park_bad_answer

	.code16
park16:
	movw	$PARK_DS16, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	%cr0, %eax
	andl	$~X86_CR0_PE, %eax
	movl	%eax, %cr0
	/* Real mode; DS still based at the page: the table is far pointer. */
	movw	PAGE_OFF(sev_es_park_blob + SEV_ES_PARK_TABLE_OFF), %bx
	ljmpw	*(%bx)
SYM_DATA_END_LABEL(sev_es_park_blob, SYM_L_GLOBAL, sev_es_park_blob_end)

	.code64
