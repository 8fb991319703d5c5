// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the SEV-ES runtime: which instructions each #VC error
 * code accepts, and each exit handler against a stand-in hypervisor that
 * answers well or badly.
 *
 * The stand-in answers exits through the test's own GHCB page only
 * (sev_ghcb_test_page), so the #VCs the rest of the system takes meanwhile
 * still reach the real hypervisor.  Instructions are decoded from a
 * buffer, never executed.
 */
#include <kunit/test.h>
#include <linux/cc_platform.h>
#include <linux/hardirq.h>
#include <linux/io.h>
#include <linux/kdebug.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/preempt.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/cpu_entry_area.h>
#include <asm/debugreg.h>
#include <asm/irq_stack.h>
#include <asm/insn-eval.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <asm/sev-es-msr.h>
#include <asm/svm.h>
#include <asm/traps.h>
#include <asm/unaligned.h>
#include <asm/x86_init.h>

#include "internal.h"

static struct ghcb test_ghcb __aligned(PAGE_SIZE);
static u8 code[32] __aligned(32);
static u8 iobuf[8];

/* What the stand-in returns, and what it was asked. */
#define RET_RAX		BIT(0)
#define RET_RBX		BIT(1)
#define RET_RCX		BIT(2)
#define RET_RDX		BIT(3)
#define RET_ALL		(RET_RAX | RET_RBX | RET_RCX | RET_RDX)
#define NO_INFO1	BIT(4)

static struct {
	unsigned int ret;
	u64 info1, info2, rax, rbx, rcx, rdx, scratch;
	u8 fill;
	unsigned int fill_len;
	/* the request */
	u64 exit_code, req_info1, req_info2, req_rax;
	bool req_rax_valid, req_xcr0_valid, req_scratch_valid;
	u8 req_buf[8];
} hv;

static void stand_in_hv(struct ghcb *g)
{
	hv.exit_code = g->save.sw_exit_code;
	hv.req_info1 = g->save.sw_exit_info_1;
	hv.req_info2 = g->save.sw_exit_info_2;
	hv.req_rax_valid = ghcb_rax_is_valid(g);
	hv.req_rax = g->save.rax;
	hv.req_xcr0_valid = ghcb_xcr0_is_valid(g);
	hv.req_scratch_valid = ghcb_sw_scratch_is_valid(g);
	memcpy(hv.req_buf, g->shared_buffer, sizeof(hv.req_buf));

	/* As KVM: only what is returned is valid. */
	memset(g->save.valid_bitmap, 0, sizeof(g->save.valid_bitmap));
	if (hv.ret & RET_RAX)
		ghcb_set_rax(g, hv.rax);
	if (hv.ret & RET_RBX)
		ghcb_set_rbx(g, hv.rbx);
	if (hv.ret & RET_RCX)
		ghcb_set_rcx(g, hv.rcx);
	if (hv.ret & RET_RDX)
		ghcb_set_rdx(g, hv.rdx);
	if (hv.fill_len)
		memset(g->shared_buffer, hv.fill, hv.fill_len);
	if (hv.scratch)
		ghcb_set_sw_scratch(g, hv.scratch);
	if (!(hv.ret & NO_INFO1))
		ghcb_set_sw_exit_info_1(g, hv.info1);
	ghcb_set_sw_exit_info_2(g, hv.info2);
}

static int runtime_init(struct kunit *test)
{
	memset(&hv, 0, sizeof(hv));
	memset(&test_ghcb, 0, sizeof(test_ghcb));
	sev_ghcb_test_hv = stand_in_hv;
	WRITE_ONCE(sev_ghcb_test_page, &test_ghcb);
	return 0;
}

static void runtime_exit(struct kunit *test)
{
	WRITE_ONCE(sev_ghcb_test_page, NULL);
}

/* Shared-buffer exits use this CPU's GHCB address: SEV-ES guests only. */
static void need_ghcb_pages(struct kunit *test)
{
	if (!sev_ghcb_runtime_ready())
		kunit_skip(test, "not an SEV-ES guest: no GHCB pages");
}

/* A kernel-mode #VC with @exit_code on the instruction @bytes. */
static void vc_setup(struct vc_ctxt *ctxt, struct pt_regs *regs,
		     const u8 *bytes, size_t n, unsigned long exit_code)
{
	memset(code, 0xcc, sizeof(code));
	memcpy(code, bytes, n);
	memset(regs, 0, sizeof(*regs));
	regs->ip = (unsigned long)code;
	regs->cs = __KERNEL_CS;
	regs->flags = X86_EFLAGS_FIXED;
	memset(ctxt, 0, sizeof(*ctxt));
	ctxt->regs = regs;
	ctxt->exit_code = exit_code;
	sev_ghcb_invalidate(&test_ghcb);
}

#define SETUP(ctxt, regs, exit, ...)					\
	vc_setup(ctxt, regs, (const u8[]){ __VA_ARGS__ },		\
		 sizeof((const u8[]){ __VA_ARGS__ }), exit)

struct decode_case {
	const char *what;
	u8 bytes[8];
	unsigned int n;
	unsigned long exit_code;
	enum vc_result want;
	unsigned int len;
};

