// SPDX-License-Identifier: GPL-2.0-only
/*
 * SEV-ES in the decompressor.
 *
 * sev_enable() runs twice: from the EFI stub, on the firmware's IDT, and
 * from startup_64 once the stage 1 IDT (MSR-protocol CPUID) is up.  Both
 * times it uses the shared early code (arch/x86/kernel/sev/detect.c):
 * SEV_STATUS, SNP refusal, protocol negotiation and C-bit verification.
 *
 * Once the decompressor has its own page tables, #VC goes to the stage 2
 * handler here, which talks to the hypervisor through a GHCB page: port
 * IO for the console and CPUID.  The decompressor causes no other exit; any
 * other is a #VC it has no business seeing and ends the guest.
 */
#include "misc.h"

#include <asm/msr-index.h>
#include <asm/ptrace.h>
#include <asm/sev.h>
#include <asm/sev-es-early.h>
#include <asm/sev-es-ghcb.h>
#include <asm/svm.h>

static struct sev_cbit_probe_area probe_area;
static struct ghcb boot_ghcb_page __aligned(PAGE_SIZE);
static struct ghcb *boot_ghcb;
static unsigned int ghcb_version;

/**
 * sev_enable() - SEV detection in the decompressor.
 * @bp: the boot parameters, or NULL.
 *
 * Sets sme_me_mask and sev_status with the shared early code,
 * sev_guest_detect(), which ends the guest on any refusal.  It runs twice:
 * see the top of this file.
 */
void sev_enable(struct boot_params *bp)
{
	u64 status;

	/* No SNP, so no Confidential Computing blob to hand on. */
	if (bp)
		bp->cc_blob_address = 0;

	sme_me_mask = sev_guest_detect(&probe_area, &status, &ghcb_version);
	sev_status = status;
}

/**
 * sev_get_status() - SEV_STATUS, for the EFI stub.
 *
 * Return: SEV_STATUS, or 0 on a CPU without SEV.
 */
u64 sev_get_status(void)
{
	return sev_read_status();
}

/**
 * snp_get_unsupported_features() - The SEV-SNP features we lack.
 * @status: SEV_STATUS.
 *
 * The EFI stub asks which SEV-SNP features we lack: all of them, since
 * SNP is not supported at all.  Say so to the hypervisor right here
 * rather than have the stub give up without a reason.
 *
 * Return: 0, without SEV-SNP; with it, the guest ends instead.
 */
u64 snp_get_unsupported_features(u64 status)
{
	if (status & MSR_AMD64_SEV_SNP_ENABLED)
		sev_es_msr_terminate(SEV_TERM_SET_GEN, GHCB_SNP_UNSUPPORTED);
	return 0;
}

static bool boot_ghcb_setup(void)
{
	if (set_page_decrypted((unsigned long)&boot_ghcb_page))
		return false;
	memset(&boot_ghcb_page, 0, sizeof(boot_ghcb_page));
	boot_ghcb = &boot_ghcb_page;
	return true;
}

/**
 * sev_es_shutdown_ghcb() - Give up the GHCB page before the kernel runs.
 *
 * The page goes back to private, then away, so a stray #VC faults instead
 * of using it.  The kernel would otherwise run with one of its pages
 * shared.
 */
void sev_es_shutdown_ghcb(void)
{
	if (!boot_ghcb)
		return;
	if (set_page_encrypted((unsigned long)&boot_ghcb_page) ||
	    set_page_non_present((unsigned long)&boot_ghcb_page))
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, GHCB_TERM_GHCB_SETUP);
	boot_ghcb = NULL;
}

/**
 * sev_es_check_ghcb_fault() - Whether a page fault is on the GHCB page.
 * @address: the faulting address.
 *
 * Return: true if @address is in the GHCB page, false if not.
 */
bool sev_es_check_ghcb_fault(unsigned long address)
{
	return (address & PAGE_MASK) == (unsigned long)&boot_ghcb_page;
}

/*
 * One exit through the GHCB page.  sw_exit_info_1 must say "done": an
 * exception to inject or an input error has no place in what the
 * decompressor asks, so either one ends the guest.
 */
static void ghcb_exit(struct ghcb *ghcb, u64 exit_code, u64 info1, u64 info2)
{
	sev_ghcb_request(ghcb, ghcb_version, exit_code, info1, info2);
	sev_es_ghcb_vmgexit((unsigned long)ghcb);

	if (!ghcb_sw_exit_info_1_is_valid(ghcb) ||
	    lower_32_bits(ghcb->save.sw_exit_info_1))
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, GHCB_TERM_GHCB_RESPONSE);
}

/* CPUID: all four registers must come back. */
static void vc_cpuid(struct ghcb *ghcb, struct pt_regs *regs)
{
	const u8 *insn = (const u8 *)regs->ip;
	u32 fn = regs->ax, r[4];

	if (insn[0] != 0x0f || insn[1] != 0xa2)
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, GHCB_TERM_VC_MISMATCH);

	sev_ghcb_cpuid_request(ghcb, fn, regs->cx,
			       sev_cpuid_xcr0(native_read_cr4()));
	ghcb_exit(ghcb, SVM_EXIT_CPUID, 0, 0);
	if (!sev_ghcb_cpuid_answer(ghcb, r))
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, GHCB_TERM_GHCB_RESPONSE);
	sev_cpuid_to_regs(regs, r);
	sev_es_check_cpuid(fn, regs->ax);
	regs->ip += 2;
}

/* IN and OUT; the decompressor does no string or REP IO. */
static void vc_ioio(struct ghcb *ghcb, struct pt_regs *regs)
{
	struct sev_ioio io;
	unsigned int len;
	u64 mask;

	len = sev_ioio_decode((const u8 *)regs->ip, MAX_INSN_SIZE, regs->dx, &io);
	if (!len)
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, GHCB_TERM_VC_MISMATCH);

	mask = io.size == 4 ? 0xffffffffULL : (1ULL << (io.size * 8)) - 1;
	if (!io.in)
		ghcb_set_rax(ghcb, regs->ax & mask);
	ghcb_exit(ghcb, SVM_EXIT_IOIO, sev_ioio_info(&io), 0);

	if (io.in) {
		if (!ghcb_rax_is_valid(ghcb))
			sev_es_msr_terminate(SEV_TERM_SET_LINUX,
					     GHCB_TERM_GHCB_RESPONSE);
		if (io.size == 4)
			regs->ax = lower_32_bits(ghcb->save.rax);
		else
			regs->ax = (regs->ax & ~mask) | (ghcb->save.rax & mask);
	}
	regs->ip += len;
}

/**
 * do_boot_stage2_vc() - #VC once the decompressor has its own page tables.
 * @regs: the registers at the #VC.
 * @exit_code: the #VC error code.
 *
 * The hypervisor is asked through the GHCB page: port IO for the console
 * and CPUID.  Any other exit ends the guest.
 */
void do_boot_stage2_vc(struct pt_regs *regs, unsigned long exit_code)
{
	if (!boot_ghcb && !boot_ghcb_setup())
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, GHCB_TERM_GHCB_SETUP);
	if (regs->cs & 3)
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, GHCB_TERM_VC_UNEXPECTED);

	sev_ghcb_invalidate(boot_ghcb);
	if (exit_code == SVM_EXIT_CPUID)
		vc_cpuid(boot_ghcb, regs);
	else if (exit_code == SVM_EXIT_IOIO)
		vc_ioio(boot_ghcb, regs);
	else
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, GHCB_TERM_VC_UNEXPECTED);
	sev_ghcb_invalidate(boot_ghcb);
}
