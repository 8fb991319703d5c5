// SPDX-License-Identifier: GPL-2.0-only
/*
 * #VC: the exception an SEV-ES guest gets for every intercept that is not
 * an automatic exit (APM vol. 2, "#VC Exception").  The guest emulates the
 * instruction, asking the hypervisor through the GHCB for what it cannot do
 * itself.
 *
 * Three ways in:
 *  - kernel mode: an IST exception that can hit anywhere, so it runs like
 *    an NMI, off the IST stack (vc_switch_off_ist() in the entry code moved
 *    it to the interrupted stack);
 *  - user mode: an ordinary exception from user space;
 *  - early boot: the boot CPU before trap_init(), on the boot GHCB.
 *
 * Each way ends the same: the instruction is skipped, an exception is
 * raised in its place, the process gets SIGBUS, or the guest is ended.
 */

#define pr_fmt(fmt)	"SEV-ES: " fmt

#include <linux/entry-common.h>
#include <linux/printk.h>
#include <linux/sched/signal.h>
#include <asm/cpu_entry_area.h>
#include <asm/idtentry.h>
#include <asm/insn-eval.h>
#include <asm/ptrace.h>
#include <asm/setup.h>
#include <asm/sev.h>
#include <asm/sev-es-msr.h>
#include <asm/special_insns.h>
#include <asm/svm.h>
#include <asm/traps.h>

#include "internal.h"

/*
 * The NAE exits, one handler each (GHCB spec (56421), "Non-Automatic Exit
 * (NAE) Events").
 */
static enum vc_result vc_dispatch(struct vc_ctxt *ctxt, struct ghcb *ghcb)
{
	switch (ctxt->exit_code) {
	case SVM_EXIT_READ_DR7:
		return sev_es_handle_dr7_read(ctxt);
	case SVM_EXIT_WRITE_DR7:
		return sev_es_handle_dr7_write(ctxt, ghcb);
	case SVM_EXIT_RDTSC:
	case SVM_EXIT_RDTSCP:
		return sev_es_handle_rdtsc(ctxt, ghcb);
	case SVM_EXIT_RDPMC:
		return sev_es_handle_rdpmc(ctxt, ghcb);
	case SVM_EXIT_CPUID:
		return sev_es_handle_cpuid(ctxt, ghcb);
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD:
		return sev_es_handle_cache(ctxt, ghcb);
	case SVM_EXIT_IOIO:
		return sev_es_handle_ioio(ctxt, ghcb);
	case SVM_EXIT_MSR:
		return sev_es_handle_msr(ctxt, ghcb);
	case SVM_EXIT_VMMCALL:
		return sev_es_handle_vmmcall(ctxt, ghcb);
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
		return sev_es_handle_monitor(ctxt, ghcb);
	case SVM_EXIT_NPF:
		return sev_es_handle_mmio(ctxt, ghcb);
	default:
		/* sev_es_decode() matched no instruction to this exit. */
		return sev_es_fatal(ctxt, GHCB_TERM_VC_UNEXPECTED, "#VC for an unknown exit");
	}
}

/*
 * An intercepted #AC, exit 0x51 (APM vol. 2, "#VC Exception"): raise it in
 * its place.  Alignment checks happen at CPL 3 only, so in the kernel no
 * instruction can have caused it.
 */
static enum vc_result vc_handle_ac(struct vc_ctxt *ctxt)
{
	if (!ctxt->user)
		return sev_es_fatal(ctxt, GHCB_TERM_VC_MISMATCH, "#AC in the kernel");
	ctxt->exc.vector = X86_TRAP_AC;
	ctxt->exc.error_code = 0;
	return VC_EXCEPTION;
}

static void vc_init(struct vc_ctxt *ctxt, struct pt_regs *regs,
		    unsigned long exit_code)
{
	ctxt->regs = regs;
	ctxt->exit_code = exit_code;
	ctxt->user = user_mode(regs);
	ctxt->decoded = false;
	ctxt->reason = GHCB_TERM_VC_UNEXPECTED;
	ctxt->what = NULL;
	ctxt->cpuid_cache = &sev_cpuid_cache;
	ctxt->cpuid_asked = false;
}

/**
 * sev_es_emulate() - Decode and check, then emulate.
 * @ctxt: the #VC being handled.
 * @ghcb: the GHCB to emulate on, or NULL for this CPU's GHCB.
 *
 * An intercepted #AC has no instruction to emulate.  MOVS to or from MMIO
 * needs no GHCB: it copies one element with ordinary accesses, and the
 * MMIO side of it raises a #VC of its own; nor does a CPUID the cache
 * answers.
 *
 * Return: VC_DONE when emulated, VC_RETRY when a REP instruction was
 * emulated in part, VC_EXCEPTION with the exception to raise in @ctxt,
 * VC_SIGBUS when user space asked for what cannot be done, VC_FATAL when
 * the guest must end.
 */
enum vc_result sev_es_emulate(struct vc_ctxt *ctxt, struct ghcb *ghcb)
{
	struct ghcb_state state;
	enum vc_result res;

	if (ctxt->exit_code == SVM_EXIT_EXCP_BASE + X86_TRAP_AC)
		return vc_handle_ac(ctxt);
	res = sev_es_decode(ctxt);
	if (res != VC_DONE)
		return res;
	if (ctxt->exit_code == SVM_EXIT_CPUID && sev_es_cpuid_from_cache(ctxt))
		return VC_DONE;
	if (ctxt->exit_code == SVM_EXIT_NPF && ctxt->mmio_type == MMIO_MOVS)
		return sev_es_handle_movs(ctxt);
	if (ghcb)
		return vc_dispatch(ctxt, ghcb);