static const struct decode_case decode_cases[] = {
	{ "cpuid", { 0x0f, 0xa2 }, 2, SVM_EXIT_CPUID, VC_DONE, 2 },
	{ "cpuid, 66 prefix", { 0x66, 0x0f, 0xa2 }, 3, SVM_EXIT_CPUID, VC_DONE, 3 },
	{ "cpuid as rdtsc", { 0x0f, 0xa2 }, 2, SVM_EXIT_RDTSC, VC_FATAL },
	{ "rdtsc", { 0x0f, 0x31 }, 2, SVM_EXIT_RDTSC, VC_DONE, 2 },
	{ "rdtscp", { 0x0f, 0x01, 0xf9 }, 3, SVM_EXIT_RDTSCP, VC_DONE, 3 },
	{ "rdtscp as rdtsc", { 0x0f, 0x01, 0xf9 }, 3, SVM_EXIT_RDTSC, VC_FATAL },
	{ "vmmcall as rdtscp", { 0x0f, 0x01, 0xd9 }, 3, SVM_EXIT_RDTSCP, VC_FATAL },
	{ "wrmsr", { 0x0f, 0x30 }, 2, SVM_EXIT_MSR, VC_DONE, 2 },
	{ "rdmsr", { 0x0f, 0x32 }, 2, SVM_EXIT_MSR, VC_DONE, 2 },
	{ "rdpmc as msr", { 0x0f, 0x33 }, 2, SVM_EXIT_MSR, VC_FATAL },
	{ "out dx, al", { 0xee }, 1, SVM_EXIT_IOIO, VC_DONE, 1 },
	{ "out 0x80, al", { 0xe6, 0x80 }, 2, SVM_EXIT_IOIO, VC_DONE, 2 },
	{ "out dx, ax", { 0x66, 0xef }, 2, SVM_EXIT_IOIO, VC_DONE, 2 },
	{ "rep insb", { 0xf3, 0x6c }, 2, SVM_EXIT_IOIO, VC_DONE, 2 },
	{ "nop as ioio", { 0x90 }, 1, SVM_EXIT_IOIO, VC_FATAL },
	{ "mov dr7, rax", { 0x0f, 0x23, 0xf8 }, 3, SVM_EXIT_WRITE_DR7, VC_DONE, 3 },
	{ "mov dr7, rax as read", { 0x0f, 0x23, 0xf8 }, 3, SVM_EXIT_READ_DR7, VC_FATAL },
	{ "mov rax, dr7", { 0x0f, 0x21, 0xf8 }, 3, SVM_EXIT_READ_DR7, VC_DONE, 3 },
	{ "mov dr6, rax as dr7", { 0x0f, 0x23, 0xf0 }, 3, SVM_EXIT_WRITE_DR7, VC_FATAL },
	{ "mov eax, [rdi]", { 0x8b, 0x07 }, 2, SVM_EXIT_NPF, VC_DONE, 2 },
	{ "movzx eax, byte [rdi]", { 0x0f, 0xb6, 0x07 }, 3, SVM_EXIT_NPF, VC_DONE, 3 },
	{ "mov dword [rdi], imm32", { 0xc7, 0x07, 1, 2, 3, 4 }, 6, SVM_EXIT_NPF, VC_DONE, 6 },
	{ "mov qword [rdi], rax", { 0x48, 0x89, 0x07 }, 3, SVM_EXIT_NPF, VC_DONE, 3 },
	{ "mov byte [rdi], imm8", { 0xc6, 0x07, 1 }, 3, SVM_EXIT_NPF, VC_DONE, 3 },
	/* Register forms: the "address" would be a register's value. */
	{ "mov rax, rdi (89 /r) as mmio", { 0x48, 0x89, 0xf8 }, 3, SVM_EXIT_NPF, VC_FATAL },
	{ "mov rax, rdi (8b /r) as mmio", { 0x48, 0x8b, 0xc7 }, 3, SVM_EXIT_NPF, VC_FATAL },
	{ "movzx eax, cl as mmio", { 0x0f, 0xb6, 0xc1 }, 3, SVM_EXIT_NPF, VC_FATAL },
	{ "mov eax, imm32 (c7 /0) as mmio", { 0xc7, 0xc0, 1, 2, 3, 4 }, 6, SVM_EXIT_NPF,
	  VC_FATAL },
	/* C6/C7 are MOV only with ModRM.reg 0. */
	{ "c7 /1 [rdi], imm32 as mmio", { 0xc7, 0x0f, 1, 2, 3, 4 }, 6, SVM_EXIT_NPF, VC_FATAL },
	{ "c6 /2 [rdi], imm8 as mmio", { 0xc6, 0x17, 1 }, 3, SVM_EXIT_NPF, VC_FATAL },
	{ "cpuid as mmio", { 0x0f, 0xa2 }, 2, SVM_EXIT_NPF, VC_FATAL },
	{ "cpuid as unknown exit", { 0x0f, 0xa2 }, 2, SVM_EXIT_HLT, VC_FATAL },
};

static void decode_matches_exit(struct kunit *test)
{
	struct vc_ctxt ctxt;
	struct pt_regs regs;
	int i;

	for (i = 0; i < ARRAY_SIZE(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];
		enum vc_result res;

		vc_setup(&ctxt, &regs, c->bytes, c->n, c->exit_code);
		res = sev_es_decode(&ctxt);
		KUNIT_EXPECT_EQ_MSG(test, res, c->want, "%s", c->what);
		if (c->want == VC_DONE)
			KUNIT_EXPECT_EQ_MSG(test, ctxt.len, c->len, "%s", c->what);
		else
			KUNIT_EXPECT_EQ_MSG(test, ctxt.reason, GHCB_TERM_VC_MISMATCH,
					    "%s", c->what);
	}
}

/* User space that rewrote its code is not the hypervisor: SIGBUS. */
static void decode_user_mismatch_sigbus(struct kunit *test)
{
	struct vc_ctxt ctxt;
	struct pt_regs regs;

	SETUP(&ctxt, &regs, SVM_EXIT_RDTSC, 0x66, 0x0f, 0xa2);
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_FATAL);
	ctxt.user = true;
	KUNIT_EXPECT_EQ(test, sev_es_check_insn(&ctxt), VC_SIGBUS);
}

static void ioio_exit_info(struct kunit *test)
{
	struct vc_ctxt ctxt;
	struct pt_regs regs;
	unsigned int size;
	u16 port;

	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0xe6, 0x80);
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, sev_es_ioio_info(&ctxt, &port, &size),
			IOIO_PORT(0x80) | IOIO_SIZE(1));
	KUNIT_EXPECT_EQ(test, port, 0x80);

	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0x66, 0xed);
	regs.dx = 0x1f0;
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, sev_es_ioio_info(&ctxt, &port, &size),
			IOIO_PORT(0x1f0) | IOIO_SIZE(2) | SVM_IOIO_TYPE_MASK);
	KUNIT_EXPECT_EQ(test, size, 2);

	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0xef);
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
	sev_es_ioio_info(&ctxt, &port, &size);
	KUNIT_EXPECT_EQ(test, size, 4);

	/* rep outsb with a GS override: segment 5 in bits 12:10. */
	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0x65, 0xf3, 0x6e);
	regs.dx = 0x3f8;
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, sev_es_ioio_info(&ctxt, &port, &size),
			IOIO_PORT(0x3f8) | IOIO_SIZE(1) | SVM_IOIO_STR_MASK | SVM_IOIO_REP_MASK |
			IOIO_ADDR(8) | IOIO_SEG(5));

	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0x67, 0x6d);
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, sev_es_ioio_info(&ctxt, &port, &size),
			IOIO_SIZE(4) | SVM_IOIO_STR_MASK | IOIO_ADDR(4) | SVM_IOIO_TYPE_MASK);
}

/*
 * What the decoder gets (any prefix but 66) must come out as the fast
 * path's: the imm8 port is unsigned, and IN/OUT have no 64-bit operand
 * size (REX.W is ignored: 32 bits).
 */
