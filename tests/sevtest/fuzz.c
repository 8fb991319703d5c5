// SPDX-License-Identifier: GPL-2.0-only
/*
 * A seeded fuzzer of the model's hypervisor side: random MSR-protocol
 * values and random GHCB pages (exit codes, exit information, valid
 * bitmaps, scratch areas at the edges of the GHCB, in RAM, in device
 * memory and beyond RAM).  After each request the guest checks that the
 * hypervisor still answers a plain CPUID.  The harness runs it against a
 * QEMU built with AddressSanitizer and UBSan and counts their reports.
 *
 * Left out: requests that legitimately end or park the guest (termination,
 * AP reset hold, RDTSC and UNSUPPORTED through the GHCB, SNP requests of
 * the MSR protocol, string IO counts beyond INT_MAX) and device accesses
 * that reset or power it off; the guest's own accesses to devices are its
 * business, not the model's.
 */
#include "sevtest.h"

static uint64_t rng;

/* xorshift64*: small, fast, and the same sequence for the same seed. */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t pick(const uint64_t *v, unsigned int n)
{
	return v[rnd() % n];
}

static uint64_t any_scratch_gpa(void);

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* MSR-protocol requests the hypervisor must answer or ignore. */
static const uint64_t msr_infos[] = {
	0x001, 0x002, 0x003, 0x004, 0x005, 0x007, 0x011, 0x013, 0x014,
	0x015, 0x080, 0x081, 0x0fe, 0x101, 0x7ff, 0xfff,
};

static const uint64_t exit_codes[] = {
	0x027, 0x037, 0x041, 0x051, 0x06f, 0x072, 0x076, 0x07b, 0x07c,
	0x081, 0x087, 0x089, 0x08a, 0x08b, 0x08d, 0x400, 0x403,
	0x80000001, 0x80000002, 0x80000003, 0x80000005, 0x80000010,
	0x80000011, 0x80000012, 0x80000013, 0x8000fffd,
	0xffffffff, 0x100000072ULL,
};

static bool kvm61;		/* KVM 6.1 ends the VM on a scratch fault */

/*
 * Scratch areas: GHCB edges, RAM, device memory, beyond RAM, 0.  Under
 * KVM 6.1 a scratch area outside the GHCB that is not RAM ends the VM
 * (KVM_RUN: -EFAULT), so there it is always RAM nobody uses.
 */
static uint64_t scratch_gpa(void)
{
	uint64_t gpa = any_scratch_gpa();

	if (kvm61 && gpa >> 12 != GHCB_PA >> 12 && gpa &&
	    (gpa < 0x400000 || gpa >= 0x7f0000))
		gpa = 0x400000 + rnd() % 0x3f0000;
	return gpa;
}

static uint64_t any_scratch_gpa(void)
{
	static const uint64_t far[] = {
		0, 0xfee00000, 0xfee00300, 0xb0000000, 0xfed00000,
		0xffff0000, 0xc0000000, 0x100000000ULL, 0xfffffffffffff000ULL,
		0xffffffffffffffffULL, 0x8000000, 0x7fff000,
	};

	switch (rnd() % 6) {
	case 0:
	case 1:
		return GHCB_PA + GHCB_BUFFER + rnd() % 0x800;
	case 2:
		return GHCB_PA + 0xfe0 + rnd() % 0x40;	/* both page edges */
	case 3:
		return GHCB_PA + rnd() % 0x1000;
	case 4:
		return 0x400000 + (rnd() % 0x400000);	/* RAM nobody uses */
	default:
		return pick(far, N(far));
	}
}

/* Lengths and counts: small, page-sized, at the limits, huge. */
static uint64_t size_value(void)
{
	static const uint64_t edges[] = {
		0, 1, 2, 4, 7, 8, 9, 15, 16, 0x7f0, 0x7f1, 0x800, 0xfff,
		0x1000, 0x10000, 0x10001, 0x7fffffff, 0x80000000,
		0xffffffffULL, ~0ULL, ~0ULL - 14,
	};

	return rnd() & 1 ? rnd() % 0x2000 : pick(edges, N(edges));
}

/* Ports that neither reset nor power off: UART scratch, POST, unused. */
static uint64_t ioio_info(void)
{
	static const uint64_t ports[] = { COM1_SCR, 0x80, 0x300, 0x2e8, 0xffff };
	uint64_t info = rnd() & 0xfff7;		/* any size/rep/address bits */

	return pick(ports, N(ports)) << 16 | info;
}

/*
 * MMIO targets: the local APIC's read-only version, nothing, RAM, the
 * option ROM, our own firmware (RAM under SEV: read only, writes would
 * hit our code).
 */
static uint64_t mmio_gpa(bool write)
{
	static const uint64_t gpas[] = {
		0xfee00030, 0xc0000000, 0xe0001000, 0x500000, 0xc0000,
		0xffff0000, 0x100000000ULL, 0xfffffffffffffff8ULL,
		GHCB_PA + 0x800,
	};
	uint64_t gpa = pick(gpas, N(gpas));

	if (write && (gpa == 0xfee00030 || gpa == 0xffff0000))
		return 0xc0000000;
	return gpa;
}

