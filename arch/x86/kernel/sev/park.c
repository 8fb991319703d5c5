// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parking APs outside the kernel, so that another kernel can start them
 * (GHCB spec (56421), "AP Jump Table" and "AP Reset Hold").
 *
 * The hypervisor cannot set an SEV-ES vCPU's registers: an AP stopped in
 * this kernel's memory can only be started again by this kernel.  For
 * kexec, and for CPU hotplug alike, an AP leaving the kernel runs
 * park-code.S from the page of the AP jump table instead, holds there through
 * the GHCB MSR protocol, and enters the CS:IP of the jump table when a
 * SIPI wakes it: the next kernel's trampoline, or this one's.
 *
 * That takes the MSR protocol's AP reset hold (GHCB protocol 2) and a
 * table below 4 GiB, in a page that holds nothing else of the
 * firmware's.  Without them, CPU hotplug keeps the GHCB AP reset hold and
 * kexec is refused.
 */

#define pr_fmt(fmt)	"SEV-ES: " fmt

#include <linux/cc_platform.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/pgtable.h>
#include <linux/printk.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/init.h>
#include <asm/sev.h>
#include <asm/sev-es-msr.h>
#include <asm/sev-park.h>
#include <asm/special_insns.h>

#include "internal.h"

extern const u8 sev_es_park_blob[], sev_es_park_blob_end[];

/* The parking page, once set up; why not, otherwise. */
static u64 park_pa;		/* set only in an SEV-ES guest */
static u8 __iomem *park_page;
static pgd_t *park_pgd;
static const char *park_refusal = "no AP jump table";

#define PARK_TIMEOUT_MS	5000

static void *alloc_pgt_page(void *context)
{
	return (void *)get_zeroed_page(GFP_KERNEL);
}

/*
 * The page tables an AP switches to before it leaves long mode: the
 * kernel's half (preallocated at boot, so a copy stays valid) and the
 * parking page at its physical address.
 */
static pgd_t *build_park_pgd(u64 pa)
{
	struct x86_mapping_info info = {
		.alloc_pgt_page	= alloc_pgt_page,
		.page_flag	= __PAGE_KERNEL_LARGE_EXEC | _PAGE_ENC,
		.kernpg_flag	= _KERNPG_TABLE_NOENC | _PAGE_ENC,
	};
	u64 start = round_down(pa, PMD_SIZE);
	pgd_t *pgd = alloc_pgt_page(NULL);

	if (!pgd)
		return NULL;
	if (kernel_ident_mapping_init(&info, pgd, start, start + PMD_SIZE))
		/* Leaks at most three pages, once. */
		return NULL;
	memcpy(pgd + KERNEL_PGD_BOUNDARY, swapper_pg_dir + KERNEL_PGD_BOUNDARY,
	       KERNEL_PGD_PTRS * sizeof(pgd_t));
	return pgd;
}

/* A GDT descriptor's base, bits 16-39 and 56-63. */
static void set_desc_base(u8 *desc, u32 base)
{
	desc[2] = base;
	desc[3] = base >> 8;
	desc[4] = base >> 16;
	desc[7] = base >> 24;
}

/* The parking code as it must read in the page at @pa. */
static void fill_blob(u8 *blob, u64 pa, unsigned int table_off)
{
	u64 gdt = pa + SEV_ES_PARK_BASE + SEV_ES_PARK_GDT;
	u16 off = table_off;

	memcpy(blob, sev_es_park_blob, sev_es_park_blob_end - sev_es_park_blob);
	memcpy(blob + SEV_ES_PARK_GDT_PTR + 2, &gdt, sizeof(gdt));
	memcpy(blob + SEV_ES_PARK_TABLE_OFF, &off, sizeof(off));
	set_desc_base(blob + SEV_ES_PARK_CS16, pa);
	set_desc_base(blob + SEV_ES_PARK_DS16, pa);
}

/*
 * Whether the firmware left the page unused but for the table at @off:
 * every other byte the same (zero, or its fill pattern for new memory).
 */
static bool page_unused(u8 __iomem *page, unsigned int off)
{
	u8 fill = readb(page + (off ? 0 : 2 * sizeof(u16)));
	unsigned int i;

	for (i = 0; i < PAGE_SIZE; i++) {
		if (i == off)
			i += 2 * sizeof(u16);
		if (i < PAGE_SIZE && readb(page + i) != fill)
			return false;
	}
	return true;
}

/* Whether @page holds the @len bytes of @want. */
static bool page_holds(u8 __iomem *page, const u8 *want, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (readb(page + i) != want[i])
			return false;
	return true;
}

/**
 * sev_es_setup_parking() - Put the parking code beside the AP jump table.
 * @table_pa: the physical address of the AP jump table.
 * @version: the GHCB protocol version agreed on.
 *
 * The code is left alone if a kernel before this one put it there: its
 * APs may be holding in it.
 * Where parking is not possible, the reason is kept for
 * sev_es_kexec_prepare().
 */