static void ioio_exit_info_decoded(struct kunit *test)
{
	struct vc_ctxt ctxt;
	struct pt_regs regs;
	unsigned int size;
	u16 port;

	/* in al, 0x80 with a REX prefix */
	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0x40, 0xe4, 0x80);
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, sev_es_ioio_info(&ctxt, &port, &size),
			IOIO_PORT(0x80) | IOIO_SIZE(1) | SVM_IOIO_TYPE_MASK);
	KUNIT_EXPECT_EQ(test, port, 0x80);

	/* rex.w in eax, 0xf0 */
	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0x48, 0xe5, 0xf0);
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, sev_es_ioio_info(&ctxt, &port, &size),
			IOIO_PORT(0xf0) | IOIO_SIZE(4) | SVM_IOIO_TYPE_MASK);
	KUNIT_EXPECT_EQ(test, size, 4);

	/* rex.w out dx, eax */
	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0x48, 0xef);
	regs.dx = 0xcfc;
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, sev_es_ioio_info(&ctxt, &port, &size),
			IOIO_PORT(0xcfc) | IOIO_SIZE(4));

	/* rep rex.w outsd */
	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0xf3, 0x48, 0x6f);
	regs.dx = 0x3f8;
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, sev_es_ioio_info(&ctxt, &port, &size),
			IOIO_PORT(0x3f8) | IOIO_SIZE(4) | SVM_IOIO_STR_MASK | SVM_IOIO_REP_MASK |
			IOIO_ADDR(8) | IOIO_SEG(3));
}

struct result_case {
	const char *what;
	bool info1_valid, info2_valid, user;
	u64 info1, info2;
	enum vc_result want;
	unsigned int reason;
	int vector;
	unsigned long error_code;
};

/* As KVM builds it: int constants, so bits 63:32 are all ones. */
#define EXC(v)	(SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXEPT | (v))

static const struct result_case result_cases[] = {
	{ "ok", true, true, false, 0, 0, VC_DONE },
	{ "no sw_exit_info_1", false, true, false, 0, 0, VC_FATAL, GHCB_TERM_GHCB_RESPONSE },
	{ "result 3", true, true, false, 3, 0, VC_FATAL, GHCB_TERM_GHCB_RESPONSE },
	{ "result in upper half", true, true, false, 1ULL << 32, 0, VC_FATAL,
	  GHCB_TERM_GHCB_RESPONSE },
	{ "#GP", true, true, false, 1, EXC(X86_TRAP_GP), VC_EXCEPTION, 0, X86_TRAP_GP },
	{ "#GP(0x18)", true, true, false, 1,
	  (u32)EXC(X86_TRAP_GP) | SVM_EVTINJ_VALID_ERR | (0x18ULL << 32), VC_EXCEPTION,
	  0, X86_TRAP_GP, 0x18 },
	{ "#UD", true, true, false, 1, EXC(X86_TRAP_UD), VC_EXCEPTION, 0, X86_TRAP_UD },
	{ "NMI vector", true, true, false, 1, EXC(X86_TRAP_NMI), VC_FATAL,
	  GHCB_TERM_GHCB_INJECT },
	{ "#PF", true, true, false, 1, EXC(X86_TRAP_PF), VC_FATAL, GHCB_TERM_GHCB_INJECT },
	{ "#UD as interrupt", true, true, false, 1, SVM_EVTINJ_VALID | X86_TRAP_UD,
	  VC_FATAL, GHCB_TERM_GHCB_INJECT },
	{ "#UD with error code", true, true, false, 1,
	  EXC(X86_TRAP_UD) | SVM_EVTINJ_VALID_ERR, VC_FATAL, GHCB_TERM_GHCB_INJECT },
	{ "#GP, reserved bit", true, true, false, 1, EXC(X86_TRAP_GP) | BIT(20),
	  VC_FATAL, GHCB_TERM_GHCB_INJECT },
	{ "#GP, not valid", true, true, false, 1, X86_TRAP_GP | SVM_EVTINJ_TYPE_EXEPT,
	  VC_FATAL, GHCB_TERM_GHCB_INJECT },
	{ "exception, no info2", true, false, false, 1, EXC(X86_TRAP_GP), VC_FATAL,
	  GHCB_TERM_GHCB_INJECT },
	{ "error, kernel", true, true, false, 2, 5, VC_FATAL, GHCB_TERM_VC_FAILED },
	{ "error, user", true, true, true, 2, 5, VC_SIGBUS },
};

static void ghcb_result_checks(struct kunit *test)
{
	struct ghcb *g = &test_ghcb;
	struct vc_ctxt ctxt;
	int i;

	for (i = 0; i < ARRAY_SIZE(result_cases); i++) {
		const struct result_case *c = &result_cases[i];

		memset(&ctxt, 0, sizeof(ctxt));
		ctxt.user = c->user;
		memset(g->save.valid_bitmap, 0, sizeof(g->save.valid_bitmap));
		if (c->info1_valid)
			ghcb_set_sw_exit_info_1(g, c->info1);
		if (c->info2_valid)
			ghcb_set_sw_exit_info_2(g, c->info2);

		KUNIT_EXPECT_EQ_MSG(test, sev_ghcb_check_result(&ctxt, g), c->want,
				    "%s", c->what);
		if (c->want == VC_FATAL)
			KUNIT_EXPECT_EQ_MSG(test, ctxt.reason, c->reason, "%s", c->what);
		if (c->want == VC_EXCEPTION) {
			KUNIT_EXPECT_EQ_MSG(test, ctxt.exc.vector, c->vector, "%s", c->what);
			KUNIT_EXPECT_EQ_MSG(test, ctxt.exc.error_code, c->error_code,
					    "%s", c->what);
		}
	}
}

/*
 * A GHCB given back holds no request: a VMGEXIT from user space (which
 * anyone can execute) must not have the hypervisor run the kernel's last
 * one again.  A nested user gives back the outer request, still valid.
 */
static void ghcb_release_invalidates(struct kunit *test)
{
	struct ghcb_state outer, inner;
	bool outer_back, code_valid, bitmap_clear;
	unsigned long flags;
	struct ghcb *g;
	u64 code;

	need_ghcb_pages(test);

	local_irq_save(flags);
	g = sev_ghcb_get(&outer);
	ghcb_set_sw_exit_code(g, SVM_EXIT_IOIO);
	ghcb_set_rax(g, 0x80);
	/* As a #VC or an NMI in the middle of the request would. */
	ghcb_set_sw_exit_code(sev_ghcb_get(&inner), SVM_EXIT_MSR);
	sev_ghcb_put(&inner);
	outer_back = g->save.sw_exit_code == SVM_EXIT_IOIO &&
		     ghcb_sw_exit_code_is_valid(g) && ghcb_rax_is_valid(g);
	sev_ghcb_put(&outer);
	code = g->save.sw_exit_code;
	code_valid = ghcb_sw_exit_code_is_valid(g);
	bitmap_clear = !memchr_inv(g->save.valid_bitmap, 0, sizeof(g->save.valid_bitmap));
	local_irq_restore(flags);

	KUNIT_EXPECT_TRUE(test, outer_back);
	KUNIT_EXPECT_EQ(test, code, 0);
	KUNIT_EXPECT_FALSE(test, code_valid);
	KUNIT_EXPECT_TRUE(test, bitmap_clear);
}

