// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the CPUID cache: what it keeps and what it never keeps,
 * that nobody can make it grow or push a kept answer out, and that a #VC
 * it can answer makes no exit while one it cannot does.
 *
 * Each test has a cache of its own and a per-CPU APIC ID of its own; the
 * kernel's cache is never touched.  Exits go to a stand-in hypervisor
 * through the test's own GHCB page (sev_ghcb_test_page).
 */
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <linux/prandom.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <asm/processor-flags.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <asm/svm.h>

#include "internal.h"

static struct ghcb test_ghcb __aligned(PAGE_SIZE);
static u8 code[16] __aligned(16);
static DEFINE_PER_CPU(u32, test_apic_id);
static struct sev_cpuid_cache cache;

/* This CPU's record of its APIC ID; CR4 with both bits answers follow. */
#define MY_APIC_ID(id)	SEV_CPUID_APIC_ID(smp_processor_id(), id)
#define CR4_BOTH	(X86_CR4_OSXSAVE | X86_CR4_PKE)

/* The stand-in: how often it was asked, and what it answers. */
static struct {
	unsigned int exits;
	u32 last_leaf, last_subleaf;
	u32 r[4];
	bool drop_rbx;		/* a malformed answer: RBX not valid */
} hv;

static void stand_in_hv(struct ghcb *g)
{
	hv.exits++;
	hv.last_leaf = g->save.rax;
	hv.last_subleaf = g->save.rcx;
	memset(g->save.valid_bitmap, 0, sizeof(g->save.valid_bitmap));
	ghcb_set_rax(g, hv.r[0]);
	if (!hv.drop_rbx)
		ghcb_set_rbx(g, hv.r[1]);
	ghcb_set_rcx(g, hv.r[2]);
	ghcb_set_rdx(g, hv.r[3]);
	ghcb_set_sw_exit_info_1(g, 0);
	ghcb_set_sw_exit_info_2(g, 0);
}

static int cache_init(struct kunit *test)
{
	memset(&hv, 0, sizeof(hv));
	memset(&cache, 0, sizeof(cache));
	cache.apic_id = &test_apic_id;
	this_cpu_write(test_apic_id, 0);
	memset(&test_ghcb, 0, sizeof(test_ghcb));
	sev_ghcb_test_hv = stand_in_hv;
	WRITE_ONCE(sev_ghcb_test_page, &test_ghcb);
	return 0;
}

static void cache_exit(struct kunit *test)
{
	WRITE_ONCE(sev_ghcb_test_page, NULL);
}

static struct sev_cpuid_query query(u32 leaf, u32 subleaf, u64 xcr0,
				    unsigned long cr4)
{
	struct sev_cpuid_query q;

	sev_cpuid_query_init(&q, leaf, subleaf, xcr0, cr4);
	return q;
}

/* Put @r for @leaf/@subleaf, as the #VC path does after an exit. */
static void put(u32 leaf, u32 subleaf, u64 xcr0, u32 a, u32 b, u32 c, u32 d)
{
	struct sev_cpuid_query q = query(leaf, subleaf, xcr0, CR4_BOTH);
	u32 r[4] = { a, b, c, d };
	unsigned long flags;

	local_irq_save(flags);
	sev_cpuid_cache_put(&cache, &q, r);
	local_irq_restore(flags);
}

static bool get(u32 leaf, u32 subleaf, u64 xcr0, unsigned long cr4, u32 r[4])
{
	struct sev_cpuid_query q = query(leaf, subleaf, xcr0, cr4);
	unsigned long flags;
	bool hit;

	local_irq_save(flags);
	hit = sev_cpuid_cache_get(&cache, &q, r);
	local_irq_restore(flags);
	return hit;
}

/* Every leaf and sub-leaf the tests sweep: where CPUID leaves live. */
static const struct { u32 from, to; } ranges[] = {
	{ 0x00000000, 0x00000040 },
	{ 0x40000000, 0x40000110 },
	{ 0x80000000, 0x80000040 },
	{ 0x8fffffff, 0x90000001 },
	{ 0xc0000000, 0xc0000010 },
};

/*
 * The allow-list fills the table exactly: each slot belongs to one leaf
 * (and sub-leaf of an indexed leaf), and nothing maps beyond the table.
 */
