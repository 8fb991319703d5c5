/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The GHCB MSR protocol (GHCB spec (56421), "GHCB MSR Protocol"): how
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

#include <linux/bits.h>
#include <linux/types.h>
#include <asm/sev-common.h>

#ifndef __ASSEMBLY__

/* Why a response was refused; SEV_MSR_OK when it was not. */
enum sev_msr_error {
	SEV_MSR_OK,
	/* GHCBInfo is not the expected response code. */
	SEV_MSR_BAD_CODE,
	/* A reserved field is not zero. */
	SEV_MSR_BAD_RESERVED,
	/* CPUID response for another register. */
	SEV_MSR_BAD_REGISTER,
	/* No protocol version in common. */
	SEV_MSR_BAD_VERSION,
};

/* A decoded SEV information response. */
struct sev_msr_info {
	/* Lowest protocol version the hypervisor speaks. */
	u16 min;
	/* Highest. */
	u16 max;
	/* C-bit position it claims. */
	u8 cbit;
};

static inline u64 sev_msr_sev_info_req(void)
{
	return GHCB_MSR_SEV_INFO_REQ;
}

/* SEV information: [63:48] max, [47:32] min, [31:24] C-bit, [23:12] 0. */
static inline enum sev_msr_error sev_msr_sev_info_decode(u64 resp,
							 struct sev_msr_info *info)
{
	if (GHCB_RESP_CODE(resp) != GHCB_MSR_SEV_INFO_RESP)
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
	if (info->max < GHCB_PROTOCOL_MIN || info->min > GHCB_PROTOCOL_MAX)
		return 0;
	return info->max < GHCB_PROTOCOL_MAX ? info->max : GHCB_PROTOCOL_MAX;
}

/* CPUID request: [63:32] function, [31:30] register, [29:12] 0. */
static inline u64 sev_msr_cpuid_req(u32 fn, unsigned int reg)
{
	return GHCB_CPUID_REQ(fn, reg);
}

/* The response must echo the register asked for and keep [29:12] zero. */
static inline enum sev_msr_error sev_msr_cpuid_decode(u64 resp,
						      unsigned int reg,
						      u32 *val)
{
	if (GHCB_RESP_CODE(resp) != GHCB_MSR_CPUID_RESP)
		return SEV_MSR_BAD_CODE;
	if (resp & 0x3ffff000ULL)
		return SEV_MSR_BAD_RESERVED;
	if (((resp >> 30) & 3) != reg)
		return SEV_MSR_BAD_REGISTER;
	*val = resp >> 32;
	return SEV_MSR_OK;
}

/* Termination request: [15:12] reason set, [23:16] reason code. */
static inline u64 sev_msr_term_req(unsigned int set, unsigned int code)
{
	return GHCB_MSR_TERM_REQ | GHCB_SEV_TERM_REASON(set, code);
}

#endif /* !__ASSEMBLY__ */

#endif /* _ASM_X86_SEV_ES_MSR_H */