/* Decode, then run @handler against the stand-in with IRQs off. */
static enum vc_result run(struct kunit *test, struct vc_ctxt *ctxt,
			  enum vc_result (*handler)(struct vc_ctxt *, struct ghcb *))
{
	enum vc_result res;
	unsigned long flags;

	KUNIT_ASSERT_EQ(test, sev_es_decode(ctxt), VC_DONE);
	local_irq_save(flags);
	res = handler(ctxt, &test_ghcb);
	local_irq_restore(flags);
	return res;
}

static void cpuid_handler(struct kunit *test)
{
	struct vc_ctxt ctxt;
	struct pt_regs regs;

	SETUP(&ctxt, &regs, SVM_EXIT_CPUID, 0x0f, 0xa2);
	regs.ax = 0xffffffff00000000UL;
	hv.ret = RET_ALL;
	hv.rax = 0x1111111100000016ULL;
	hv.rbx = 2;
	hv.rcx = 3;
	hv.rdx = 4;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_cpuid), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.exit_code, SVM_EXIT_CPUID);
	KUNIT_EXPECT_TRUE(test, hv.req_rax_valid);
	KUNIT_EXPECT_EQ(test, hv.req_rax, 0);
	KUNIT_EXPECT_TRUE(test, hv.req_xcr0_valid);
	KUNIT_EXPECT_EQ(test, regs.ax, 0x16);
	KUNIT_EXPECT_EQ(test, regs.bx, 2);
	KUNIT_EXPECT_EQ(test, regs.cx, 3);
	KUNIT_EXPECT_EQ(test, regs.dx, 4);

	/* RBX not marked valid. */
	SETUP(&ctxt, &regs, SVM_EXIT_CPUID, 0x0f, 0xa2);
	hv.ret = RET_RAX | RET_RCX | RET_RDX;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_cpuid), VC_FATAL);
	KUNIT_EXPECT_EQ(test, ctxt.reason, GHCB_TERM_GHCB_VALID);
	KUNIT_EXPECT_EQ(test, regs.bx, 0);

	SETUP(&ctxt, &regs, SVM_EXIT_CPUID, 0x0f, 0xa2);
	hv.ret = RET_ALL;
	hv.info1 = 3;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_cpuid), VC_FATAL);
	KUNIT_EXPECT_EQ(test, ctxt.reason, GHCB_TERM_GHCB_RESPONSE);
}

static void msr_handler(struct kunit *test)
{
	struct vc_ctxt ctxt;
	struct pt_regs regs;

	SETUP(&ctxt, &regs, SVM_EXIT_MSR, 0x0f, 0x32);
	regs.cx = 0xc0000080;
	hv.ret = RET_RAX | RET_RDX;
	hv.rax = 0xd01;
	hv.rdx = 7;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_msr), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.req_info1, 0);
	KUNIT_EXPECT_EQ(test, regs.ax, 0xd01);
	KUNIT_EXPECT_EQ(test, regs.dx, 7);

	SETUP(&ctxt, &regs, SVM_EXIT_MSR, 0x0f, 0x30);
	regs.ax = 0xffffffff12345678UL;
	hv.ret = 0;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_msr), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.req_info1, 1);
	KUNIT_EXPECT_EQ(test, hv.req_rax, 0x12345678);

	SETUP(&ctxt, &regs, SVM_EXIT_MSR, 0x0f, 0x32);
	hv.ret = RET_RAX;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_msr), VC_FATAL);
	KUNIT_EXPECT_EQ(test, ctxt.reason, GHCB_TERM_GHCB_VALID);

	/* An MSR the hypervisor does not have: #GP, as on bare metal. */
	SETUP(&ctxt, &regs, SVM_EXIT_MSR, 0x0f, 0x32);
	hv.info1 = 1;
	hv.info2 = EXC(X86_TRAP_GP);
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_msr), VC_EXCEPTION);
	KUNIT_EXPECT_EQ(test, ctxt.exc.vector, X86_TRAP_GP);
}

static void tsc_pmc_handlers(struct kunit *test)
{
	struct vc_ctxt ctxt;
	struct pt_regs regs;

	SETUP(&ctxt, &regs, SVM_EXIT_RDTSCP, 0x0f, 0x01, 0xf9);
	hv.ret = RET_RAX | RET_RCX | RET_RDX;
	hv.rax = 10;
	hv.rcx = 1;
	hv.rdx = 20;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_rdtsc), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.exit_code, SVM_EXIT_RDTSCP);
	KUNIT_EXPECT_EQ(test, regs.ax, 10);
	KUNIT_EXPECT_EQ(test, regs.cx, 1);
	KUNIT_EXPECT_EQ(test, regs.dx, 20);

	SETUP(&ctxt, &regs, SVM_EXIT_RDTSCP, 0x0f, 0x01, 0xf9);
	hv.ret = RET_RAX | RET_RDX;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_rdtsc), VC_FATAL);
	KUNIT_EXPECT_EQ(test, ctxt.reason, GHCB_TERM_GHCB_VALID);

	SETUP(&ctxt, &regs, SVM_EXIT_RDTSC, 0x0f, 0x31);
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_rdtsc), VC_DONE);

	SETUP(&ctxt, &regs, SVM_EXIT_RDPMC, 0x0f, 0x33);
	hv.ret = RET_RAX;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_rdpmc), VC_FATAL);
	KUNIT_EXPECT_EQ(test, ctxt.reason, GHCB_TERM_GHCB_VALID);
}

static void ioio_handler(struct kunit *test)
{
	struct vc_ctxt ctxt;
	struct pt_regs regs;

	/* in al, dx: only AL changes. */
	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0xec);
	regs.ax = ~0UL;
	regs.dx = 0x71;
	hv.ret = RET_RAX;
	hv.rax = 0x12345678;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_ioio), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.req_info1, IOIO_PORT(0x71) | IOIO_SIZE(1) | SVM_IOIO_TYPE_MASK);
	KUNIT_EXPECT_EQ(test, regs.ax, ~0UL << 8 | 0x78);

	/* in eax, dx: a 32-bit write clears the upper half. */
	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0xed);
	regs.ax = ~0UL;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_ioio), VC_DONE);
	KUNIT_EXPECT_EQ(test, regs.ax, 0x12345678);

	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0xec);
	hv.ret = 0;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_ioio), VC_FATAL);
	KUNIT_EXPECT_EQ(test, ctxt.reason, GHCB_TERM_GHCB_VALID);

	/* out 0x80, al: only AL goes out. */
	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0xe6, 0x80);
	regs.ax = 0x1234;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_ioio), VC_DONE);
	KUNIT_EXPECT_TRUE(test, hv.req_rax_valid);
	KUNIT_EXPECT_EQ(test, hv.req_rax, 0x34);
}