static void slots_fit_table(struct kunit *test)
{
	static u32 owner[SEV_CPUID_SLOTS];
	DECLARE_BITMAP(seen, SEV_CPUID_SLOTS);
	u32 leaf, sub;
	int i, slot;
	u8 kind;

	KUNIT_ASSERT_EQ(test, sev_cpuid_slots_needed(), SEV_CPUID_SLOTS);
	bitmap_zero(seen, SEV_CPUID_SLOTS);
	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		for (leaf = ranges[i].from; leaf != ranges[i].to; leaf++) {
			for (sub = 0; sub < 300; sub++) {
				slot = sev_cpuid_slot(leaf, sub, &kind);
				if (slot < 0)
					continue;
				KUNIT_ASSERT_LT(test, slot, SEV_CPUID_SLOTS);
				if (!test_and_set_bit(slot, seen))
					owner[slot] = leaf;
				KUNIT_EXPECT_EQ(test, owner[slot], leaf);
			}
		}
	}
	KUNIT_EXPECT_EQ(test, bitmap_weight(seen, SEV_CPUID_SLOTS), SEV_CPUID_SLOTS);
	/* Sub-leaves beyond the list, and far beyond, have no slot. */
	KUNIT_EXPECT_LT(test, sev_cpuid_slot(0xd, 19, &kind), 0);
	KUNIT_EXPECT_LT(test, sev_cpuid_slot(0xd, 0xffffffff, &kind), 0);
	KUNIT_EXPECT_LT(test, sev_cpuid_slot(0x8000001d, 5, &kind), 0);
	KUNIT_EXPECT_LT(test, sev_cpuid_slot(0x7, 3, &kind), 0);
	/* A leaf that ignores ECX: one slot, whatever ECX holds. */
	KUNIT_EXPECT_EQ(test, sev_cpuid_slot(0x80000008, 0, &kind),
			sev_cpuid_slot(0x80000008, 0xdeadbeef, &kind));
}

/* The leaves that name the CPU running them have no slot, ever. */
static void per_cpu_leaves_never_cached(struct kunit *test)
{
	static const u32 per_cpu[] = { 0xb, 0x1f, 0x8000001e, 0x80000026 };
	u32 sub, r[4];
	int i;
	u8 kind;

	for (i = 0; i < ARRAY_SIZE(per_cpu); i++) {
		for (sub = 0; sub < 300; sub++) {
			KUNIT_EXPECT_LT(test, sev_cpuid_slot(per_cpu[i], sub, &kind), 0);
			put(per_cpu[i], sub, 1, 1, 2, 3, sub);
			KUNIT_EXPECT_FALSE(test, get(per_cpu[i], sub, 1, CR4_BOTH, r));
		}
	}
	KUNIT_EXPECT_EQ(test, sev_cpuid_cache_used(&cache), 0);
}

/*
 * Leaf 1: the APIC ID is this CPU's own, never another's; OSXSAVE is
 * CR4's.  Neither is stored in the shared slot.
 */
static void leaf1_apic_id_and_osxsave(struct kunit *test)
{
	const u32 ebx = 0x05020800, ecx = BIT(27) | BIT(26) | 1;
	struct sev_cpuid_query q = query(1, 0, 1, 0);
	u32 a[4] = { 0x00a00f11, 0x07020800, ecx, 0x178bfbff };
	unsigned long flags;
	u32 r[4];
	int slot;
	u8 kind;

	/* The per-CPU APIC ID is this CPU's throughout. */
	migrate_disable();
	put(1, 0, 1, 0x00a00f11, ebx, ecx, 0x178bfbff);
	slot = sev_cpuid_slot(1, 0, &kind);
	KUNIT_ASSERT_GE(test, slot, 0);
	KUNIT_EXPECT_EQ(test, cache.slot[slot].regs[1], ebx & ~GENMASK(31, 24));
	KUNIT_EXPECT_EQ(test, cache.slot[slot].regs[2], ecx & ~BIT(27));

	/* This CPU, as the hypervisor told it: APIC ID 5. */
	KUNIT_ASSERT_TRUE(test, get(1, 0, 1, CR4_BOTH, r));
	KUNIT_EXPECT_EQ(test, r[0], 0x00a00f11);
	KUNIT_EXPECT_EQ(test, r[1], ebx);
	KUNIT_EXPECT_EQ(test, r[2], ecx);
	KUNIT_EXPECT_EQ(test, r[3], 0x178bfbff);

	/* Without CR4.OSXSAVE, no OSXSAVE; with any sub-leaf, the same. */
	KUNIT_ASSERT_TRUE(test, get(1, 0x1234, 1, X86_CR4_PKE, r));
	KUNIT_EXPECT_EQ(test, r[2], ecx & ~BIT(27));

	/* A CPU whose APIC ID the cache does not know yet: a miss. */
	this_cpu_write(test_apic_id, 0);
	KUNIT_EXPECT_FALSE(test, get(1, 0, 1, CR4_BOTH, r));
	/* A record copied from another CPU's per-CPU data is not ours. */
	this_cpu_write(test_apic_id, SEV_CPUID_APIC_ID(smp_processor_id() + 1, 5));
	KUNIT_EXPECT_FALSE(test, get(1, 0, 1, CR4_BOTH, r));
	/* Another CPU's (here: told 9): its own ID, the rest shared. */
	this_cpu_write(test_apic_id, MY_APIC_ID(9));
	KUNIT_ASSERT_TRUE(test, get(1, 0, 1, CR4_BOTH, r));
	KUNIT_EXPECT_EQ(test, r[1], (ebx & ~GENMASK(31, 24)) | (9 << 24));

	/* A miss's answer is already what a hit gives. */
	this_cpu_write(test_apic_id, 0);
	local_irq_save(flags);
	sev_cpuid_cache_put(&cache, &q, a);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, a[1], 0x07020800);
	KUNIT_EXPECT_EQ(test, a[2], ecx & ~BIT(27));
	KUNIT_EXPECT_EQ(test, this_cpu_read(test_apic_id), MY_APIC_ID(7));
	migrate_enable();
}

