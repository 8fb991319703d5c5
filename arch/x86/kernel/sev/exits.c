// SPDX-License-Identifier: GPL-2.0-only
/*
 * The NAE exits without a memory operand (GHCB specification 56421,
 * 4.1): each handler puts the inputs the spec lists into the GHCB, exits,
 * and takes back only the registers the hypervisor marked valid.  A
 * register it must return and did not is a malformed response.
 */

#include <linux/percpu.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/insn-eval.h>
#include <asm/special_insns.h>
#include <asm/svm.h>
#include <asm/sev-es-early.h>
#include <asm/traps.h>
#include <asm/x86_init.h>

#include "internal.h"

/*
 * DR7 as the CPU keeps it (APM vol. 2, "Debug-Control Register (DR7)"):
 * bit 10 reads as one, bits 15:14 and 12:11 as zero.  After reset only bit
 * 10 is set.
 */
#define DR7_FIXED_ONE		BIT(10)
#define DR7_READ_AS_ZERO	(BIT(15) | BIT(14) | BIT(12) | BIT(11))
#define DR7_RESET_VALUE		DR7_FIXED_ONE

/* DR7 as the guest last wrote it; the hypervisor cannot read ours. */
static DEFINE_PER_CPU(unsigned long, sev_dr7) = DR7_RESET_VALUE;

static enum vc_result not_returned(struct vc_ctxt *ctxt, const char *what)
{
	return sev_es_fatal(ctxt, GHCB_TERM_GHCB_VALID, what);
}

/* RDMSR, RDTSC(P), RDPMC: a 64-bit result in EDX:EAX. */
static enum vc_result take_edx_eax(struct vc_ctxt *ctxt, struct ghcb *ghcb,
				   const char *what)
{
	if (!ghcb_rax_is_valid(ghcb) || !ghcb_rdx_is_valid(ghcb))
		return not_returned(ctxt, what);
	ctxt->regs->ax = lower_32_bits(ghcb->save.rax);
	ctxt->regs->dx = lower_32_bits(ghcb->save.rdx);
	return VC_DONE;
}

/*
 * The CPUID at hand, the state of this CPU its answer depends on and its
 * cache slot: made once per #VC, for the cache and then for the exit.
 */
static const struct sev_cpuid_query *vc_cpuid_query(struct vc_ctxt *ctxt)
{
	unsigned long cr4;

	if (!ctxt->cpuid_asked) {
		cr4 = native_read_cr4();
		sev_cpuid_query_init(&ctxt->cpuid, ctxt->regs->ax,
				     ctxt->regs->cx, sev_cpuid_xcr0(cr4), cr4);
		ctxt->cpuid_asked = true;
	}
	return &ctxt->cpuid;
}

/**
 * sev_es_cpuid_from_cache() - A CPUID the cache can answer, without an exit.
 * @ctxt: the #VC being handled.
 *
 * See cpuid-cache.c.
 *
 * Return: true if the cache answered, the registers set; false if the #VC
 * has no cache or the cache has no answer.
 */
bool sev_es_cpuid_from_cache(struct vc_ctxt *ctxt)
{
	u32 r[4];

	if (!ctxt->cpuid_cache)
		return false;
	if (!sev_cpuid_cache_get(ctxt->cpuid_cache, vc_cpuid_query(ctxt), r))
		return false;
	sev_cpuid_to_regs(ctxt->regs, r);
	return true;
}

/**
 * sev_es_handle_cpuid() - CPUID, exit 0x72 (GHCB spec (56421), "CPUID").
 * @ctxt: the #VC being handled.
 * @ghcb: the GHCB page for the exit.
 *
 * RAX, RCX and XCR0 in; four out.  The answer, checked, goes into the
 * cache (if the #VC has one).
 *
 * Return: VC_DONE, the answer in the registers; VC_FATAL for a response
 * without all four registers; or, when the exit fails, what
 * sev_ghcb_call() returned.
 */
enum vc_result sev_es_handle_cpuid(struct vc_ctxt *ctxt, struct ghcb *ghcb)
{
	const struct sev_cpuid_query *q = vc_cpuid_query(ctxt);
	enum vc_result res;
	u32 r[4];

	sev_ghcb_cpuid_request(ghcb, q->leaf, q->subleaf, q->xcr0);
	res = sev_ghcb_call(ctxt, ghcb, SVM_EXIT_CPUID, 0, 0);
	if (res != VC_DONE)
		return res;
	if (!sev_ghcb_cpuid_answer(ghcb, r))
		return not_returned(ctxt, "CPUID response without all four registers");

	sev_es_check_cpuid(q->leaf, r[0]);
	if (ctxt->cpuid_cache)
		sev_cpuid_cache_put(ctxt->cpuid_cache, q, r);
	sev_cpuid_to_regs(ctxt->regs, r);
	return VC_DONE;
}