static void ioio_string_handler(struct kunit *test)
{
	struct vc_ctxt ctxt;
	struct pt_regs regs;

	need_ghcb_pages(test);

	memset(iobuf, 0, sizeof(iobuf));
	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0xf3, 0x6c);
	regs.cx = 4;
	regs.di = (unsigned long)iobuf;
	hv.fill = 0xab;
	hv.fill_len = 4;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_ioio), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.req_info2, 4);
	KUNIT_EXPECT_TRUE(test, hv.req_scratch_valid);
	KUNIT_EXPECT_EQ(test, iobuf[0], 0xab);
	KUNIT_EXPECT_EQ(test, iobuf[3], 0xab);
	KUNIT_EXPECT_EQ(test, iobuf[4], 0);
	KUNIT_EXPECT_EQ(test, regs.di, (unsigned long)iobuf + 4);
	KUNIT_EXPECT_EQ(test, regs.cx, 0);

	/* outsw: what is in memory is in the shared buffer. */
	iobuf[0] = 0x5a;
	iobuf[1] = 0xa5;
	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0x66, 0x6f);
	regs.si = (unsigned long)iobuf;
	hv.fill_len = 0;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_ioio), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.req_buf[0], 0x5a);
	KUNIT_EXPECT_EQ(test, hv.req_buf[1], 0xa5);
	KUNIT_EXPECT_EQ(test, regs.si, (unsigned long)iobuf + 2);

	/* More than the shared buffer holds: a chunk, then again. */
	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0xf3, 0x6e);
	regs.cx = 5000;
	regs.si = (unsigned long)__va(0x100000);
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_ioio), VC_RETRY);
	KUNIT_EXPECT_EQ(test, hv.req_info2, GHCB_SHARED_BUF_SIZE);
	KUNIT_EXPECT_EQ(test, regs.cx, 5000 - GHCB_SHARED_BUF_SIZE);

	/* Claims more than was asked for. */
	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0xf3, 0x6c);
	regs.cx = 4;
	regs.di = (unsigned long)iobuf;
	hv.info2 = 2048;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_ioio), VC_FATAL);
	KUNIT_EXPECT_EQ(test, ctxt.reason, GHCB_TERM_GHCB_SIZE);

	/* Another buffer. */
	SETUP(&ctxt, &regs, SVM_EXIT_IOIO, 0xf3, 0x6c);
	regs.cx = 4;
	regs.di = (unsigned long)iobuf;
	hv.info2 = 0;
	hv.scratch = 0x1000;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_ioio), VC_FATAL);
	KUNIT_EXPECT_EQ(test, ctxt.reason, GHCB_TERM_GHCB_SIZE);
}

/* User IO: the task's permissions, then only user memory. */
static void user_io_checks(struct kunit *test)
{
	struct vc_ctxt ctxt = { .user = true };
	struct pt_regs regs = { .cs = __USER_CS };
	u8 before = iobuf[0];

	ctxt.regs = &regs;
	/* A kernel thread has no I/O bitmap and IOPL 0. */
	KUNIT_EXPECT_FALSE(test, sev_es_ioio_allowed(&ctxt, 0x80, 1));

	/* A string IN aimed at kernel memory: #PF, memory untouched. */
	KUNIT_EXPECT_EQ(test, sev_es_write_mem(&ctxt, (unsigned long)iobuf, "x", 1),
			VC_EXCEPTION);
	KUNIT_EXPECT_EQ(test, ctxt.exc.vector, X86_TRAP_PF);
	KUNIT_EXPECT_EQ(test, ctxt.exc.cr2, (unsigned long)iobuf);
	KUNIT_EXPECT_TRUE(test, ctxt.exc.error_code & X86_PF_USER);
	KUNIT_EXPECT_TRUE(test, ctxt.exc.error_code & X86_PF_WRITE);
	KUNIT_EXPECT_EQ(test, iobuf[0], before);

	/* A string OUT reading kernel memory. */
	KUNIT_EXPECT_EQ(test, sev_es_read_mem(&ctxt, (unsigned long)iobuf, &before, 1),
			VC_EXCEPTION);
	KUNIT_EXPECT_EQ(test, ctxt.exc.vector, X86_TRAP_PF);
}

static void mmio_handler(struct kunit *test)
{
	static u32 private_word;
	void __iomem *mmio;
	struct vc_ctxt ctxt;
	struct pt_regs regs;

	need_ghcb_pages(test);

	/* An MMIO #VC on private memory is not one. */
	SETUP(&ctxt, &regs, SVM_EXIT_NPF, 0x8b, 0x07);
	regs.di = (unsigned long)&private_word;
	if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)) {
		KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_mmio), VC_FATAL);
		KUNIT_EXPECT_EQ(test, ctxt.reason, GHCB_TERM_VC_MISMATCH);
	}

	/* The IO-APIC page: shared, not RAM. */
	mmio = ioremap(0xfec00000, PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, mmio);

	SETUP(&ctxt, &regs, SVM_EXIT_NPF, 0x8b, 0x07);
	regs.ax = ~0UL;
	regs.di = (unsigned long)mmio + 0x10;
	hv.fill = 0x11;
	hv.fill_len = 4;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_mmio), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.exit_code, SVM_VMGEXIT_MMIO_READ);
	KUNIT_EXPECT_EQ(test, hv.req_info1, 0xfec00010);
	KUNIT_EXPECT_EQ(test, hv.req_info2, 4);
	KUNIT_EXPECT_EQ(test, regs.ax, 0x11111111);

	/* movsx rax, byte [rdi] */
	SETUP(&ctxt, &regs, SVM_EXIT_NPF, 0x48, 0x0f, 0xbe, 0x07);
	regs.di = (unsigned long)mmio;
	hv.fill = 0x80;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_mmio), VC_DONE);
	KUNIT_EXPECT_EQ(test, regs.ax, (unsigned long)-128);

	/* mov dword [rdi], 0x04030201 */
	SETUP(&ctxt, &regs, SVM_EXIT_NPF, 0xc7, 0x07, 1, 2, 3, 4);
	regs.di = (unsigned long)mmio;
	hv.fill_len = 0;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_mmio), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.exit_code, SVM_VMGEXIT_MMIO_WRITE);
	KUNIT_EXPECT_EQ(test, hv.req_buf[0], 1);
	KUNIT_EXPECT_EQ(test, hv.req_buf[3], 4);

	/* mov qword [rdi], 0xffffffffff000080: the imm32, sign-extended. */
	SETUP(&ctxt, &regs, SVM_EXIT_NPF, 0x48, 0xc7, 0x07, 0x80, 0, 0, 0xff);
	regs.di = (unsigned long)mmio;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_mmio), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.req_info2, 8);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(hv.req_buf), 0xffffffffff000080ULL);

	/* mov word [rdi], 0x8001 */
	SETUP(&ctxt, &regs, SVM_EXIT_NPF, 0x66, 0xc7, 0x07, 0x01, 0x80);
	regs.di = (unsigned long)mmio;
	memset(hv.req_buf, 0, sizeof(hv.req_buf));
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_mmio), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.req_info2, 2);
	KUNIT_EXPECT_EQ(test, get_unaligned_le16(hv.req_buf), 0x8001);

	/* A read that claims 2048 bytes. */
	SETUP(&ctxt, &regs, SVM_EXIT_NPF, 0x8b, 0x07);
	regs.di = (unsigned long)mmio;
	hv.info2 = 2048;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_mmio), VC_FATAL);
	KUNIT_EXPECT_EQ(test, ctxt.reason, GHCB_TERM_GHCB_SIZE);

	iounmap(mmio);
}