/* Leaf 7.0 ECX OSPKE is CR4.PKE's, where the CPU has PKU. */
static void leaf7_ospke(struct kunit *test)
{
	u32 r[4];

	put(7, 0, 1, 0, 0x219c07a9, BIT(3) | BIT(4) | BIT(2), 0);
	KUNIT_ASSERT_TRUE(test, get(7, 0, 1, CR4_BOTH, r));
	KUNIT_EXPECT_EQ(test, r[2], BIT(3) | BIT(4) | BIT(2));
	KUNIT_ASSERT_TRUE(test, get(7, 0, 1, X86_CR4_OSXSAVE, r));
	KUNIT_EXPECT_EQ(test, r[2], BIT(3) | BIT(2));
	/* Sub-leaf 1's ECX is another register: kept as answered. */
	put(7, 1, 1, 0, 0, BIT(4), 0);
	KUNIT_ASSERT_TRUE(test, get(7, 1, 1, 0, r));
	KUNIT_EXPECT_EQ(test, r[2], BIT(4));

	/* No PKU, no OSPKE, whatever CR4 and the answer said. */
	memset(&cache.slot, 0, sizeof(cache.slot));
	put(7, 0, 1, 0, 0, BIT(4), 0);
	KUNIT_ASSERT_TRUE(test, get(7, 0, 1, CR4_BOTH, r));
	KUNIT_EXPECT_EQ(test, r[2], 0);
}

/*
 * 0xD sub-leaves 0 and 1 answer for the XCR0 asked with: a lookup with
 * another XCR0 misses, and its answer takes the slot over.  Component
 * sub-leaves do not depend on XCR0.
 */
static void xsave_sizes_keyed_by_xcr0(struct kunit *test)
{
	u32 r[4];

	put(0xd, 0, 0x1, 0x21f, 0x240, 0xa88, 0);
	KUNIT_ASSERT_TRUE(test, get(0xd, 0, 0x1, CR4_BOTH, r));
	KUNIT_EXPECT_EQ(test, r[1], 0x240);
	KUNIT_EXPECT_FALSE(test, get(0xd, 0, 0x207, CR4_BOTH, r));

	put(0xd, 0, 0x207, 0x21f, 0xa88, 0xa88, 0);
	KUNIT_ASSERT_TRUE(test, get(0xd, 0, 0x207, CR4_BOTH, r));
	KUNIT_EXPECT_EQ(test, r[1], 0xa88);
	KUNIT_EXPECT_FALSE(test, get(0xd, 0, 0x1, CR4_BOTH, r));

	put(0xd, 1, 0x207, 0xf, 0x988, 0, 0);
	KUNIT_EXPECT_FALSE(test, get(0xd, 1, 0x7, CR4_BOTH, r));

	put(0xd, 2, 0x207, 0x100, 0x240, 0, 0);
	KUNIT_ASSERT_TRUE(test, get(0xd, 2, 0x1, CR4_BOTH, r));
	KUNIT_EXPECT_EQ(test, r[0], 0x100);
}

