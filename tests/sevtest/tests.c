// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checks, one TAP line each, grouped by the rule of the model they
 * exercise (APM vol. 2 15.34-15.35, GHCB spec 56421).  Lines starting
 * with "# READY" ask the harness (tests/cases/sev-es-conformance.sh) to
 * act, and the guest waits for its answer in the UART scratch register.
 */
#include "sevtest.h"

static unsigned int test_no, failures;

static bool check(bool ok, const char *name)
{
	test_no++;
	if (!ok)
		failures++;
	printf("%sok %u - %s\n", ok ? "" : "not ", test_no, name);
	return ok;
}

/* #VC bookkeeping: what the recording handler saw. */
static volatile unsigned int vc_count;
static volatile uint64_t vc_code, vc_rip, vc_skip;

static bool vc_record(struct frame *f)
{
	vc_count++;
	vc_code = f->error;
	vc_rip = f->rip;
	f->rip += vc_skip;	/* the instruction is not emulated */
	return true;
}

/*
 * Run one instruction of @len bytes with the given registers and return
 * its address; a #VC skips it.
 */
#define TRY(insn, len, a, c, d, s, di) ({				\
	uint64_t rip_, a_ = (a), c_ = (c), d_ = (d), s_ = (s), di_ = (di); \
	vc_count = 0;							\
	vc_skip = (len);						\
	asm volatile("leaq 1f(%%rip), %0\n1:\t" insn			\
		     : "=&r"(rip_), "+a"(a_), "+c"(c_), "+d"(d_),	\
		       "+S"(s_), "+D"(di_) : : "memory", "rbx");	\
	rip_; })

static void expect_vc(uint64_t rip, uint64_t code, const char *name)
{
	if (vc_count != 1 || vc_code != code || vc_rip != rip)
		printf("# #VC count %u, error code 0x%lx at 0x%lx; expected 0x%lx at 0x%lx\n",
		       vc_count, vc_code, vc_rip, code, rip);
	check(vc_count == 1 && vc_code == code && vc_rip == rip, name);
}

static void expect_no_vc(const char *name)
{
	if (vc_count)
		printf("# unexpected #VC, error code 0x%lx\n", vc_code);
	check(!vc_count, name);
}

#define APIC_VERSION	0xfee00030ULL
#define ECAM		0xb0000000ULL	/* q35 MMCONFIG, bus 0 */

static void test_vc_exits(void)
{
	static uint8_t buf[8];
	uint64_t b = (uint64_t)buf, rip;

	vc_handler = vc_record;
	rip = TRY("cpuid", 2, 0, 0, 0, 0, 0);
	expect_vc(rip, EXIT_CPUID, "#VC 0x72 before CPUID");
	rip = TRY("rdmsr", 2, 0, 0x1b, 0, 0, 0);
	expect_vc(rip, EXIT_MSR, "#VC 0x7c before RDMSR of an intercepted MSR");
	rip = TRY("wrmsr", 2, 0, 0x1b, 0, 0, 0);
	expect_vc(rip, EXIT_MSR, "#VC 0x7c before WRMSR of an intercepted MSR");
	rip = TRY("inb %%dx, %%al", 1, 0, 0, COM1_SCR, 0, 0);
	expect_vc(rip, EXIT_IOIO, "#VC 0x7b before IN");
	rip = TRY("outb %%al, %%dx", 1, 0, 0, COM1_SCR, 0, 0);
	expect_vc(rip, EXIT_IOIO, "#VC 0x7b before OUT");
	rip = TRY("insb", 1, 0, 1, COM1_SCR, 0, b);
	expect_vc(rip, EXIT_IOIO, "#VC 0x7b before INS");
	rip = TRY("rep outsb", 2, 0, 1, COM1_SCR, b, 0);
	expect_vc(rip, EXIT_IOIO, "#VC 0x7b before REP OUTS");
	rip = TRY("rdpmc", 2, 0, 0, 0, 0, 0);
	expect_vc(rip, EXIT_RDPMC, "#VC 0x6f before RDPMC");
	rip = TRY("invd", 2, 0, 0, 0, 0, 0);
	expect_vc(rip, EXIT_INVD, "#VC 0x76 before INVD");
	rip = TRY("wbinvd", 2, 0, 0, 0, 0, 0);
	expect_vc(rip, EXIT_WBINVD, "#VC 0x89 before WBINVD");
	rip = TRY(".byte 0x0f, 0x01, 0xc8", 3, b, 0, 0, 0, 0);
	expect_vc(rip, EXIT_MONITOR, "#VC 0x8a before MONITOR");
	rip = TRY(".byte 0x0f, 0x01, 0xc9", 3, 0, 0, 0, 0, 0);
	expect_vc(rip, EXIT_MWAIT, "#VC 0x8b before MWAIT");
	rip = TRY(".byte 0x0f, 0x01, 0xd9", 3, 0, 0, 0, 0, 0);
	expect_vc(rip, EXIT_VMMCALL, "#VC 0x81 before VMMCALL");
	rip = TRY("movq %%dr7, %%rax", 3, 0, 0, 0, 0, 0);
	expect_vc(rip, EXIT_READ_DR7, "#VC 0x27 before a DR7 read");
	rip = TRY("movq %%rax, %%dr7", 3, 0x400, 0, 0, 0, 0);
	expect_vc(rip, EXIT_WRITE_DR7, "#VC 0x37 before a DR7 write");
	rip = TRY("movl (%%rsi), %%eax", 2, 0, 0, 0, APIC_VERSION, 0);
	expect_vc(rip, EXIT_NPF, "#VC 0x400 before an MMIO read");
	rip = TRY("movl %%eax, (%%rsi)", 2, 0, 0, 0, 0xfee00080ULL, 0);
	expect_vc(rip, EXIT_NPF, "#VC 0x400 before an MMIO write");
	rip = TRY("movl (%%rsi), %%eax", 2, 0, 0, 0, ECAM, 0);
	expect_vc(rip, EXIT_NPF, "#VC 0x400 before an ECAM read (PCI config space)");

	/* KVM 6.1 leaves these to the hardware for an SEV-ES guest. */
	TRY("rdtsc", 2, 0, 0, 0, 0, 0);
	expect_no_vc("no #VC for RDTSC (not intercepted, as KVM)");
	TRY("rdtscp", 3, 0, 0, 0, 0, 0);
	expect_no_vc("no #VC for RDTSCP (not intercepted, as KVM)");
	TRY("rdmsr", 2, 0, MSR_GHCB, 0, 0, 0);
	expect_no_vc("no #VC for RDMSR of the GHCB MSR");
	vc_count = 0;
	check(rdmsr(MSR_SEV_STATUS) == 3, "SEV_STATUS reads SEV | SEV-ES");
	expect_no_vc("no #VC for RDMSR of SEV_STATUS");
	vc_handler = NULL;
}

