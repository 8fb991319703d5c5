/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parts of a GHCB exit that do not depend on where the guest runs:
 * the request fields, the CPUID exit's inputs and the check of its
 * answer, and IN/OUT decoded from the bytes at RIP.  The decompressor's
 * #VC handler (arch/x86/boot/compressed/sev-es.c) and the runtime's
 * (arch/x86/kernel/sev/) both use them; they differ only in what they do
 * with a refusal.  Inline, for the runtime's noinstr paths.
 */
#ifndef _ASM_X86_SEV_ES_GHCB_H
#define _ASM_X86_SEV_ES_GHCB_H

#include <linux/string.h>
#include <linux/types.h>
#include <asm/fpu/xcr.h>
#include <asm/processor-flags.h>
#include <asm/ptrace.h>
#include <asm/sev.h>
#include <asm/svm.h>

/* Nothing in the page is valid to the hypervisor unless an exit put it there. */
static __always_inline void sev_ghcb_invalidate(struct ghcb *ghcb)
{
	ghcb->save.sw_exit_code = 0;
	memset(ghcb->save.valid_bitmap, 0, sizeof(ghcb->save.valid_bitmap));
}

/* The request fields every exit has, for GHCB protocol @version. */
static __always_inline void sev_ghcb_request(struct ghcb *ghcb,
					     unsigned int version,
					     u64 exit_code, u64 info1,
					     u64 info2)
{
	ghcb->protocol_version = version;
	ghcb->ghcb_usage = GHCB_DEFAULT_USAGE;
	ghcb_set_sw_exit_code(ghcb, exit_code);
	ghcb_set_sw_exit_info_1(ghcb, info1);
	ghcb_set_sw_exit_info_2(ghcb, info2);
}

/*
 * XCR0 as the CPUID exit takes it: the register while CR4.OSXSAVE is
 * set, else 1 (x87 only), since XGETBV would fault.
 */
static __always_inline u64 sev_cpuid_xcr0(unsigned long cr4)
{
	return cr4 & X86_CR4_OSXSAVE ? xgetbv(XCR_XFEATURE_ENABLED_MASK) : 1;
}

/* The CPUID exit's inputs: leaf, sub-leaf and XCR0. */
static __always_inline void sev_ghcb_cpuid_request(struct ghcb *ghcb, u32 leaf,
						   u32 subleaf, u64 xcr0)
{
	ghcb_set_rax(ghcb, leaf);
	ghcb_set_rcx(ghcb, subleaf);
	ghcb_set_xcr0(ghcb, xcr0);
}

/*
 * The CPUID exit's answer into @r (EAX, EBX, ECX, EDX).  Return: false if
 * the hypervisor did not mark all four registers valid.
 */
static __always_inline bool sev_ghcb_cpuid_answer(const struct ghcb *ghcb,
						  u32 r[4])
{
	if (!ghcb_rax_is_valid(ghcb) || !ghcb_rbx_is_valid(ghcb) ||
	    !ghcb_rcx_is_valid(ghcb) || !ghcb_rdx_is_valid(ghcb))
		return false;
	r[0] = lower_32_bits(ghcb->save.rax);
	r[1] = lower_32_bits(ghcb->save.rbx);
	r[2] = lower_32_bits(ghcb->save.rcx);
	r[3] = lower_32_bits(ghcb->save.rdx);
	return true;
}

/* The CPUID answer @r into the registers CPUID writes. */
static __always_inline void sev_cpuid_to_regs(struct pt_regs *regs,
					      const u32 r[4])
{
	regs->ax = r[0];
	regs->bx = r[1];
	regs->cx = r[2];
	regs->dx = r[3];
}

/* An IN or OUT that is not a string instruction. */
struct sev_ioio {
	u16 port;
	/* Operand size in bytes: 1, 2 or 4. */
	unsigned int size;
	bool in;
};

/*
 * IN or OUT with an immediate or DX port, from the @n bytes at RIP: an
 * optional operand-size prefix, then E4-E7 or EC-EF.  Return: the
 * instruction's length, or 0 if the bytes are not such an instruction.
 */
static __always_inline unsigned int sev_ioio_decode(const u8 *b, unsigned int n,
						    u16 dx, struct sev_ioio *io)
{
	unsigned int pfx = n > 1 && b[0] == 0x66;
	u8 op;

	if (n < pfx + 1)
		return 0;
	op = b[pfx];
	if (op >= 0xe4 && op <= 0xe7) {
		if (n < pfx + 2)
			return 0;
		io->port = b[pfx + 1];
	} else if (op >= 0xec && op <= 0xef) {
		io->port = dx;
	} else {
		return 0;
	}
	io->size = !(op & 1) ? 1 : pfx ? 2 : 4;
	io->in = !(op & 2);
	return pfx + (op <= 0xe7 ? 2 : 1);
}

/* exit_info_1 of the IOIO exit for @io (APM vol. 2, "IOIO Intercepts"). */
static __always_inline u64 sev_ioio_info(const struct sev_ioio *io)
{
	return ((u64)io->port << 16) | (io->size << SVM_IOIO_SIZE_SHIFT) |
	       (io->in ? SVM_IOIO_TYPE_MASK : 0);
}

#endif /* _ASM_X86_SEV_ES_GHCB_H */