/*
 * Whatever anybody asks, with whatever answers: the table stays the size
 * it is, an answer kept stays, and a leaf off the list is never kept.
 */
static void nobody_grows_or_evicts(struct kunit *test)
{
	struct rnd_state rnd;
	u32 r[4], leaf, sub;
	int i, slot, used;
	u8 kind;

	put(0x8000001f, 0, 1, 0xa, 0x73, 0, 0);
	put(0, 0, 1, 0xd, 0x68747541, 0x444d4163, 0x69746e65);
	used = sev_cpuid_cache_used(&cache);
	KUNIT_EXPECT_EQ(test, used, 2);

	prandom_seed_state(&rnd, 0x5e5c0de);
	for (i = 0; i < 200000; i++) {
		leaf = prandom_u32_state(&rnd);
		if (i & 1)
			leaf = ranges[i % ARRAY_SIZE(ranges)].from + (leaf & 0x3f);
		sub = i & 2 ? prandom_u32_state(&rnd) : leaf & 0x1f;
		slot = sev_cpuid_slot(leaf, sub, &kind);
		put(leaf, sub, 1, ~0u, ~0u, ~0u, ~0u);
		KUNIT_EXPECT_EQ(test, get(leaf, sub, 1, CR4_BOTH, r), slot >= 0);
		if (slot < 0)
			KUNIT_EXPECT_EQ(test, sev_cpuid_cache_used(&cache), used);
		else
			used = sev_cpuid_cache_used(&cache);
		if (test->status == KUNIT_FAILURE)
			break;
	}
	KUNIT_EXPECT_LE(test, sev_cpuid_cache_used(&cache), SEV_CPUID_SLOTS);
	KUNIT_ASSERT_TRUE(test, get(0x8000001f, 0, 1, CR4_BOTH, r));
	KUNIT_EXPECT_EQ(test, r[0], 0xa);
	KUNIT_EXPECT_EQ(test, r[1], 0x73);
	KUNIT_ASSERT_TRUE(test, get(0, 0, 1, CR4_BOTH, r));
	KUNIT_EXPECT_EQ(test, r[0], 0xd);
	KUNIT_EXPECT_EQ(test, r[2], 0x444d4163);
}

/*
 * A slot another context is writing (an NMI came in the middle of it):
 * it misses, and the nested put leaves it to that writer.
 */
static void slot_being_written(struct kunit *test)
{
	struct sev_cpuid_entry *e;
	u32 r[4];
	int slot;
	u8 kind;

	slot = sev_cpuid_slot(0x80000008, 0, &kind);
	KUNIT_ASSERT_GE(test, slot, 0);
	e = &cache.slot[slot];
	e->seq = 1;
	e->regs[0] = 0x3030;
	KUNIT_EXPECT_FALSE(test, get(0x80000008, 0, 1, CR4_BOTH, r));
	put(0x80000008, 0, 1, 0x3131, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, e->seq, 1);
	KUNIT_EXPECT_EQ(test, e->regs[0], 0x3030);

	/* The writer is done: from now on the slot is as it wrote it. */
	e->seq = 2;
	KUNIT_ASSERT_TRUE(test, get(0x80000008, 0, 1, CR4_BOTH, r));
	KUNIT_EXPECT_EQ(test, r[0], 0x3030);
	put(0x80000008, 0, 1, 0x3131, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, e->seq, 2);
	KUNIT_EXPECT_EQ(test, e->regs[0], 0x3030);
}

/* A kernel CPUID #VC at @leaf/@subleaf through sev_es_emulate(). */
static enum vc_result vc_cpuid(struct kunit *test, struct pt_regs *regs,
			       u32 leaf, u32 subleaf)
{
	struct vc_ctxt ctxt;
	unsigned long flags;
	enum vc_result res;

	memset(code, 0xcc, sizeof(code));
	code[0] = 0x0f;
	code[1] = 0xa2;
	memset(regs, 0, sizeof(*regs));
	regs->ip = (unsigned long)code;
	regs->cs = __KERNEL_CS;
	regs->flags = X86_EFLAGS_FIXED;
	regs->ax = leaf;
	regs->cx = subleaf;
	memset(&ctxt, 0, sizeof(ctxt));
	ctxt.regs = regs;
	ctxt.exit_code = SVM_EXIT_CPUID;
	ctxt.cpuid_cache = &cache;
	sev_ghcb_invalidate(&test_ghcb);

	local_irq_save(flags);
	res = sev_es_emulate(&ctxt, &test_ghcb);
	local_irq_restore(flags);
	return res;
}