static void dr7_handlers(struct kunit *test)
{
	struct vc_ctxt ctxt;
	struct pt_regs regs;

	preempt_disable();
	SETUP(&ctxt, &regs, SVM_EXIT_WRITE_DR7, 0x0f, 0x23, 0xf8);
	regs.ax = 1UL << 32;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_dr7_write), VC_EXCEPTION);
	KUNIT_EXPECT_EQ(test, ctxt.exc.vector, X86_TRAP_GP);

	SETUP(&ctxt, &regs, SVM_EXIT_WRITE_DR7, 0x0f, 0x23, 0xf8);
	regs.ax = 0x401;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_dr7_write), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.req_rax, 0x401);

	/* mov rbx, dr7: the shadow, without an exit. */
	SETUP(&ctxt, &regs, SVM_EXIT_READ_DR7, 0x0f, 0x21, 0xfb);
	hv.exit_code = 0;
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, sev_es_handle_dr7_read(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, regs.bx, 0x401);
	KUNIT_EXPECT_EQ(test, hv.exit_code, 0);

	/* As the CPU keeps it: bits 15:14 and 12:11 zero, bit 10 one. */
	SETUP(&ctxt, &regs, SVM_EXIT_WRITE_DR7, 0x0f, 0x23, 0xf8);
	regs.ax = 0xffffdbff;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_dr7_write), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.req_rax, 0xffff07ff);
	SETUP(&ctxt, &regs, SVM_EXIT_READ_DR7, 0x0f, 0x21, 0xfb);
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, sev_es_handle_dr7_read(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, regs.bx, 0xffff07ff);

	SETUP(&ctxt, &regs, SVM_EXIT_WRITE_DR7, 0x0f, 0x23, 0xf8);
	regs.ax = 0x1;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_dr7_write), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.req_rax, 0x401);
	SETUP(&ctxt, &regs, SVM_EXIT_READ_DR7, 0x0f, 0x21, 0xfb);
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, sev_es_handle_dr7_read(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, regs.bx, 0x401);

	SETUP(&ctxt, &regs, SVM_EXIT_WRITE_DR7, 0x0f, 0x23, 0xf8);
	regs.ax = 0x400;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_dr7_write), VC_DONE);
	preempt_enable();
}

static void vmmcall_handler(struct kunit *test)
{
	struct vc_ctxt ctxt;
	struct pt_regs regs;

	if (x86_platform.hyper.sev_es_hcall_prepare)
		kunit_skip(test, "a hypervisor ABI is installed");
	SETUP(&ctxt, &regs, SVM_EXIT_VMMCALL, 0x0f, 0x01, 0xd9);
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_vmmcall), VC_EXCEPTION);
	KUNIT_EXPECT_EQ(test, ctxt.exc.vector, X86_TRAP_UD);
}

static void cache_handler(struct kunit *test)
{
	struct vc_ctxt ctxt;
	struct pt_regs regs;

	SETUP(&ctxt, &regs, SVM_EXIT_WBINVD, 0x0f, 0x09);
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_cache), VC_DONE);
	KUNIT_EXPECT_EQ(test, hv.exit_code, SVM_EXIT_WBINVD);

	/* INVD would drop private data: refused, and never asked for. */
	SETUP(&ctxt, &regs, SVM_EXIT_INVD, 0x0f, 0x08);
	hv.exit_code = 0;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_cache), VC_FATAL);
	KUNIT_EXPECT_EQ(test, ctxt.reason, GHCB_TERM_VC_UNEXPECTED);
	KUNIT_EXPECT_EQ(test, hv.exit_code, 0);
}

/*
 * An intercepted #AC (exit 0x51): user space gets the #AC (SIGBUS,
 * BUS_ADRALN); the kernel never runs with alignment checks, so there it
 * is the hypervisor's invention.
 */
static void alignment_check(struct kunit *test)
{
	struct vc_ctxt ctxt;
	struct pt_regs regs;

	SETUP(&ctxt, &regs, SVM_EXIT_EXCP_BASE + X86_TRAP_AC, 0x8b, 0x07);
	regs.cs = __USER_CS;
	regs.flags |= X86_EFLAGS_AC;
	ctxt.user = true;
	KUNIT_EXPECT_EQ(test, sev_es_emulate(&ctxt, &test_ghcb), VC_EXCEPTION);
	KUNIT_EXPECT_EQ(test, ctxt.exc.vector, X86_TRAP_AC);
	KUNIT_EXPECT_EQ(test, ctxt.exc.error_code, 0);

	SETUP(&ctxt, &regs, SVM_EXIT_EXCP_BASE + X86_TRAP_AC, 0x8b, 0x07);
	hv.exit_code = 0;
	KUNIT_EXPECT_EQ(test, sev_es_emulate(&ctxt, &test_ghcb), VC_FATAL);
	KUNIT_EXPECT_EQ(test, ctxt.reason, GHCB_TERM_VC_MISMATCH);
	KUNIT_EXPECT_EQ(test, hv.exit_code, 0);
}

/*
 * A #DB the hypervisor intercepts comes as #VC 0x41 (KVM in 6.1 does
 * intercept it).  A single step in the kernel must reach the kernel's
 * #DB handling, which runs as an NMI, and its debug notifiers (kgdb's
 * way in), not the user-mode path.  The notifier consumes the step.
 */
static struct {
	bool armed;
	int hits;
	bool in_nmi, user, tf;
} kdb;