/**
 * sev_es_handle_msr() - RDMSR/WRMSR, exit 0x7c (GHCB spec (56421), "MSR").
 * @ctxt: the #VC being handled.
 * @ghcb: the GHCB page for the exit.
 *
 * exit_info_1 is 1 for a write.
 *
 * Return: VC_DONE, for RDMSR the value in EDX:EAX; VC_FATAL for an RDMSR
 * response without RAX and RDX; or, when the exit fails, what
 * sev_ghcb_call() returned.
 */
enum vc_result sev_es_handle_msr(struct vc_ctxt *ctxt, struct ghcb *ghcb)
{
	struct pt_regs *regs = ctxt->regs;
	bool write = ctxt->code[ctxt->len - 1] == 0x30;
	enum vc_result res;

	ghcb_set_rcx(ghcb, lower_32_bits(regs->cx));
	if (write) {
		ghcb_set_rax(ghcb, lower_32_bits(regs->ax));
		ghcb_set_rdx(ghcb, lower_32_bits(regs->dx));
	}

	res = sev_ghcb_call(ctxt, ghcb, SVM_EXIT_MSR, write, 0);
	if (res != VC_DONE || write)
		return res;
	return take_edx_eax(ctxt, ghcb, "RDMSR response without RAX and RDX");
}

/**
 * sev_es_handle_rdtsc() - RDTSC 0x6e, RDTSCP 0x87.
 * @ctxt: the #VC being handled.
 * @ghcb: the GHCB page for the exit.
 *
 * GHCB spec (56421), "RDTSC" and "RDTSCP".
 *
 * Return: VC_DONE, the result in EDX:EAX (and, for RDTSCP, ECX); VC_FATAL
 * for a response without those registers; or, when the exit fails, what
 * sev_ghcb_call() returned.
 */
enum vc_result sev_es_handle_rdtsc(struct vc_ctxt *ctxt, struct ghcb *ghcb)
{
	bool rdtscp = ctxt->exit_code == SVM_EXIT_RDTSCP;
	struct pt_regs *regs = ctxt->regs;
	enum vc_result res;

	res = sev_ghcb_call(ctxt, ghcb, ctxt->exit_code, 0, 0);
	if (res != VC_DONE)
		return res;
	if (rdtscp && !ghcb_rcx_is_valid(ghcb))
		return not_returned(ctxt, "RDTSCP response without RCX");
	res = take_edx_eax(ctxt, ghcb, "RDTSC(P) response without RAX and RDX");
	if (res == VC_DONE && rdtscp)
		regs->cx = lower_32_bits(ghcb->save.rcx);
	return res;
}

/**
 * sev_es_handle_rdpmc() - RDPMC, exit 0x6f (GHCB spec (56421), "RDPMC").
 * @ctxt: the #VC being handled.
 * @ghcb: the GHCB page for the exit.
 *
 * RCX in, RAX and RDX out.
 *
 * Return: VC_DONE, the result in EDX:EAX; VC_FATAL for a response without
 * RAX and RDX; or, when the exit fails, what sev_ghcb_call() returned.
 */
enum vc_result sev_es_handle_rdpmc(struct vc_ctxt *ctxt, struct ghcb *ghcb)
{
	enum vc_result res;

	ghcb_set_rcx(ghcb, lower_32_bits(ctxt->regs->cx));
	res = sev_ghcb_call(ctxt, ghcb, SVM_EXIT_RDPMC, 0, 0);
	if (res != VC_DONE)
		return res;
	return take_edx_eax(ctxt, ghcb, "RDPMC response without RAX and RDX");
}

/**
 * sev_es_handle_cache() - WBINVD 0x89, INVD 0x76.
 * @ctxt: the #VC being handled.
 * @ghcb: the GHCB page for the exit.
 *
 * WBINVD (GHCB spec (56421), "WBINVD"): the hypervisor does it for us.
 * INVD is refused, never passed on: it would throw away dirty lines of
 * private memory, which the hypervisor cannot write back for the guest.
 * The kernel does not execute INVD, and at CPL 3 it faults before any
 * intercept, so this #VC is a bug or a lie.
 *
 * Return: for INVD, VC_SIGBUS from user space and VC_FATAL from the
 * kernel; for WBINVD, what sev_ghcb_call() returned.
 */
enum vc_result sev_es_handle_cache(struct vc_ctxt *ctxt, struct ghcb *ghcb)
{
	if (ctxt->exit_code == SVM_EXIT_INVD)
		return sev_es_refuse(ctxt, GHCB_TERM_VC_UNEXPECTED,
				     "INVD would drop private data");
	return sev_ghcb_call(ctxt, ghcb, SVM_EXIT_WBINVD, 0, 0);
}

/**
 * sev_es_handle_monitor() - MONITOR 0x8a, MWAIT 0x8b.
 * @ctxt: the #VC being handled.
 * @ghcb: the GHCB page for the exit.
 *
 * GHCB spec (56421), "MONITOR" and "MWAIT": RAX, RCX (and RDX) in.
 *
 * Return: what sev_ghcb_call() returned.
 */