/*
 * Through the #VC path: the first CPUID of a listed leaf exits, the
 * second does not and gets the same answer; a leaf off the list exits
 * every time.
 */
static void vc_hits_and_misses(struct kunit *test)
{
	struct pt_regs regs;

	hv.r[0] = 0x8000001f;
	hv.r[1] = 0x68747541;
	hv.r[2] = 0x444d4163;
	hv.r[3] = 0x69746e65;
	KUNIT_EXPECT_EQ(test, vc_cpuid(test, &regs, 0x80000000, 0), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.exits, 1);
	KUNIT_EXPECT_EQ(test, hv.last_leaf, 0x80000000);

	/* A second answer, should it be asked: one the checks let pass. */
	hv.r[0] = 0x80000021;
	KUNIT_EXPECT_EQ(test, vc_cpuid(test, &regs, 0x80000000, 7), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.exits, 1);
	KUNIT_EXPECT_EQ(test, regs.ax, 0x8000001f);
	KUNIT_EXPECT_EQ(test, regs.bx, 0x68747541);
	KUNIT_EXPECT_EQ(test, regs.cx, 0x444d4163);
	KUNIT_EXPECT_EQ(test, regs.dx, 0x69746e65);

	KUNIT_EXPECT_EQ(test, vc_cpuid(test, &regs, 0xb, 0), VC_DONE);
	KUNIT_EXPECT_EQ(test, vc_cpuid(test, &regs, 0xb, 0), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.exits, 3);
	KUNIT_EXPECT_EQ(test, regs.ax, 0x80000021);

	/* Indexed: each sub-leaf its own answer. */
	hv.r[0] = 0x40;
	KUNIT_EXPECT_EQ(test, vc_cpuid(test, &regs, 0xd, 3), VC_DONE);
	hv.r[0] = 0x80;
	KUNIT_EXPECT_EQ(test, vc_cpuid(test, &regs, 0xd, 4), VC_DONE);
	KUNIT_EXPECT_EQ(test, vc_cpuid(test, &regs, 0xd, 3), VC_DONE);
	KUNIT_EXPECT_EQ(test, regs.ax, 0x40);
	KUNIT_EXPECT_EQ(test, hv.exits, 5);
}

/* A malformed answer is refused, and nothing of it is kept. */
static void vc_refused_answer_not_kept(struct kunit *test)
{
	struct pt_regs regs;

	hv.r[0] = 0x20444d41;
	hv.drop_rbx = true;
	KUNIT_EXPECT_EQ(test, vc_cpuid(test, &regs, 0x80000002, 0), VC_FATAL);
	KUNIT_EXPECT_EQ(test, sev_cpuid_cache_used(&cache), 0);

	hv.drop_rbx = false;
	KUNIT_EXPECT_EQ(test, vc_cpuid(test, &regs, 0x80000002, 0), VC_DONE);
	KUNIT_EXPECT_EQ(test, sev_cpuid_cache_used(&cache), 1);
	KUNIT_EXPECT_EQ(test, vc_cpuid(test, &regs, 0x80000002, 0), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.exits, 2);
	KUNIT_EXPECT_EQ(test, regs.ax, 0x20444d41);
}

static struct kunit_case sev_es_cpuid_cache_cases[] = {
	KUNIT_CASE(slots_fit_table),
	KUNIT_CASE(per_cpu_leaves_never_cached),
	KUNIT_CASE(leaf1_apic_id_and_osxsave),
	KUNIT_CASE(leaf7_ospke),
	KUNIT_CASE(xsave_sizes_keyed_by_xcr0),
	KUNIT_CASE(nobody_grows_or_evicts),
	KUNIT_CASE(slot_being_written),
	KUNIT_CASE(vc_hits_and_misses),
	KUNIT_CASE(vc_refused_answer_not_kept),
	{}
};

static struct kunit_suite sev_es_cpuid_cache_suite = {
	.name = "sev_es_cpuid_cache",
	.init = cache_init,
	.exit = cache_exit,
	.test_cases = sev_es_cpuid_cache_cases,
};

kunit_test_suites(&sev_es_cpuid_cache_suite);
