/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SEV guest code that runs before a GHCB page exists, shared by the
 * decompressor and the early kernel: the GHCB MSR protocol calls, the
 * #VC handler that serves CPUID through them, and the checks that decide
 * whether to trust what the hypervisor said about SEV and the C-bit.
 */
#ifndef _ASM_X86_SEV_ES_EARLY_H
#define _ASM_X86_SEV_ES_EARLY_H

#include <asm/sev-es-msr.h>

/*
 * The C-bit position is CPUID Fn8000_001F_EBX[5:0] (APM vol. 2, "Determining
 * Support for SEV").  It is
 * a bit of the physical-address field of a page-table entry (bits 51:12);
 * every AMD part puts it at or above bit 32.
 */
#define SEV_CBIT_MIN		32
#define SEV_CBIT_MAX		51

#ifndef __ASSEMBLY__

#include <linux/types.h>
#include <linux/compiler.h>
#include <asm/msr-index.h>

struct pt_regs;

/*
 * MSR access for the code the decompressor shares: it has neither the
 * exception tables nor the tracepoints rdmsr() and wrmsr() rely on, so
 * these are the bare instructions.  Every MSR used here exists in an SEV
 * guest.
 */
static __always_inline u64 sev_es_rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (msr));
	return ((u64)hi << 32) | lo;
}

static __always_inline void sev_es_wrmsr(u32 msr, u64 val)
{
	asm volatile("wrmsr" : : "c" (msr), "a" ((u32)val),
		     "d" ((u32)(val >> 32)) : "memory");
}

static __always_inline u64 sev_es_rd_ghcb_msr(void)
{
	return sev_es_rdmsr(MSR_AMD64_SEV_ES_GHCB);
}

static __always_inline void sev_es_wr_ghcb_msr(u64 val)
{
	sev_es_wrmsr(MSR_AMD64_SEV_ES_GHCB, val);
}

/*
 * VMGEXIT is REP VMMCALL.  The hypervisor may have written shared memory
 * meanwhile, the GHCB page first: a compiler barrier too.
 */
static __always_inline void sev_es_vmgexit(void)
{
	asm volatile("rep; vmmcall" : : : "memory");
}

static inline bool sev_cbit_plausible(unsigned int pos)
{
	return pos >= SEV_CBIT_MIN && pos <= SEV_CBIT_MAX;
}

/*
 * Memory for the C-bit probe (arch/x86/kernel/sev/cbit.c): its own page
 * tables, a shared scratch page (GDT, IDT, stack while the probe's page
 * tables are live) and the page under test.  Private memory.
 */
#define SEV_CBIT_PROBE_TABLES	5	/* PML5, PML4, PDPT, PD, PT */

struct sev_cbit_probe_area {
	u64 table[SEV_CBIT_PROBE_TABLES][512];
	u64 scratch[512];
	u64 data[512];
} __aligned(4096);

/*
 * What sev_cbit_probe_run() reads and writes; the offsets are ABI with
 * arch/x86/kernel/sev/cbit-probe.S.
 */
struct sev_cbit_probe_io {
	/* Offset 0: root of the probe's page tables. */
	u64 cr3;
	/* Offset 8: the test page, candidate C-bit set. */
	u64 va_private;
	/* Offset 16: the same page, C-bit clear. */
	u64 va_shared;
	/* Offset 24: scratch page, C-bit clear. */
	u64 va_scratch;
	/* Offset 32: what to write through va_private. */
	u64 pattern;
	/* Offset 40: va_shared before the write. */
	u64 before;
	/* Offset 48: va_private after the write. */
	u64 readback;
	/* Offset 56: va_shared after the write. */
	u64 after;
	/*
	 * Offset 64: PTE for the scratch page, written into the test page
	 * through va_private.
	 */
	u64 walk_pte;
	/*
	 * Offset 72: what a walk through the test page as a table reads:
	 * the scratch page's GDT entry.
	 */
	u64 walked;
};

/* The probe GDT's 64-bit code descriptor, first quadword after null. */
#define SEV_CBIT_PROBE_GDT_CODE	0x00af9b000000ffffULL

enum sev_cbit_verdict {
	/* The candidate is the C-bit. */
	SEV_CBIT_ENCRYPTS,
	/* An access faulted: reserved bit, MMIO, ... */
	SEV_CBIT_FAULTED,
	/* Data written is not read back. */
	SEV_CBIT_NOT_MEMORY,
	/* The shared view sees what was written. */
	SEV_CBIT_PLAINTEXT,
	/* The write did not reach the page at all. */
	SEV_CBIT_OTHER_PAGE,
	/* A page-table walk, private, missed it. */
	SEV_CBIT_NOT_PRIVATE,
};

/*
 * Runs the probe's accesses on its own page tables: 0, or 1 if one
 * faulted, 2 if the walk through the test page did.
 */
int sev_cbit_probe_run(struct sev_cbit_probe_io *io);

void sev_cbit_probe_prepare(struct sev_cbit_probe_area *area,
			    unsigned long area_pa, unsigned long code_va,
			    unsigned long code_pa, unsigned int cbit,
			    bool la57, struct sev_cbit_probe_io *io);
enum sev_cbit_verdict sev_cbit_judge(const struct sev_cbit_probe_io *io,
				     int faulted);
enum sev_cbit_verdict sev_cbit_probe(struct sev_cbit_probe_area *area,
				     unsigned long area_pa,
				     unsigned long code_va,
				     unsigned long code_pa, unsigned int cbit,
				     u64 pattern);

/* The GHCB MSR protocol; every error ends in a termination request. */
u64 sev_es_msr_call(u64 request);
void __noreturn sev_es_msr_terminate(unsigned int set, unsigned int code);
unsigned int sev_es_msr_negotiate(struct sev_msr_info *info);
u32 sev_es_msr_cpuid(u32 fn, unsigned int reg);

/* Exit through the GHCB page at @ghcb_pa. */
void sev_es_ghcb_vmgexit(unsigned long ghcb_pa);

/* A #VC proves SEV-ES: a CPUID answer that denies it is a lie. */
void sev_es_check_cpuid(u32 fn, u32 eax);

/* #VC before a GHCB exists: CPUID only. */
void do_vc_no_ghcb(struct pt_regs *regs, unsigned long exit_code);

/* SEV_STATUS, or 0 on a CPU without SEV. */
u64 sev_read_status(void);

/*
 * SEV detection for the decompressor and the early kernel: returns the
 * encryption mask (0: not an SEV guest) and SEV_STATUS in *status, or
 * terminates the guest.  @area must be identity mapped (VA == PA).
 */
u64 sev_guest_detect(struct sev_cbit_probe_area *area, u64 *status,
		     unsigned int *ghcb_version);

#endif /* !__ASSEMBLY__ */

#endif /* _ASM_X86_SEV_ES_EARLY_H */
