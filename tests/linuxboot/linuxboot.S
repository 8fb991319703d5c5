/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * linuxboot: firmware that starts a bzImage through the 32-bit boot
 * protocol (Documentation/x86/boot.rst), so that the decompressor's own
 * SEV-ES code runs: startup_32's, then startup_64's, which OVMF's EFI
 * stub path skips.  The test loads the protected-mode kernel at 1 MiB,
 * boot_params at BOOT_PARAMS and the initrd with -device loader.  That
 * is not launch data: it sits in DRAM as QEMU wrote it, shared, and reads
 * as noise through C=1.  So, as firmware does with what the host hands
 * over, this copies each page through a C=0 view into a private bounce
 * page and back to where it was, now private; then it turns paging off
 * again and enters the kernel.  One vCPU.
 *
 * The C-bit is the one the test's sev-guest object sets (51), not the
 * hypervisor's word for it: the hostile cases lie about it from reset,
 * and the kernel, not this loader, must catch them.
 */
#define BOOT_CS		0x10
#define BOOT_DS		0x18
#define BOOT_PARAMS	0x7000
#define KERNEL_PA	0x100000
#define CBIT_HIGH	(1 << (51 - 32))	/* in a PAE entry's high dword */
#define PDPT_PA		0x80000
#define PD_PRIV_PA	0x81000			/* VA 0-1 GiB: PA 0-1 GiB, C=1 */
#define PD_ALIAS_PA	0x82000			/* VA 2-3 GiB: PA 0-1 GiB, C=0 */
#define PD_TOP_PA	0x83000			/* VA 3-4 GiB: identity, C=0 */
#define BOUNCE_PA	0x84000
#define ALIAS_VA	0x80000000
#define HDR_SYSSIZE	0x1f4			/* 16-byte units */
#define HDR_RAMDISK	0x218			/* image, then size */
#define PARAMS_PAGES	3			/* boot_params, command line */

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
	movl	$BOOT_PARAMS, %esp		/* boot_params must survive */
	cld

	/* PAE page tables, written with paging off: private. */
	movl	$PDPT_PA, %edi
	xorl	%eax, %eax
	movl	$(4 * 4096 / 4), %ecx
	rep stosl
	movl	$(PD_PRIV_PA | 1), PDPT_PA
	movl	$(PD_ALIAS_PA | 1), PDPT_PA + 16
	movl	$(PD_TOP_PA | 1), PDPT_PA + 24
	xorl	%ebx, %ebx
1:	movl	%ebx, %eax
	shll	$21, %eax
	orl	$0x83, %eax			/* P, RW, PS */
	movl	%eax, PD_PRIV_PA(, %ebx, 8)
	movl	$CBIT_HIGH, PD_PRIV_PA + 4(, %ebx, 8)
	movl	%eax, PD_ALIAS_PA(, %ebx, 8)
	addl	$0xc0000000, %eax
	movl	%eax, PD_TOP_PA(, %ebx, 8)
	incl	%ebx
	cmpl	$512, %ebx
	jb	1b
	movl	%cr4, %eax
	orl	$0x20, %eax			/* CR4.PAE */
	movl	%eax, %cr4
	movl	$PDPT_PA, %eax
	movl	%eax, %cr3

	/* boot_params first: the rest is found there. */
	movl	$BOOT_PARAMS, %esi
	movl	$PARAMS_PAGES, %ecx
	call	make_private
	movl	$KERNEL_PA, %esi
	movl	BOOT_PARAMS + HDR_SYSSIZE, %ecx
	addl	$255, %ecx
	shrl	$8, %ecx			/* 16-byte units to pages */
	call	make_private
	movl	BOOT_PARAMS + HDR_RAMDISK, %esi
	movl	BOOT_PARAMS + HDR_RAMDISK + 4, %ecx
	addl	$4095, %ecx
	shrl	$12, %ecx
	call	make_private

	movl	%cr4, %eax
	andl	$~0x20, %eax
	movl	%eax, %cr4
	movl	$BOOT_PARAMS, %esi
	xorl	%ebp, %ebp
	xorl	%edi, %edi
	xorl	%ebx, %ebx
	movl	$KERNEL_PA, %eax
	jmp	*%eax

/*
 * make_private: %ecx pages from PA %esi (page aligned, below 1 GiB) are
 * read through the C=0 alias into the bounce page, then written back
 * through C=1.  Paging is on only meanwhile.
 */
make_private:
	testl	%ecx, %ecx
	jz	2f
	movl	%cr0, %eax
	orl	$0x80000000, %eax		/* CR0.PG */
	movl	%eax, %cr0
	movl	%ecx, %edx
1:	pushl	%esi
	addl	$ALIAS_VA, %esi
	movl	$BOUNCE_PA, %edi
	movl	$1024, %ecx
	rep movsl
	popl	%edi
	movl	$BOUNCE_PA, %esi
	movl	$1024, %ecx
	rep movsl
	movl	%edi, %esi
	decl	%edx
	jnz	1b
	movl	%cr0, %eax
	andl	$~0x80000000, %eax
	movl	%eax, %cr0
2:	ret
