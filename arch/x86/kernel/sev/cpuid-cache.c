// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPUID answers kept, so that a CPUID the guest asked before costs a #VC
 * but no VMGEXIT (GHCB spec (56421), "CPUID": the exit it saves).
 *
 * The cache is a fixed table with one slot per leaf, or per sub-leaf, of
 * an allow-list (sev_cpuid_classes below): nothing is allocated, nothing
 * outside the list is ever kept, and a slot holds the first answer that
 * passed the response checks, for the life of the guest.  A CPUID anybody
 * (user space included) asks for a leaf or sub-leaf beyond the list goes
 * to the hypervisor every time and leaves no trace, so no caller can grow
 * the table or push anything out of it.
 *
 * On the list are the leaves whose answer is the virtual machine's: the
 * same on every vCPU and at every moment, since the hypervisor fixed the
 * vCPU model before the first VMRUN.  Left off are the leaves that name
 * the CPU that runs them (APIC and topology IDs: 0xB, 0x1F, 0x8000001E,
 * 0x80000026) and anything not known to be fixed.  The state-dependent
 * parts of listed leaves are handled one by one:
 *
 *  - leaf 1 EBX[31:24] is the initial APIC ID: kept per CPU, as the
 *    hypervisor told that CPU, and put into the shared answer on a hit.
 *    The record names its CPU: one the boot CPU wrote before the per-CPU
 *    areas existed is in every CPU's copy of the initial per-CPU data,
 *    and is the boot CPU's only;
 *  - leaf 1 ECX[27] OSXSAVE and leaf 7.0 ECX[4] OSPKE mirror CR4.OSXSAVE
 *    and CR4.PKE (APM vol. 3, CPUID Fn0000_0001_ECX, Fn0000_0007_ECX_x0):
 *    recomputed from this CPU's CR4 on every answer, cached or not;
 *  - leaf 0xD sub-leaves 0 and 1 give XSAVE area sizes for the XCR0 the
 *    exit carries (sub-leaf 1 also for IA32_XSS, which Linux writes once
 *    per CPU, the same value, right after XCR0): their slots are keyed
 *    by XCR0 and taken over by an answer for another XCR0.  XCR0 changes
 *    only while the kernel sets up XSAVE, and user space cannot change it.
 *
 * Leaf 1 EDX[9] (and Fn8000_0001_EDX[9]) mirrors IA32_APIC_BASE.EN; it
 * is kept as answered: 64-bit Linux never leaves its APIC disabled.
 *
 * A #VC may come in NMI context, on any CPU, nested in another #VC that is
 * filling a slot: there are no locks.  Each slot has a sequence count:
 * odd while a writer, which got it by cmpxchg, fills it; a reader that
 * sees it odd, or changed by the time it has copied the answer, misses
 * and asks the hypervisor, and a writer that loses the cmpxchg leaves the
 * slot to the winner.
 */

#include <linux/atomic.h>
#include <linux/bitfield.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/processor-flags.h>

#include "internal.h"

enum sev_cpuid_kind {
	/* The same answer everywhere, always. */
	CPUID_FIXED,
	/* Per-CPU APIC ID, OSXSAVE from CR4. */
	CPUID_LEAF1,
	/* OSPKE from CR4. */
	CPUID_LEAF7,
	/* Keyed by the XCR0 asked with. */
	CPUID_XCR0,
};

/*
 * A leaf, or the sub-leaves @first .. @first + @count - 1 of one.  A
 * @count of 0: the leaf ignores ECX, any sub-leaf is the same answer.
 */
struct sev_cpuid_class {
	u32 leaf;
	u8 first;
	u8 count;
	u8 kind;
};

