/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For the test firmwares (sevtest, linuxboot): the reset vector, which
 * jumps to start16, and the firmware GUID table QEMU looks for at the top
 * of an SEV image (as in OVMF's ResetVector), with the SEV-ES reset block
 * pointing at ap_reset, where an AP starts.  Both labels are the
 * includer's, in its .text16 section.
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
