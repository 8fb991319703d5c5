/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpuid32: a static 32-bit program without libc.  It executes CPUID leaf
 * 0x8000001F in compatibility mode, which an SEV-ES guest kernel handles
 * as a user-space #VC, prints
 *	cpuid32 0x8000001f: eax=0x........ ebx=0x........
 * with int $0x80 write() and exits 0.  It runs only where the kernel
 * executes 32-bit programs (IA32_EMULATION).
 */
	.code32
	.text
	.globl	_start
_start:
	movl	$0x8000001f, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	%ebx, %esi
	movl	$eax_hex, %edi
	call	hex8
	movl	%esi, %eax
	movl	$ebx_hex, %edi
	call	hex8

	movl	$4, %eax		/* write(1, msg, msg_len) */
	movl	$1, %ebx
	movl	$msg, %ecx
	movl	$msg_len, %edx
	int	$0x80
	movl	$1, %eax		/* exit(0) */
	xorl	%ebx, %ebx
	int	$0x80

/* hex8: EAX as 8 hex digits at EDI. */
hex8:
	movl	$8, %ecx
1:	roll	$4, %eax
	movl	%eax, %edx
	andl	$0xf, %edx
	movb	digits(%edx), %dl
	movb	%dl, (%edi)
	incl	%edi
	decl	%ecx
	jnz	1b
	ret

	.data
digits:	.ascii	"0123456789abcdef"
msg:	.ascii	"cpuid32 0x8000001f: eax=0x"
eax_hex: .ascii	"00000000"
	.ascii	" ebx=0x"
ebx_hex: .ascii	"00000000"
	.ascii	"\n"
	.set	msg_len, . - msg
	.section .note.GNU-stack, "", @progbits
