/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SEV in the decompressor's 32-bit entry (startup_32), before paging: the
 * C-bit position for the first page tables, a #VC handler for the CPUIDs
 * this code runs, and a check of the C-bit once those tables are live.  The
 * rules are those of the 64-bit code (arch/x86/kernel/sev/): every GHCB MSR
 * protocol response is checked (GHCB spec (56421), "GHCB MSR Protocol"),
 * the C-bit must be plausible and agree with the SEV information response,
 * SEV-SNP is refused, and every refusal is a termination request naming its
 * reason (asm/sev-es-msr.h).
 *
 * Paging is off, so every access is private (APM vol. 2, "SEV Encryption
 * Behavior") and the only state is in registers and in this file's data.
 */
#include <linux/linkage.h>

#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/sev-es-early.h>
#include <asm/trapnr.h>

#define SVM_EXIT_CPUID	0x72

/* The termination request, MSR form, for a reason set and code. */
#define TERM(set, code)	(((code) << 16) | ((set) << 12) | GHCB_MSR_TERM_REQ)

/* Refuse to run, for the reason of set \set, code \code. */
.macro REFUSE set:req, code:req
	movl	$TERM(\set, \code), %eax
	jmp	sev32_terminate
.endm

	.text
	.code32

/*
 * Refuse to run: %eax holds the termination request.  Only SEV-ES has a
 * GHCB MSR to say why; plain SEV can only stop.
 */
SYM_CODE_START_LOCAL(sev32_terminate)
	movl	%eax, %esi
	movl	$MSR_AMD64_SEV, %ecx
	rdmsr
	btl	$MSR_AMD64_SEV_ES_ENABLED_BIT, %eax
	jnc	1f
	movl	%esi, %eax
	xorl	%edx, %edx
	movl	$MSR_AMD64_SEV_ES_GHCB, %ecx
	/* A hypervisor that resumes the guest is asked again, forever. */
2:	wrmsr
	rep; vmmcall
	jmp	2b
1:	hlt
	jmp	1b
SYM_CODE_END(sev32_terminate)

/*
 * One MSR protocol exchange: request in %edx:%eax, response in %edx:%eax.
 * The GHCB MSR is left as it was found.  Clobbers %ecx.
 */
SYM_FUNC_START_LOCAL(sev32_msr_call)
	pushl	%esi
	pushl	%edi
	movl	%eax, %esi
	movl	%edx, %edi
	movl	$MSR_AMD64_SEV_ES_GHCB, %ecx
	rdmsr
	pushl	%edx
	pushl	%eax
	movl	%esi, %eax
	movl	%edi, %edx
	wrmsr
	rep; vmmcall
	rdmsr
	movl	%eax, %esi
	movl	%edx, %edi
	popl	%eax
	popl	%edx
	wrmsr
	movl	%esi, %eax
	movl	%edi, %edx
	popl	%edi
	popl	%esi
	RET
SYM_FUNC_END(sev32_msr_call)

/*
 * CPUID through the MSR protocol: register number in %eax (0 EAX .. 3 EDX),
 * function in %edx; the value comes back in %edx.  The response must have
 * the CPUID response code, zero reserved bits and the register asked for.
 */
SYM_FUNC_START_LOCAL(sev32_cpuid_reg)
	pushl	%ebx
	movl	%eax, %ebx
	shll	$30, %eax
	orl	$GHCB_MSR_CPUID_REQ, %eax
	call	sev32_msr_call
	movl	%eax, %ecx
	andl	$GHCB_MSR_INFO_MASK, %ecx
	cmpl	$GHCB_MSR_CPUID_RESP, %ecx
	jne	1f
	testl	$0x3ffff000, %eax
	jnz	1f
	shrl	$30, %eax
	cmpl	%ebx, %eax
	jne	1f
	popl	%ebx
	RET
1:	REFUSE	SEV_TERM_SET_LINUX, GHCB_TERM_CPUID_RESPONSE
SYM_FUNC_END(sev32_cpuid_reg)

/*
 * #VC: CPUID only, and only if the instruction at EIP is CPUID.  Leaves
 * indexed by ECX cannot be asked for with a sub-leaf other than 0, and an
 * answer that denies SEV-ES (which the #VC proves) is a lie.
 *
 * Stack: EDX ECX EBX EAX, error code, EIP, CS, EFLAGS.
 */
SYM_CODE_START_LOCAL(startup32_vc_handler)
	pushl	%eax
	pushl	%ebx
	pushl	%ecx
	pushl	%edx

	cmpl	$SVM_EXIT_CPUID, 16(%esp)
	jne	.Lvc_unexpected
	movl	20(%esp), %ebx
	cmpw	$0xa20f, (%ebx)
	jne	.Lvc_mismatch

	movl	12(%esp), %ebx			/* CPUID function */
	cmpl	$0, 4(%esp)
	je	2f
	call	1f				/* %eax = address of the table */
	.long	0x4, 0x7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18
	.long	0x1d, 0x1f, 0x20, 0x8000001d, 0x80000020, 0
1:	popl	%eax
3:	cmpl	$0, (%eax)
	je	2f
	cmpl	%ebx, (%eax)
	je	.Lvc_unexpected
	addl	$4, %eax
	jmp	3b

2:	movl	$0, %eax			/* EAX */
	movl	%ebx, %edx
	call	sev32_cpuid_reg
	movl	%edx, 12(%esp)
	movl	$1, %eax			/* EBX */
	movl	%ebx, %edx
	call	sev32_cpuid_reg
	movl	%edx, 8(%esp)
	movl	$2, %eax			/* ECX */
	movl	%ebx, %edx
	call	sev32_cpuid_reg
	movl	%edx, 4(%esp)
	movl	$3, %eax			/* EDX */
	movl	%ebx, %edx
	call	sev32_cpuid_reg
	movl	%edx, 0(%esp)

	/* Fn8000_001F_EAX bit 1 SEV, bit 3 SEV-ES (APM vol. 2). */
	cmpl	$0x80000000, %ebx
	jne	4f
	cmpl	$0x8000001f, 12(%esp)
	jb	.Lvc_no_sev
4:	cmpl	$0x8000001f, %ebx
	jne	5f
	movl	12(%esp), %eax
	andl	$0xa, %eax
	cmpl	$0xa, %eax
	jne	.Lvc_no_sev

5:	popl	%edx
	popl	%ecx
	popl	%ebx
	popl	%eax
	addl	$4, %esp			/* error code */
	addl	$2, (%esp)			/* past CPUID */
	iret

.Lvc_unexpected:
	REFUSE	SEV_TERM_SET_LINUX, GHCB_TERM_VC_UNEXPECTED
.Lvc_mismatch:
	REFUSE	SEV_TERM_SET_LINUX, GHCB_TERM_VC_MISMATCH
.Lvc_no_sev:
	REFUSE	SEV_TERM_SET_LINUX, GHCB_TERM_CPUID_NO_SEV
SYM_CODE_END(startup32_vc_handler)

/* An IDT with the #VC handler, before anything can raise #VC. */
SYM_FUNC_START(startup32_load_idt)
	pushl	%ebx
	call	1f
1:	popl	%ebx

	/* 32-bit interrupt gate, present, DPL 0, __KERNEL32_CS. */
	leal	(startup32_vc_handler - 1b)(%ebx), %eax
	leal	(boot32_idt + X86_TRAP_VC * 8 - 1b)(%ebx), %ecx
	movl	%eax, %edx
	andl	$0x0000ffff, %edx
	orl	$(__KERNEL32_CS << 16), %edx
	movl	%edx, 0(%ecx)
	andl	$0xffff0000, %eax
	orl	$0x00008e00, %eax
	movl	%eax, 4(%ecx)

	leal	(boot32_idt_desc - 1b)(%ebx), %ecx
	leal	(boot32_idt - 1b)(%ebx), %eax
	movl	%eax, 2(%ecx)
	lidt	(%ecx)
	popl	%ebx
	RET
SYM_FUNC_END(startup32_load_idt)

/*
 * The C-bit position for startup_32's page tables, or 0 if this is not
 * an SEV guest.  For SEV-ES the protocol is negotiated first, and the
 * position in the SEV information response must match CPUID's.
 */
SYM_FUNC_START(get_sev_encryption_bit)
	pushl	%ebx
	pushl	%esi
	pushl	%edi

	movl	$0x80000000, %eax
	xorl	%ecx, %ecx
	cpuid
	cmpl	$0x8000001f, %eax
	jb	.Lno_sev
	movl	$0x8000001f, %eax
	xorl	%ecx, %ecx
	cpuid
	btl	$1, %eax
	jnc	.Lno_sev

	movl	$MSR_AMD64_SEV, %ecx
	rdmsr
	btl	$MSR_AMD64_SEV_ENABLED_BIT, %eax
	jnc	.Lno_sev
	btl	$MSR_AMD64_SEV_SNP_ENABLED_BIT, %eax
	jc	.Lrefuse_snp
	movl	$-1, %edi			/* no SEV information */
	btl	$MSR_AMD64_SEV_ES_ENABLED_BIT, %eax
	jnc	1f

	/* SEV information: [63:48] max, [47:32] min, [31:24] C-bit, [23:12] 0 */
	movl	$GHCB_MSR_SEV_INFO_REQ, %eax
	xorl	%edx, %edx
	call	sev32_msr_call
	movl	%eax, %ecx
	andl	$GHCB_MSR_INFO_MASK, %ecx
	cmpl	$GHCB_MSR_SEV_INFO_RESP, %ecx
	jne	.Lbad_info
	testl	$0x00fff000, %eax
	jnz	.Lbad_info
	movl	%edx, %ecx
	shrl	$16, %ecx			/* max */
	movzwl	%dx, %edx			/* min */
	cmpl	%ecx, %edx
	ja	.Lbad_version
	cmpl	$GHCB_PROTOCOL_MIN, %ecx
	jb	.Lbad_version
	cmpl	$GHCB_PROTOCOL_MAX, %edx
	ja	.Lbad_version
	shrl	$24, %eax
	movl	%eax, %edi

1:	movl	$0x8000001f, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	%ebx, %eax
	andl	$0x3f, %eax
	cmpl	$-1, %edi
	je	2f
	cmpl	%edi, %eax
	jne	.Lcbit_mismatch
2:	cmpl	$SEV_CBIT_MIN, %eax
	jb	.Lcbit_range
	cmpl	$SEV_CBIT_MAX, %eax
	ja	.Lcbit_range
	jmp	.Lsev_exit

.Lno_sev:
	xorl	%eax, %eax
.Lsev_exit:
	popl	%edi
	popl	%esi
	popl	%ebx
	RET

.Lrefuse_snp:
	REFUSE	SEV_TERM_SET_GEN, GHCB_SNP_UNSUPPORTED
.Lbad_info:
	REFUSE	SEV_TERM_SET_LINUX, GHCB_TERM_MSR_RESPONSE
.Lbad_version:
	REFUSE	SEV_TERM_SET_GEN, GHCB_SEV_ES_PROT_UNSUPPORTED
.Lcbit_mismatch:
	REFUSE	SEV_TERM_SET_LINUX, GHCB_TERM_CBIT_MISMATCH
.Lcbit_range:
	REFUSE	SEV_TERM_SET_LINUX, GHCB_TERM_CBIT_RANGE
SYM_FUNC_END(get_sev_encryption_bit)

/*
 * Check the C-bit startup_32 built its page tables with (%cr3 holds them,
 * EFER.LME is set).  With paging off every access is private: a random
 * value stored now is encrypted in memory.  With paging on, through the
 * new tables, it reads back only if their C-bit is the one that decrypts.
 * A mismatch is a termination request.
 *
 * Weaker than the 64-bit probe: a candidate that is a reserved bit faults
 * here, and with no usable IDT that ends in a shutdown rather than a
 * reason.  get_sev_encryption_bit() has already refused every position
 * outside bits 32..51.
 */
SYM_FUNC_START(startup32_check_sev_cbit)
	pushl	%ebx
	pushl	%esi
	pushl	%ebp

	call	0f
0:	popl	%ebp

	cmpl	$0, (sev_status - 0b)(%ebp)
	je	4f

	/*
	 * Two words from RDRAND, which the hypervisor cannot predict.  It
	 * answers CPUID and can hide RDRAND: without it, refuse to run.
	 */
	movl	$1, %eax
	xorl	%ecx, %ecx
	cpuid
	btl	$30, %ecx
	jnc	.Lno_rdrand
	movl	$16, %esi
1:	rdrand	%eax
	jc	2f
	decl	%esi
	jnz	1b
	jmp	.Lno_rdrand
2:	movl	$16, %esi
3:	rdrand	%ebx
	jc	5f
	decl	%esi
	jnz	3b
	jmp	.Lno_rdrand

5:	leal	(sev_check_data - 0b)(%ebp), %esi
	movl	%eax, 0(%esi)
	movl	%ebx, 4(%esi)

	movl	%cr0, %edx
	movl	$(X86_CR0_PG | X86_CR0_PE), %ecx
	movl	%ecx, %cr0
	cmpl	%eax, 0(%esi)
	jne	6f
	cmpl	%ebx, 4(%esi)
	jne	6f
	movl	%edx, %cr0

4:	popl	%ebp
	popl	%esi
	popl	%ebx
	RET

6:	REFUSE	SEV_TERM_SET_LINUX, GHCB_TERM_CBIT_PROBE
.Lno_rdrand:
	REFUSE	SEV_TERM_SET_LINUX, GHCB_TERM_NO_RDRAND
SYM_FUNC_END(startup32_check_sev_cbit)

	.data

	.balign	8
SYM_DATA(sme_me_mask,		.quad 0)
SYM_DATA(sev_status,		.quad 0)
SYM_DATA_LOCAL(sev_check_data,	.quad 0)

SYM_DATA_START_LOCAL(boot32_idt)
	.rept	32
	.quad	0
	.endr
SYM_DATA_END(boot32_idt)

SYM_DATA_START_LOCAL(boot32_idt_desc)
	.word	. - boot32_idt - 1
	.long	0
SYM_DATA_END(boot32_idt_desc)
