// SPDX-License-Identifier: GPL-2.0-only
/*
 * The GHCB MSR protocol (GHCB spec (56421), "GHCB MSR Protocol"): the
 * only way to talk to the hypervisor before a GHCB page exists.  Requests
 * and checks are in <asm/sev-es-msr.h>; this file does the MSR writes and
 * VMGEXITs, ends the guest with a termination request when a response is
 * wrong, and handles #VC for CPUID, the one exit early code needs.
 *
 * Shared by the decompressor and the kernel.  The kernel runs it before
 * relocation, at its physical address: no absolute addresses, no
 * instrumentation, no jump tables (see the Makefile).
 */

#include <linux/types.h>
#include <asm/msr-index.h>
#include <asm/ptrace.h>
#include <asm/svm.h>
#include <asm/sev-es-early.h>

/**
 * sev_es_msr_call() - One GHCB MSR protocol request, one response.
 * @request: the request, as written to the GHCB MSR.
 *
 * VMGEXIT is REP VMMCALL (APM vol. 2, "VMGEXIT").  The MSR is left as it
 * was found: firmware #VC handlers (OVMF's, while the EFI stub runs) take
 * their GHCB address from it.
 *
 * Context: Interrupts must be off (they are in early boot): a #VC between
 * the write and the VMGEXIT would overwrite the request.
 * Return: the response, as read back from the GHCB MSR.
 */
u64 sev_es_msr_call(u64 request)
{
	u64 saved = sev_es_rd_ghcb_msr(), resp;

	sev_es_wr_ghcb_msr(request);
	sev_es_vmgexit();
	resp = sev_es_rd_ghcb_msr();
	sev_es_wr_ghcb_msr(saved);
	return resp;
}

/**
 * sev_es_ghcb_vmgexit() - Exit through the GHCB page at @ghcb_pa.
 * @ghcb_pa: physical address of the GHCB page.
 *
 * The GHCB MSR keeps @ghcb_pa afterwards: unlike sev_es_msr_call(), this
 * does not put back what was there.
 */
void sev_es_ghcb_vmgexit(unsigned long ghcb_pa)
{
	sev_es_wr_ghcb_msr(ghcb_pa);
	sev_es_vmgexit();
}

/**
 * sev_es_msr_terminate() - Termination request, MSR form.
 * @set: the reason code set, SEV_TERM_SET_*.
 * @code: the reason code within @set.
 *
 * GHCB spec (56421), "GHCB MSR Protocol": the hypervisor should not resume
 * us.  If it does, ask again, forever: nothing after a termination request
 * may run, and a halt would wait for an interrupt the hypervisor may never
 * send.
 */
void __noreturn sev_es_msr_terminate(unsigned int set, unsigned int code)
{
	for (;;)
		sev_es_msr_call(sev_msr_term_req(set, code));
}

/**
 * sev_es_msr_negotiate() - Agree on a protocol version.
 * @info: filled in with the hypervisor's SEV information response.
 *
 * SEV information (GHCB spec (56421), "GHCB MSR Protocol").  A response
 * that is not a well-formed SEV information response ends the guest; so
 * does a range without a version we speak.
 *
 * Return: the protocol version agreed on.
 */
unsigned int sev_es_msr_negotiate(struct sev_msr_info *info)
{
	enum sev_msr_error err;
	unsigned int version;

	err = sev_msr_sev_info_decode(sev_es_msr_call(sev_msr_sev_info_req()), info);
	if (err == SEV_MSR_BAD_VERSION)
		sev_es_msr_terminate(SEV_TERM_SET_GEN, GHCB_SEV_ES_PROT_UNSUPPORTED);
	if (err != SEV_MSR_OK)
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, GHCB_TERM_MSR_RESPONSE);

	version = sev_msr_pick_version(info);
	if (!version)
		sev_es_msr_terminate(SEV_TERM_SET_GEN, GHCB_SEV_ES_PROT_UNSUPPORTED);
	return version;
}

/**
 * sev_es_msr_cpuid() - CPUID through the GHCB MSR protocol, one register.
 * @fn: the CPUID function (leaf).
 * @reg: the register asked for, GHCB_CPUID_REQ_*.
 *
 * A response that is not a well-formed CPUID response ends the guest.
 *
 * Return: the value of register @reg for function @fn.
 */
u32 sev_es_msr_cpuid(u32 fn, unsigned int reg)
{
	u32 val;

	if (sev_msr_cpuid_decode(sev_es_msr_call(sev_msr_cpuid_req(fn, reg)),
				 reg, &val) != SEV_MSR_OK)
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, GHCB_TERM_CPUID_RESPONSE);
	return val;
}

/*
 * Leaves whose answer depends on ECX.  The MSR protocol has no field for
 * ECX, so for these only sub-leaf 0 can be asked; anything else has no
 * honest answer before the GHCB exists.
 */
static bool cpuid_leaf_indexed(u32 fn)
{
	return fn == 0x4 || fn == 0x7 || fn == 0xb || fn == 0xd ||
	       fn == 0xf || fn == 0x10 || fn == 0x12 || fn == 0x14 ||
	       fn == 0x17 || fn == 0x18 || fn == 0x1d || fn == 0x1f ||
	       fn == 0x20 || fn == 0x8000001d || fn == 0x80000020;
}

/**
 * sev_es_check_cpuid() - End the guest if a CPUID answer denies SEV-ES.
 * @fn: the CPUID function (leaf).
 * @eax: the EAX the hypervisor answered for @fn.
 *
 * Only an SEV-ES guest gets #VC, so a CPUID answer that says the CPU has
 * no SEV-ES is the hypervisor talking the guest into mapping its memory
 * shared (APM vol. 2, "Determining Support for SEV": Fn8000_001F_EAX
 * bit 1 SEV, bit 3 SEV-ES).
 */
void sev_es_check_cpuid(u32 fn, u32 eax)
{
	if ((fn == 0x80000000 && eax < 0x8000001f) ||
	    (fn == 0x8000001f && (eax & 0xa) != 0xa))
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, GHCB_TERM_CPUID_NO_SEV);
}

/**
 * do_vc_no_ghcb() - #VC before a GHCB exists.
 * @regs: the registers at the #VC.
 * @exit_code: the #VC error code.
 *
 * For decompressor stage 1 and the kernel's vc_no_ghcb.  The only exit
 * early code causes on purpose is CPUID; the error code comes from the
 * hypervisor's intercepts and must match the instruction at RIP.
 */
void do_vc_no_ghcb(struct pt_regs *regs, unsigned long exit_code)
{
	const u8 *insn = (const u8 *)regs->ip;
	u32 fn = regs->ax;

	if (exit_code != SVM_EXIT_CPUID || (regs->cs & 3))
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, GHCB_TERM_VC_UNEXPECTED);
	if (insn[0] != 0x0f || insn[1] != 0xa2)
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, GHCB_TERM_VC_MISMATCH);
	if (cpuid_leaf_indexed(fn) && (u32)regs->cx)
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, GHCB_TERM_VC_UNEXPECTED);

	regs->ax = sev_es_msr_cpuid(fn, GHCB_CPUID_REQ_EAX);
	regs->bx = sev_es_msr_cpuid(fn, GHCB_CPUID_REQ_EBX);
	regs->cx = sev_es_msr_cpuid(fn, GHCB_CPUID_REQ_ECX);
	regs->dx = sev_es_msr_cpuid(fn, GHCB_CPUID_REQ_EDX);
	sev_es_check_cpuid(fn, regs->ax);
	regs->ip += 2;
}
