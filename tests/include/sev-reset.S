/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For the test firmwares (sevtest, linuxboot): the reset vector, the
 * firmware GUID table QEMU looks for at the top of an SEV image (as in
 * OVMF's ResetVector) with the SEV-ES reset block, where an AP starts,
 * and the way into 32-bit protected mode.  Both firmwares run one vCPU,
 * so an AP just halts.
 *
 * The includer puts .text16 at 0xffff8000 (CS base 0xffff0000), defines
 * RESET_CS32, the selector of its flat 32-bit code segment, and the
 * labels gdtr (its GDT descriptor, in .text16) and start32.
 */
	.section .reset, "ax"
	.code16
	.globl	reset
reset:
	jmp	start16

	.section .ovmf_table, "a"
	.long	ap_reset
	.word	22
	.byte	0xde, 0x71, 0xf7, 0x00, 0x7e, 0x1a, 0xcb, 0x4f	/* SEV info block */
	.byte	0x89, 0x0e, 0x68, 0xc7, 0x7e, 0x2f, 0xb4, 0x4e
	.word	40
	.byte	0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45	/* table footer */
	.byte	0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d

	.section .text16, "ax"
	.code16
text16:
ap_reset:
	cli
	hlt
	jmp	ap_reset

start16:
	cli
	cld
	lgdtl	%cs:(gdtr - text16 + 0x8000)
	movl	%cr0, %eax
	orl	$1, %eax			/* CR0.PE */
	movl	%eax, %cr0
	ljmpl	$RESET_CS32, $start32
