// SPDX-License-Identifier: GPL-2.0-only
/*
 * C-bit verification: is the bit the hypervisor calls the C-bit the one
 * that makes the CPU encrypt?
 *
 * The position comes from CPUID Fn8000_001F_EBX and from the GHCB SEV
 * information response, both answered by the hypervisor.  A wrong one
 * would make the guest put its stack and data in memory the hypervisor
 * reads and writes in plaintext.  So before any page table uses it, the
 * probe maps one private page twice on page tables of its own, once with
 * the candidate C-bit and once without, writes a random value through
 * the first and reads both views (cbit-probe.S):
 *
 *  - the candidate view must read the value back: it reaches memory;
 *  - the C-bit-clear view must have changed: the write reached this page;
 *  - and it must not show the value: what is in DRAM is ciphertext.
 *
 * A bit that is not the C-bit fails one of the three (an ignored PTE bit
 * fails the third, a physical-address bit the first or second) or
 * faults (a reserved bit).  Nothing here trusts the current page tables,
 * which were built from the same hypervisor's word.
 *
 * Those three rules hold for values the hypervisor sees, so one that
 * adapts can pass them: told a physical-address bit X, it leaves
 * data|BIT(X) unmapped, and at the nested page fault of the write maps a
 * plain page there and scribbles over data.  The write then reads back,
 * and the shared view changed without showing it.  So one more rule uses
 * something only the CPU can do, encrypt with the guest's key:
 *
 *  - a PTE written through the candidate view into the test page must
 *    be what a page-table walk, private whatever the C-bit (APM vol. 2,
 *    "SEV Encryption Behavior"),
 *    finds there.
 *
 * The PTE maps the scratch page, whose GDT the walk must then reach.  Its
 * slot in the test page comes from the random pattern, so a ciphertext
 * the hypervisor saw at this address earlier does not replay.
 *
 * Shared by the decompressor and the kernel; no absolute addresses.
 */

#include <linux/bits.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <asm/page_types.h>
#include <asm/pgtable_types.h>
#include <asm/processor-flags.h>
#include <asm/sev-es-early.h>

#define PROBE_PTE_TABLE		(_PAGE_PRESENT | _PAGE_RW)
#define PROBE_PTE_LEAF		(_PAGE_PRESENT | _PAGE_RW)

static __always_inline unsigned int probe_index(unsigned long va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

/**
 * sev_cbit_probe_prepare() - Build the probe's page tables and fill @io.
 * @area: memory for the probe's page tables, test page and scratch page.
 * @area_pa: physical address of @area.
 * @code_va: virtual address of the probe code, sev_cbit_probe_run().
 * @code_pa: physical address of the probe code.
 * @cbit: the candidate C-bit position.
 * @la57: build five levels of page table, not four.
 * @io: filled in for sev_cbit_probe_run().
 *
 * @code_va maps @code_pa, three pages after it in the same page table hold
 * the test page with and without @cbit and the scratch page.
 */
void sev_cbit_probe_prepare(struct sev_cbit_probe_area *area,
			    unsigned long area_pa, unsigned long code_va,
			    unsigned long code_pa, unsigned int cbit,
			    bool la57, struct sev_cbit_probe_io *io)
{
	unsigned long table_pa = area_pa + offsetof(struct sev_cbit_probe_area, table);
	unsigned long data_pa = area_pa + offsetof(struct sev_cbit_probe_area, data);
	unsigned long scratch_pa = area_pa + offsetof(struct sev_cbit_probe_area, scratch);
	unsigned long base = code_va & ~((1UL << 21) - 1);
	unsigned int slot = probe_index(code_va, 0);
	int top = la57 ? 4 : 3, level, t;
	u64 *pt;

	memset(area->table, 0, sizeof(area->table));

	/* table[0] is the root; each level points at the next table. */
	for (level = top, t = 0; level > 0; level--, t++)
		area->table[t][probe_index(code_va, level)] =
			(table_pa + (t + 1) * 4096UL) | PROBE_PTE_TABLE;

	pt = area->table[t];
	pt[slot] = (code_pa & PAGE_MASK) | PROBE_PTE_LEAF;
	pt[(slot + 1) & 511] = data_pa | BIT_ULL(cbit) | PROBE_PTE_LEAF;
	pt[(slot + 2) & 511] = data_pa | PROBE_PTE_LEAF;
	pt[(slot + 3) & 511] = scratch_pa | PROBE_PTE_LEAF;

	/* The other 2 MiB of the 4 MiB pair: the test page as its table. */
	area->table[top - 1][probe_index(code_va, 1) ^ 1] =
		data_pa | PROBE_PTE_TABLE;

	io->cr3 = table_pa;
	io->walk_pte = scratch_pa | _PAGE_PRESENT;
	io->va_private = base | (((slot + 1) & 511UL) << 12);
	io->va_shared = base | (((slot + 2) & 511UL) << 12);
	io->va_scratch = base | (((slot + 3) & 511UL) << 12);
}

/**
 * sev_cbit_judge() - The verdict on one probe.
 * @io: what the probe read, from sev_cbit_probe_run().
 * @faulted: what sev_cbit_probe_run() returned.
 *
 * Return: SEV_CBIT_FAULTED if an access faulted; otherwise the verdict for
 * a rule at the top of this file that the probe breaks, the first one
 * listed there except that a shared view showing the pattern is
 * SEV_CBIT_PLAINTEXT even when it did not change; SEV_CBIT_ENCRYPTS if it
 * breaks none: it encrypts.
 */
enum sev_cbit_verdict sev_cbit_judge(const struct sev_cbit_probe_io *io,
				     int faulted)
{
	if (faulted == 1)
		return SEV_CBIT_FAULTED;
	if (io->readback != io->pattern)
		return SEV_CBIT_NOT_MEMORY;
	if (io->after == io->pattern)
		return SEV_CBIT_PLAINTEXT;
	if (io->after == io->before)
		return SEV_CBIT_OTHER_PAGE;
	if (faulted || io->walked != SEV_CBIT_PROBE_GDT_CODE)
		return SEV_CBIT_NOT_PRIVATE;
	return SEV_CBIT_ENCRYPTS;
}

static __always_inline bool probe_la57(void)
{
	unsigned long cr4;

	asm volatile("mov %%cr4, %0" : "=r" (cr4));
	return cr4 & X86_CR4_LA57;
}

/**
 * sev_cbit_probe() - Probe @cbit, writing @pattern.
 * @area: memory for the probe's page tables, test page and scratch page.
 * @area_pa: physical address of @area.
 * @code_va: virtual address of the probe code, sev_cbit_probe_run().
 * @code_pa: physical address of the probe code.
 * @cbit: the candidate C-bit position.
 * @pattern: the value to write; the caller picks a random one.
 *
 * Return: the verdict, as sev_cbit_judge() gives it: SEV_CBIT_ENCRYPTS if
 * @cbit is the C-bit.  SEV_CBIT_FAULTED for a @cbit above 63.
 */
enum sev_cbit_verdict sev_cbit_probe(struct sev_cbit_probe_area *area,
				     unsigned long area_pa,
				     unsigned long code_va,
				     unsigned long code_pa, unsigned int cbit,
				     u64 pattern)
{
	struct sev_cbit_probe_io io;
	int faulted;

	if (cbit > 63)
		return SEV_CBIT_FAULTED;
	sev_cbit_probe_prepare(area, area_pa, code_va, code_pa, cbit,
			       probe_la57(), &io);
	io.pattern = pattern;
	faulted = sev_cbit_probe_run(&io);
	return sev_cbit_judge(&io, faulted);
}