void __init sev_es_setup_parking(u64 table_pa, unsigned int version)
{
	size_t len = sev_es_park_blob_end - sev_es_park_blob;
	unsigned int off = table_pa & ~PAGE_MASK;
	u64 pa = table_pa & PAGE_MASK;
	u8 __iomem *page;
	u8 *blob;

	BUILD_BUG_ON(SEV_ES_PARK_BASE + 0x100 > SEV_ES_PARK_SLOTS);
	if (version < 2) {
		park_refusal = "GHCB protocol 1 has no AP reset hold in the MSR protocol";
		return;
	}
	if (pa + PAGE_SIZE > SZ_4G) {
		park_refusal = "the AP jump table is above 4 GiB";
		return;
	}
	if (off + 2 * sizeof(u16) > SEV_ES_PARK_BASE ||
	    len > SEV_ES_PARK_SLOTS - SEV_ES_PARK_BASE ||
	    nr_cpu_ids > PAGE_SIZE - SEV_ES_PARK_SLOTS) {
		park_refusal = "the AP jump table page has no room for the parking code";
		return;
	}

	blob = kmalloc(len, GFP_KERNEL);
	page = ioremap_encrypted(pa, PAGE_SIZE);
	park_pgd = build_park_pgd(pa);
	if (!blob || !page || !park_pgd) {
		park_refusal = "out of memory";
		goto out;
	}
	fill_blob(blob, pa, off);
	if (page_unused(page, off)) {
		memset_io(page + SEV_ES_PARK_BASE, 0, PAGE_SIZE - SEV_ES_PARK_BASE);
		memcpy_toio(page + SEV_ES_PARK_BASE, blob, len);
	} else if (!page_holds(page + SEV_ES_PARK_BASE, blob, len)) {
		/* Not the code a kernel before this one left: firmware data. */
		park_refusal = "the AP jump table page holds the firmware's data";
		goto out;
	}
	park_page = page;
	park_pa = pa;
	page = NULL;
	pr_info("APs park at %#llx: kexec can start them\n", pa);
out:
	kfree(blob);
	if (page)
		iounmap(page);
}

/**
 * sev_es_parking_ready() - Whether APs can park.
 *
 * Return: true once sev_es_setup_parking() has set up the parking page.
 */
bool sev_es_parking_ready(void)
{
	return park_pa;
}

/**
 * sev_es_park() - Leave the kernel for the parking page.
 *
 * Description:
 * It does not return, but is not marked noreturn: objtool would not know
 * it as such at its callers.
 *
 * Context: Interrupts off, for good.
 */
void sev_es_park(void)
{
	unsigned int cpu = smp_processor_id();
	void (*entry)(u64 pa, u32 slot);

	lockdep_assert_irqs_disabled();
	writeb(SEV_ES_PARK_LEAVING, park_page + SEV_ES_PARK_SLOTS + cpu);
	native_write_cr3(__pa(park_pgd));
	entry = (void *)(park_pa + SEV_ES_PARK_BASE + SEV_ES_PARK_ENTRY);
	entry(park_pa, cpu);
	sev_es_die(GHCB_TERM_AP_PARK, "the parking code returned");
}

/**
 * sev_es_stop_this_cpu() - Park this CPU if APs can park.
 *
 * For stop_this_cpu(): an SEV-ES guest's next kernel can only start APs
 * that parked.  Without parking, this returns.
 */
void sev_es_stop_this_cpu(void)
{
	if (park_pa)
		sev_es_park();
}

/**
 * sev_es_kexec_prepare() - Check that the next kernel can start the APs.
 * @image: the kexec image being loaded.
 *
 * Return: 0 if it can: the guest is not SEV-ES, APs park, the image is a
 * crash kernel (it runs on the CPU that crashed, alone) or there is only
 * one CPU; -EOPNOTSUPP if it cannot.
 */
int sev_es_kexec_prepare(struct kimage *image)
{
	if (!cc_platform_has(CC_ATTR_GUEST_STATE_ENCRYPT) || park_pa)
		return 0;
	/* The capture kernel runs on the CPU that crashed, alone. */
	if (image->type == KEXEC_TYPE_CRASH || num_possible_cpus() == 1)
		return 0;
	pr_err("kexec: the next kernel could not start the APs: %s\n",
	       park_refusal);
	return -EOPNOTSUPP;
}

/**
 * sev_es_kexec_wait_parked() - Wait until every AP has parked.
 *
 * Before the next kernel overwrites this one: every AP this kernel ran
 * must be in the hold, off the kernel's page tables and stack.  An AP
 * that does not park in time ends the guest.
 */
void sev_es_kexec_wait_parked(void)
{
	unsigned int cpu, self = smp_processor_id(), ms;

	if (!park_pa)
		return;
	for_each_cpu(cpu, &cpus_booted_once_mask) {
		if (cpu == self)
			continue;
		for (ms = 0; readb(park_page + SEV_ES_PARK_SLOTS + cpu) !=
			     SEV_ES_PARK_PARKED; ms++) {
			if (ms == PARK_TIMEOUT_MS) {
				pr_emerg("kexec: CPU %u did not park\n", cpu);
				sev_es_die(GHCB_TERM_AP_PARK, "an AP did not park");
			}
			mdelay(1);
		}
	}
}
