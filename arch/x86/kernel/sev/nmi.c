// SPDX-License-Identifier: GPL-2.0-only
/*
 * NMIs and the #VC IST stack.
 *
 * #VC is an IST exception: the CPU switches to the top of the VC stack
 * whatever the interrupted code was doing.  The #VC entry code leaves
 * that stack quickly (vc_switch_off_ist()), but an NMI can come before
 * it has, and a #VC inside the NMI would start over at the top of the
 * same stack, on the frame still in use.  So for the length of an NMI
 * the VC entry of the TSS points below anything the interrupted #VC
 * may be using; the old entry is kept just above the new one.
 *
 * NMI_COMPLETE itself is in ghcb.c, with the other exits.
 */

#include <linux/instrumentation.h>
#include <linux/percpu.h>
#include <asm/cpu_entry_area.h>
#include <linux/processor.h>
#include <asm/ptrace.h>
#include <asm/sev.h>

static __always_inline bool on_vc_stack(unsigned long sp)
{
	return sp >= __this_cpu_ist_bottom_va(VC) &&
	       sp < __this_cpu_ist_top_va(VC);
}

/**
 * __sev_es_ist_enter() - Move the VC entry of the TSS for an NMI.
 * @regs: the registers the NMI interrupted.
 *
 * For the length of the NMI, the entry points below anything the
 * interrupted #VC may be using; the old entry is kept just above the new
 * one.
 */
noinstr void __sev_es_ist_enter(struct pt_regs *regs)
{
	unsigned long old = __this_cpu_read(cpu_tss_rw.x86_tss.ist[IST_INDEX_VC]);
	unsigned long new = old;

	if (on_vc_stack(regs->sp))
		new = ALIGN_DOWN(regs->sp, 8);

	/* One slot for the old entry, then the stack of a nested #VC. */
	new -= sizeof(old);
	*(unsigned long *)new = old;
	this_cpu_write(cpu_tss_rw.x86_tss.ist[IST_INDEX_VC], new);
}

/**
 * __sev_es_ist_exit() - Put back the VC entry __sev_es_ist_enter() moved.
 */
noinstr void __sev_es_ist_exit(void)
{
	unsigned long cur = __this_cpu_read(cpu_tss_rw.x86_tss.ist[IST_INDEX_VC]);

	/* Unbalanced with __sev_es_ist_enter(): the entry is the top. */
	if (WARN_ON_ONCE(cur == __this_cpu_ist_top_va(VC)))
		return;
	this_cpu_write(cpu_tss_rw.x86_tss.ist[IST_INDEX_VC],
		       *(unsigned long *)cur);
}
