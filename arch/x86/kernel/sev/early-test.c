// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the early SEV-ES code: the GHCB MSR protocol codec, CPUID
 * through the MSR protocol and the C-bit checks.
 *
 * The codec tests run anywhere.  The others talk to the hypervisor or
 * probe memory encryption, so they run inside an SEV-ES guest (on the
 * QEMU model or on hardware) and are skipped elsewhere.  Refusals that
 * end the guest are tested by booting against a hostile hypervisor
 * (tests/cases/hostile-*.sh), not here.
 */
#include <kunit/test.h>
#include <linux/cc_platform.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/processor.h>
#include <asm/ptrace.h>
#include <asm/sev-es-early.h>
#include <asm/svm.h>

/* SEV information examples: max 2, min 1, C-bit 51. */
#define INFO_1_2_51	0x0002000133000001ULL

static void msr_sev_info_decode(struct kunit *test)
{
	struct sev_msr_info info;

	KUNIT_EXPECT_EQ(test, sev_msr_sev_info_decode(INFO_1_2_51, &info), SEV_MSR_OK);
	KUNIT_EXPECT_EQ(test, info.min, 1);
	KUNIT_EXPECT_EQ(test, info.max, 2);
	KUNIT_EXPECT_EQ(test, info.cbit, 51);

	/* A CPUID response where SEV information was asked for. */
	KUNIT_EXPECT_EQ(test, sev_msr_sev_info_decode((INFO_1_2_51 & ~0xfffULL) | 0x005,
						      &info), SEV_MSR_BAD_CODE);
	/* Reserved bits 23:12. */
	KUNIT_EXPECT_EQ(test, sev_msr_sev_info_decode(INFO_1_2_51 | 0x1000, &info),
			SEV_MSR_BAD_RESERVED);
	KUNIT_EXPECT_EQ(test, sev_msr_sev_info_decode(INFO_1_2_51 | 0x800000, &info),
			SEV_MSR_BAD_RESERVED);
	/* min > max. */
	KUNIT_EXPECT_EQ(test, sev_msr_sev_info_decode(0x0001000233000001ULL, &info),
			SEV_MSR_BAD_VERSION);
	/* The model's "garbage" lie. */
	KUNIT_EXPECT_EQ(test, sev_msr_sev_info_decode(0xbadc0ffee0ddffffULL, &info),
			SEV_MSR_BAD_CODE);
}

static void msr_pick_version(struct kunit *test)
{
	static const struct { u16 min, max; unsigned int want; } cases[] = {
		{ 1, 1, 1 }, { 1, 2, 2 }, { 2, 2, 2 }, { 1, 9, 2 },
		{ 2, 9, 2 }, { 3, 3, 0 }, { 3, 9, 0 }, { 0, 0, 0 },
	};
	struct sev_msr_info info = { .cbit = 51 };
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		info.min = cases[i].min;
		info.max = cases[i].max;
		KUNIT_EXPECT_EQ_MSG(test, sev_msr_pick_version(&info), cases[i].want,
				    "hypervisor range %u..%u", info.min, info.max);
	}
}

static void msr_cpuid_codec(struct kunit *test)
{
	u32 val = 0;

	KUNIT_EXPECT_EQ(test, sev_msr_cpuid_req(0x8000001f, GHCB_CPUID_REQ_EBX),
			0x8000001f40000004ULL);
	KUNIT_EXPECT_EQ(test, sev_msr_cpuid_req(1, GHCB_CPUID_REQ_EDX), 0x00000001c0000004ULL);

	KUNIT_EXPECT_EQ(test, sev_msr_cpuid_decode(0x0000007340000005ULL, GHCB_CPUID_REQ_EBX,
						   &val), SEV_MSR_OK);
	KUNIT_EXPECT_EQ(test, val, 0x73);
	/* The model's "cpuid-code" lie: GHCBInfo 0x007. */
	KUNIT_EXPECT_EQ(test, sev_msr_cpuid_decode(0x0000007340000007ULL, GHCB_CPUID_REQ_EBX,
						   &val), SEV_MSR_BAD_CODE);
	/* The "cpuid-reg" lie: the answer is for EAX. */
	KUNIT_EXPECT_EQ(test, sev_msr_cpuid_decode(0x0000007300000005ULL, GHCB_CPUID_REQ_EBX,
						   &val), SEV_MSR_BAD_REGISTER);
	/* Reserved bits 29:12. */
	KUNIT_EXPECT_EQ(test, sev_msr_cpuid_decode(0x0000007340001005ULL, GHCB_CPUID_REQ_EBX,
						   &val), SEV_MSR_BAD_RESERVED);
	KUNIT_EXPECT_EQ(test, sev_msr_cpuid_decode(0x0000007360000005ULL, GHCB_CPUID_REQ_EBX,
						   &val), SEV_MSR_BAD_RESERVED);
}