static uint32_t cpuid_msr[4];	/* CPUID 0x8000001F through the MSR protocol */
static bool kvm61;		/* the model imitates KVM 6.1, not upstream */

static void test_msr_protocol(void)
{
	uint64_t r;
	unsigned int reg;
	bool ok = true;

	r = msr_protocol(GHCB_SEV_INFO_REQ);
	kvm61 = (r >> 48) == 1;
	printf("# SEV information: 0x%016lx (KVM %s)\n", r,
	       kvm61 ? "6.1" : "upstream");
	check((r & GHCB_INFO_MASK) == GHCB_SEV_INFO_RESP &&
	      (r >> 48) >= 1 && (r >> 48) <= 2 && (r >> 32 & 0xffff) == 1 &&
	      (r >> 24 & 0xff) == cbitpos && !(r & 0xfff000),
	      "MSR protocol: SEV information, protocol 1 (6.1) or 1-2");

	for (reg = 0; reg < 4; reg++) {
		r = msr_protocol(0x8000001fULL << 32 | (uint64_t)reg << 30 |
				 GHCB_CPUID_REQ);
		ok &= (r & 0xffffffff) == ((uint64_t)reg << 30 | GHCB_CPUID_RESP);
		cpuid_msr[reg] = r >> 32;
	}
	printf("# CPUID 0x8000001f: %x %x %x %x\n", cpuid_msr[0], cpuid_msr[1],
	       cpuid_msr[2], cpuid_msr[3]);
	check(ok && (cpuid_msr[0] & 0xa) == 0xa &&
	      (cpuid_msr[1] & 0x3f) == cbitpos && (cpuid_msr[1] >> 6 & 0x3f) == 1,
	      "MSR protocol: CPUID 0x8000001f, each register");

	r = msr_protocol(0x8000001fULL << 32 | 1ULL << 30 | 0x12345ULL << 12 |
			 GHCB_CPUID_REQ);
	check((uint32_t)r == (1U << 30 | 0x12345U << 12 | GHCB_CPUID_RESP),
	      "MSR protocol: CPUID keeps bits 31:12 of the request");

	r = msr_protocol(GHCB_HV_FT_REQ);
	if (kvm61)
		check(r == GHCB_HV_FT_REQ,
		      "MSR protocol: hypervisor features unanswered (6.1)");
	else
		check(r == (3ULL << 12 | GHCB_HV_FT_RESP),
		      "MSR protocol: hypervisor features SNP, AP creation");
	if (kvm61) {
		check(msr_protocol(GHCB_PREF_GPA_REQ) == GHCB_PREF_GPA_REQ &&
		      msr_protocol(GHCB_PA | GHCB_REG_GPA_REQ) ==
		      (GHCB_PA | GHCB_REG_GPA_REQ) &&
		      msr_protocol(GHCB_AP_HOLD_REQ) == GHCB_AP_HOLD_REQ,
		      "MSR protocol: GHCB GPA and AP hold requests unanswered (6.1)");
	}
	r = msr_protocol(0x0fe);
	check(r == 0x0fe, "MSR protocol: an unknown request is left unanswered");
}

static uint64_t ghcb_result(void)
{
	return ghcb_get(GHCB_EXIT_INFO_1) & 0xffffffff;
}