enum vc_result sev_es_handle_monitor(struct vc_ctxt *ctxt, struct ghcb *ghcb)
{
	struct pt_regs *regs = ctxt->regs;

	ghcb_set_rax(ghcb, regs->ax);
	ghcb_set_rcx(ghcb, regs->cx);
	if (ctxt->exit_code == SVM_EXIT_MONITOR)
		ghcb_set_rdx(ghcb, regs->dx);
	return sev_ghcb_call(ctxt, ghcb, ctxt->exit_code, 0, 0);
}

/**
 * sev_es_handle_vmmcall() - VMMCALL, exit 0x81 (GHCB spec (56421), "VMMCALL").
 * @ctxt: the #VC being handled.
 * @ghcb: the GHCB page for the exit.
 *
 * The registers beyond RAX are the hypervisor's ABI, so its hooks choose
 * them.  Without a hypervisor that has any, there is nothing to call: #UD,
 * as on bare metal.
 *
 * Return: VC_DONE; VC_EXCEPTION, #UD, without hooks; VC_FATAL for a
 * response without RAX; for a response the hooks refuse, VC_SIGBUS from
 * user space and VC_FATAL from the kernel; or, when the exit fails, what
 * sev_ghcb_call() returned.
 */
enum vc_result sev_es_handle_vmmcall(struct vc_ctxt *ctxt, struct ghcb *ghcb)
{
	struct pt_regs *regs = ctxt->regs;
	enum vc_result res;

	if (!x86_platform.hyper.sev_es_hcall_prepare ||
	    !x86_platform.hyper.sev_es_hcall_finish) {
		ctxt->exc.vector = X86_TRAP_UD;
		ctxt->exc.error_code = 0;
		return VC_EXCEPTION;
	}

	ghcb_set_rax(ghcb, regs->ax);
	ghcb_set_cpl(ghcb, ctxt->user ? 3 : 0);
	x86_platform.hyper.sev_es_hcall_prepare(ghcb, regs);

	res = sev_ghcb_call(ctxt, ghcb, SVM_EXIT_VMMCALL, 0, 0);
	if (res != VC_DONE)
		return res;
	if (!ghcb_rax_is_valid(ghcb))
		return not_returned(ctxt, "VMMCALL response without RAX");
	regs->ax = ghcb->save.rax;

	if (!x86_platform.hyper.sev_es_hcall_finish(ghcb, regs))
		return sev_es_refuse(ctxt, GHCB_TERM_GHCB_VALID,
				     "VMMCALL response the hypervisor ABI refuses");
	return VC_DONE;
}

static unsigned long *dr7_gpr(struct vc_ctxt *ctxt)
{
	int off = insn_get_modrm_rm_off(&ctxt->insn, ctxt->regs);

	return off < 0 ? NULL : (unsigned long *)((u8 *)ctxt->regs + off);
}

/**
 * sev_es_handle_dr7_read() - MOV from DR7, exit 0x27.
 * @ctxt: the #VC being handled.
 *
 * The guest's own copy, no exit needed.
 *
 * Return: VC_DONE, or, when the register operand cannot be found, what
 * sev_es_check_insn() says of the instruction.
 */
enum vc_result sev_es_handle_dr7_read(struct vc_ctxt *ctxt)
{
	unsigned long *reg = dr7_gpr(ctxt);

	if (!reg)
		return sev_es_check_insn(ctxt);
	*reg = this_cpu_read(sev_dr7);
	return VC_DONE;
}

/**
 * sev_es_handle_dr7_write() - MOV to DR7, exit 0x37.
 * @ctxt: the #VC being handled.
 * @ghcb: the GHCB page for the exit.
 *
 * GHCB spec (56421), "DR7 Write": the hypervisor gets RAX.
 *
 * Return: VC_EXCEPTION, #GP, for a value above 32 bits; when the register
 * operand cannot be found, what sev_es_check_insn() says of the
 * instruction; else what sev_ghcb_call() returned.
 */
enum vc_result sev_es_handle_dr7_write(struct vc_ctxt *ctxt, struct ghcb *ghcb)
{
	unsigned long *reg = dr7_gpr(ctxt);
	enum vc_result res;
	unsigned long val;

	if (!reg)
		return sev_es_check_insn(ctxt);
	if (upper_32_bits(*reg)) {
		ctxt->exc.vector = X86_TRAP_GP;
		ctxt->exc.error_code = 0;
		return VC_EXCEPTION;
	}

	val = (*reg & ~DR7_READ_AS_ZERO) | DR7_FIXED_ONE;
	ghcb_set_rax(ghcb, val);
	res = sev_ghcb_call(ctxt, ghcb, SVM_EXIT_WRITE_DR7, 0, 0);
	if (res == VC_DONE)
		this_cpu_write(sev_dr7, val);
	return res;
}