static void msr_term_codec(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sev_msr_term_req(SEV_TERM_SET_GEN, GHCB_SEV_ES_PROT_UNSUPPORTED),
			0x10100ULL);
	KUNIT_EXPECT_EQ(test, sev_msr_term_req(SEV_TERM_SET_LINUX, GHCB_TERM_CBIT_PROBE),
			0x141100ULL);
	/* Out-of-range values do not spill into other fields. */
	KUNIT_EXPECT_EQ(test, sev_msr_term_req(0x1f, 0x1ff), 0xfff100ULL);
}

static struct kunit_case sev_es_msr_cases[] = {
	KUNIT_CASE(msr_sev_info_decode),
	KUNIT_CASE(msr_pick_version),
	KUNIT_CASE(msr_cpuid_codec),
	KUNIT_CASE(msr_term_codec),
	{}
};

static struct kunit_suite sev_es_msr_suite = {
	.name = "sev_es_msr",
	.test_cases = sev_es_msr_cases,
};

static void skip_unless_sev_es(struct kunit *test)
{
	if (!cc_platform_has(CC_ATTR_GUEST_STATE_ENCRYPT))
		kunit_skip(test, "not an SEV-ES guest");
}

/*
 * MSR-protocol calls need interrupts off: a #VC between the request and
 * the VMGEXIT would overwrite the request.  They put the runtime's GHCB
 * MSR back themselves.
 */
#define WITH_IRQS_OFF(stmt)					\
	do {							\
		unsigned long __flags;				\
								\
		local_irq_save(__flags);			\
		stmt;						\
		local_irq_restore(__flags);			\
	} while (0)

/* Live: the hypervisor's MSR-protocol answers match its GHCB answers. */
static void cpuid_msr_matches_cpuid(struct kunit *test)
{
	static const u32 leaves[] = { 0x0, 0x1, 0x80000000, 0x80000008, 0x8000001f };
	u32 a, b, c, d, m[4];
	int i;

	skip_unless_sev_es(test);
	for (i = 0; i < ARRAY_SIZE(leaves); i++) {
		WITH_IRQS_OFF({
			a = leaves[i];
			c = 0;
			native_cpuid(&a, &b, &c, &d);
			m[0] = sev_es_msr_cpuid(leaves[i], GHCB_CPUID_REQ_EAX);
			m[1] = sev_es_msr_cpuid(leaves[i], GHCB_CPUID_REQ_EBX);
			m[2] = sev_es_msr_cpuid(leaves[i], GHCB_CPUID_REQ_ECX);
			m[3] = sev_es_msr_cpuid(leaves[i], GHCB_CPUID_REQ_EDX);
		});
		KUNIT_EXPECT_EQ_MSG(test, m[0], a, "leaf %#x eax", leaves[i]);
		KUNIT_EXPECT_EQ_MSG(test, m[1], b, "leaf %#x ebx", leaves[i]);
		KUNIT_EXPECT_EQ_MSG(test, m[2], c, "leaf %#x ecx", leaves[i]);
		KUNIT_EXPECT_EQ_MSG(test, m[3], d, "leaf %#x edx", leaves[i]);
	}
}