static bool ghcb_error(uint64_t reason)
{
	uint64_t i1 = ghcb_result(), i2 = ghcb_get(GHCB_EXIT_INFO_2);

	if (i1 != 2 || i2 != reason)
		printf("# sw_exit_info_1 0x%lx sw_exit_info_2 0x%lx, expected 2 and %lu\n",
		       i1, i2, reason);
	return i1 == 2 && i2 == reason;
}

static void outl(uint16_t port, uint32_t val)
{
	ghcb_clear();
	ghcb_set(GHCB_RAX, val);
	ghcb_call(EXIT_IOIO, (uint32_t)port << 16 | IOIO_SZ32, 0);
}

static void ghcb_cpuid(uint32_t leaf, bool with_rcx)
{
	ghcb_clear();
	ghcb_set(GHCB_RAX, leaf);
	if (with_rcx)
		ghcb_set(GHCB_RCX, 0);
	ghcb_set(GHCB_XCR0, 1);
	ghcb_call(EXIT_CPUID, 0, 0);
}


/*
 * What KVM answers beyond the spec's minimum (sev_es_validate_vmgexit(),
 * sev_handle_vmgexit(), sev_es_sync_to_ghcb()).
 */
static void test_ghcb_msrs(void);
static void test_ghcb_injected(void);

static void test_ghcb_kvm(void)
{
	unsigned int i, valid = 0;
	static const unsigned int gprs[] = { GHCB_RAX, GHCB_RBX, GHCB_RCX, GHCB_RDX };

	ghcb_clear();
	ghcb_set(GHCB_RBX, 0x1234);
	ghcb_call(EXIT_WBINVD, 0, 0);
	for (i = 0; i < 4; i++)
		valid += ghcb_valid(gprs[i]);
	check(!ghcb_result() && valid == GHCB_VALID_GPRS &&
	      ghcb_get(GHCB_RBX) == 0x1234 && !ghcb_get(GHCB_RAX),
	      "GHCB: RAX, RBX, RCX, RDX come back valid, as sent or 0");

	ghcb_clear();
	ghcb_set(GHCB_RAX, 0x1000);
	ghcb_set(GHCB_RCX, 0);
	ghcb_call(EXIT_MONITOR, 0, 0);
	check(ghcb_error(4), "GHCB error: MONITOR without RDX -> 2/4");

	ghcb_clear();
	ghcb_set(GHCB_RAX, 0xabcdef);
	ghcb_call(EXIT_IOIO, (uint32_t)COM1_SCR << 16 | IOIO_IN, 0);
	check(!ghcb_result() && ghcb_get(GHCB_RAX) == 0xabcdef,
	      "GHCB: IOIO with size field 0 succeeds and does nothing");

	ghcb_clear();
	ghcb_set(GHCB_RAX, 0x1234);
	ghcb_call(EXIT_READ_DR7, 0, 0);
	check(!ghcb_result() && ghcb_get(GHCB_RAX) == 0x1234,
	      "GHCB: a DR7 read returns nothing (DR7 is in the VMSA)");

	ghcb_clear();
	ghcb_set(GHCB_RAX, 1);
	ghcb_set(GHCB_CPL, 3);
	ghcb_call(EXIT_VMMCALL, 0, 0);
	check(!ghcb_result() && ghcb_get(GHCB_RAX) == (uint64_t)-1,
	      "GHCB: VMMCALL from CPL 3 -> RAX -KVM_EPERM");

	test_ghcb_msrs();
	test_ghcb_injected();
	if (kvm61) {
		ghcb_clear();
		ghcb_call(EXIT_TERM_REQUEST, 0, 0);
		check(ghcb_error(6), "GHCB error: termination event (6.1) -> 2/6");
	} else {
		ghcb_clear();
		ghcb_set(GHCB_SCRATCH, GHCB_PA + GHCB_BUFFER);
		ghcb_call(EXIT_MMIO_READ, APIC_VERSION, 16);
		check(ghcb_error(5), "GHCB error: MMIO of 16 bytes (protocol 2) -> 2/5");
		ghcb_clear();
		ghcb_set(GHCB_SCRATCH, 0x300000);
		ghcb_call(EXIT_MMIO_READ, APIC_VERSION, 4);
		check(ghcb_error(3),
		      "GHCB error: scratch outside the GHCB (protocol 2) -> 2/3");
	}
}

#define MSR_LSTAR	0xc0000082
#define GP_INJECTED	0x8000030dULL	/* #GP, exception, valid */

static uint64_t ghcb_msr(uint32_t msr, bool write, uint64_t val)
{
	ghcb_clear();
	ghcb_set(GHCB_RCX, msr);
	if (write) {
		ghcb_set(GHCB_RAX, (uint32_t)val);
		ghcb_set(GHCB_RDX, val >> 32);
	}
	ghcb_call(EXIT_MSR, write, 0);
	return ghcb_get(GHCB_RDX) << 32 | (uint32_t)ghcb_get(GHCB_RAX);
}

