/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The GHCB MSR protocol (GHCB specification 56421, section 2.3.1): how
 * requests are encoded and how responses are checked.  Only pure
 * functions live here, so the decompressor, the early kernel and KUnit
 * share them; the code that writes the MSR and exits to the hypervisor is
 * in arch/x86/kernel/sev/early-msr.c.
 *
 * Every response comes from the hypervisor and is untrusted: the decoders
 * check the response code, the reserved bits and every field the guest
 * uses, and say which check failed.
 */
#ifndef _ASM_X86_SEV_ES_MSR_H
#define _ASM_X86_SEV_ES_MSR_H

/* GHCBInfo, bits 11:0 of the GHCB MSR. */
#define SEV_MSR_INFO_MASK		0xfffULL
#define SEV_MSR_SEV_INFO_RESP		0x001
#define SEV_MSR_SEV_INFO_REQ		0x002
#define SEV_MSR_CPUID_REQ		0x004
#define SEV_MSR_CPUID_RESP		0x005
#define SEV_MSR_AP_HOLD_REQ		0x006
#define SEV_MSR_AP_HOLD_RESP		0x007	/* GHCBData non-zero: woken */
#define SEV_MSR_TERM_REQ		0x100

/* The GHCB protocol versions this guest implements. */
#define SEV_ES_PROTOCOL_MIN		1
#define SEV_ES_PROTOCOL_MAX		2

/*
 * Termination reasons (GHCB spec 4.1.13).  Set 0 is the spec's own; set 1
 * is the guest OS's.  The in-tree SNP code uses set 1 codes 0-5, so ours
 * start at 0x10 and say exactly what the guest refused.
 */
#define SEV_TERM_SET_GENERAL		0
#define SEV_TERM_GENERAL		0x00	/* unspecified */
#define SEV_TERM_PROTOCOL		0x01	/* protocol range not supported */
#define SEV_TERM_SNP			0x02	/* SEV-SNP features not supported */

#define SEV_TERM_SET_LINUX		1
#define SEV_TERM_MSR_RESPONSE		0x10	/* malformed MSR protocol response */
#define SEV_TERM_CPUID_RESPONSE		0x11	/* malformed MSR protocol CPUID response */
#define SEV_TERM_CBIT_RANGE		0x12	/* C-bit position cannot be a C-bit */
#define SEV_TERM_CBIT_MISMATCH		0x13	/* SEV information and CPUID disagree */
#define SEV_TERM_CBIT_PROBE		0x14	/* the C-bit does not encrypt memory */
#define SEV_TERM_VC_UNEXPECTED		0x15	/* #VC this stage cannot handle */
#define SEV_TERM_VC_MISMATCH		0x16	/* #VC that does not match the instruction */
#define SEV_TERM_GHCB_RESPONSE		0x17	/* malformed GHCB page response */
#define SEV_TERM_GHCB_SETUP		0x18	/* the GHCB page could not be shared */
#define SEV_TERM_CPUID_NO_SEV		0x19	/* CPUID denies SEV-ES while in it */
#define SEV_TERM_GHCB_INJECT		0x1a	/* injection request the spec does not allow */
#define SEV_TERM_GHCB_VALID		0x1b	/* returned register without its valid bit */
#define SEV_TERM_GHCB_SIZE		0x1c	/* response beyond the request's shared buffer */
#define SEV_TERM_VC_FAILED		0x1d	/* hypervisor refused a kernel request */
#define SEV_TERM_GHCB_NESTED		0x1e	/* GHCB needed three levels deep */
#define SEV_TERM_NO_RDRAND		0x1f	/* no RDRAND for the C-bit checks */
#define SEV_TERM_AP_HOLD		0x20	/* malformed AP reset hold response */
#define SEV_TERM_AP_PARK		0x21	/* an AP did not park for kexec */

#ifndef __ASSEMBLY__

#include <linux/types.h>

/* Why a response was refused; SEV_MSR_OK when it was not. */
enum sev_msr_error {
	SEV_MSR_OK,
	SEV_MSR_BAD_CODE,	/* GHCBInfo is not the expected response code */
	SEV_MSR_BAD_RESERVED,	/* a reserved field is not zero */
	SEV_MSR_BAD_REGISTER,	/* CPUID response for another register */
	SEV_MSR_BAD_VERSION,	/* no protocol version in common */
};

/* CPUID registers as the MSR protocol numbers them (bits 31:30). */
enum sev_cpuid_reg {
	SEV_CPUID_EAX,
	SEV_CPUID_EBX,
	SEV_CPUID_ECX,
	SEV_CPUID_EDX,
};

/* A decoded SEV information response. */
struct sev_msr_info {
	u16 min;		/* lowest protocol version the hypervisor speaks */
	u16 max;		/* highest */
	u8 cbit;		/* C-bit position it claims */
};

static inline u64 sev_msr_sev_info_req(void)
{
	return SEV_MSR_SEV_INFO_REQ;
}

/* GHCB spec 2.3.1: [63:48] max, [47:32] min, [31:24] C-bit, [23:12] 0. */
static inline enum sev_msr_error sev_msr_sev_info_decode(u64 resp,
							 struct sev_msr_info *info)
{
	if ((resp & SEV_MSR_INFO_MASK) != SEV_MSR_SEV_INFO_RESP)
		return SEV_MSR_BAD_CODE;
	if (resp & 0xfff000ULL)
		return SEV_MSR_BAD_RESERVED;
	info->max = resp >> 48;
	info->min = resp >> 32;
	info->cbit = resp >> 24;
	if (info->min > info->max)
		return SEV_MSR_BAD_VERSION;
	return SEV_MSR_OK;
}

/*
 * The version both sides speak: the highest the hypervisor offers, capped
 * at ours; 0 if the ranges do not overlap.
 */
static inline unsigned int sev_msr_pick_version(const struct sev_msr_info *info)
{
	if (info->max < SEV_ES_PROTOCOL_MIN || info->min > SEV_ES_PROTOCOL_MAX)
		return 0;
	return info->max < SEV_ES_PROTOCOL_MAX ? info->max : SEV_ES_PROTOCOL_MAX;
}

/* GHCB spec 2.3.1: [63:32] function, [31:30] register, [29:12] 0. */
static inline u64 sev_msr_cpuid_req(u32 fn, enum sev_cpuid_reg reg)
{
	return ((u64)fn << 32) | ((u64)reg << 30) | SEV_MSR_CPUID_REQ;
}

/* The response must echo the register asked for and keep [29:12] zero. */
static inline enum sev_msr_error sev_msr_cpuid_decode(u64 resp,
						      enum sev_cpuid_reg reg,
						      u32 *val)
{
	if ((resp & SEV_MSR_INFO_MASK) != SEV_MSR_CPUID_RESP)
		return SEV_MSR_BAD_CODE;
	if (resp & 0x3ffff000ULL)
		return SEV_MSR_BAD_RESERVED;
	if (((resp >> 30) & 3) != reg)
		return SEV_MSR_BAD_REGISTER;
	*val = resp >> 32;
	return SEV_MSR_OK;
}

/* GHCB spec 2.3.1: [15:12] reason set, [23:16] reason code. */
static inline u64 sev_msr_term_req(unsigned int set, unsigned int code)
{
	return ((u64)(code & 0xff) << 16) | ((u64)(set & 0xf) << 12) |
	       SEV_MSR_TERM_REQ;
}

#endif /* !__ASSEMBLY__ */

#endif /* _ASM_X86_SEV_ES_MSR_H */
