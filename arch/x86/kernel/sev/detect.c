// SPDX-License-Identifier: GPL-2.0-only
/*
 * Is this an SEV guest, and does it accept the platform the hypervisor
 * describes?  CPUID Fn8000_001F and SEV_STATUS (APM vol. 2, "Determining
 * Support for SEV" and "SEV_STATUS MSR"), the SEV information response
 * (GHCB spec (56421), "GHCB MSR Protocol") and the C-bit probe.
 * Used by the decompressor's sev_enable() and the kernel's sme_enable(),
 * before anything maps memory with the C-bit.
 *
 * Every refusal ends in a termination request that names the reason; the
 * guest never goes on with a value it could not check.
 */

#include <linux/bits.h>
#include <linux/types.h>
#include <asm/msr-index.h>
#include <asm/sev-es-early.h>

static __always_inline void detect_cpuid(u32 fn, u32 *a, u32 *b, u32 *c, u32 *d)
{
	*c = 0;
	asm volatile("cpuid" : "=a" (*a), "=b" (*b), "+c" (*c), "=d" (*d) : "0" (fn));
}

/*
 * SEV-ES can tell the hypervisor why it stops; plain SEV has no GHCB and
 * can only stop.
 */
static void __noreturn detect_refuse(u64 status, unsigned int set,
				     unsigned int code)
{
	if (status & MSR_AMD64_SEV_ES_ENABLED)
		sev_es_msr_terminate(set, code);
	for (;;)
		asm volatile("hlt" : : : "memory");
}

/* SEV-SNP needs page validation this guest does not implement. */
static void refuse_snp(u64 status)
{
	if (status & MSR_AMD64_SEV_SNP_ENABLED)
		detect_refuse(status, SEV_TERM_SET_GEN, GHCB_SNP_UNSUPPORTED);
}

/*
 * The value the probe writes: one the hypervisor can neither choose nor
 * predict, so RDRAND's.  The hypervisor answers CPUID and could hide
 * RDRAND to make the guest use something it can guess (the TSC it
 * virtualizes), so without a working RDRAND the guest refuses to run.
 */
static u64 probe_pattern(u64 status)
{
	u32 eax, ebx, ecx, edx;
	unsigned long val;
	bool ok;
	int i;

	detect_cpuid(1, &eax, &ebx, &ecx, &edx);
	for (i = 0; (ecx & BIT(30)) && i < 16; i++) {
		asm volatile("rdrand %0; setc %1" : "=r" (val), "=qm" (ok));
		if (ok)
			return val;
	}
	detect_refuse(status, SEV_TERM_SET_LINUX, GHCB_TERM_NO_RDRAND);
}

/**
 * sev_read_status() - Read SEV_STATUS (APM vol. 2, "SEV_STATUS MSR").
 *
 * Return: SEV_STATUS, or 0 on a CPU without SEV.
 */
u64 sev_read_status(void)
{
	u32 eax, ebx, ecx, edx;

	detect_cpuid(0x80000000, &eax, &ebx, &ecx, &edx);
	if (eax < 0x8000001f)
		return 0;
	detect_cpuid(0x8000001f, &eax, &ebx, &ecx, &edx);
	if (!(eax & BIT(1)))
		return 0;
	return sev_es_rdmsr(MSR_AMD64_SEV);
}

/**
 * sev_guest_detect() - SEV detection for the decompressor and early kernel.
 * @area: memory for the C-bit probe; must be identity mapped (VA == PA).
 * @status: set to SEV_STATUS.
 * @ghcb_version: set to the GHCB protocol version agreed on, or 0 when
 * the guest is not SEV-ES.
 *
 * Every refusal ends the guest.
 *
 * Return: the encryption mask (0: not an SEV guest).
 */
u64 sev_guest_detect(struct sev_cbit_probe_area *area, u64 *status,
		     unsigned int *ghcb_version)
{
	struct sev_msr_info info;
	u32 eax, ebx, ecx, edx;
	unsigned int cbit;
	unsigned long code;

	*ghcb_version = 0;
	*status = sev_read_status();
	if (!(*status & MSR_AMD64_SEV_ENABLED))
		return 0;

	refuse_snp(*status);

	/*
	 * The C-bit position is asked for once the protocol is agreed, and
	 * the two answers the hypervisor gives for it must agree.  SEV_STATUS
	 * is read again first: a firmware #VC handler answers CPUID from its
	 * SNP tables when SNP is active, and that must end in the SNP refusal,
	 * not hide behind a C-bit mismatch.
	 */
	if (*status & MSR_AMD64_SEV_ES_ENABLED)
		*ghcb_version = sev_es_msr_negotiate(&info);
	detect_cpuid(0x8000001f, &eax, &ebx, &ecx, &edx);
	cbit = ebx & 0x3f;
	refuse_snp(sev_es_rdmsr(MSR_AMD64_SEV));
	if ((*status & MSR_AMD64_SEV_ES_ENABLED) && info.cbit != cbit)
		detect_refuse(*status, SEV_TERM_SET_LINUX, GHCB_TERM_CBIT_MISMATCH);

	if (!sev_cbit_plausible(cbit))
		detect_refuse(*status, SEV_TERM_SET_LINUX, GHCB_TERM_CBIT_RANGE);

	asm("leaq sev_cbit_probe_run(%%rip), %0" : "=r" (code));
	if (sev_cbit_probe(area, (unsigned long)area, code, code, cbit,
			   probe_pattern(*status)) != SEV_CBIT_ENCRYPTS)
		detect_refuse(*status, SEV_TERM_SET_LINUX, GHCB_TERM_CBIT_PROBE);

	return BIT_ULL(cbit);
}