/* What KVM does with MSRs it does not know, or keeps in the VMSA. */
static void test_ghcb_msrs(void)
{
	uint64_t lstar = rdmsr(MSR_LSTAR), v;

	ghcb_msr(0xc0011234, false, 0);
	check(ghcb_result() == 1 && ghcb_get(GHCB_EXIT_INFO_2) == GP_INJECTED,
	      "GHCB: RDMSR of an MSR KVM does not know -> #GP");
	ghcb_msr(0xc0011234, true, 1);
	check(ghcb_result() == 1 && ghcb_get(GHCB_EXIT_INFO_2) == GP_INJECTED,
	      "GHCB: WRMSR of an MSR KVM does not know -> #GP");

	ghcb_msr(MSR_LSTAR, true, 0xffffffff81234567ULL);
	if (kvm61) {
		v = ghcb_msr(MSR_LSTAR, false, 0);
		check(v == 0xffffffff81234567ULL && rdmsr(MSR_LSTAR) == lstar,
		      "GHCB: WRMSR of LSTAR changes KVM's copy, not the VMSA (6.1)");
	} else {
		check(ghcb_result() == 1 &&
		      ghcb_get(GHCB_EXIT_INFO_2) == GP_INJECTED &&
		      rdmsr(MSR_LSTAR) == lstar,
		      "GHCB: WRMSR of LSTAR, kept in the VMSA -> #GP");
	}
}

static volatile uint64_t fault_vector, fault_rip;

static bool fault_record(struct frame *f)
{
	fault_vector = f->vector;
	fault_rip = f->rip;
	return true;
}

static volatile uint64_t fault_error, fault_resume;

/* Record a fault and resume at fault_resume, in 64-bit code. */
static bool fault_resume_64(struct frame *f)
{
	fault_vector = f->vector;
	fault_error = f->error;
	f->rip = fault_resume;
	f->cs = SEL_CODE64;
	return true;
}

/* The CPU, as an AMD one delivers exceptions (APM vol. 2 8.4.1, vol. 3). */
static void test_cpu_faults(void)
{
	fault_handler = fault_resume_64;

	fault_vector = ~0ULL;
	asm volatile("leaq 1f(%%rip), %%rax\n\t"
		     "movq %%rax, %0\n\t"
		     "int $0x80\n"
		     "1:" : "=m"(fault_resume) : : "rax", "memory");
	if (fault_vector != 13 || fault_error != 0x402)
		printf("# vector %lu, error code 0x%lx\n", fault_vector, fault_error);
	check(fault_vector == 13 && fault_error == 0x402,
	      "int $0x80 beyond the IDT: #GP with error code 0x80 * 8 + 2");

	fault_vector = ~0ULL;
	asm volatile("leaq 2f(%%rip), %%rax\n\t"
		     "movq %%rax, %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     ".code32\n"
		     "1:\tsysenter\n"
		     ".code64\n"
		     "2:" : "=m"(fault_resume) : "i"(SEL_CODE32) : "rax", "memory");
	if (fault_vector != 6)
		printf("# vector %lu\n", fault_vector);
	check(fault_vector == 6, "SYSENTER in compatibility mode: #UD (AMD)");
	fault_handler = NULL;
}

/* KVM injects these itself (EVENTINJ), after the VMGEXIT. */
static void test_ghcb_injected(void)
{
	fault_handler = fault_record;
	fault_vector = ~0ULL;
	ghcb_clear();
	ghcb_call(EXIT_RDTSCP, 0, 0);
	check(fault_vector == 6 && !ghcb_result(),
	      "GHCB: RDTSCP -> #UD injected after the VMGEXIT");
	fault_vector = ~0ULL;
	ghcb_clear();
	ghcb_set(GHCB_RCX, 0);
	ghcb_call(EXIT_RDPMC, 0, 0);
	check(fault_vector == 13 && !ghcb_result(),
	      "GHCB: RDPMC without a PMU -> #GP injected after the VMGEXIT");
	fault_handler = NULL;
}

#define APIC_ICR_LO	0xfee00300ULL
#define APIC_ICR_HI	0xfee00310ULL
#define ICR_SELF_NMI	0x44400

/*
 * Scratch areas and GHCB pages the hypervisor must not touch: beyond the
 * GHCB copy, and device memory (the local APIC, whose ICR sends IPIs).
 */
static void test_scratch_bounds(void)
{
	static const uint64_t starts[] = { 0xff1, 0xff8, 0xfff };
	unsigned int i;
	bool ok = true;

	for (i = 0; i < 3; i++) {
		ghcb_clear();
		ghcb_set(GHCB_SCRATCH, GHCB_PA + starts[i]);
		ghcb_call(EXIT_IOIO, (uint32_t)COM1_SCR << 16 | IOIO_STR |
			  IOIO_SZ8 | IOIO_IN | IOIO_A64, 0x10000);
		ok &= ghcb_error(3);
	}
	check(ok, "GHCB error: string IN of 64 KiB into the GHCB's last 15 bytes -> 2/3");

	if (kvm61) {
		ghcb_clear();
		ghcb_set(GHCB_SCRATCH, GHCB_PA + GHCB_BUFFER_END - 1);
		ghcb_call(EXIT_MMIO_READ, APIC_VERSION, ~0ULL);
		check(ghcb_error(3), "GHCB error: scratch length that wraps -> 2/3");
	}
}

static void mmio_write32(uint64_t gpa, uint32_t val);

