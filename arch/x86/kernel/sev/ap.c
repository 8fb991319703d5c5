// SPDX-License-Identifier: GPL-2.0-only
/*
 * Application processors (GHCB spec (56421), "AP Jump Table" and "AP Reset
 * Hold").
 *
 * The hypervisor cannot set an SEV-ES vCPU's registers, so INIT-SIPI cannot
 * start an AP where the kernel wants.  Instead:
 *  - an AP that was never started runs the firmware's reset code, which
 *    jumps to the real-mode CS:IP in the AP jump table: the boot CPU puts
 *    the trampoline's SEV-ES entry there;
 *  - an AP that goes offline parks outside the kernel (park.c) and comes
 *    back the same way; where it cannot, it waits in an AP reset hold
 *    VMGEXIT, and a SIPI makes that exit return; the CPU then starts over
 *    in start_cpu0(), still in long mode.
 */

#define pr_fmt(fmt)	"SEV-ES: " fmt

#include <linux/cpumask.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/lockdep.h>
#include <linux/printk.h>
#include <asm/cpu.h>
#include <asm/e820/api.h>
#include <asm/realmode.h>
#include <asm/sev.h>
#include <asm/sev-es-msr.h>
#include <linux/smp.h>
#include <asm/svm.h>

#include "internal.h"

/*
 * exit_info_1 of the AP jump table exit (GHCB spec (56421), "AP Jump
 * Table").
 */
#define AP_JUMP_TABLE_SET	0
#define AP_JUMP_TABLE_GET	1

/* One exit on this CPU's GHCB; sw_exit_info_2 of the response in *@info2. */
static enum vc_result ap_exit(struct vc_ctxt *ctxt, u64 exit_code, u64 info1,
			      u64 *info2)
{
	struct ghcb_state state;
	enum vc_result res;
	unsigned long flags;
	struct ghcb *ghcb;

	local_irq_save(flags);
	ghcb = sev_ghcb_get(&state);
	res = sev_ghcb_call(ctxt, ghcb, exit_code, info1, 0);
	*info2 = ghcb_sw_exit_info_2_is_valid(ghcb) ? ghcb->save.sw_exit_info_2 : 0;
	sev_ghcb_put(&state);
	local_irq_restore(flags);

	if (res == VC_FATAL)
		sev_es_die(ctxt->reason, ctxt->what);
	return res;
}

/**
 * sev_es_setup_ap_jump_table() - Put the trampoline in the AP jump table.
 * @rmh: the real-mode header, with the trampoline's SEV-ES entry.
 *
 * The table is the firmware's: it must be somewhere the kernel does not
 * use as memory, or the write below would land in kernel data.  Parking
 * (park.c) is set up on the same table.
 *
 * Return: 0, also when the guest is not SEV-ES or the firmware set no
 * table; -EIO if the hypervisor refused to tell the table or it could not
 * be mapped; -EINVAL for a table that is not in firmware memory.
 */
int __init sev_es_setup_ap_jump_table(struct real_mode_header *rmh)
{
	struct vc_ctxt ctxt = { .user = false };
	u16 startup_cs, startup_ip;
	u16 __iomem *table;
	u64 pa;

	if (!cc_platform_has(CC_ATTR_GUEST_STATE_ENCRYPT))
		return 0;

	if (ap_exit(&ctxt, SVM_VMGEXIT_AP_JUMP_TABLE, AP_JUMP_TABLE_GET, &pa) != VC_DONE) {
		pr_err("the hypervisor refused to tell the AP jump table\n");
		return -EIO;
	}
	/* Firmware that started no AP sets no table. */
	if (!pa) {
		if (num_possible_cpus() > 1)
			pr_warn("no AP jump table: APs cannot start\n");
		return 0;
	}
	if (!IS_ALIGNED(pa, 4) ||
	    e820__mapped_any(pa, pa + 2 * sizeof(u16), E820_TYPE_RAM)) {
		pr_err("AP jump table at %#llx: not firmware memory\n", pa);
		return -EINVAL;
	}

	/* The reset code far-jumps to CS:IP, both 16 bits (real mode). */
	startup_cs = rmh->trampoline_start >> 4;
	startup_ip = rmh->sev_es_trampoline_start - rmh->trampoline_start;

	table = ioremap_encrypted(pa, 2 * sizeof(u16));
	if (!table)
		return -EIO;
	writew(startup_ip, &table[0]);
	writew(startup_cs, &table[1]);
	iounmap(table);

	sev_es_setup_parking(pa, sev_ghcb_version());
	return 0;
}

#ifdef CONFIG_HOTPLUG_CPU
/*
 * AP reset hold (GHCB spec (56421), "AP Reset Hold"): the exit returns with
 * sw_exit_info_2 non-zero once a SIPI came.  A hold that ends without one
 * is not a wake-up; hold again.
 */
static void sev_es_ap_reset_hold(void)
{
	struct vc_ctxt ctxt = { .user = false };
	u64 woken;

	lockdep_assert_irqs_disabled();
	do {
		if (ap_exit(&ctxt, SVM_VMGEXIT_AP_HLT_LOOP, 0, &woken) != VC_DONE)
			sev_es_die(GHCB_TERM_VC_FAILED, "AP reset hold refused");
	} while (!woken);
}

/*
 * Parked, the CPU comes back through the jump table as it first came;
 * without parking, in this kernel, where the hold returns.
 */
static void sev_es_play_dead(void)
{
	play_dead_common();
	if (sev_es_parking_ready())
		sev_es_park();
	sev_es_ap_reset_hold();
	start_cpu0();
}

/**
 * sev_es_setup_play_dead() - Have CPUs that go offline park, or hold.
 *
 * Through smp_ops.play_dead: a CPU that goes offline parks outside the
 * kernel or, where it cannot, waits in an AP reset hold, and comes back as
 * the top of this file describes.
 */
void __init sev_es_setup_play_dead(void)
{
	smp_ops.play_dead = sev_es_play_dead;
}
#else
void __init sev_es_setup_play_dead(void) { }
#endif