static int kdb_notify(struct notifier_block *nb, unsigned long val, void *data)
{
	struct die_args *args = data;
	unsigned long *dr6 = (unsigned long *)args->err;

	if (val != DIE_DEBUG || !READ_ONCE(kdb.armed) || !(*dr6 & DR_STEP))
		return NOTIFY_DONE;
	kdb.hits++;
	kdb.in_nmi = in_nmi();
	kdb.user = user_mode(args->regs);
	kdb.tf = args->regs->flags & X86_EFLAGS_TF;
	args->regs->flags &= ~X86_EFLAGS_TF;
	*dr6 &= ~DR_STEP;
	return NOTIFY_STOP;
}

static struct notifier_block kdb_nb = { .notifier_call = kdb_notify };

static void kernel_single_step(struct kunit *test)
{
	memset(&kdb, 0, sizeof(kdb));
	KUNIT_ASSERT_EQ(test, register_die_notifier(&kdb_nb), 0);
	WRITE_ONCE(kdb.armed, true);
	/* TF on, one instruction, TF off (if no #DB took it off before). */
	asm volatile("pushfq\n\t"
		     "orq %0, (%%rsp)\n\t"
		     "popfq\n\t"
		     "nop\n\t"
		     "pushfq\n\t"
		     "andq %1, (%%rsp)\n\t"
		     "popfq"
		     : : "i" (X86_EFLAGS_TF), "i" (~X86_EFLAGS_TF) : "memory", "cc");
	WRITE_ONCE(kdb.armed, false);
	unregister_die_notifier(&kdb_nb);

	KUNIT_EXPECT_EQ(test, kdb.hits, 1);
	KUNIT_EXPECT_TRUE(test, kdb.in_nmi);
	KUNIT_EXPECT_FALSE(test, kdb.user);
	KUNIT_EXPECT_TRUE(test, kdb.tf);
}

/*
 * A user address space for the test's kthread, with one page mapped and
 * faulted in: the #VC handler runs with page faults off.  0 if there is
 * none to be had.
 */
static unsigned long user_page_get(void)
{
	struct mm_struct *mm;
	unsigned long addr;

	if (current->mm)
		return 0;
	mm = mm_alloc();
	if (!mm)
		return 0;
	mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(mm, &current->signal->rlim[RLIMIT_STACK]);
	kthread_use_mm(mm);
	addr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(addr) || clear_user((void __user *)addr, PAGE_SIZE)) {
		kthread_unuse_mm(mm);
		mmput(mm);
		return 0;
	}
	return addr;
}

static void user_page_put(void)
{
	struct mm_struct *mm = current->mm;

	kthread_unuse_mm(mm);
	mmput(mm);
}

/*
 * A kernel MOVS with MMIO on one side and user memory on the other:
 * copy_from_user() and copy_to_user() are REP MOVS.  The user side is
 * reached as user memory while the kernel may touch it (EFLAGS.AC, for
 * SMAP); without AC it is the #PF the CPU would have raised.
 */
static void movs_user_memory(struct kunit *test)
{
	static u64 kernel_side;
	struct vc_ctxt ctxt;
	struct pt_regs regs;
	unsigned long u;
	u64 val = 0;

	u = user_page_get();
	if (!u)
		kunit_skip(test, "no user address space");

	/* rep movsq: user to kernel */
	KUNIT_EXPECT_EQ(test, put_user(0x1122334455667788ULL, (u64 __user *)u), 0);
	kernel_side = 0;
	SETUP(&ctxt, &regs, SVM_EXIT_NPF, 0xf3, 0x48, 0xa5);
	regs.flags |= X86_EFLAGS_AC;
	regs.si = u;
	regs.di = (unsigned long)&kernel_side;
	regs.cx = 1;
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
	KUNIT_ASSERT_EQ(test, sev_es_handle_movs(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, kernel_side, 0x1122334455667788ULL);
	KUNIT_EXPECT_EQ(test, regs.si, u + 8);
	KUNIT_EXPECT_EQ(test, regs.cx, 0);

	/* movsd: kernel to user */
	kernel_side = 0xa5a5a5a5;
	SETUP(&ctxt, &regs, SVM_EXIT_NPF, 0xa5);
	regs.flags |= X86_EFLAGS_AC;
	regs.si = (unsigned long)&kernel_side;
	regs.di = u + 8;
	KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, sev_es_handle_movs(&ctxt), VC_DONE);
	KUNIT_EXPECT_EQ(test, get_user(val, (u64 __user *)(u + 8)), 0);
	KUNIT_EXPECT_EQ(test, val, 0xa5a5a5a5);

	/* Without AC, SMAP stops the kernel where the CPU would have. */
	if (cpu_feature_enabled(X86_FEATURE_SMAP)) {
		SETUP(&ctxt, &regs, SVM_EXIT_NPF, 0xa5);
		regs.si = (unsigned long)&kernel_side;
		regs.di = u + 16;
		KUNIT_ASSERT_EQ(test, sev_es_decode(&ctxt), VC_DONE);
		KUNIT_EXPECT_EQ(test, sev_es_handle_movs(&ctxt), VC_EXCEPTION);
		KUNIT_EXPECT_EQ(test, ctxt.exc.vector, X86_TRAP_PF);
		KUNIT_EXPECT_EQ(test, ctxt.exc.cr2, u + 16);
		KUNIT_EXPECT_EQ(test, get_user(val, (u64 __user *)(u + 16)), 0);
		KUNIT_EXPECT_EQ(test, val, 0);
	}
	user_page_put();
}

/*
 * MMIO through an encrypted user mapping (what an mmap() of /dev/mem is
 * in an SEV guest) is not emulated, and it fails for the task only: the
 * #PF a user copy's fixup catches from the kernel, SIGBUS from user
 * space.
 */
static void mmio_encrypted_user_page(struct kunit *test)
{
	struct vc_ctxt ctxt;
	struct pt_regs regs;
	unsigned long u;

	if (!cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT))
		kunit_skip(test, "no encrypted mappings");
	u = user_page_get();
	if (!u)
		kunit_skip(test, "no user address space");

	SETUP(&ctxt, &regs, SVM_EXIT_NPF, 0x8b, 0x07);
	regs.flags |= X86_EFLAGS_AC;
	regs.di = u;
	hv.exit_code = 0;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_mmio), VC_EXCEPTION);
	KUNIT_EXPECT_EQ(test, ctxt.exc.vector, X86_TRAP_PF);
	KUNIT_EXPECT_EQ(test, ctxt.exc.cr2, u);

	/* The same from user space, with the instruction in the user page. */
	KUNIT_EXPECT_EQ(test, copy_to_user((void __user *)(u + 64), "\x8b\x07", 2), 0);
	SETUP(&ctxt, &regs, SVM_EXIT_NPF, 0x8b, 0x07);
	regs.cs = __USER_CS;
	regs.ip = u + 64;
	regs.di = u;
	ctxt.user = true;
	KUNIT_EXPECT_EQ(test, run(test, &ctxt, sev_es_handle_mmio), VC_SIGBUS);
	KUNIT_EXPECT_EQ(test, hv.exit_code, 0);
	user_page_put();
}