static void expect_nmis(unsigned int expect, const char *name)
{
	unsigned int i;

	for (i = 0; i < 1000 && nmi_count < expect; i++)
		asm volatile("pause");
	for (i = 0; i < 1000; i++)
		asm volatile("pause");
	if (nmi_count != expect)
		printf("# %u NMIs, expected %u\n", nmi_count, expect);
	check(nmi_count == expect, name);
	ghcb_clear();
	ghcb_call(EXIT_NMI_COMPLETE, 0, 0);
}

/*
 * KVM has no memslot for device memory: a GHCB or scratch GPA there is
 * never read or written (no IPI from the APIC's ICR).  Needs the APIC
 * enabled (test_nmi()).
 */
static void test_device_gpas(void)
{
	unsigned int base;

	mmio_write32(APIC_ICR_HI, 0);
	base = nmi_count;
	mmio_write32(APIC_ICR_LO, ICR_SELF_NMI);
	expect_nmis(base + 1, "a self NMI through the ICR (MMIO write)");

	vmgexit_at(APIC_ICR_LO & ~0xfffULL);
	expect_nmis(base + 1, "a GHCB GPA at the local APIC is not accessed");

	if (!kvm61) {
		ghcb_clear();
		ghcb_set(GHCB_SCRATCH, APIC_ICR_LO);
		ghcb_call(EXIT_MMIO_READ, APIC_VERSION, 4);
		check(ghcb_error(3), "GHCB error: scratch at the local APIC -> 2/3");
		expect_nmis(base + 1,
			      "a scratch GPA at the local APIC is not accessed");
	}

	ghcb_clear();
	ghcb_set(GHCB_SCRATCH, GHCB_PA + GHCB_BUFFER);
	ghcb_call(EXIT_MMIO_READ, ~0ULL - 3, 8);
	check(!ghcb_result(), "GHCB: an MMIO read that wraps the address space");

	vmgexit_at(0xc0000ULL);		/* pc.rom: no writable memslot */
	vmgexit_at(0xc0000000ULL);
	check(inb(COM1_SCR) == inb(COM1_SCR),
	      "GHCB GPAs in ROM and unassigned space: the guest resumes");
}

static void test_ghcb_protocol(void)
{
	uint8_t *buf = ghcb_page() + GHCB_BUFFER;
	uint64_t v;

	ghcb_cpuid(0x8000001f, true);
	check(!ghcb_result() && ghcb_valid(GHCB_RAX) && ghcb_valid(GHCB_RBX) &&
	      ghcb_valid(GHCB_RCX) && ghcb_valid(GHCB_RDX) &&
	      ghcb_get(GHCB_RAX) == cpuid_msr[0] &&
	      ghcb_get(GHCB_RBX) == cpuid_msr[1] &&
	      ghcb_get(GHCB_RCX) == cpuid_msr[2] &&
	      ghcb_get(GHCB_RDX) == cpuid_msr[3],
	      "GHCB: CPUID returns four valid registers, as the MSR protocol");

	outb(COM1_SCR, 0x5a);
	check(inb(COM1_SCR) == 0x5a, "GHCB: IOIO OUT then IN");

	ghcb_clear();
	buf[0] = 0x11;
	buf[1] = 0x22;
	ghcb_set(GHCB_SCRATCH, GHCB_PA + GHCB_BUFFER);
	ghcb_call(EXIT_IOIO, (uint32_t)COM1_SCR << 16 | IOIO_STR | IOIO_SZ8 |
		  IOIO_A64, 2);
	check(!ghcb_result() && inb(COM1_SCR) == 0x22,
	      "GHCB: string IOIO OUT from the shared buffer");

	ghcb_clear();
	ghcb_set(GHCB_SCRATCH, GHCB_PA + GHCB_BUFFER);
	ghcb_call(EXIT_MMIO_READ, APIC_VERSION, 4);
	v = *(volatile uint32_t *)buf;
	printf("# local APIC version register: 0x%lx\n", v);
	check(!ghcb_result() && (v & 0xff) == 0x14, "GHCB: MMIO read");

	/*
	 * What OVMF's PCI scan asks for once it has enabled MMCONFIG (the
	 * MCH's PCIEXBAR, through port IO); see
	 * Documentation/ovmf-pci-sev-es.md.
	 */
	outl(0xcf8, 0x80000060);
	outl(0xcfc, ECAM | 1);
	ghcb_clear();
	ghcb_set(GHCB_SCRATCH, GHCB_PA + GHCB_BUFFER);
	ghcb_call(EXIT_MMIO_READ, ECAM, 4);
	v = *(volatile uint32_t *)buf;
	if (v != 0x29c08086)
		printf("# ECAM 00:00.0: 0x%lx, result 0x%lx\n", v, ghcb_result());
	check(!ghcb_result() && v == 0x29c08086,
	      "GHCB: MMIO read of ECAM 00:00.0 -> the q35 host bridge's ID");

	ghcb_clear();
	ghcb_call(EXIT_AP_JUMP_TABLE, 0, 0x9000);
	ghcb_clear();
	ghcb_call(EXIT_AP_JUMP_TABLE, 1, 0);
	check(!ghcb_result() && ghcb_get(GHCB_EXIT_INFO_2) == 0x9000,
	      "GHCB: AP jump table set, then get");

	ghcb_clear();
	ghcb_call(EXIT_HV_FEATURES, 0, 0);
	if (kvm61)
		check(ghcb_error(6), "GHCB error: hypervisor features (6.1) -> 2/6");
	else
		check(!ghcb_result() && ghcb_get(GHCB_EXIT_INFO_2) == 3,
		      "GHCB: hypervisor features SNP, AP creation");

	/* Malformed requests: the GHCB spec's error, section 4.1.7 / table 6 */
	ghcb_cpuid(0, false);
	check(ghcb_error(4), "GHCB error: CPUID without RCX valid -> 2/4");

	ghcb_clear();
	ghcb_set(GHCB_EXIT_CODE, EXIT_WBINVD);
	ghcb_set(GHCB_EXIT_INFO_1, 0);
	ghcb_vmgexit();
	check(ghcb_error(4), "GHCB error: sw_exit_info_2 not valid -> 2/4");

	ghcb_clear();
	ghcb_set(GHCB_SCRATCH, GHCB_PA + GHCB_BUFFER_END - 8);
	ghcb_call(EXIT_IOIO, (uint32_t)COM1_SCR << 16 | IOIO_STR | IOIO_SZ8 |
		  IOIO_A64, 16);
	check(ghcb_error(3), "GHCB error: scratch beyond the shared buffer -> 2/3");

	ghcb_clear();
	ghcb_set(GHCB_SCRATCH, 0);
	ghcb_call(EXIT_MMIO_READ, APIC_VERSION, 4);
	check(ghcb_error(3), "GHCB error: scratch GPA 0 -> 2/3");

	ghcb_clear();
	ghcb_call(0x1234, 0, 0);
	check(ghcb_error(6), "GHCB error: unknown exit code -> 2/6");

	ghcb_clear();
	ghcb_set(GHCB_RCX, 0x1b);
	ghcb_call(EXIT_MSR, 2, 0);
	check(ghcb_error(4), "GHCB error: MSR exit with info1 2 (a WRMSR) without RAX -> 2/4");

	ghcb_clear();
	*(volatile uint32_t *)(ghcb_page() + GHCB_USAGE) = 1;
	ghcb_call(EXIT_WBINVD, 0, 0);
	check(ghcb_error(2), "GHCB error: usage 1 -> 2/2");

	test_ghcb_kvm();
	test_scratch_bounds();
}