static const struct sev_cpuid_class sev_cpuid_classes[] = {
	{ 0x00000000, 0, 0, CPUID_FIXED },	/* largest leaf, vendor */
	{ 0x00000001, 0, 0, CPUID_LEAF1 },	/* family, features */
	{ 0x00000005, 0, 0, CPUID_FIXED },	/* MONITOR/MWAIT */
	{ 0x00000006, 0, 0, CPUID_FIXED },	/* power management */
	{ 0x00000007, 0, 1, CPUID_LEAF7 },	/* structured features */
	{ 0x00000007, 1, 2, CPUID_FIXED },
	{ 0x0000000d, 0, 2, CPUID_XCR0 },	/* XSAVE area sizes */
	{ 0x0000000d, 2, 17, CPUID_FIXED },	/* XSAVE components 2..18 */
	{ 0x40000000, 0, 0, CPUID_FIXED },	/* hypervisor signature */
	{ 0x40000001, 0, 0, CPUID_FIXED },	/* hypervisor features */
	{ 0x80000000, 0, 0, CPUID_FIXED },	/* largest extended leaf */
	{ 0x80000001, 0, 0, CPUID_FIXED },	/* extended features */
	{ 0x80000002, 0, 0, CPUID_FIXED },	/* processor name */
	{ 0x80000003, 0, 0, CPUID_FIXED },
	{ 0x80000004, 0, 0, CPUID_FIXED },
	{ 0x80000005, 0, 0, CPUID_FIXED },	/* L1 caches and TLBs */
	{ 0x80000006, 0, 0, CPUID_FIXED },	/* L2, L3 */
	{ 0x80000007, 0, 0, CPUID_FIXED },	/* power management, RAS */
	{ 0x80000008, 0, 0, CPUID_FIXED },	/* address sizes, core count */
	{ 0x8000000a, 0, 0, CPUID_FIXED },	/* SVM */
	{ 0x80000019, 0, 0, CPUID_FIXED },	/* 1 GiB TLBs */
	{ 0x8000001a, 0, 0, CPUID_FIXED },	/* performance optimisations */
	{ 0x8000001d, 0, 5, CPUID_FIXED },	/* cache topology */
	{ 0x8000001f, 0, 0, CPUID_FIXED },	/* SEV */
	{ 0x80000021, 0, 0, CPUID_FIXED },	/* extended features 2 */
};

#define LEAF1_APIC_ID		GENMASK(31, 24)
#define LEAF1_XSAVE		BIT(26)
#define LEAF1_OSXSAVE		BIT(27)
#define LEAF7_PKU		BIT(3)
#define LEAF7_OSPKE		BIT(4)

/* SEV_CPUID_APIC_ID(cpu, APIC ID), once this CPU was told. */
static DEFINE_PER_CPU(u32, sev_cpuid_apic_id);

struct sev_cpuid_cache sev_cpuid_cache = {
	.apic_id = &sev_cpuid_apic_id,
};

/**
 * sev_cpuid_slot() - The slot for @leaf/@subleaf and its class.
 * @leaf: the CPUID leaf (EAX).
 * @subleaf: the sub-leaf (ECX).
 * @kind: set to the class's kind, for a leaf that is cached.
 *
 * Return: the slot, or -1: not cached.
 */
int sev_cpuid_slot(u32 leaf, u32 subleaf, u8 *kind)
{
	const struct sev_cpuid_class *c;
	int slot = 0;

	for (c = sev_cpuid_classes; c < sev_cpuid_classes + ARRAY_SIZE(sev_cpuid_classes); c++) {
		if (c->leaf == leaf && !c->count)
			break;
		if (c->leaf == leaf && subleaf - c->first < c->count) {
			slot += subleaf - c->first;
			break;
		}
		slot += c->count ?: 1;
	}
	if (c == sev_cpuid_classes + ARRAY_SIZE(sev_cpuid_classes) ||
	    slot >= SEV_CPUID_SLOTS)
		return -1;
	*kind = c->kind;
	return slot;
}

/**
 * sev_cpuid_query_init() - A query for @leaf/@subleaf, its slot looked up once.
 * @q: the query to fill in.
 * @leaf: the CPUID leaf (EAX).
 * @subleaf: the sub-leaf (ECX).
 * @xcr0: as the exit sends it: XCR0, or 1 without CR4.OSXSAVE.
 * @cr4: this CPU's CR4.
 */
void sev_cpuid_query_init(struct sev_cpuid_query *q, u32 leaf, u32 subleaf,
			  u64 xcr0, unsigned long cr4)
{
	q->leaf = leaf;
	q->subleaf = subleaf;
	q->xcr0 = xcr0;
	q->cr4 = cr4;
	q->kind = CPUID_FIXED;
	q->slot = sev_cpuid_slot(leaf, subleaf, &q->kind);
}

/**
 * sev_cpuid_slots_needed() - The slots the allow-list needs.
 *
 * Return: the number of slots the allow-list needs; SEV_CPUID_SLOTS must
 * be this.
 */
int sev_cpuid_slots_needed(void)
{
	int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(sev_cpuid_classes); i++)
		n += sev_cpuid_classes[i].count ?: 1;
	return n;
}

static u64 sev_cpuid_tag(u8 kind, const struct sev_cpuid_query *q)
{
	return kind == CPUID_XCR0 ? q->xcr0 : 0;
}