/* What sev_enc_phys_runs() reported. */
static struct {
	unsigned int calls;
	unsigned long pages;
	unsigned long pfn[8];
	int npages[8];
} runs;

static void record_run(unsigned long pfn, int npages, bool enc)
{
	if (runs.calls < ARRAY_SIZE(runs.pfn)) {
		runs.pfn[runs.calls] = pfn;
		runs.npages[runs.calls] = npages;
	}
	runs.calls++;
	runs.pages += npages;
}

/*
 * A change of encryption is told to the hypervisor once per physically
 * contiguous run, not once per page (the bounce buffers alone are up to
 * 1 GiB), and the runs are the pages behind the range, in order.
 */
static void enc_status_runs(struct kunit *test)
{
	struct page *pages = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 9);
	unsigned long off = 0;
	unsigned int r;
	int i;
	void *v;

	if (pages) {
		memset(&runs, 0, sizeof(runs));
		sev_enc_phys_runs((unsigned long)page_address(pages), SZ_2M, false,
				  record_run);
		KUNIT_EXPECT_EQ(test, runs.calls, 1);
		KUNIT_EXPECT_EQ(test, runs.pfn[0], page_to_pfn(pages));
		KUNIT_EXPECT_EQ(test, runs.npages[0], 512);
		__free_pages(pages, 9);
	}

	v = vmalloc(8 * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, v);
	memset(&runs, 0, sizeof(runs));
	sev_enc_phys_runs((unsigned long)v, 8 * PAGE_SIZE, true, record_run);
	KUNIT_EXPECT_EQ(test, runs.pages, 8);
	KUNIT_EXPECT_LE(test, runs.calls, 8);
	for (r = 0; r < min_t(unsigned int, runs.calls, ARRAY_SIZE(runs.pfn)); r++)
		for (i = 0; i < runs.npages[r]; i++, off += PAGE_SIZE)
			KUNIT_EXPECT_EQ(test, runs.pfn[r] + i, vmalloc_to_pfn(v + off));
	vfree(v);
}

/*
 * The stacks of the CPU entry area, for code that runs where a #VC
 * handler finds itself: VC2, the fallback stack vc_switch_off_ist()
 * takes for a #VC from the entry stack, and the entry stack itself.
 * Interrupts stay off while a test runs there.
 */
static u32 stack_cpuid_eax;

static void stack_cpuid(void)
{
	u32 eax = 0, ebx, ecx = 0, edx;

	native_cpuid(&eax, &ebx, &ecx, &edx);
	stack_cpuid_eax = eax;
}

static void *vc2_top(void)
{
	return (void *)(__this_cpu_ist_top_va(VC2) - sizeof(long));
}

static void *entry_stack_top(void)
{
	return (void *)((unsigned long)(cpu_entry_stack(smp_processor_id()) + 1) -
			sizeof(long));
}

/*
 * Code the #VC handler runs on VC2 (the message before a termination,
 * through a port IO console) may take a #VC of its own: that one is
 * handled.  Only the #VC that brought the handler onto VC2 is refused.
 */
static void vc2_nested_handled(struct kunit *test)
{
	u32 eax = 0, ebx, ecx = 0, edx;
	unsigned long flags;

	need_ghcb_pages(test);
	native_cpuid(&eax, &ebx, &ecx, &edx);
	stack_cpuid_eax = ~eax;

	local_irq_save(flags);
	call_on_stack(vc2_top(), stack_cpuid, ASM_CALL_ARG0);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, stack_cpuid_eax, eax);
}

/*
 * sev_es_vc.die=NAME on the command line ends the guest on purpose, to
 * show that the termination request goes out whatever state the #VC
 * path was in (tests/cases/sev-es-die.sh):
 *   nested       a #VC while this CPU's GHCB and its backup are in use
 *   entry-stack  a #VC from the entry stack, handled on VC2
 * Without it, nothing happens.
 */
#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "sev_es_vc."
static char *die_request;
module_param_named(die, die_request, charp, 0444);

static void die_on_request(struct kunit *test)
{
	struct ghcb_state outer, inner;
	u32 eax = 0, ebx, ecx = 0, edx;

	if (!die_request)
		kunit_skip(test, "no sev_es_vc.die=");
	need_ghcb_pages(test);

	local_irq_disable();
	if (!strcmp(die_request, "nested")) {
		sev_ghcb_get(&outer);
		sev_ghcb_get(&inner);
		native_cpuid(&eax, &ebx, &ecx, &edx);
	} else if (!strcmp(die_request, "entry-stack")) {
		call_on_stack(entry_stack_top(), stack_cpuid, ASM_CALL_ARG0);
	}
	local_irq_enable();
	KUNIT_FAIL(test, "sev_es_vc.die=%s: the guest is still running", die_request);
}

static struct kunit_case sev_es_vc_cases[] = {
	KUNIT_CASE(decode_matches_exit),
	KUNIT_CASE(decode_user_mismatch_sigbus),
	KUNIT_CASE(ioio_exit_info),
	KUNIT_CASE(ioio_exit_info_decoded),
	KUNIT_CASE(ghcb_result_checks),
	KUNIT_CASE(ghcb_release_invalidates),
	KUNIT_CASE(cpuid_handler),
	KUNIT_CASE(msr_handler),
	KUNIT_CASE(tsc_pmc_handlers),
	KUNIT_CASE(ioio_handler),
	KUNIT_CASE(ioio_string_handler),
	KUNIT_CASE(user_io_checks),
	KUNIT_CASE(mmio_handler),
	KUNIT_CASE(dr7_handlers),
	KUNIT_CASE(vmmcall_handler),
	KUNIT_CASE(cache_handler),
	KUNIT_CASE(alignment_check),
	KUNIT_CASE(kernel_single_step),
	KUNIT_CASE(movs_user_memory),
	KUNIT_CASE(enc_status_runs),
	KUNIT_CASE(mmio_encrypted_user_page),
	KUNIT_CASE(vc2_nested_handled),
	KUNIT_CASE(die_on_request),
	{}
};

static struct kunit_suite sev_es_vc_suite = {
	.name = "sev_es_vc",
	.init = runtime_init,
	.exit = runtime_exit,
	.test_cases = sev_es_vc_cases,
};

kunit_test_suites(&sev_es_vc_suite);