#define PAGE_A	0x200000UL
#define PAGE_B	0x300000UL
#define WORDS	512

static uint64_t pattern(unsigned int i)
{
	return 0x2154534554564553ULL ^ ((uint64_t)i << 56);	/* "SEVTEST!" */
}

static void fill(volatile uint64_t *p)
{
	unsigned int i;

	for (i = 0; i < WORDS; i++)
		p[i] = pattern(i);
}

static unsigned int matches(volatile uint64_t *p)
{
	unsigned int i, n = 0;

	for (i = 0; i < WORDS; i++)
		n += p[i] == pattern(i);
	return n;
}

static void test_encryption(void)
{
	volatile uint64_t *priv = (uint64_t *)PAGE_A, *shr = shared(PAGE_A);
	volatile uint64_t *fresh = (uint64_t *)0x700000;
	unsigned int i, zeros = 0;

	/* Only launch data is plaintext: RAM never written is noise. */
	for (i = 0; i < WORDS; i++)
		zeros += !fresh[i];
	check(zeros < 4, "RAM the guest never wrote reads as noise through C=1");

	fill(priv);
	check(matches(shr) == 0 && shr[0] != 0,
	      "C=0 reads of private data see ciphertext");
	check(matches(priv) == WORDS, "private data survives a C=0 read");
	fill(shr);
	check(matches(priv) == 0, "data written with C=0 reads as garbage through C=1");
	check(matches(shr) == WORDS, "shared data survives a C=1 read");

	/* A block cipher: one flipped ciphertext bit garbles 16 bytes. */
	fill(priv);
	((volatile uint8_t *)shr)[3] ^= 1;
	check(priv[0] != pattern(0) && priv[1] != pattern(1) &&
	      matches(priv) == WORDS - 2,
	      "one bit changed through C=0 garbles its whole 16-byte block, only it");

	/* APM 15.34.5: fetches are private, data through C=0 is not. */
	fill(priv);
	priv[0] = 0xc3;			/* ret */
	((void (*)(void))shared(PAGE_A))();
	check(matches(shr) == 0,
	      "a fetch through a C=0 mapping does not show C=0 data reads plaintext");

	/* The hypervisor's MMIO access to RAM sees DRAM. */
	fill(priv);
	ghcb_clear();
	ghcb_set(GHCB_SCRATCH, GHCB_PA + GHCB_BUFFER);
	ghcb_call(EXIT_MMIO_READ, PAGE_A + 8, 8);
	check(!ghcb_result() &&
	      *(volatile uint64_t *)(ghcb_page() + GHCB_BUFFER) != pattern(1) &&
	      matches(priv) == WORDS,
	      "an MMIO read VMGEXIT of private RAM sees ciphertext");
}

