/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * linuxboot: firmware that starts a bzImage through the 32-bit boot
 * protocol (Documentation/x86/boot.rst), so that the decompressor's own
 * SEV-ES code runs: startup_32's, then startup_64's, which OVMF's EFI
 * stub path skips.  The test loads the protected-mode kernel at 1 MiB
 * and boot_params at BOOT_PARAMS with -device loader; under SEV they are
 * launch data, private like this image.  One vCPU.
 */
#define BOOT_CS		0x10
#define BOOT_DS		0x18
#define BOOT_PARAMS	0x7000
#define KERNEL_PA	0x100000

#define RESET_CS32	BOOT_CS
#include "../include/sev-reset.S"

	.balign	8
gdt:
	.quad	0
	.quad	0
	.quad	0x00cf9a000000ffff		/* BOOT_CS: flat 32-bit code */
	.quad	0x00cf92000000ffff		/* BOOT_DS: flat data */
gdt_end:
gdtr:
	.word	gdt_end - gdt - 1
	.long	gdt

	.code32
start32:
	movl	$BOOT_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	$BOOT_PARAMS, %esi
	movl	$BOOT_PARAMS, %esp		/* boot_params must survive */
	xorl	%ebp, %ebp
	xorl	%edi, %edi
	xorl	%ebx, %ebx
	movl	$KERNEL_PA, %eax
	jmp	*%eax