/* The parts of an answer that follow this CPU's state, as it is now. */
static bool sev_cpuid_present(struct sev_cpuid_cache *c, u8 kind,
			      const struct sev_cpuid_query *q, u32 r[4])
{
	u32 id;

	switch (kind) {
	case CPUID_LEAF1:
		id = this_cpu_read(*c->apic_id);
		if (id != SEV_CPUID_APIC_ID(raw_smp_processor_id(), id & 0xff))
			return false;
		r[1] = (r[1] & ~LEAF1_APIC_ID) | FIELD_PREP(LEAF1_APIC_ID, id & 0xff);
		if ((r[2] & LEAF1_XSAVE) && (q->cr4 & X86_CR4_OSXSAVE))
			r[2] |= LEAF1_OSXSAVE;
		break;
	case CPUID_LEAF7:
		if ((r[2] & LEAF7_PKU) && (q->cr4 & X86_CR4_PKE))
			r[2] |= LEAF7_OSPKE;
		break;
	}
	return true;
}

/**
 * sev_cpuid_cache_get() - The answer to @q from @c.
 * @c: the cache.
 * @q: the query.
 * @r: filled with EAX, EBX, ECX and EDX.
 *
 * Return: true with @r filled, or false, and then only the hypervisor can
 * answer.
 */
bool sev_cpuid_cache_get(struct sev_cpuid_cache *c,
			 const struct sev_cpuid_query *q, u32 r[4])
{
	struct sev_cpuid_entry *e;
	u8 kind = q->kind;
	u32 seq, i;
	u64 tag;

	if (q->slot < 0)
		return false;
	e = &c->slot[q->slot];

	/* Pairs with the release in sev_cpuid_store(): the answer is whole. */
	seq = smp_load_acquire(&e->seq);
	if (!seq || (seq & 1))
		return false;
	tag = READ_ONCE(e->tag);
	for (i = 0; i < 4; i++)
		r[i] = READ_ONCE(e->regs[i]);
	/* The copy before the second look: a writer since then shows. */
	smp_rmb();
	if (READ_ONCE(e->seq) != seq || tag != sev_cpuid_tag(kind, q))
		return false;
	return sev_cpuid_present(c, kind, q, r);
}

/*
 * Write @r into @e, once; or again for another @tag when @retag.  Never
 * waits: a slot another context is writing is left to it.
 */
static void sev_cpuid_store(struct sev_cpuid_entry *e, bool retag, u64 tag,
			    const u32 r[4])
{
	u32 seq = READ_ONCE(e->seq), i;

	if (seq & 1)
		return;
	if (seq && (!retag || READ_ONCE(e->tag) == tag))
		return;
	if (cmpxchg(&e->seq, seq, seq + 1) != seq)
		return;
	WRITE_ONCE(e->tag, tag);
	for (i = 0; i < 4; i++)
		WRITE_ONCE(e->regs[i], r[i]);
	/* The answer before the even count that says it is whole. */
	smp_store_release(&e->seq, seq + 2);
}

/**
 * sev_cpuid_cache_put() - Keep the hypervisor's answer to @q in @c.
 * @c: the cache.
 * @q: the query.
 * @r: the hypervisor's answer to @q, checked: EAX, EBX, ECX and EDX.
 *
 * Keep @r if its slot is free (or, keyed by XCR0, holds another XCR0's),
 * and make @r what a cached answer would be.  The state-dependent bits are
 * stored clear.
 */
void sev_cpuid_cache_put(struct sev_cpuid_cache *c,
			 const struct sev_cpuid_query *q, u32 r[4])
{
	u8 kind = q->kind;
	u64 tag = 0;

	if (q->slot < 0)
		return;

	switch (kind) {
	case CPUID_LEAF1:
		this_cpu_write(*c->apic_id,
			       SEV_CPUID_APIC_ID(raw_smp_processor_id(),
						 FIELD_GET(LEAF1_APIC_ID, r[1])));
		r[1] &= ~LEAF1_APIC_ID;
		r[2] &= ~LEAF1_OSXSAVE;
		break;
	case CPUID_LEAF7:
		r[2] &= ~LEAF7_OSPKE;
		break;
	case CPUID_XCR0:
		tag = q->xcr0;
		break;
	}
	sev_cpuid_store(&c->slot[q->slot], kind == CPUID_XCR0, tag, r);
	sev_cpuid_present(c, kind, q, r);
}

/**
 * sev_cpuid_cache_used() - Slots in use: a count KUnit watches.
 * @c: the cache.
 *
 * Return: the number of slots in @c that are not empty.
 */
int sev_cpuid_cache_used(const struct sev_cpuid_cache *c)
{
	int i, n = 0;

	for (i = 0; i < SEV_CPUID_SLOTS; i++)
		n += READ_ONCE(c->slot[i].seq) != 0;
	return n;
}