/*
 * Firmware in flash (mode 10): the harness gives sevtest as pflash unit 0
 * and a 64 KiB varstore of 0x5a bytes as unit 1, just below it.  Launch
 * encrypts the code flash in place and nothing else (sev_encrypt_flash()):
 * the other C-bit sees what DRAM holds, ciphertext of the code, noise
 * from the varstore and the ROMs.  The ISA BIOS is a plaintext copy of
 * the image's last 128 KiB, made before launch (pc_isa_bios_init()).
 */
#define VARSTORE	0xfffd0000UL
#define RESET_PAGE	0xfffff000UL
#define ISA_RESET_PAGE	0xff000UL
#define PC_ROM		0xc0000UL

static uint8_t before[4096], after[4096];

static const volatile uint8_t *firmware_c0(uint64_t pa)
{
	return (const volatile uint8_t *)(FIRMWARE_ALIAS + pa - FIRMWARE_2M);
}

static void copy_page(uint8_t *to, const volatile uint8_t *from)
{
	unsigned int i;

	for (i = 0; i < 4096; i++)
		to[i] = from[i];
}

/* How many of the 256 16-byte blocks of two pages differ. */
static unsigned int blocks_differ(const uint8_t *a, const uint8_t *b)
{
	unsigned int i, n = 0;

	for (i = 0; i < 4096; i += 16)
		n += memcmp(a + i, b + i, 16) != 0;
	return n;
}

static bool all_bytes(const uint8_t *p, uint8_t val)
{
	unsigned int i;

	for (i = 0; i < 4096; i++)
		if (p[i] != val)
			return false;
	return true;
}

static void __attribute__((noreturn)) test_flash(void)
{
	copy_page(before, (const volatile uint8_t *)RESET_PAGE);
	copy_page(after, firmware_c0(RESET_PAGE));
	check(blocks_differ(before, after) == 256,
	      "the code flash reads as ciphertext through C=0");
	copy_page(after, (const volatile uint8_t *)RESET_PAGE);
	check(!memcmp(before, after, 4096), "the code flash survives a C=0 read");

	copy_page(after, shared(ISA_RESET_PAGE));
	check(!memcmp(before, after, 4096),
	      "the ISA BIOS copy reads as the image's plaintext through C=0");
	copy_page(after, (const volatile uint8_t *)ISA_RESET_PAGE);
	check(blocks_differ(before, after) == 256,
	      "the ISA BIOS copy reads as noise through C=1");

	copy_page(before, firmware_c0(VARSTORE));
	check(all_bytes(before, 0x5a), "the varstore reads as written through C=0");
	copy_page(after, (const volatile uint8_t *)VARSTORE);
	check(blocks_differ(before, after) == 256,
	      "the varstore reads as noise through C=1");
	copy_page(after, firmware_c0(VARSTORE));
	check(all_bytes(after, 0x5a), "the varstore survives a C=1 read");

	copy_page(before, shared(PC_ROM));
	copy_page(after, (const volatile uint8_t *)PC_ROM);
	check(blocks_differ(before, after) == 256,
	      "ROM (pc.rom) reads as noise through C=1");

	printf("1..%u\n# %u failed\n", test_no, failures);
	/* KVM cannot emulate this store: the guest would livelock. */
	printf("# a store to the varstore (flash in ROM mode)\n");
	*(volatile uint8_t *)firmware_c0(VARSTORE) = 0;
	printf("# still running after a store to flash\n");
	terminate(0xf, 3);
}

/* Poll the UART scratch register until the harness writes @value. */
static bool wait_harness(uint8_t value)
{
	unsigned long i;

	for (i = 0; i < 200000; i++)
		if (inb(COM1_SCR) == value)
			return true;
	printf("# no answer from the harness\n");
	return false;
}

static void mmio_write32(uint64_t gpa, uint32_t val)
{
	ghcb_clear();
	*(volatile uint32_t *)(ghcb_page() + GHCB_BUFFER) = val;
	ghcb_set(GHCB_SCRATCH, GHCB_PA + GHCB_BUFFER);
	ghcb_call(EXIT_MMIO_WRITE, gpa, 4);
}

static uint32_t mmio_read32(uint64_t gpa)
{
	ghcb_clear();
	ghcb_set(GHCB_SCRATCH, GHCB_PA + GHCB_BUFFER);
	ghcb_call(EXIT_MMIO_READ, gpa, 4);
	return *(volatile uint32_t *)(ghcb_page() + GHCB_BUFFER);
}

#define APIC_SVR	0xfee000f0ULL
#define APIC_LVT_LINT1	0xfee00360ULL

/*
 * The first NMI of the nesting check: its handler signals NMI_COMPLETE
 * through a GHCB of its own (the interrupted code may be using the
 * other), asks the harness for a second NMI and waits for it before its
 * IRET.
 */
static volatile bool nmi_nest_armed;
static volatile bool nmi_nested;