	ghcb = sev_ghcb_get(&state);
	res = vc_dispatch(ctxt, ghcb);
	sev_ghcb_put(&state);
	return res;
}

static void vc_raise(struct vc_ctxt *ctxt)
{
	struct pt_regs *regs = ctxt->regs;

	switch (ctxt->exc.vector) {
	case X86_TRAP_GP:
		exc_general_protection(regs, ctxt->exc.error_code);
		break;
	case X86_TRAP_UD:
		exc_invalid_op(regs);
		break;
	case X86_TRAP_PF:
		write_cr2(ctxt->exc.cr2);
		exc_page_fault(regs, ctxt->exc.error_code);
		break;
	case X86_TRAP_AC:
		/* SIGBUS, BUS_ADRALN (or the split lock policy). */
		exc_alignment_check(regs, ctxt->exc.error_code);
		break;
	default:
		sev_es_die(GHCB_TERM_VC_UNEXPECTED, "no way to raise this exception");
	}
}

static void vc_finish(struct vc_ctxt *ctxt, enum vc_result res)
{
	struct pt_regs *regs = ctxt->regs;

	switch (res) {
	case VC_DONE:
		regs->ip += ctxt->len;
		return;
	case VC_RETRY:
		return;
	case VC_EXCEPTION:
		vc_raise(ctxt);
		return;
	case VC_SIGBUS:
		if (ctxt->user) {
			force_sig_fault(SIGBUS, BUS_OBJERR, (void __user *)regs->ip);
			return;
		}
		fallthrough;
	case VC_FATAL:
	default:
		pr_emerg("#VC exit %#lx at %s %#lx\n", ctxt->exit_code,
			 ctxt->user ? "user" : "kernel", regs->ip);
		sev_es_die(ctxt->reason, ctxt->what ?: "#VC cannot be handled");
	}
}

static void vc_handle(struct pt_regs *regs, unsigned long exit_code)
{
	struct vc_ctxt ctxt;

	vc_init(&ctxt, regs, exit_code);
	vc_finish(&ctxt, sev_es_emulate(&ctxt, NULL));
}

/*
 * A #DB the hypervisor intercepted arrives as #VC (APM vol. 2, "#VC
 * Exception").  There is nothing to emulate: it goes to the #DB handler for
 * where it came from, before anything here that could be instrumented, and
 * outside the #VC's own NMI-like section (the kernel #DB handler enters its
 * own).
 */
static __always_inline bool vc_is_db(unsigned long exit_code)
{
	return exit_code == SVM_EXIT_EXCP_BASE + X86_TRAP_DB;
}

static __always_inline bool on_vc2_stack(unsigned long sp)
{
	return sp >= __this_cpu_ist_bottom_va(VC2) &&
	       sp < __this_cpu_ist_top_va(VC2);
}

/*
 * vc_switch_off_ist() falls back to the VC2 stack when the #VC came from
 * the entry stack or another stack it cannot trust: nothing running there
 * may cause a #VC.  The handler itself, once on VC2, may (the message of
 * a termination, by port IO): such a #VC stays on VC2 and is handled.
 */
static __always_inline bool vc_from_bad_stack(struct pt_regs *regs)
{
	return on_vc2_stack((unsigned long)regs) && !on_vc2_stack(regs->sp);
}

DEFINE_IDTENTRY_VC_KERNEL(exc_vmm_communication)
{
	irqentry_state_t irq_state;

	/* The IST #DB handler's C part: kernel #DB semantics, as an NMI. */
	if (unlikely(vc_is_db(error_code))) {
		exc_debug(regs);
		return;
	}

	irq_state = irqentry_nmi_enter(regs);
	instrumentation_begin();

	if (unlikely(vc_from_bad_stack(regs)))
		sev_es_die(GHCB_TERM_VC_UNEXPECTED, "#VC from the entry stack");
	vc_handle(regs, error_code);

	instrumentation_end();
	irqentry_nmi_exit(regs, irq_state);
}

DEFINE_IDTENTRY_VC_USER(exc_vmm_communication)
{
	/* The user-mode #DB handler: signals, ptrace, on the task stack. */
	if (unlikely(vc_is_db(error_code))) {
		noist_exc_debug(regs);
		return;
	}

	irqentry_enter_from_user_mode(regs);
	instrumentation_begin();
	vc_handle(regs, error_code);
	instrumentation_end();
	irqentry_exit_to_user_mode(regs);
}

/**
 * handle_vc_boot_ghcb() - #VC on the boot GHCB.
 * @regs: the registers at the #VC, the error code in orig_ax.
 *
 * Exceptions go to the early handlers.
 *
 * Context: The boot CPU from early_setup_idt() to trap_init(): the boot
 * GHCB, no NMIs, no user space.
 * Return: true, always: the #VC is handled, or the guest ends.
 */
bool __init handle_vc_boot_ghcb(struct pt_regs *regs)
{
	struct ghcb *ghcb = sev_boot_ghcb();
	struct vc_ctxt ctxt;
	enum vc_result res;

	if (!ghcb)
		sev_es_die(GHCB_TERM_GHCB_SETUP, "#VC before the boot GHCB");

	vc_init(&ctxt, regs, regs->orig_ax);
	res = sev_es_emulate(&ctxt, ghcb);
	/* Nothing left for a later VMGEXIT to repeat (see sev_ghcb_put()). */
	sev_ghcb_invalidate(ghcb);

	if (res == VC_EXCEPTION) {
		if (ctxt.exc.vector == X86_TRAP_PF)
			write_cr2(ctxt.exc.cr2);
		regs->orig_ax = ctxt.exc.error_code;
		do_early_exception(regs, ctxt.exc.vector);
		return true;
	}
	vc_finish(&ctxt, res);
	return true;
}