/* Live: the no-GHCB #VC handler emulates a CPUID at regs->ip. */
static void cpuid_vc_no_ghcb(struct kunit *test)
{
	static const u8 insn[] = { 0x0f, 0xa2, 0x90 };
	struct pt_regs regs = { };
	u32 a = 0x8000001f, b, c = 0, d;

	skip_unless_sev_es(test);
	native_cpuid(&a, &b, &c, &d);
	regs.ip = (unsigned long)insn;
	regs.ax = 0x8000001f;
	regs.cx = 0;
	WITH_IRQS_OFF(do_vc_no_ghcb(&regs, SVM_EXIT_CPUID));
	KUNIT_EXPECT_EQ(test, regs.ip, (unsigned long)insn + 2);
	KUNIT_EXPECT_EQ(test, regs.ax, a);
	KUNIT_EXPECT_EQ(test, regs.bx, b);
	KUNIT_EXPECT_EQ(test, regs.cx, c);
	KUNIT_EXPECT_EQ(test, regs.dx, d);
}

/* Live: negotiation agrees with what the kernel runs on. */
static void cpuid_msr_negotiate(struct kunit *test)
{
	struct sev_msr_info info = { };
	unsigned int version = 0;
	u32 ebx = 0;

	skip_unless_sev_es(test);
	WITH_IRQS_OFF({
		version = sev_es_msr_negotiate(&info);
		ebx = sev_es_msr_cpuid(0x8000001f, GHCB_CPUID_REQ_EBX);
	});
	KUNIT_EXPECT_GE(test, version, GHCB_PROTOCOL_MIN);
	KUNIT_EXPECT_LE(test, version, GHCB_PROTOCOL_MAX);
	KUNIT_EXPECT_EQ(test, info.cbit, ebx & 0x3f);
	KUNIT_EXPECT_EQ(test, BIT_ULL(info.cbit), sme_get_me_mask());
}

static struct kunit_case sev_es_cpuid_msr_cases[] = {
	KUNIT_CASE(cpuid_msr_matches_cpuid),
	KUNIT_CASE(cpuid_vc_no_ghcb),
	KUNIT_CASE(cpuid_msr_negotiate),
	{}
};

static struct kunit_suite sev_es_cpuid_msr_suite = {
	.name = "sev_es_cpuid_msr",
	.test_cases = sev_es_cpuid_msr_cases,
};

static void cbit_plausible(struct kunit *test)
{
	unsigned int pos;

	for (pos = 0; pos < 64; pos++)
		KUNIT_EXPECT_EQ_MSG(test, sev_cbit_plausible(pos), pos >= 32 && pos <= 51,
				    "position %u", pos);
}

static void cbit_judge(struct kunit *test)
{
	struct sev_cbit_probe_io io = {
		.pattern = 0x1234, .before = 0x5555, .readback = 0x1234, .after = 0x9999,
		.walked = SEV_CBIT_PROBE_GDT_CODE,
	};

	KUNIT_EXPECT_EQ(test, sev_cbit_judge(&io, 0), SEV_CBIT_ENCRYPTS);
	KUNIT_EXPECT_EQ(test, sev_cbit_judge(&io, 1), SEV_CBIT_FAULTED);
	/* The adaptive hypervisor's alias passes the rest, not the walk. */
	KUNIT_EXPECT_EQ(test, sev_cbit_judge(&io, 2), SEV_CBIT_NOT_PRIVATE);
	io.walked = 0;
	KUNIT_EXPECT_EQ(test, sev_cbit_judge(&io, 0), SEV_CBIT_NOT_PRIVATE);
	io.readback = 0xffffffffffffffffULL;
	KUNIT_EXPECT_EQ(test, sev_cbit_judge(&io, 0), SEV_CBIT_NOT_MEMORY);
	io.readback = io.pattern;
	io.after = io.pattern;
	KUNIT_EXPECT_EQ(test, sev_cbit_judge(&io, 0), SEV_CBIT_PLAINTEXT);
	io.after = io.before;
	KUNIT_EXPECT_EQ(test, sev_cbit_judge(&io, 0), SEV_CBIT_OTHER_PAGE);
}