/* MSRs whose writes cannot stop the guest: unknown, VMSA, MTRRs. */
static uint64_t msr_index(bool write)
{
	static const uint64_t safe[] = {
		0xc0011234, 0x12345678, 0xc0000082, 0xc0000081, 0xc0000080,
		0x277, 0x200, 0x2ff, 0x1d9, 0xc0010015,
	};
	static const uint64_t any[] = {
		0x10, 0x1b, 0x8b, 0x1a0, 0x179, 0x800, 0x830, 0xc0010130,
		0xc0010131, 0xc0011029, 0xffffffff,
	};

	return write || rnd() & 1 ? pick(safe, N(safe)) : pick(any, N(any));
}

static void random_ghcb(void)
{
	uint8_t *g = ghcb_page();
	uint64_t code = pick(exit_codes, N(exit_codes)), info1, info2;
	unsigned int i;

	ghcb_clear();
	for (i = 0; i < 8; i++)		/* random save-area fields */
		ghcb_set((rnd() % (0x3f0 / 8)) * 8, rnd());
	if (rnd() % 4 == 0) {
		for (i = 0; i < 16; i++)	/* a random valid bitmap */
			g[GHCB_VALID + i] = rnd();
	}
	info1 = rnd() & 1 ? size_value() : rnd();
	info2 = size_value();
	switch (code) {
	case EXIT_IOIO:
		info1 = ioio_info();
		if (info1 & IOIO_STR)	/* count * size within an int */
			info2 &= 0xfffff;
		break;
	case EXIT_MMIO_READ:
	case EXIT_MMIO_WRITE:
		info1 = mmio_gpa(code == EXIT_MMIO_WRITE);
		/* A write that wraps would land on our page tables. */
		if (code == EXIT_MMIO_WRITE && info1 + info2 < info1)
			info2 = -info1;
		break;
	case EXIT_MSR:
		ghcb_set(GHCB_RCX, msr_index(info1));
		ghcb_set(GHCB_RAX, rnd());
		ghcb_set(GHCB_RDX, rnd());
		break;
	case EXIT_AP_JUMP_TABLE:
		info1 %= 3;
		break;
	}
	if (kvm61 || rnd() % 8)	/* else whatever the fields hold */
		ghcb_set(GHCB_SCRATCH, scratch_gpa());
	if (rnd() % 16 == 0)
		*(volatile uint32_t *)(g + GHCB_USAGE) = rnd();
	ghcb_set(GHCB_EXIT_CODE, code);
	ghcb_set(GHCB_EXIT_INFO_1, info1);
	ghcb_set(GHCB_EXIT_INFO_2, info2);
	if (rnd() % 8 == 0)		/* drop one of the three */
		g[GHCB_VALID + (GHCB_EXIT_CODE / 8 + rnd() % 3) / 8] &=
			~(1 << ((GHCB_EXIT_CODE / 8 + rnd() % 3) % 8));
	ghcb_vmgexit();
}

/* #UD and #GP that KVM injects after RDTSCP, RDPMC: expected. */
static volatile uint64_t injected;

static bool injected_fault(struct frame *f)
{
	if (f->vector != 6 && f->vector != 13)
		return false;
	injected++;
	return true;
}

/* The hypervisor still answers: CPUID 0 through the GHCB. */
static bool alive(void)
{
	ghcb_clear();
	ghcb_set(GHCB_RAX, 0);
	ghcb_set(GHCB_RCX, 0);
	ghcb_call(EXIT_CPUID, 0, 0);
	return !(ghcb_get(GHCB_EXIT_INFO_1) & 0xffffffff) &&
	       ghcb_valid(GHCB_RBX) && ghcb_get(GHCB_RAX) >= 0xd;
}

void fuzz(uint64_t seed, uint64_t count)
{
	uint64_t n, ok = 0, errors = 0, msr = 0;

	rng = seed ? seed : 1;
	kvm61 = msr_protocol(GHCB_SEV_INFO_REQ) >> 48 == 1;
	fault_handler = injected_fault;
	printf("# fuzz: seed %lu, %lu requests\n", seed, count);
	for (n = 0; n < count; n++) {
		if (rnd() % 4 == 0) {
			msr_protocol(rnd() << 12 | pick(msr_infos, N(msr_infos)));
			msr++;
		} else {
			random_ghcb();
			if ((ghcb_get(GHCB_EXIT_INFO_1) & 0xffffffff) == 2)
				errors++;
			else
				ok++;
		}
		if (!alive()) {
			printf("# fuzz: no answer after request %lu (seed %lu)\n",
			       n, seed);
			terminate(0xf, 4);
		}
		if ((n & 0xfffff) == 0xfffff)
			printf("# fuzz: %lu requests\n", n + 1);
	}
	printf("# fuzz: done: %lu requests (%lu MSR protocol, %lu GHCB answered, %lu GHCB errors, %lu injected), the hypervisor answered after each\n",
	       count, msr, ok, errors, injected);
	terminate(0xf, 0);
}
