// SPDX-License-Identifier: GPL-2.0-only
/*
 * Private and shared memory in an SEV guest, and DMA.
 *
 * Devices cannot read encrypted memory, so every DMA goes through SWIOTLB
 * bounce buffers (forced for SEV guests in pci-dma.c), which
 * mem_encrypt_init() makes shared with set_memory_decrypted().
 *
 * set_memory_encrypted()/decrypted() flip the C-bit of kernel mappings.
 * The hooks here tell it what such a flip needs (APM vol. 2, "SEV
 * Encryption Behavior"): the page's cache lines written back first, unless
 * the CPU keeps them coherent across C-bit values (Fn8000_001F_EAX[10]),
 * and stale TLB entries flushed after; then the hypervisor is told which
 * pages changed (KVM's page encryption status hypercall, used for
 * migration), once per physically contiguous run.
 */

#include <linux/cc_platform.h>
#include <linux/init.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/swiotlb.h>
#include <linux/virtio_anchor.h>
#include <linux/cpufeature.h>
#include <asm/ia32.h>
#include <asm/paravirt.h>
#include <linux/pgtable.h>
#include <asm/sev.h>
#include <asm/x86_init.h>

#include "internal.h"

static bool sev_enc_status_change_prepare(unsigned long vaddr, int npages,
					  bool enc)
{
	return true;
}

/* The most pages one call can name (npages is an int). */
#define RUN_MAX		((unsigned long)INT_MAX << PAGE_SHIFT)

/**
 * sev_enc_phys_runs() - Call @fn once per physically contiguous run.
 * @vaddr: the start of the range.
 * @size: the size of the range in bytes.
 * @enc: passed on to @fn.
 * @fn: called with the first PFN and the number of pages of each run.
 *
 * The physical memory behind [@vaddr, @vaddr + @size), in as few calls of
 * @fn as it has physically contiguous runs: the mapping is walked one
 * leaf at a time (4 KiB, 2 MiB or 1 GiB), and a leaf whose memory
 * follows on from the run so far extends it.
 */
void sev_enc_phys_runs(unsigned long vaddr, unsigned long size, bool enc,
		       void (*fn)(unsigned long pfn, int npages, bool enc))
{
	unsigned long va = vaddr & PAGE_MASK, end = PAGE_ALIGN(vaddr + size);
	unsigned long next, mask, pa, run_pa = 0, run_len = 0;
	int level;
	pte_t *pte;

	for (; va < end; va = next) {
		pte = lookup_address(va, &level);
		if (WARN_ONCE(!pte || pte_none(*pte), "no mapping for %#lx\n", va))
			break;
		mask = page_level_mask(level);
		next = min((va & mask) + page_level_size(level), end);
		pa = (pte_val(*pte) & PTE_PFN_MASK & mask) | (va & ~mask);

		if (run_len && pa == run_pa + run_len &&
		    run_len + (next - va) <= RUN_MAX) {
			run_len += next - va;
			continue;
		}
		if (run_len)
			fn(run_pa >> PAGE_SHIFT, run_len >> PAGE_SHIFT, enc);
		run_pa = pa;
		run_len = next - va;
	}
	if (run_len)
		fn(run_pa >> PAGE_SHIFT, run_len >> PAGE_SHIFT, enc);
}

/**
 * sev_notify_enc_status() - Tell the hypervisor which pages changed.
 * @vaddr: the start of the range.
 * @size: the size of the range in bytes.
 * @enc: whether the pages are now private (encrypted).
 *
 * With the paravirt hook for it, once per physically contiguous run (KVM's
 * page encryption status hypercall takes a GPA range).
 */
void sev_notify_enc_status(unsigned long vaddr, unsigned long size, bool enc)
{
#ifdef CONFIG_PARAVIRT
	sev_enc_phys_runs(vaddr, size, enc, notify_page_enc_status_changed);
#endif
}

static bool sev_enc_status_change_finish(unsigned long vaddr, int npages,
					 bool enc)
{
	sev_notify_enc_status(vaddr, (unsigned long)npages << PAGE_SHIFT, enc);
	return true;
}

static bool sev_enc_tlb_flush_required(bool enc)
{
	return true;
}

static bool sev_enc_cache_flush_required(void)
{
	return !cpu_feature_enabled(X86_FEATURE_SME_COHERENT);
}

/**
 * sev_guest_mem_init() - Set up the hooks for private <-> shared changes.
 *
 * From sme_early_init(), in an SEV guest.  Also turns 32-bit emulation
 * off, unless ia32_emulation=on.
 */
void __init sev_guest_mem_init(void)
{
	x86_platform.guest.enc_status_change_prepare = sev_enc_status_change_prepare;
	x86_platform.guest.enc_status_change_finish = sev_enc_status_change_finish;
	x86_platform.guest.enc_tlb_flush_required = sev_enc_tlb_flush_required;
	x86_platform.guest.enc_cache_flush_required = sev_enc_cache_flush_required;

	/*
	 * The hypervisor can inject interrupt 0x80 whenever it likes, and
	 * the 32-bit entry points were not written for that (CVE-2024-25744):
	 * 32-bit emulation is off, unless ia32_emulation=on.
	 */
	ia32_disable();
}

/**
 * sev_setup_arch() - Size the bounce buffers with the guest.
 *
 * From setup_arch(): the bounce buffers are all the DMA there is, so size
 * them with the guest (1/16 of memory, 64 MiB to 1 GiB) rather than at
 * the 64 MiB default, and make virtio use them too.
 */
void __init sev_setup_arch(void)
{
	unsigned long size;

	if (!cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT))
		return;

	size = clamp_val(memblock_phys_mem_size() / 16, IO_TLB_DEFAULT_SIZE, SZ_1G);
	swiotlb_adjust_size(size);
	virtio_set_mem_acc_cb(virtio_require_restricted_mem_acc);
}