void nmi_taken(void)
{
	uint64_t old;
	unsigned int i;

	if (!nmi_nest_armed)
		return;
	nmi_nest_armed = false;
	old = ghcb_switch(GHCB2_PA);
	ghcb_clear();
	ghcb_call(EXIT_NMI_COMPLETE, 0, 0);
	printf("# READY nmi-nested\n");
	wait_harness(4);
	for (i = 0; i < 100000 && nmi_count < 2; i++)
		asm volatile("pause");
	nmi_nested = nmi_count == 2;
	ghcb_switch(old);
}

/* The monitor's "nmi" arrives on LINT1: program it for NMI delivery. */
static void test_nmi(void)
{
	unsigned int i;

	mmio_write32(APIC_SVR, 0x1ff);
	mmio_write32(APIC_LVT_LINT1, 0x400);
	check(!ghcb_result() && mmio_read32(APIC_LVT_LINT1) == 0x400,
	      "GHCB: MMIO write (LVT LINT1 for NMI delivery)");
	outb(COM1_SCR, 0);
	nmi_nest_armed = true;
	printf("# READY nmi-1\n");
	check(wait_harness(4) && nmi_count == 2, "two injected NMIs are delivered");
	check(nmi_nested,
	      "after NMI_COMPLETE the next NMI arrives in the handler, before IRET");
	printf("# READY nmi-2\n");
	check(wait_harness(2) && nmi_count == 2,
	      "without NMI_COMPLETE the next NMI stays blocked, after IRET too");
	ghcb_clear();
	ghcb_call(EXIT_NMI_COMPLETE, 0, 0);
	for (i = 0; i < 1000 && nmi_count < 3; i++)
		asm volatile("pause");
	check(!ghcb_result() && nmi_count == 3,
	      "NMI_COMPLETE lets the blocked NMI in");
	ghcb_clear();
	ghcb_call(EXIT_NMI_COMPLETE, 0, 0);
}

static void test_host_view(void)
{
	volatile uint64_t *priv = (uint64_t *)PAGE_B;

	fill(priv);
	printf("# READY host-view 0x%lx %016lx\n", PAGE_B, pattern(0));
	check(wait_harness(3) && matches(priv) == WORDS,
	      "private data survives host reads (monitor, gdbstub, dump)");
}

/* The harness's answer in the UART scratch register, when it comes. */
static uint8_t harness_answer(void)
{
	uint8_t v;

	while (!(v = inb(COM1_SCR)))
		;
	outb(COM1_SCR, 0);
	return v;
}

/* One report per guest: the vCPU stops at its first shutdown. */
static void triple_fault(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	printf("# triple fault\n");
	asm volatile("lidt %0; int3" : : "m"(no_idt));
}

/* A flood of distinct exit codes must not grow the model's counters. */
static void exit_code_flood(void)
{
	unsigned int i;
	bool ok = true;

	for (i = 0; i < 4096; i++) {
		ghcb_clear();
		ghcb_call(0x40000000ULL + i * 0x10001ULL, 0, 0);
		ok &= ghcb_error(6);
	}
	printf("# 4096 distinct unknown exit codes sent: %s\n",
	       ok ? "each refused 2/6" : "not all refused");
	terminate(0xf, ok ? 0 : 3);
}

/* A 64-bit seed from the harness, one nibble per question. */
static uint64_t harness_seed(void)
{
	uint64_t seed = 0;
	unsigned int i;

	for (i = 0; i < 16; i++) {
		printf("# READY nibble %u\n", i);
		seed = seed << 4 | (harness_answer() & 0xf);
	}
	return seed;
}

void run_tests(void)
{
	uint8_t mode;

	printf("# sevtest: C-bit %u\n", cbitpos);
	printf("# READY mode\n");
	mode = harness_answer();
	switch (mode) {
	case 7:
	case 8:
		fuzz(harness_seed(), mode == 7 ? 100000 : 10000000);
		break;
	case 2:
		printf("# reset request (port 0xcf9)\n");
		outb(0xcf9, 0x06);
		for (;;)
			printf("# still running after the reset request\n");
	case 3:
		triple_fault();
		break;
	case 4:
		exit_code_flood();
		break;
	case 5:
		printf("# RDTSC through the GHCB\n");
		ghcb_clear();
		ghcb_call(EXIT_RDTSC, 0, 0);
		printf("# still running after RDTSC through the GHCB\n");
		terminate(0xf, 3);
	case 10:
		test_flash();
	case 9:
		printf("# a store to ROM (pc.rom)\n");
		*(volatile uint32_t *)0xc0000 = 0x12345678;
		printf("# still running after a store to ROM\n");
		terminate(0xf, 3);
	case 6:
		printf("# scratch at the local APIC (6.1)\n");
		ghcb_clear();
		ghcb_set(GHCB_SCRATCH, APIC_ICR_LO);
		ghcb_call(EXIT_MMIO_READ, APIC_VERSION, 4);
		printf("# still running after a scratch area in device memory\n");
		terminate(0xf, 3);
	}
	test_msr_protocol();
	test_vc_exits();
	test_cpu_faults();
	test_ghcb_protocol();
	test_encryption();
	test_nmi();
	test_device_gpas();
	test_host_view();
	printf("1..%u\n# %u failed\n", test_no, failures);
	terminate(0xf, failures ? 3 : 0);
}