/* The probe's page tables: one chain, four leaves, nothing else. */
static void cbit_prepare(struct kunit *test)
{
	struct sev_cbit_probe_area *area;
	struct sev_cbit_probe_io io;
	unsigned long pa = 0x40000000, code = 0xffffffff81234000UL;
	int levels, t, i, present;

	area = kunit_kzalloc(test, sizeof(*area), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, area);

	for (levels = 4; levels <= 5; levels++) {
		sev_cbit_probe_prepare(area, pa, code, 0x1000000, 47, levels == 5, &io);
		KUNIT_EXPECT_EQ(test, io.cr3, pa);
		for (t = 0, present = 0; t < levels; t++)
			for (i = 0; i < 512; i++)
				present += !!(area->table[t][i] & _PAGE_PRESENT);
		KUNIT_EXPECT_EQ(test, present, levels - 1 + 4 + 1);
		KUNIT_EXPECT_EQ(test, area->table[levels - 2][((code >> 21) & 511) ^ 1] &
				PTE_PFN_MASK, pa + offsetof(struct sev_cbit_probe_area, data));
		KUNIT_EXPECT_EQ(test, io.walk_pte & PTE_PFN_MASK,
				pa + offsetof(struct sev_cbit_probe_area, scratch));

		t = levels - 1;
		i = (code >> 12) & 511;
		KUNIT_EXPECT_EQ(test, area->table[t][i] & PTE_PFN_MASK, 0x1000000ULL);
		KUNIT_EXPECT_EQ(test, area->table[t][(i + 1) & 511] & PTE_PFN_MASK,
				(pa + offsetof(struct sev_cbit_probe_area, data)) | BIT_ULL(47));
		KUNIT_EXPECT_EQ(test, area->table[t][(i + 2) & 511] & PTE_PFN_MASK,
				pa + offsetof(struct sev_cbit_probe_area, data));
		KUNIT_EXPECT_EQ(test, io.va_private >> 21, code >> 21);
		KUNIT_EXPECT_EQ(test, io.va_shared, io.va_private + 4096);
		KUNIT_EXPECT_EQ(test, io.va_scratch, io.va_private + 8192);
	}
}

/*
 * Live: the probe accepts the real C-bit and refuses every other bit,
 * whichever way the refusal comes (a fault, plaintext, no memory).
 */
static void cbit_probe_live(struct kunit *test)
{
	unsigned long code_va = (unsigned long)sev_cbit_probe_run;
	unsigned int real, pos;
	struct page *pages;
	enum sev_cbit_verdict v;

	if (!cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT))
		kunit_skip(test, "not an SEV guest");
	real = __ffs64(sme_get_me_mask());

	pages = alloc_pages(GFP_KERNEL, get_order(sizeof(struct sev_cbit_probe_area)));
	KUNIT_ASSERT_NOT_NULL(test, pages);

	for (pos = 32; pos < 64; pos++) {
		v = sev_cbit_probe(page_address(pages), page_to_phys(pages), code_va,
				   __pa_symbol(sev_cbit_probe_run), pos,
				   get_random_u64() | 1);
		if (pos == real)
			KUNIT_EXPECT_EQ_MSG(test, v, SEV_CBIT_ENCRYPTS, "real C-bit %u", pos);
		else
			KUNIT_EXPECT_NE_MSG(test, v, SEV_CBIT_ENCRYPTS, "bit %u", pos);
		kunit_info(test, "bit %u: verdict %d\n", pos, v);
	}
	__free_pages(pages, get_order(sizeof(struct sev_cbit_probe_area)));
}

static struct kunit_case sev_es_cbit_cases[] = {
	KUNIT_CASE(cbit_plausible),
	KUNIT_CASE(cbit_judge),
	KUNIT_CASE(cbit_prepare),
	KUNIT_CASE(cbit_probe_live),
	{}
};

static struct kunit_suite sev_es_cbit_suite = {
	.name = "sev_es_cbit",
	.test_cases = sev_es_cbit_cases,
};

kunit_test_suites(&sev_es_msr_suite, &sev_es_cpuid_msr_suite, &sev_es_cbit_suite);

MODULE_DESCRIPTION("KUnit tests for the early SEV-ES guest code");
MODULE_LICENSE("GPL");
