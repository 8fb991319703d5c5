// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit fuzzers for the SEV-ES runtime, on what a hypervisor controls.
 *
 * fuzz_decode: seeded random instruction bytes x #VC error codes x modes
 * (kernel, 64-bit user, compat user) through sev_es_decode(): the fetch,
 * the instruction decoder and the check that the instruction is one that
 * makes the exit.  What it accepts is checked against the opcodes of the
 * exit, read from the bytes.
 *
 * fuzz_response: every exit the runtime handles, emulated by
 * sev_es_emulate() against a stand-in hypervisor answering with seeded
 * random GHCB contents: result codes, valid bits, register values, scratch
 * areas and lengths, injected events.  Each answer is judged here by the
 * rules of the GHCB specification (56421, "Non-Automatic Exit (NAE)
 * Events"), apart from the runtime's own code: a malformed one must be
 * refused with its reason, the others taken.
 *
 * Invariants of both: no oops; nothing written outside what the request
 * named (the guest registers the instruction writes, canaries around the
 * #VC context, guard pages and canaries around the string-IO buffers);
 * every refusal named (a termination reason with its message, SIGBUS for
 * user space, or an exception the CPU could have raised).
 *
 * sev_es_fuzz.seed (0: from the clock) and sev_es_fuzz.cases set a run;
 * case N draws from a generator seeded with the run's seed and N, so
 * sev_es_fuzz.first=N sev_es_fuzz.cases=1 runs it alone.
 */
#include <kunit/test.h>
#include <linux/cc_platform.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/prandom.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/insn-eval.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <asm/sev-es-msr.h>
#include <asm/svm.h>
#include <asm/traps.h>
#include <asm/x86_init.h>

#include "internal.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "sev_es_fuzz."

static ulong seed = 1;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "seed of the run (0: from the clock)");

static ulong cases = 1000;
module_param(cases, ulong, 0444);
MODULE_PARM_DESC(cases, "cases per fuzzer");

static ulong first;
module_param(first, ulong, 0444);
MODULE_PARM_DESC(first, "number of the first case");

/* Failures reported in full per fuzzer; the others are counted. */
#define FUZZ_REPORTED	8
#define FUZZ_CANARY	0xa5
/* No termination reason: sev_es_fatal() was not called. */
#define FUZZ_NO_REASON	0xdead
#define FUZZ_BUF_SIZE	(2 * PAGE_SIZE)
/* IO-APIC registers: MMIO, mapped shared. */
#define FUZZ_MMIO_PA	0xfec00000UL

enum fuzz_mode { FUZZ_KERNEL, FUZZ_USER64, FUZZ_COMPAT };

static const char * const mode_names[] = { "kernel", "user64", "compat" };

static const char * const result_names[] = {
	[VC_DONE] = "done", [VC_RETRY] = "retry", [VC_EXCEPTION] = "exception",
	[VC_SIGBUS] = "SIGBUS", [VC_FATAL] = "fatal",
};

struct fuzz_run {
	struct kunit *test;
	u64 seed;
	/* The case running. */
	unsigned long index;
	unsigned long failures;
	/* This case has failed. */
	bool failed;
	struct rnd_state rnd;
	unsigned long results[VC_FATAL + 1];
};

/*
 * What the cases work on: code pages with a guard page or a hole after
 * them, string-IO buffers, an MMIO page, and the user address space of
 * the kthread running the test (none: kernel mode only).
 */
struct fuzz_env {
	u8 *kcode;
	u8 *kbuf;
	/* What a buffer must hold after a case. */
	u8 *expect;
	/* What it holds. */
	u8 *seen;
	struct mm_struct *mm;
	unsigned long ucode;
	unsigned long ubuf;
	void __iomem *mmio;
	/* GHCB pages: exits with data. */
	bool shared_buffer;
	bool encrypted;
	/* User port IO allowed (IOPL 3). */
	bool user_io;
};

/* The guest's registers and the #VC context, between canaries. */
struct fuzz_frame {
	u8 head[16];
	struct pt_regs regs;
	u8 mid[16];
	struct vc_ctxt ctxt;
	u8 tail[16];
};

static const char * const regs_names[] = {
	"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax",
	"cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
};

/* pt_regs offsets of the GPRs, by their number in ModRM and REX. */
static const unsigned short gpr_offsets[16] = {
	offsetof(struct pt_regs, ax), offsetof(struct pt_regs, cx),
	offsetof(struct pt_regs, dx), offsetof(struct pt_regs, bx),
	offsetof(struct pt_regs, sp), offsetof(struct pt_regs, bp),
	offsetof(struct pt_regs, si), offsetof(struct pt_regs, di),
	offsetof(struct pt_regs, r8), offsetof(struct pt_regs, r9),
	offsetof(struct pt_regs, r10), offsetof(struct pt_regs, r11),
	offsetof(struct pt_regs, r12), offsetof(struct pt_regs, r13),
	offsetof(struct pt_regs, r14), offsetof(struct pt_regs, r15),
};

static unsigned long *gpr(struct pt_regs *regs, unsigned int n)
{
	return (unsigned long *)((u8 *)regs + gpr_offsets[n]);
}

/* splitmix64: one case's seed from the run's. */
static u64 mix64(u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static u32 rnd(struct fuzz_run *run, u32 n)
{
	return prandom_u32_state(&run->rnd) % n;
}

static u64 rnd64(struct fuzz_run *run)
{
	u64 hi = prandom_u32_state(&run->rnd);

	return hi << 32 | prandom_u32_state(&run->rnd);
}

static bool one_in(struct fuzz_run *run, u32 n)
{
	return !rnd(run, n);
}

static __printf(2, 3) void fuzz_fail(struct fuzz_run *run, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (run->failed)
		return;
	run->failed = true;
	if (++run->failures > FUZZ_REPORTED)
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	kunit_err(run->test, "FAILED case %lu of seed %llu: %pV\n", run->index,
		  run->seed, &vaf);
	va_end(args);
}

/* The run's seed, the same for both fuzzers. */
static u64 fuzz_seed(void)
{
	static u64 chosen;

	if (!chosen)
		chosen = seed ?: ktime_get_real_ns();
	return chosen;
}

/* @one runs case run->index and says how the runtime ended it. */
static void fuzz_loop(struct kunit *test, struct fuzz_env *env,
		      enum vc_result (*one)(struct fuzz_run *run, struct fuzz_env *env))
{
	struct fuzz_run run = { .test = test, .seed = fuzz_seed() };
	unsigned long *n = run.results;
	enum vc_result res;
	unsigned long i;
	u64 ns, secs;
	u32 ms;

	ns = ktime_get_ns();
	for (i = first; i < first + cases; i++) {
		run.index = i;
		run.failed = false;
		prandom_seed_state(&run.rnd, mix64(run.seed ^ mix64(i)));
		res = one(&run, env);
		if (res <= VC_FATAL)
			run.results[res]++;
		if (!(i % 256))
			cond_resched();
	}
	ns = max_t(u64, ktime_get_ns() - ns, 1);
	secs = div_u64_rem(ns, NSEC_PER_SEC, &ms);
	ms /= NSEC_PER_MSEC;

	kunit_info(test, "seed %llu: %lu cases in %llu.%03u s, %llu cases/s, %lu failures\n",
		   run.seed, cases, secs, ms, div64_u64((u64)cases * NSEC_PER_SEC, ns),
		   run.failures);
	kunit_info(test, "done %lu, retry %lu, exception %lu, SIGBUS %lu, fatal %lu\n",
		   n[VC_DONE], n[VC_RETRY], n[VC_EXCEPTION], n[VC_SIGBUS], n[VC_FATAL]);
	if (run.failures)
		KUNIT_FAIL(test, "%lu of %lu cases failed; case N alone: %s=%llu %s=N %s=1",
			   run.failures, cases, MODULE_PARAM_PREFIX "seed", run.seed,
			   MODULE_PARAM_PREFIX "first", MODULE_PARAM_PREFIX "cases");
}

/*
 * A user address space for the kthread running the test: a code page, a
 * hole, a string-IO buffer, below 2 GiB for compat mode.  Everything is
 * faulted in now: cases run with page faults disabled, as the #VC
 * handler does.
 */
static int fuzz_user_init(struct fuzz_env *env)
{
	struct mm_struct *mm;
	unsigned long addr;

	if (current->mm)
		return -EBUSY;
	mm = mm_alloc();
	if (!mm)
		return -ENOMEM;
	mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(mm, &current->signal->rlim[RLIMIT_STACK]);
	kthread_use_mm(mm);
	env->mm = mm;

	addr = vm_mmap(NULL, 0, 2 * PAGE_SIZE + FUZZ_BUF_SIZE,
		       PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, 0);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	if (vm_munmap(addr + PAGE_SIZE, PAGE_SIZE))
		return -ENOMEM;
	env->ucode = addr;
	env->ubuf = addr + 2 * PAGE_SIZE;

	memset(env->expect, FUZZ_CANARY, FUZZ_BUF_SIZE);
	if (clear_user((void __user *)env->ucode, PAGE_SIZE) ||
	    copy_to_user((void __user *)env->ubuf, env->expect, FUZZ_BUF_SIZE))
		return -EFAULT;
	return 0;
}

static void fuzz_user_exit(struct fuzz_env *env)
{
	if (!env->mm)
		return;
	kthread_unuse_mm(env->mm);
	mmput(env->mm);
	env->mm = NULL;
}

static int fuzz_env_init(struct kunit *test, struct fuzz_env *env)
{
	int err;

	memset(env, 0, sizeof(*env));
	/* vmalloc: a guard page after each */
	env->kcode = vmalloc(PAGE_SIZE);
	env->kbuf = vmalloc(FUZZ_BUF_SIZE);
	env->expect = vmalloc(FUZZ_BUF_SIZE);
	env->seen = vmalloc(FUZZ_BUF_SIZE);
	if (!env->kcode || !env->kbuf || !env->expect || !env->seen)
		return -ENOMEM;
	memset(env->kcode, 0, PAGE_SIZE);
	memset(env->kbuf, FUZZ_CANARY, FUZZ_BUF_SIZE);

	err = fuzz_user_init(env);
	if (err) {
		kunit_info(test, "no user address space (%d): kernel mode only\n", err);
		fuzz_user_exit(env);
	}
	return 0;
}

static void fuzz_env_exit(struct fuzz_env *env)
{
	fuzz_user_exit(env);
	if (env->mmio)
		iounmap(env->mmio);
	vfree(env->seen);
	vfree(env->expect);
	vfree(env->kbuf);
	vfree(env->kcode);
}

static enum fuzz_mode pick_mode(struct fuzz_run *run, struct fuzz_env *env)
{
	if (!env->mm || one_in(run, 2))
		return FUZZ_KERNEL;
	return one_in(run, 2) ? FUZZ_USER64 : FUZZ_COMPAT;
}

/*
 * Put MAX_INSN_SIZE bytes of code on the code page, or as many as fit
 * before its end when @tail; returns RIP and how many bytes are readable.
 */
static unsigned long place_code(struct fuzz_run *run, struct fuzz_env *env,
				enum fuzz_mode mode, const u8 *code, bool tail,
				unsigned int *readable)
{
	unsigned int off, n;

	if (tail)
		off = PAGE_SIZE - 1 - rnd(run, MAX_INSN_SIZE - 1);
	else
		off = rnd(run, PAGE_SIZE - MAX_INSN_SIZE + 1);
	n = min_t(unsigned int, MAX_INSN_SIZE, PAGE_SIZE - off);
	*readable = n;

	if (mode == FUZZ_KERNEL) {
		memcpy(env->kcode + off, code, n);
		return (unsigned long)env->kcode + off;
	}
	if (copy_to_user((void __user *)(env->ucode + off), code, n))
		fuzz_fail(run, "cannot write the user code page");
	return env->ucode + off;
}

/* A #VC as vc_init() starts it, on random registers, without a reason. */
static void frame_init(struct fuzz_run *run, struct fuzz_frame *f,
		       enum fuzz_mode mode, unsigned long ip,
		       unsigned long exit_code)
{
	unsigned int i;

	memset(f, FUZZ_CANARY, sizeof(*f));
	for (i = 0; i < ARRAY_SIZE(gpr_offsets); i++)
		*gpr(&f->regs, i) = one_in(run, 4) ? rnd(run, 0x10000) : rnd64(run);
	f->regs.orig_ax = exit_code;
	f->regs.ip = ip;
	f->regs.flags = X86_EFLAGS_FIXED | X86_EFLAGS_IF;
	if (one_in(run, 4))
		f->regs.flags |= X86_EFLAGS_DF;
	switch (mode) {
	case FUZZ_KERNEL:
		f->regs.cs = __KERNEL_CS;
		f->regs.ss = __KERNEL_DS;
		break;
	case FUZZ_USER64:
		f->regs.cs = __USER_CS;
		f->regs.ss = __USER_DS;
		break;
	case FUZZ_COMPAT:
		f->regs.cs = __USER32_CS;
		f->regs.ss = __USER_DS;
		break;
	}

	f->ctxt.regs = &f->regs;
	f->ctxt.exit_code = exit_code;
	f->ctxt.user = mode != FUZZ_KERNEL;
	f->ctxt.decoded = false;
	f->ctxt.reason = FUZZ_NO_REASON;
	f->ctxt.what = NULL;
	f->ctxt.cpuid_cache = NULL;
	f->ctxt.cpuid_asked = false;
}

static bool canaries_intact(const struct fuzz_frame *f)
{
	return !memchr_inv(f->head, FUZZ_CANARY, sizeof(f->head)) &&
	       !memchr_inv(f->mid, FUZZ_CANARY, sizeof(f->mid)) &&
	       !memchr_inv(f->tail, FUZZ_CANARY, sizeof(f->tail));
}

/* Fail when @regs are not what they should be: @want. */
static void check_regs(struct fuzz_run *run, const struct pt_regs *regs,
		       const struct pt_regs *want)
{
	const unsigned long *x = (const unsigned long *)regs;
	const unsigned long *y = (const unsigned long *)want;
	unsigned int i;

	BUILD_BUG_ON(sizeof(*regs) != ARRAY_SIZE(regs_names) * sizeof(long));
	for (i = 0; i < ARRAY_SIZE(regs_names); i++) {
		if (x[i] != y[i]) {
			fuzz_fail(run, "%s is %#lx, not %#lx", regs_names[i], x[i], y[i]);
			return;
		}
	}
}

/* A termination reason of ours, given with a message by sev_es_fatal(). */
static bool reason_named(const struct vc_ctxt *ctxt)
{
	return ctxt->what && ctxt->reason >= GHCB_TERM_MSR_RESPONSE &&
	       ctxt->reason <= 0xff;
}

/* Exceptions vc_raise() can raise in the instruction's place. */
static bool vector_raisable(int vector)
{
	return vector == X86_TRAP_GP || vector == X86_TRAP_UD ||
	       vector == X86_TRAP_PF || vector == X86_TRAP_AC;
}

/*
 * The refusals every #VC must keep to: a named reason for the guest's
 * end, SIGBUS only for user space, an exception the CPU could raise.
 */
static void check_refusal(struct fuzz_run *run, const struct vc_ctxt *ctxt,
			  enum vc_result res)
{
	switch (res) {
	case VC_DONE:
	case VC_RETRY:
		break;
	case VC_FATAL:
		if (!reason_named(ctxt))
			fuzz_fail(run, "the guest ends without a named reason (%#x, %s)",
				  ctxt->reason, ctxt->what ?: "no message");
		break;
	case VC_SIGBUS:
		if (!ctxt->user)
			fuzz_fail(run, "SIGBUS for the kernel: it ends without a reason");
		break;
	case VC_EXCEPTION:
		if (!vector_raisable(ctxt->exc.vector))
			fuzz_fail(run, "exception %d cannot be raised", ctxt->exc.vector);
		break;
	default:
		fuzz_fail(run, "result %d is not a vc_result", res);
	}
}

static const char *result_name(enum vc_result res)
{
	if (res < ARRAY_SIZE(result_names) && result_names[res])
		return result_names[res];
	return "?";
}

/* Run the runtime on @f as the #VC handler would: IRQs and page faults off. */
static enum vc_result run_decode(struct fuzz_frame *f)
{
	enum vc_result res;
	unsigned long flags;

	local_irq_save(flags);
	pagefault_disable();
	res = sev_es_decode(&f->ctxt);
	pagefault_enable();
	local_irq_restore(flags);
	return res;
}

/* The decoder and the error-code matcher. */

static const u8 legacy_prefixes[] = {
	0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
};

/* Opcodes of the exits the runtime handles, and their neighbours. */
struct fuzz_opcode {
	u8 len;
	u8 b[3];
	/* The exit it makes, or 0. */
	unsigned long exit_code;
};

static const struct fuzz_opcode opcodes[] = {
	{ 2, { 0x0f, 0xa2 }, SVM_EXIT_CPUID },
	{ 2, { 0x0f, 0x31 }, SVM_EXIT_RDTSC },
	{ 3, { 0x0f, 0x01, 0xf9 }, SVM_EXIT_RDTSCP },
	{ 2, { 0x0f, 0x33 }, SVM_EXIT_RDPMC },
	{ 2, { 0x0f, 0x08 }, SVM_EXIT_INVD },
	{ 2, { 0x0f, 0x09 }, SVM_EXIT_WBINVD },
	{ 3, { 0x0f, 0x01, 0xc8 }, SVM_EXIT_MONITOR },
	{ 3, { 0x0f, 0x01, 0xc9 }, SVM_EXIT_MWAIT },
	{ 3, { 0x0f, 0x01, 0xd9 }, SVM_EXIT_VMMCALL },
	{ 2, { 0x0f, 0x30 }, SVM_EXIT_MSR },
	{ 2, { 0x0f, 0x32 }, SVM_EXIT_MSR },
	{ 1, { 0xe4 }, SVM_EXIT_IOIO }, { 1, { 0xe5 }, SVM_EXIT_IOIO },
	{ 1, { 0xe6 }, SVM_EXIT_IOIO }, { 1, { 0xe7 }, SVM_EXIT_IOIO },
	{ 1, { 0xec }, SVM_EXIT_IOIO }, { 1, { 0xed }, SVM_EXIT_IOIO },
	{ 1, { 0xee }, SVM_EXIT_IOIO }, { 1, { 0xef }, SVM_EXIT_IOIO },
	{ 1, { 0x6c }, SVM_EXIT_IOIO }, { 1, { 0x6d }, SVM_EXIT_IOIO },
	{ 1, { 0x6e }, SVM_EXIT_IOIO }, { 1, { 0x6f }, SVM_EXIT_IOIO },
	{ 2, { 0x0f, 0x21 }, SVM_EXIT_READ_DR7 },
	{ 2, { 0x0f, 0x23 }, SVM_EXIT_WRITE_DR7 },
	{ 1, { 0x88 }, SVM_EXIT_NPF }, { 1, { 0x89 }, SVM_EXIT_NPF },
	{ 1, { 0x8a }, SVM_EXIT_NPF }, { 1, { 0x8b }, SVM_EXIT_NPF },
	{ 1, { 0xc6 }, SVM_EXIT_NPF }, { 1, { 0xc7 }, SVM_EXIT_NPF },
	{ 2, { 0x0f, 0xb6 }, SVM_EXIT_NPF }, { 2, { 0x0f, 0xb7 }, SVM_EXIT_NPF },
	{ 2, { 0x0f, 0xbe }, SVM_EXIT_NPF }, { 2, { 0x0f, 0xbf }, SVM_EXIT_NPF },
	{ 1, { 0xa4 }, SVM_EXIT_NPF }, { 1, { 0xa5 }, SVM_EXIT_NPF },
	/* near misses */
	{ 1, { 0xa0 } }, { 1, { 0xa1 } }, { 1, { 0xa2 } }, { 1, { 0xa3 } },
	{ 1, { 0x8c } }, { 1, { 0x8e } }, { 1, { 0x90 } }, { 1, { 0xf4 } },
	{ 2, { 0x0f, 0x20 } }, { 2, { 0x0f, 0x22 } }, { 2, { 0x0f, 0x01 } },
	{ 2, { 0x0f, 0x0b } }, { 2, { 0x0f, 0x05 } }, { 2, { 0x0f, 0x34 } },
	{ 3, { 0x0f, 0x01, 0xd8 } }, { 3, { 0x0f, 0x01, 0xfa } },
	{ 2, { 0x0f, 0x38 } }, { 2, { 0x0f, 0x3a } }, { 1, { 0xc4 } }, { 1, { 0xc5 } },
};

/* The #VC error codes the runtime knows, and some it does not. */
static const unsigned long vc_exits[] = {
	SVM_EXIT_CPUID, SVM_EXIT_RDTSC, SVM_EXIT_RDTSCP, SVM_EXIT_RDPMC,
	SVM_EXIT_INVD, SVM_EXIT_WBINVD, SVM_EXIT_MONITOR, SVM_EXIT_MWAIT,
	SVM_EXIT_VMMCALL, SVM_EXIT_MSR, SVM_EXIT_IOIO, SVM_EXIT_READ_DR7,
	SVM_EXIT_WRITE_DR7, SVM_EXIT_NPF, SVM_EXIT_EXCP_BASE + X86_TRAP_AC,
	SVM_EXIT_EXCP_BASE + X86_TRAP_DB, SVM_EXIT_HLT, SVM_EXIT_READ_CR0,
	SVM_EXIT_WRITE_CR8, SVM_EXIT_PAUSE, SVM_VMGEXIT_MMIO_READ,
};

/* MAX_INSN_SIZE random bytes, mostly an instruction of some exit. */
static const struct fuzz_opcode *gen_code(struct fuzz_run *run, u8 *b,
					  enum fuzz_mode mode)
{
	const struct fuzz_opcode *op;
	unsigned int n = 0, k;

	prandom_bytes_state(&run->rnd, b, MAX_INSN_SIZE);
	if (one_in(run, 8))
		return NULL;

	k = one_in(run, 2) ? 0 : 1 + rnd(run, 4);
	while (k--)
		b[n++] = legacy_prefixes[rnd(run, ARRAY_SIZE(legacy_prefixes))];
	if (mode != FUZZ_COMPAT && one_in(run, 3))
		b[n++] = 0x40 | rnd(run, 16);
	op = &opcodes[rnd(run, ARRAY_SIZE(opcodes))];
	memcpy(b + n, op->b, op->len);
	n += op->len;
	/* ModRM: often a register operand, which MMIO must refuse */
	if (one_in(run, 3))
		b[n] = 0xc0 | rnd(run, 64);
	return op;
}

static unsigned long pick_exit(struct fuzz_run *run, const struct fuzz_opcode *op)
{
	if (op && op->exit_code && one_in(run, 2))
		return op->exit_code;
	if (one_in(run, 16))
		return one_in(run, 2) ? rnd(run, 0x500) : rnd64(run);
	return vc_exits[rnd(run, ARRAY_SIZE(vc_exits))];
}

static bool is_legacy_prefix(u8 b)
{
	return memchr(legacy_prefixes, b, sizeof(legacy_prefixes));
}

/* The prefix bytes of an instruction; *@rex: the REX in effect, or 0. */
static unsigned int prefix_len(const u8 *b, unsigned int len, bool x64, u8 *rex)
{
	unsigned int i;

	*rex = 0;
	for (i = 0; i < len; i++) {
		if (is_legacy_prefix(b[i]))
			*rex = 0;	/* a REX not last is ignored */
		else if (x64 && (b[i] & 0xf0) == 0x40)
			*rex = b[i];
		else
			break;
	}
	return i;
}

static bool has_prefix(const u8 *b, unsigned int n, u8 p)
{
	return memchr(b, p, n);
}

/*
 * Accepted IN/OUT/INS/OUTS: exit_info_1 as APM vol. 2, "IOIO Intercepts"
 * has it.
 */
static const char *ioio_wrong(struct fuzz_frame *f, const u8 *b,
			      unsigned int p, u8 rex, bool x64)
{
	struct vc_ctxt *ctxt = &f->ctxt;
	unsigned int size, want_size, asize;
	u8 op = b[p], seg;
	bool imm = op >= 0xe4 && op <= 0xe7;
	bool str = op >= 0x6c && op <= 0x6f;
	u16 port, want_port;
	u64 info, want;

	if (!imm && !str && (op < 0xec || op > 0xef))
		return "accepted as IOIO: not IN, OUT, INS or OUTS";
	if (ctxt->len != p + (imm ? 2 : 1))
		return "IN/OUT length is not the instruction's";

	info = sev_es_ioio_info(ctxt, &port, &size);
	want_size = 1;
	if (op & 1)
		want_size = (rex & 8) || !has_prefix(b, p, 0x66) ? 4 : 2;
	want_port = imm ? b[p + 1] : (u16)f->regs.dx;
	want = IOIO_SIZE(want_size) | IOIO_PORT(want_port);
	if (!(op & 2))
		want |= SVM_IOIO_TYPE_MASK;
	if (str) {
		asize = x64 ? 8 : 4;
		if (has_prefix(b, p, 0x67))
			asize /= 2;
		want |= SVM_IOIO_STR_MASK | IOIO_ADDR(asize);
		if (has_prefix(b, p, 0xf2) || has_prefix(b, p, 0xf3))
			want |= SVM_IOIO_REP_MASK;
		/*
		 * OUTS: DS or an override; which one of several is not
		 * checked
		 */
		seg = (info >> 10) & 7;
		if (op >= 0x6e && (seg == 3 || (seg == 0 && has_prefix(b, p, 0x26)) ||
				   (seg == 1 && has_prefix(b, p, 0x2e)) ||
				   (seg == 2 && has_prefix(b, p, 0x36)) ||
				   (seg == 4 && has_prefix(b, p, 0x64)) ||
				   (seg == 5 && has_prefix(b, p, 0x65))))
			want |= IOIO_SEG(seg);
	}
	if (port != want_port || size != want_size || info != want)
		return "exit_info_1 is not the instruction's";
	return NULL;
}

/* Accepted MMIO: a MOV to or from memory, or a MOVS, of its size. */
static const char *mmio_wrong(struct vc_ctxt *ctxt, const u8 *b,
			      unsigned int p, u8 rex)
{
	static const struct {
		u8 op, bytes;	/* bytes 0: the operand size */
		bool two;
		int type;
	} movs[] = {
		{ 0x88, 1, false, MMIO_WRITE }, { 0x89, 0, false, MMIO_WRITE },
		{ 0xc6, 1, false, MMIO_WRITE_IMM }, { 0xc7, 0, false, MMIO_WRITE_IMM },
		{ 0x8a, 1, false, MMIO_READ }, { 0x8b, 0, false, MMIO_READ },
		{ 0xa4, 1, false, MMIO_MOVS }, { 0xa5, 0, false, MMIO_MOVS },
		{ 0xb6, 1, true, MMIO_READ_ZERO_EXTEND },
		{ 0xb7, 2, true, MMIO_READ_ZERO_EXTEND },
		{ 0xbe, 1, true, MMIO_READ_SIGN_EXTEND },
		{ 0xbf, 2, true, MMIO_READ_SIGN_EXTEND },
	};
	bool two = b[p] == 0x0f;
	u8 op = b[p + two], modrm = b[p + two + 1];
	unsigned int i, bytes;

	for (i = 0; i < ARRAY_SIZE(movs); i++)
		if (movs[i].op == op && movs[i].two == two)
			break;
	if (i == ARRAY_SIZE(movs))
		return "accepted as MMIO: not a MOV or MOVS";
	if (ctxt->mmio_type != movs[i].type)
		return "MMIO type is not the instruction's";
	bytes = movs[i].bytes;
	if (!bytes)
		bytes = (rex & 8) ? 8 : has_prefix(b, p, 0x66) ? 2 : 4;
	if (ctxt->mmio_bytes != bytes)
		return "MMIO size is not the instruction's";
	if (movs[i].type == MMIO_MOVS)
		return NULL;
	if (ctxt->len < p + two + 2)
		return "accepted as MMIO: no ModRM";
	if (X86_MODRM_MOD(modrm) == 3)
		return "MMIO on a register operand";
	if ((op == 0xc6 || op == 0xc7) && X86_MODRM_REG(modrm))
		return "C6/C7 with ModRM.reg not 0 is not MOV";
	return NULL;
}

/*
 * What the runtime accepted, read from the bytes: the opcode of the exit
 * after nothing but prefixes, within what could be read.
 */
static const char *accepted_wrong(struct fuzz_frame *f, const u8 *b,
				  unsigned int readable, bool x64)
{
	static const struct {
		unsigned long exit_code;
		u8 len, b[3];
	} fixed[] = {
		{ SVM_EXIT_CPUID, 2, { 0x0f, 0xa2 } },
		{ SVM_EXIT_RDTSC, 2, { 0x0f, 0x31 } },
		{ SVM_EXIT_RDTSCP, 3, { 0x0f, 0x01, 0xf9 } },
		{ SVM_EXIT_RDPMC, 2, { 0x0f, 0x33 } },
		{ SVM_EXIT_INVD, 2, { 0x0f, 0x08 } },
		{ SVM_EXIT_WBINVD, 2, { 0x0f, 0x09 } },
		{ SVM_EXIT_MONITOR, 3, { 0x0f, 0x01, 0xc8 } },
		{ SVM_EXIT_MWAIT, 3, { 0x0f, 0x01, 0xc9 } },
		{ SVM_EXIT_VMMCALL, 3, { 0x0f, 0x01, 0xd9 } },
	};
	struct vc_ctxt *ctxt = &f->ctxt;
	unsigned int len = ctxt->len, p, i;
	const u8 *op;
	u8 rex;

	if (!len || len > readable)
		return "accepted an instruction longer than what could be read";
	if (ctxt->decoded && ctxt->insn.length != len)
		return "length is not the decoded one";
	p = prefix_len(b, len, x64, &rex);
	op = b + p;

	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		if (fixed[i].exit_code != ctxt->exit_code)
			continue;
		if (len - p != fixed[i].len || memcmp(op, fixed[i].b, fixed[i].len))
			return "accepted an instruction that does not make the exit";
		return NULL;
	}

	switch (ctxt->exit_code) {
	case SVM_EXIT_MSR:
		if (len - p != 2 || op[0] != 0x0f || (op[1] != 0x30 && op[1] != 0x32))
			return "accepted as MSR: not RDMSR or WRMSR";
		return NULL;
	case SVM_EXIT_IOIO:
		return ioio_wrong(f, b, p, rex, x64);
	case SVM_EXIT_READ_DR7:
	case SVM_EXIT_WRITE_DR7:
		if (len - p != 3 || op[0] != 0x0f ||
		    op[1] != (ctxt->exit_code == SVM_EXIT_READ_DR7 ? 0x21 : 0x23))
			return "accepted as DR7: not MOV from or to a debug register";
		if (X86_MODRM_REG(op[2]) != 7 || (rex & 4))
			return "accepted as DR7: another debug register";
		return NULL;
	case SVM_EXIT_NPF:
		if (len <= p)
			return "accepted as MMIO: no opcode";
		return mmio_wrong(ctxt, b, p, rex);
	default:
		return "accepted an exit it has no handler for";
	}
}

static void decode_judge(struct fuzz_run *run, struct fuzz_frame *f,
			 enum vc_result res, const u8 *b, unsigned int readable,
			 enum fuzz_mode mode)
{
	struct vc_ctxt *ctxt = &f->ctxt;
	const char *why;

	check_refusal(run, ctxt, res);
	switch (res) {
	case VC_DONE:
		why = accepted_wrong(f, b, readable, mode != FUZZ_COMPAT);
		if (why)
			fuzz_fail(run, "%s (%u bytes)", why, ctxt->len);
		break;
	case VC_FATAL:
		/* Code user space rewrote under the #VC is its own problem. */
		if (ctxt->user)
			fuzz_fail(run, "a user instruction ends the guest");
		break;
	case VC_EXCEPTION:
		if (ctxt->exc.vector != X86_TRAP_PF || !ctxt->user ||
		    ctxt->exc.cr2 != f->regs.ip)
			fuzz_fail(run, "exception %d at %#lx fetching the instruction",
				  ctxt->exc.vector, ctxt->exc.cr2);
		else if (readable)
			fuzz_fail(run, "#PF fetching %u readable bytes", readable);
		break;
	case VC_SIGBUS:
		break;
	default:
		fuzz_fail(run, "%s from the decoder", result_name(res));
	}
}

static enum vc_result decode_one(struct fuzz_run *run, struct fuzz_env *env)
{
	enum fuzz_mode mode = pick_mode(run, env);
	const struct fuzz_opcode *op;
	struct pt_regs before;
	u8 b[MAX_INSN_SIZE];
	unsigned long exit_code, ip;
	unsigned int readable;
	struct fuzz_frame f;
	enum vc_result res;

	op = gen_code(run, b, mode);
	exit_code = pick_exit(run, op);
	if (mode != FUZZ_KERNEL && one_in(run, 64)) {
		/* the code's page gone (another thread unmapped it) */
		ip = env->ucode + PAGE_SIZE + rnd(run, PAGE_SIZE);
		readable = 0;
	} else {
		ip = place_code(run, env, mode, b, one_in(run, 4), &readable);
	}
	frame_init(run, &f, mode, ip, exit_code);
	before = f.regs;

	res = run_decode(&f);

	if (!canaries_intact(&f))
		fuzz_fail(run, "wrote outside the #VC context");
	check_regs(run, &f.regs, &before);
	if (mode == FUZZ_KERNEL && memcmp(env->kcode + offset_in_page(ip), b, readable))
		fuzz_fail(run, "changed the code");
	decode_judge(run, &f, res, b, readable, mode);

	if (run->failed && run->failures <= FUZZ_REPORTED)
		kunit_err(run->test, "  %s #VC %#lx at %*ph (%u readable): %s, reason %#x (%s)\n",
			  mode_names[mode], exit_code, (int)readable, b, readable,
			  result_name(res), f.ctxt.reason, f.ctxt.what ?: "-");
	return res;
}

/* The response checks, against a stand-in hypervisor. */

static struct ghcb fuzz_ghcb __aligned(PAGE_SIZE);
/* What the guest saw of the answer, before anything else used the page. */
static struct ghcb fuzz_answer;

static struct {
	struct rnd_state *rnd;
	bool forced;			/* answer "done", record nothing */
	unsigned int calls;
	unsigned int req_bytes;		/* shared-buffer bytes it reads */
	unsigned int fill_bytes;	/* and that the guest may read back */
	/* the request */
	u8 valid[16];
	u64 exit_code, info1, info2, scratch, rax, rcx, rdx;
	u8 req[GHCB_SHARED_BUF_SIZE];
	/* the shared buffer of the answer */
	u8 fill[GHCB_SHARED_BUF_SIZE];
} hv;

static u32 hv_rnd(u32 n)
{
	return prandom_u32_state(hv.rnd) % n;
}

static u64 hv_rnd64(void)
{
	u64 hi = prandom_u32_state(hv.rnd);

	return hi << 32 | prandom_u32_state(hv.rnd);
}

static void hv_mark(struct ghcb *g, unsigned int idx, bool valid)
{
	if (valid)
		__set_bit(idx, (unsigned long *)g->save.valid_bitmap);
	else
		__clear_bit(idx, (unsigned long *)g->save.valid_bitmap);
}

/*
 * EVENTINJ (APM vol. 2, "Event Injection") bit 31, V.  SVM_EVTINJ_VALID is
 * an int: in a u64 it sets bits 63:32 too, the error code's.
 */
#define EVTINJ_V	BIT_ULL(31)

/* EVENTINJ: mostly #GP or #UD, some of them malformed. */
static u64 hv_event(void)
{
	static const u8 vectors[] = {
		X86_TRAP_GP, X86_TRAP_UD, X86_TRAP_GP, X86_TRAP_UD, X86_TRAP_NMI,
		X86_TRAP_PF, X86_TRAP_DB, X86_TRAP_BP, X86_TRAP_AC, X86_TRAP_DF,
		X86_TRAP_VC,
	};
	u64 ev;

	ev = hv_rnd(4) ? vectors[hv_rnd(ARRAY_SIZE(vectors))] : hv_rnd(256);
	ev |= hv_rnd(4) ? SVM_EVTINJ_TYPE_EXEPT : hv_rnd(8) << SVM_EVTINJ_TYPE_SHIFT;
	if (hv_rnd(8))
		ev |= EVTINJ_V;
	if (!hv_rnd(8))
		ev |= hv_rnd64() & GENMASK_ULL(30, 12);
	if (hv_rnd(2))
		ev |= SVM_EVTINJ_VALID_ERR | hv_rnd64() << 32;
	else if (hv_rnd(2))
		ev |= GENMASK_ULL(63, 32);	/* as KVM: a sign extension */
	return ev;
}

static void hv_answer_result(struct ghcb *g)
{
	u64 result;
	u32 r = hv_rnd(32);

	if (r < 20)
		result = 0;
	else if (r < 24)
		result = 1;
	else if (r < 27)
		result = 2;
	else if (r == 27)
		result = 3;
	else if (r == 28)
		result = hv_rnd64();
	else if (r == 29)
		result = BIT_ULL(32);
	else if (r == 30)
		result = g->save.sw_exit_info_1;
	else
		result = ~0ULL;
	g->save.sw_exit_info_1 = result;
	hv_mark(g, GHCB_BITMAP_IDX(sw_exit_info_1), hv_rnd(32));

	if (result == 1)
		g->save.sw_exit_info_2 = hv_event();
	else if (!hv_rnd(8))
		g->save.sw_exit_info_2 = hv.info2 + 1 + hv_rnd(16);
	else if (!hv_rnd(8))
		g->save.sw_exit_info_2 = hv_rnd(4) ? hv_rnd(4096) : hv_rnd64();
	else if (!hv_rnd(8))
		g->save.sw_exit_info_2 = 0;
	hv_mark(g, GHCB_BITMAP_IDX(sw_exit_info_2), hv_rnd(8));
}

/* An answer with every field the guest may look at chosen at random. */
static void fuzz_hv(struct ghcb *g)
{
	static const unsigned int regs[] = {
		GHCB_BITMAP_IDX(rax), GHCB_BITMAP_IDX(rbx),
		GHCB_BITMAP_IDX(rcx), GHCB_BITMAP_IDX(rdx),
	};
	u64 *vals[] = { &g->save.rax, &g->save.rbx, &g->save.rcx, &g->save.rdx };
	unsigned int i, n;

	if (hv.forced) {
		memset(g->save.valid_bitmap, 0, sizeof(g->save.valid_bitmap));
		ghcb_set_sw_exit_info_1(g, 0);
		ghcb_set_sw_exit_info_2(g, 0);
		return;
	}

	hv.calls++;
	memcpy(hv.valid, g->save.valid_bitmap, sizeof(hv.valid));
	hv.exit_code = g->save.sw_exit_code;
	hv.info1 = g->save.sw_exit_info_1;
	hv.info2 = g->save.sw_exit_info_2;
	hv.scratch = g->save.sw_scratch;
	hv.rax = g->save.rax;
	hv.rcx = g->save.rcx;
	hv.rdx = g->save.rdx;
	memcpy(hv.req, g->shared_buffer, hv.req_bytes);

	switch (hv_rnd(4)) {
	case 0:
		memset(g->save.valid_bitmap, 0, sizeof(g->save.valid_bitmap));
		break;
	case 1:
		prandom_bytes_state(hv.rnd, g->save.valid_bitmap,
				    sizeof(g->save.valid_bitmap));
		break;
	case 2:
		memset(g->save.valid_bitmap, 0xff, sizeof(g->save.valid_bitmap));
		break;
	default:
		break;	/* the request's */
	}
	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		*vals[i] = hv_rnd(4) ? hv_rnd64() : hv_rnd(256);
		hv_mark(g, regs[i], hv_rnd(12));
	}
	hv_answer_result(g);

	switch (hv_rnd(8)) {
	case 0:
		hv_mark(g, GHCB_BITMAP_IDX(sw_scratch), false);
		break;
	case 1:
		ghcb_set_sw_scratch(g, hv.scratch + 1 + hv_rnd(16));
		break;
	case 2:
		ghcb_set_sw_scratch(g, hv_rnd64());
		break;
	case 3:
		ghcb_set_sw_scratch(g, hv.scratch - 1 - hv_rnd(16));
		break;
	default:
		break;
	}

	n = min_t(unsigned int, hv.fill_bytes + hv_rnd(64), GHCB_SHARED_BUF_SIZE);
	prandom_bytes_state(hv.rnd, hv.fill, n);
	memcpy(g->shared_buffer, hv.fill, n);
}

enum resp_kind {
	R_CPUID, R_RDMSR, R_WRMSR, R_RDTSC, R_RDTSCP, R_RDPMC, R_WBINVD, R_INVD,
	R_MONITOR, R_MWAIT, R_VMMCALL, R_DR7_READ, R_DR7_WRITE, R_IN, R_OUT,
	R_INS, R_OUTS, R_MMIO_READ, R_MMIO_WRITE, R_AC, R_KINDS
};

static const char * const kind_names[] = {
	"cpuid", "rdmsr", "wrmsr", "rdtsc", "rdtscp", "rdpmc", "wbinvd", "invd",
	"monitor", "mwait", "vmmcall", "dr7 read", "dr7 write", "in", "out",
	"ins", "outs", "mmio read", "mmio write", "#AC",
};

/*
 * Registers an answer must hold, per exit (GHCB spec (56421), each exit's
 * section).
 */
#define NEED_RAX	BIT(0)
#define NEED_RBX	BIT(1)
#define NEED_RCX	BIT(2)
#define NEED_RDX	BIT(3)

/* One case: the instruction, its exit, and what the runtime may do. */
struct resp_case {
	enum resp_kind kind;
	enum fuzz_mode mode;
	u8 code[MAX_INSN_SIZE];
	unsigned long exit_code;

	/* A verdict reached without the hypervisor (exits false). */
	bool exits;
	enum vc_result pre;
	/* VC_FATAL. */
	unsigned int pre_reason;
	/* VC_EXCEPTION, error code 0. */
	int pre_vector;

	/* The request it must make. */
	u64 req_exit, req_info1, req_info2;
	bool check_rax, check_rcx;
	u64 req_rax, req_rcx;
	/* What the request may mark valid. */
	u8 allowed[16];
	/* NEED_*: what the answer must hold. */
	unsigned int needs;
	/* Data in the shared buffer. */
	bool shared;
	u64 scratch;
	/* Asked for, in sw_exit_info_2. */
	unsigned int units;
	/* A REP with units left: VC_RETRY. */
	bool more;

	/* IN/OUT/INS/OUTS, MMIO */
	unsigned int size, asize, count;
	bool rep, user_buf;
	/* The lowest byte of the elements. */
	unsigned long start;
	/* MMIO write data. */
	u8 req_data[8];
	int mmio_type;
	/* MMIO or DR7 register. */
	unsigned int reg;
	/* AH, CH, DH, BH. */
	bool high_byte;
	unsigned int opsize;
	/* DR7 read: the shadow before. */
	unsigned long dr7;
};

static void allow(struct resp_case *rc, unsigned int idx)
{
	rc->allowed[idx / 8] |= BIT(idx % 8);
}

/* Now and then a prefix that changes nothing: the decoder's path. */
static unsigned int neutral_prefix(struct fuzz_run *run, u8 *b, enum fuzz_mode mode)
{
	static const u8 prefixes[] = { 0x2e, 0x3e, 0x66 };

	if (!one_in(run, 8))
		return 0;
	if (mode != FUZZ_COMPAT && one_in(run, 2))
		b[0] = 0x40 | rnd(run, 16);
	else
		b[0] = prefixes[rnd(run, ARRAY_SIZE(prefixes))];
	return 1;
}

static void set_pre(struct resp_case *rc, enum vc_result res, unsigned int reason,
		    int vector)
{
	rc->exits = false;
	rc->pre = res;
	rc->pre_reason = reason;
	rc->pre_vector = vector;
}

/* Instructions of one fixed opcode. */
static void build_fixed(struct fuzz_run *run, struct resp_case *rc,
			struct pt_regs *regs)
{
	static const struct {
		unsigned long exit_code;
		u8 len, b[3];
		unsigned int needs;
	} ops[] = {
		[R_CPUID] = { SVM_EXIT_CPUID, 2, { 0x0f, 0xa2 },
			      NEED_RAX | NEED_RBX | NEED_RCX | NEED_RDX },
		[R_RDMSR] = { SVM_EXIT_MSR, 2, { 0x0f, 0x32 }, NEED_RAX | NEED_RDX },
		[R_WRMSR] = { SVM_EXIT_MSR, 2, { 0x0f, 0x30 } },
		[R_RDTSC] = { SVM_EXIT_RDTSC, 2, { 0x0f, 0x31 }, NEED_RAX | NEED_RDX },
		[R_RDTSCP] = { SVM_EXIT_RDTSCP, 3, { 0x0f, 0x01, 0xf9 },
			       NEED_RAX | NEED_RCX | NEED_RDX },
		[R_RDPMC] = { SVM_EXIT_RDPMC, 2, { 0x0f, 0x33 }, NEED_RAX | NEED_RDX },
		[R_WBINVD] = { SVM_EXIT_WBINVD, 2, { 0x0f, 0x09 } },
		[R_INVD] = { SVM_EXIT_INVD, 2, { 0x0f, 0x08 } },
		[R_MONITOR] = { SVM_EXIT_MONITOR, 3, { 0x0f, 0x01, 0xc8 } },
		[R_MWAIT] = { SVM_EXIT_MWAIT, 3, { 0x0f, 0x01, 0xc9 } },
		[R_VMMCALL] = { SVM_EXIT_VMMCALL, 3, { 0x0f, 0x01, 0xd9 } },
	};
	unsigned int p = neutral_prefix(run, rc->code, rc->mode);
	u32 fn;

	memcpy(rc->code + p, ops[rc->kind].b, ops[rc->kind].len);
	rc->exit_code = ops[rc->kind].exit_code;
	rc->req_exit = rc->exit_code;
	rc->needs = ops[rc->kind].needs;

	switch (rc->kind) {
	case R_CPUID:
		/* leaves whose answers end the guest by design */
		fn = regs->ax;
		if (fn == 0x80000000 || fn == 0x8000001f)
			regs->ax ^= 1ULL << 40 | 0x100;
		rc->check_rax = true;
		rc->req_rax = (u32)regs->ax;
		rc->check_rcx = true;
		rc->req_rcx = (u32)regs->cx;
		allow(rc, GHCB_BITMAP_IDX(rax));
		allow(rc, GHCB_BITMAP_IDX(rcx));
		allow(rc, GHCB_BITMAP_IDX(xcr0));
		allow(rc, GHCB_BITMAP_IDX(xss));
		break;
	case R_WRMSR:
		rc->req_info1 = 1;
		rc->check_rax = true;
		rc->req_rax = (u32)regs->ax;
		allow(rc, GHCB_BITMAP_IDX(rax));
		allow(rc, GHCB_BITMAP_IDX(rdx));
		fallthrough;
	case R_RDMSR:
	case R_RDPMC:
		rc->check_rcx = true;
		rc->req_rcx = (u32)regs->cx;
		allow(rc, GHCB_BITMAP_IDX(rcx));
		break;
	case R_MONITOR:
		allow(rc, GHCB_BITMAP_IDX(rdx));
		fallthrough;
	case R_MWAIT:
		allow(rc, GHCB_BITMAP_IDX(rax));
		allow(rc, GHCB_BITMAP_IDX(rcx));
		break;
	case R_INVD:
		/* it would drop dirty private lines */
		if (rc->mode == FUZZ_KERNEL)
			set_pre(rc, VC_FATAL, GHCB_TERM_VC_UNEXPECTED, 0);
		else
			set_pre(rc, VC_SIGBUS, 0, 0);
		break;
	case R_VMMCALL:
		/* no hypervisor ABI: nothing to call */
		set_pre(rc, VC_EXCEPTION, 0, X86_TRAP_UD);
		break;
	default:
		break;
	}
}

/* MOV to or from DR7, on any GPR. */
static void build_dr7(struct fuzz_run *run, struct resp_case *rc,
		      struct pt_regs *regs)
{
	bool write = rc->kind == R_DR7_WRITE;
	unsigned int p = 0, rm = rnd(run, 8);
	unsigned long *reg;

	if (one_in(run, 4)) {
		rc->code[p++] = 0x41;	/* REX.B */
		rm += 8;
	}
	rc->code[p++] = 0x0f;
	rc->code[p++] = write ? 0x23 : 0x21;
	rc->code[p] = 0xf8 | (rm & 7);
	rc->reg = rm;
	rc->exit_code = write ? SVM_EXIT_WRITE_DR7 : SVM_EXIT_READ_DR7;
	if (!write) {
		set_pre(rc, VC_DONE, 0, 0);
		return;
	}

	reg = gpr(regs, rm);
	if (!one_in(run, 4))
		*reg = (u32)*reg;
	if (upper_32_bits(*reg)) {
		set_pre(rc, VC_EXCEPTION, 0, X86_TRAP_GP);
		return;
	}
	rc->req_exit = SVM_EXIT_WRITE_DR7;
	/* as the CPU keeps it: bit 10 set, 15:14 and 12:11 clear */
	rc->check_rax = true;
	rc->req_rax = (*reg & ~0xd800UL) | BIT(10);
	allow(rc, GHCB_BITMAP_IDX(rax));
}

static void build_port(struct fuzz_run *run, struct fuzz_env *env,
		       struct resp_case *rc, struct pt_regs *regs)
{
	bool in = rc->kind == R_IN, imm = one_in(run, 2);
	unsigned int p = 0, size = 1 << rnd(run, 3);
	u8 op = imm ? 0xe4 : 0xec;
	u16 port;

	if (size == 2)
		rc->code[p++] = 0x66;
	if (size == 4 && rc->mode != FUZZ_COMPAT && one_in(run, 4)) {
		if (one_in(run, 2))
			rc->code[p++] = 0x66;
		rc->code[p++] = 0x48;	/* REX.W: still 32 bits */
	}
	if (size > 1)
		op |= 1;
	if (!in)
		op |= 2;
	rc->code[p++] = op;
	port = imm ? rc->code[p] : (u16)regs->dx;

	rc->exit_code = SVM_EXIT_IOIO;
	rc->size = size;
	if (rc->mode != FUZZ_KERNEL && !env->user_io) {
		set_pre(rc, VC_EXCEPTION, 0, X86_TRAP_GP);
		return;
	}
	rc->req_exit = SVM_EXIT_IOIO;
	rc->req_info1 = IOIO_SIZE(size) | IOIO_PORT(port);
	if (in) {
		rc->req_info1 |= SVM_IOIO_TYPE_MASK;
		rc->needs = NEED_RAX;
	} else {
		rc->check_rax = true;
		rc->req_rax = regs->ax & GENMASK_ULL(size * 8 - 1, 0);
		allow(rc, GHCB_BITMAP_IDX(rax));
	}
}

static unsigned long addr_mask(unsigned int asize)
{
	return asize == 8 ? ~0UL : GENMASK(asize * 8 - 1, 0);
}

/* INS/OUTS, with or without REP, on the kernel's or the user's buffer. */
static bool build_string(struct fuzz_run *run, struct fuzz_env *env,
			 struct resp_case *rc, struct pt_regs *regs)
{
	static const u8 segs[] = { 0x26, 0x2e, 0x36, 0x3e };
	bool in = rc->kind == R_INS, compat = rc->mode == FUZZ_COMPAT;
	unsigned int p = 0, seg = 3, n, span, off, size;
	unsigned long base, ptr, *preg;
	u8 op = in ? 0x6c : 0x6e;
	u32 r;

	if (!in && one_in(run, 4)) {
		seg = rnd(run, ARRAY_SIZE(segs));
		rc->code[p++] = segs[seg];
	}
	rc->asize = compat ? 4 : 8;
	if (rc->mode == FUZZ_USER64 && one_in(run, 4)) {
		rc->code[p++] = 0x67;
		rc->asize = 4;
	}
	size = 1 << rnd(run, 3);
	if (size == 2)
		rc->code[p++] = 0x66;
	rc->rep = !one_in(run, 4);
	if (rc->rep)
		rc->code[p++] = 0xf3;
	if (size == 4 && !compat && one_in(run, 4))
		rc->code[p++] = 0x48;
	if (size > 1)
		op |= 1;
	rc->code[p] = op;
	rc->size = size;
	rc->exit_code = SVM_EXIT_IOIO;
	rc->user_buf = rc->mode != FUZZ_KERNEL;

	base = insn_get_seg_base(regs, in ? INAT_SEG_REG_ES :
				 seg == 0 ? INAT_SEG_REG_ES : seg == 1 ? INAT_SEG_REG_CS :
				 seg == 2 ? INAT_SEG_REG_SS : INAT_SEG_REG_DS);
	if (base && base != -1UL)
		return false;	/* no buffer there */

	r = rnd(run, 8);
	if (!rc->rep)
		rc->count = 1;
	else if (r == 0)
		rc->count = 0;
	else if (r < 5)
		rc->count = 1 + rnd(run, 16);
	else if (r < 7)
		rc->count = 1 + rnd(run, 600);
	else
		rc->count = 1 + rnd(run, 5000);
	if (rc->rep)
		regs->cx = (regs->cx & ~addr_mask(rc->asize)) | rc->count;

	n = min_t(unsigned int, rc->count, GHCB_SHARED_BUF_SIZE / size);
	span = max(n, 1U) * size;
	off = rnd(run, FUZZ_BUF_SIZE - span + 1);
	rc->start = (rc->user_buf ? env->ubuf : (unsigned long)env->kbuf) + off;
	ptr = rc->start;
	if (regs->flags & X86_EFLAGS_DF)
		ptr += span - size;
	preg = in ? &regs->di : &regs->si;
	*preg = (*preg & ~addr_mask(rc->asize)) | ptr;

	if (rc->mode != FUZZ_KERNEL && !env->user_io) {
		set_pre(rc, VC_EXCEPTION, 0, X86_TRAP_GP);
		return true;
	}
	if (!rc->count) {
		set_pre(rc, VC_DONE, 0, 0);
		return true;
	}
	if (base == -1UL) {
		set_pre(rc, VC_SIGBUS, 0, 0);
		return true;
	}

	rc->req_exit = SVM_EXIT_IOIO;
	rc->req_info1 = IOIO_SIZE(size) | IOIO_PORT((u16)regs->dx) |
			SVM_IOIO_STR_MASK | IOIO_ADDR(rc->asize);
	if (in)
		rc->req_info1 |= SVM_IOIO_TYPE_MASK;
	else
		rc->req_info1 |= IOIO_SEG(seg);
	if (rc->rep)
		rc->req_info1 |= SVM_IOIO_REP_MASK;
	rc->req_info2 = n;
	rc->units = n;
	rc->more = rc->count > n;
	rc->shared = true;
	allow(rc, GHCB_BITMAP_IDX(sw_scratch));
	hv.req_bytes = in ? 0 : n * size;
	hv.fill_bytes = in ? n * size : 0;
	return true;
}

static const struct {
	u8 len, op[2];
	int type;
	u8 bytes;	/* 0: the operand size */
} mmio_movs[] = {
	{ 1, { 0x88 }, MMIO_WRITE, 1 }, { 1, { 0x89 }, MMIO_WRITE, 0 },
	{ 1, { 0xc6 }, MMIO_WRITE_IMM, 1 }, { 1, { 0xc7 }, MMIO_WRITE_IMM, 0 },
	{ 1, { 0x8a }, MMIO_READ, 1 }, { 1, { 0x8b }, MMIO_READ, 0 },
	{ 2, { 0x0f, 0xb6 }, MMIO_READ_ZERO_EXTEND, 1 },
	{ 2, { 0x0f, 0xb7 }, MMIO_READ_ZERO_EXTEND, 2 },
	{ 2, { 0x0f, 0xbe }, MMIO_READ_SIGN_EXTEND, 1 },
	{ 2, { 0x0f, 0xbf }, MMIO_READ_SIGN_EXTEND, 2 },
};

/* The operand of an MMIO write: a register's low bytes, or AH..BH. */
static u64 mmio_reg_value(const struct resp_case *rc, struct pt_regs *regs)
{
	if (rc->high_byte)
		return *gpr(regs, rc->reg - 4) >> 8;
	return *gpr(regs, rc->reg);
}

/* MOV, MOVZX, MOVSX to or from MMIO, addressed by a base register. */
static void build_mmio(struct fuzz_run *run, struct fuzz_env *env,
		       struct resp_case *rc, struct pt_regs *regs)
{
	bool x64 = rc->mode != FUZZ_COMPAT, write, o66;
	unsigned int p = 0, i, mod, rm, reg, bytes;
	unsigned long target, pa = 0;
	u8 rex = 0;
	s32 disp = 0;
	u64 val;

	do {
		i = rnd(run, ARRAY_SIZE(mmio_movs));
		write = mmio_movs[i].type == MMIO_WRITE || mmio_movs[i].type == MMIO_WRITE_IMM;
	} while (write != (rc->kind == R_MMIO_WRITE));

	o66 = one_in(run, 4);
	if (o66)
		rc->code[p++] = 0x66;
	if (x64 && one_in(run, 2))
		rex = 0x40 | rnd(run, 16);
	if (rex)
		rc->code[p++] = rex;
	rc->opsize = (rex & 8) ? 8 : o66 ? 2 : 4;
	bytes = mmio_movs[i].bytes ?: rc->opsize;
	memcpy(rc->code + p, mmio_movs[i].op, mmio_movs[i].len);
	p += mmio_movs[i].len;

	mod = rnd(run, 3);
	rm = rnd(run, 8);
	if (rm == 4)
		rm = 3;		/* no SIB */
	if (mod == 0 && rm == 5)
		mod = 1;	/* no RIP-relative */
	reg = mmio_movs[i].type == MMIO_WRITE_IMM ? 0 : rnd(run, 8);
	rc->code[p++] = mod << 6 | reg << 3 | rm;
	if (mod == 1) {
		disp = (s8)rnd(run, 256);
		rc->code[p++] = disp;
	} else if (mod == 2) {
		disp = rnd(run, 0x20000) - 0x10000;
		memcpy(rc->code + p, &disp, 4);
		p += 4;
	}
	rc->mmio_type = mmio_movs[i].type;
	rc->reg = reg | (rex & 4 ? 8 : 0);
	rc->high_byte = bytes == 1 && !rex && reg >= 4 &&
			(rc->mmio_type == MMIO_WRITE || rc->mmio_type == MMIO_READ);

	/* The operand: MMIO, or a private page, or across the page's end. */
	if (rc->mode != FUZZ_KERNEL) {
		target = env->ubuf + rnd(run, PAGE_SIZE - 8);
		set_pre(rc, VC_SIGBUS, 0, 0);
	} else if (one_in(run, 16)) {
		target = (unsigned long)env->kbuf + rnd(run, PAGE_SIZE - 8);
		set_pre(rc, VC_FATAL, GHCB_TERM_VC_MISMATCH, 0);
	} else if (bytes > 1 && one_in(run, 32)) {
		target = (unsigned long)env->mmio + PAGE_SIZE - 1 - rnd(run, bytes - 1);
		set_pre(rc, VC_FATAL, GHCB_TERM_VC_MISMATCH, 0);
	} else {
		pa = rnd(run, PAGE_SIZE - bytes + 1);
		target = (unsigned long)env->mmio + pa;
		pa += FUZZ_MMIO_PA;
	}
	*gpr(regs, rm | (rex & 1 ? 8 : 0)) = target - disp;

	if (rc->mmio_type == MMIO_WRITE_IMM) {
		if (bytes == 1)
			val = (s8)rnd(run, 256);
		else if (bytes == 2)
			val = (s16)rnd(run, 0x10000);
		else
			val = (s32)prandom_u32_state(&run->rnd);
		memcpy(rc->code + p, &val, min(bytes, 4U));
	} else {
		val = mmio_reg_value(rc, regs);
	}
	memcpy(rc->req_data, &val, bytes);

	rc->exit_code = SVM_EXIT_NPF;
	rc->size = bytes;
	if (!pa)
		return;
	rc->req_exit = write ? SVM_VMGEXIT_MMIO_WRITE : SVM_VMGEXIT_MMIO_READ;
	rc->req_info1 = pa;
	rc->req_info2 = bytes;
	rc->units = bytes;
	rc->shared = true;
	allow(rc, GHCB_BITMAP_IDX(sw_scratch));
	hv.req_bytes = write ? bytes : 0;
	hv.fill_bytes = write ? 0 : bytes;
}

static bool kind_possible(struct fuzz_env *env, enum resp_kind kind,
			  enum fuzz_mode mode)
{
	switch (kind) {
	case R_INS:
	case R_OUTS:
		return env->shared_buffer;
	case R_MMIO_READ:
	case R_MMIO_WRITE:
		/* user MMIO is refused on private memory, before any exit */
		return env->shared_buffer && env->mmio &&
		       (mode == FUZZ_KERNEL || env->encrypted);
	case R_DR7_READ:
	case R_DR7_WRITE:
		return mode != FUZZ_COMPAT;
	case R_VMMCALL:
		return !x86_platform.hyper.sev_es_hcall_prepare;
	default:
		return true;
	}
}

/* Build one case on @regs; false: none to build on these dice. */
static bool build_case(struct fuzz_run *run, struct fuzz_env *env,
		       struct resp_case *rc, struct pt_regs *regs)
{
	rc->exits = true;
	allow(rc, GHCB_BITMAP_IDX(sw_exit_code));
	allow(rc, GHCB_BITMAP_IDX(sw_exit_info_1));
	allow(rc, GHCB_BITMAP_IDX(sw_exit_info_2));
	hv.req_bytes = 0;
	hv.fill_bytes = 0;

	switch (rc->kind) {
	case R_DR7_READ:
	case R_DR7_WRITE:
		build_dr7(run, rc, regs);
		return true;
	case R_IN:
	case R_OUT:
		build_port(run, env, rc, regs);
		return true;
	case R_INS:
	case R_OUTS:
		return build_string(run, env, rc, regs);
	case R_MMIO_READ:
	case R_MMIO_WRITE:
		build_mmio(run, env, rc, regs);
		return true;
	case R_AC:
		rc->exit_code = SVM_EXIT_EXCP_BASE + X86_TRAP_AC;
		/* only CPL 3 checks alignment */
		if (rc->mode == FUZZ_KERNEL)
			set_pre(rc, VC_FATAL, GHCB_TERM_VC_MISMATCH, 0);
		else
			set_pre(rc, VC_EXCEPTION, 0, X86_TRAP_AC);
		return true;
	default:
		build_fixed(run, rc, regs);
		return true;
	}
}

/* The verdict an answer calls for, by the GHCB specification. */
struct verdict {
	/* BIT(enum vc_result). */
	unsigned int results;
	/* BIT(reason - GHCB_TERM_MSR_RESPONSE). */
	unsigned int reasons;
	int vector;
	unsigned long error_code;
};

#define REASON(r)	BIT((r) - GHCB_TERM_MSR_RESPONSE)

static void verdict_fatal(struct verdict *v, unsigned int reasons)
{
	v->results = BIT(VC_FATAL);
	v->reasons = reasons;
}

static unsigned int valid_regs(const struct ghcb *g)
{
	return (ghcb_rax_is_valid(g) ? NEED_RAX : 0) |
	       (ghcb_rbx_is_valid(g) ? NEED_RBX : 0) |
	       (ghcb_rcx_is_valid(g) ? NEED_RCX : 0) |
	       (ghcb_rdx_is_valid(g) ? NEED_RDX : 0);
}

/*
 * GHCB spec (56421), "Non-Automatic Exit (NAE) Events": sw_exit_info_1 is 0
 * (done), 1 (an exception to raise, sw_exit_info_2 in EVENTINJ format) or 2
 * (an error).  Only #GP and #UD may be injected: exceptions the instruction
 * could raise itself.  A register the exit returns must be marked valid;
 * data in the shared buffer is in the guest's own buffer, at most as much
 * as it asked for.
 */
static void judge_answer(const struct resp_case *rc, const struct ghcb *g,
			 struct verdict *v)
{
	u64 result = g->save.sw_exit_info_1, ev = g->save.sw_exit_info_2;
	unsigned int vector = ev & SVM_EVTINJ_VEC_MASK, bad = 0;
	bool error = ev & SVM_EVTINJ_VALID_ERR;

	memset(v, 0, sizeof(*v));
	if (!ghcb_sw_exit_info_1_is_valid(g) || result > 2) {
		verdict_fatal(v, REASON(GHCB_TERM_GHCB_RESPONSE));
		return;
	}
	if (result == 2) {
		if (rc->mode == FUZZ_KERNEL)
			verdict_fatal(v, REASON(GHCB_TERM_VC_FAILED));
		else
			v->results = BIT(VC_SIGBUS);
		return;
	}
	if (result == 1) {
		if (!ghcb_sw_exit_info_2_is_valid(g) || !(ev & EVTINJ_V) ||
		    (ev & SVM_EVTINJ_TYPE_MASK) != SVM_EVTINJ_TYPE_EXEPT ||
		    (ev & GENMASK_ULL(30, 12)) ||
		    (vector != X86_TRAP_GP && vector != X86_TRAP_UD) ||
		    (vector == X86_TRAP_UD && error)) {
			verdict_fatal(v, REASON(GHCB_TERM_GHCB_INJECT));
			return;
		}
		v->results = BIT(VC_EXCEPTION);
		v->vector = vector;
		v->error_code = error ? ev >> 32 : 0;
		return;
	}

	if (rc->shared &&
	    ((ghcb_sw_scratch_is_valid(g) && g->save.sw_scratch != rc->scratch) ||
	     (ghcb_sw_exit_info_2_is_valid(g) && g->save.sw_exit_info_2 > rc->units)))
		bad |= REASON(GHCB_TERM_GHCB_SIZE);
	if (rc->needs & ~valid_regs(g))
		bad |= REASON(GHCB_TERM_GHCB_VALID);
	if (bad)
		verdict_fatal(v, bad);
	else
		v->results = BIT(rc->more ? VC_RETRY : VC_DONE);
}

static void judge_pre(const struct resp_case *rc, struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->results = BIT(rc->pre);
	if (rc->pre == VC_FATAL)
		v->reasons = REASON(rc->pre_reason);
	v->vector = rc->pre_vector;
}

/* A register write of @bytes as the CPU does it. */
static void assign(unsigned long *reg, u64 val, unsigned int bytes)
{
	switch (bytes) {
	case 1:
		*reg = (*reg & ~0xffUL) | (u8)val;
		break;
	case 2:
		*reg = (*reg & ~0xffffUL) | (u16)val;
		break;
	case 4:
		*reg = (u32)val;
		break;
	default:
		*reg = val;
	}
}

/* A string instruction's update of RSI, RDI or RCX, by address size. */
static void assign_addr(unsigned long *reg, unsigned long val, unsigned int asize)
{
	assign(reg, val & addr_mask(asize), asize);
}

static u64 fill_value(unsigned int bytes)
{
	u64 val = 0;

	memcpy(&val, hv.fill, bytes);
	return val;
}

/* The registers after the instruction, with the answer @g. */
static void emulate_success(const struct resp_case *rc, const struct ghcb *g,
			    struct pt_regs *r)
{
	unsigned int n = rc->units;
	unsigned long *reg;
	long step;
	u64 val;

	switch (rc->kind) {
	case R_CPUID:
		r->bx = (u32)g->save.rbx;
		fallthrough;
	case R_RDTSCP:
		r->cx = (u32)g->save.rcx;
		fallthrough;
	case R_RDMSR:
	case R_RDTSC:
	case R_RDPMC:
		r->ax = (u32)g->save.rax;
		r->dx = (u32)g->save.rdx;
		break;
	case R_DR7_READ:
		*gpr(r, rc->reg) = rc->dr7;
		break;
	case R_IN:
		assign(&r->ax, g->save.rax, rc->size);
		break;
	case R_INS:
	case R_OUTS:
		step = (r->flags & X86_EFLAGS_DF) ? -(long)rc->size : rc->size;
		reg = rc->kind == R_INS ? &r->di : &r->si;
		assign_addr(reg, *reg + n * step, rc->asize);
		if (rc->rep)
			assign_addr(&r->cx, rc->count - n, rc->asize);
		break;
	case R_MMIO_READ:
		val = fill_value(rc->size);
		reg = gpr(r, rc->high_byte ? rc->reg - 4 : rc->reg);
		if (rc->high_byte)
			*reg = (*reg & ~0xff00UL) | (u8)val << 8;
		else if (rc->mmio_type == MMIO_READ)
			assign(reg, val, rc->size);
		else if (rc->mmio_type == MMIO_READ_ZERO_EXTEND)
			assign(reg, val, rc->opsize);
		else
			assign(reg, sign_extend64(val, rc->size * 8 - 1), rc->opsize);
		break;
	default:
		break;
	}
}

/* What the guest asked the hypervisor: the exit, and nothing more. */
static void check_request(struct fuzz_run *run, const struct resp_case *rc)
{
	unsigned int i;

	if (hv.exit_code != rc->req_exit || hv.info1 != rc->req_info1 ||
	    hv.info2 != rc->req_info2)
		fuzz_fail(run, "asked for exit %#llx (%#llx, %#llx), not %#llx (%#llx, %#llx)",
			  hv.exit_code, hv.info1, hv.info2, rc->req_exit,
			  rc->req_info1, rc->req_info2);
	for (i = 0; i < sizeof(hv.valid); i++)
		if (hv.valid[i] & ~rc->allowed[i])
			fuzz_fail(run, "request marks valid what the exit does not take (%u: %#x)",
				  i, hv.valid[i] & ~rc->allowed[i]);
	if (rc->check_rax && (!test_bit(GHCB_BITMAP_IDX(rax), (unsigned long *)hv.valid) ||
			      hv.rax != rc->req_rax))
		fuzz_fail(run, "request RAX %#llx, not %#llx", hv.rax, rc->req_rax);
	if (rc->check_rcx && (!test_bit(GHCB_BITMAP_IDX(rcx), (unsigned long *)hv.valid) ||
			      hv.rcx != rc->req_rcx))
		fuzz_fail(run, "request RCX %#llx, not %#llx", hv.rcx, rc->req_rcx);
	if (rc->shared && (hv.scratch != rc->scratch ||
			   !test_bit(GHCB_BITMAP_IDX(sw_scratch), (unsigned long *)hv.valid)))
		fuzz_fail(run, "request scratch %#llx, not the shared buffer %#llx",
			  hv.scratch, rc->scratch);
	if (rc->kind == R_MMIO_WRITE && memcmp(hv.req, rc->req_data, rc->size))
		fuzz_fail(run, "MMIO write of %*ph, not of %*ph", rc->size, hv.req,
			  rc->size, rc->req_data);
}

/* Where the elements of a string instruction start in its buffer. */
static unsigned int buf_off(struct fuzz_env *env, const struct resp_case *rc)
{
	return rc->start - (rc->user_buf ? env->ubuf : (unsigned long)env->kbuf);
}

/* The string-IO buffer as it is now. */
static u8 *buf_bytes(struct fuzz_env *env, const struct resp_case *rc)
{
	if (!rc->user_buf)
		return env->kbuf;
	if (copy_from_user(env->seen, (void __user *)env->ubuf, FUZZ_BUF_SIZE))
		memset(env->seen, 0, FUZZ_BUF_SIZE);
	return env->seen;
}

static int buf_put(struct fuzz_env *env, const struct resp_case *rc,
		   unsigned int off, const void *src, unsigned int len)
{
	if (!rc->user_buf) {
		memcpy(env->kbuf + off, src, len);
		return 0;
	}
	return copy_to_user((void __user *)(env->ubuf + off), src, len) ? -EFAULT : 0;
}

/* Element @i of a string instruction: where it is in the buffer. */
static unsigned int elem_off(const struct resp_case *rc, const struct pt_regs *r,
			     unsigned int i)
{
	unsigned int n = max(rc->units, 1U);

	if (r->flags & X86_EFLAGS_DF)
		return (n - 1 - i) * rc->size;
	return i * rc->size;
}

static void string_prepare(struct fuzz_run *run, struct fuzz_env *env,
			   struct resp_case *rc)
{
	unsigned int off = buf_off(env, rc);
	unsigned int len = max(rc->units, 1U) * rc->size;

	memset(env->expect, FUZZ_CANARY, FUZZ_BUF_SIZE);
	if (rc->kind == R_OUTS) {
		prandom_bytes_state(&run->rnd, env->expect + off, len);
		if (buf_put(env, rc, off, env->expect + off, len))
			fuzz_fail(run, "cannot write the user buffer");
	}
}

/*
 * After a string instruction: OUTS sent its elements and wrote nothing;
 * INS wrote the answer's elements where they belong, and only if taken.
 */
static void string_check(struct fuzz_run *run, struct fuzz_env *env,
			 const struct resp_case *rc, const struct pt_regs *before,
			 enum vc_result res)
{
	unsigned int off = buf_off(env, rc);
	unsigned int len = max(rc->units, 1U) * rc->size, i;
	bool taken = res == VC_DONE || res == VC_RETRY;
	const u8 *seen;

	if (rc->kind == R_OUTS && hv.calls) {
		for (i = 0; i < rc->units; i++)
			if (memcmp(hv.req + i * rc->size,
				   env->expect + off + elem_off(rc, before, i), rc->size))
				break;
		if (i < rc->units)
			fuzz_fail(run, "OUTS element %u is not the one in memory", i);
	}
	if (rc->kind == R_INS && taken && rc->exits)
		for (i = 0; i < rc->units; i++)
			memcpy(env->expect + off + elem_off(rc, before, i),
			       hv.fill + i * rc->size, rc->size);

	seen = buf_bytes(env, rc);
	for (i = 0; i < FUZZ_BUF_SIZE; i++)
		if (seen[i] != env->expect[i])
			break;
	if (i < FUZZ_BUF_SIZE)
		fuzz_fail(run, "buffer byte %u is %#x, not %#x (elements at %u..%u)",
			  i, seen[i], env->expect[i], off, off + len);

	/* canaries back */
	memset(env->expect, FUZZ_CANARY, FUZZ_BUF_SIZE);
	if (i < FUZZ_BUF_SIZE)
		buf_put(env, rc, 0, env->expect, FUZZ_BUF_SIZE);
	else
		buf_put(env, rc, off, env->expect, len);
}

/*
 * This CPU's DR7 shadow, read and put back through the runtime, around
 * the cases that change it.
 */
static const u8 mov_rax_dr7[MAX_INSN_SIZE] = { 0x0f, 0x21, 0xf8 };
static const u8 mov_dr7_rax[MAX_INSN_SIZE] = { 0x0f, 0x23, 0xf8 };

static unsigned long dr7_access(bool write, unsigned long val)
{
	struct pt_regs regs = {
		.ip = (unsigned long)(write ? mov_dr7_rax : mov_rax_dr7),
		.cs = __KERNEL_CS,
		.ax = val,
	};
	struct vc_ctxt ctxt = {
		.regs = &regs,
		.exit_code = write ? SVM_EXIT_WRITE_DR7 : SVM_EXIT_READ_DR7,
	};

	if (sev_es_decode(&ctxt) != VC_DONE)
		return val;
	if (!write) {
		sev_es_handle_dr7_read(&ctxt);
		return regs.ax;
	}
	hv.forced = true;
	sev_es_handle_dr7_write(&ctxt, &fuzz_ghcb);
	hv.forced = false;
	return val;
}

static bool is_string(const struct resp_case *rc)
{
	return rc->kind == R_INS || rc->kind == R_OUTS;
}

/* Emulate @rc on @f against the stand-in, as the #VC handler would. */
static enum vc_result run_emulate(struct fuzz_run *run, struct resp_case *rc,
				  struct fuzz_frame *f)
{
	bool dr7 = rc->kind == R_DR7_READ || rc->kind == R_DR7_WRITE;
	enum vc_result res;
	unsigned long flags;

	/* as sev_ghcb_get() leaves it, with stale values behind */
	sev_ghcb_invalidate(&fuzz_ghcb);
	fuzz_ghcb.save.rax = rnd64(run);
	fuzz_ghcb.save.rbx = rnd64(run);
	fuzz_ghcb.save.rcx = rnd64(run);
	fuzz_ghcb.save.rdx = rnd64(run);
	hv.rnd = &run->rnd;
	hv.calls = 0;

	local_irq_save(flags);
	if (dr7)
		rc->dr7 = dr7_access(false, 0);
	if (rc->shared)
		rc->scratch = sev_ghcb_scratch_pa(&fuzz_ghcb);
	pagefault_disable();
	res = sev_es_emulate(&f->ctxt, &fuzz_ghcb);
	pagefault_enable();
	fuzz_answer.save = fuzz_ghcb.save;
	if (rc->kind == R_DR7_WRITE)
		dr7_access(true, rc->dr7);
	local_irq_restore(flags);
	return res;
}

/* The result against the verdict, then the registers. */
static noinline_for_stack void
response_judge(struct fuzz_run *run, const struct resp_case *rc,
	       struct fuzz_frame *f, const struct pt_regs *before,
	       enum vc_result res)
{
	struct vc_ctxt *ctxt = &f->ctxt;
	struct pt_regs want = *before;
	struct verdict v;

	if (rc->exits && hv.calls != 1) {
		fuzz_fail(run, "%u exits, not one", hv.calls);
		return;
	}
	if (rc->exits) {
		check_request(run, rc);
		judge_answer(rc, &fuzz_answer, &v);
	} else {
		if (hv.calls)
			fuzz_fail(run, "asked the hypervisor, where the guest decides alone");
		judge_pre(rc, &v);
	}

	if (!canaries_intact(f))
		fuzz_fail(run, "wrote outside the #VC context");
	check_refusal(run, ctxt, res);
	if (res > VC_FATAL || !(v.results & BIT(res)))
		fuzz_fail(run, "%s, where the answer calls for %s%s%#lx",
			  result_name(res), result_name(__ffs(v.results)),
			  v.reasons ? ", reason " : "", v.reasons ?
			  GHCB_TERM_MSR_RESPONSE + __ffs(v.reasons) : 0);
	else if (res == VC_FATAL && v.reasons &&
		 (!reason_named(ctxt) || !(v.reasons & REASON(ctxt->reason))))
		fuzz_fail(run, "reason %#x, where the answer calls for %#lx",
			  ctxt->reason, GHCB_TERM_MSR_RESPONSE + __ffs(v.reasons));
	else if (res == VC_EXCEPTION && (ctxt->exc.vector != v.vector ||
					 ctxt->exc.error_code != v.error_code))
		fuzz_fail(run, "exception %d (%#lx), not %d (%#lx)", ctxt->exc.vector,
			  ctxt->exc.error_code, v.vector, v.error_code);

	/* The guest ends: its registers do not matter. */
	if (res == VC_FATAL)
		return;
	if ((res == VC_DONE || res == VC_RETRY) && (rc->exits || rc->kind == R_DR7_READ))
		emulate_success(rc, &fuzz_answer, &want);
	check_regs(run, &f->regs, &want);
}

static enum vc_result response_one(struct fuzz_run *run, struct fuzz_env *env)
{
	struct pt_regs before;
	struct resp_case rc;
	struct fuzz_frame f;
	unsigned int readable;
	enum vc_result res;

	memset(&rc, 0, sizeof(rc));
	rc.mode = pick_mode(run, env);
	do {
		rc.kind = rnd(run, R_KINDS);
	} while (!kind_possible(env, rc.kind, rc.mode));
	prandom_bytes_state(&run->rnd, rc.code, MAX_INSN_SIZE);
	frame_init(run, &f, rc.mode, 0, 0);
	if (!build_case(run, env, &rc, &f.regs)) {
		memset(rc.allowed, 0, sizeof(rc.allowed));
		rc.kind = R_CPUID;
		build_case(run, env, &rc, &f.regs);
	}

	f.regs.ip = place_code(run, env, rc.mode, rc.code, false, &readable);
	f.regs.orig_ax = rc.exit_code;
	f.ctxt.exit_code = rc.exit_code;
	if (is_string(&rc))
		string_prepare(run, env, &rc);
	before = f.regs;

	res = run_emulate(run, &rc, &f);

	response_judge(run, &rc, &f, &before, res);
	if (is_string(&rc))
		string_check(run, env, &rc, &before, res);

	if (run->failed && run->failures <= FUZZ_REPORTED)
		kunit_err(run->test, "  %s %s, #VC %#lx at %*ph (asked %u): %s, reason %#x (%s); answer %#llx%s %#llx%s, scratch %#llx%s, registers %#x\n",
			  mode_names[rc.mode], kind_names[rc.kind], rc.exit_code,
			  MAX_INSN_SIZE, rc.code, rc.units, result_name(res), f.ctxt.reason,
			  f.ctxt.what ?: "-", fuzz_answer.save.sw_exit_info_1,
			  ghcb_sw_exit_info_1_is_valid(&fuzz_answer) ? "" : " (not valid)",
			  fuzz_answer.save.sw_exit_info_2,
			  ghcb_sw_exit_info_2_is_valid(&fuzz_answer) ? "" : " (not valid)",
			  fuzz_answer.save.sw_scratch,
			  ghcb_sw_scratch_is_valid(&fuzz_answer) ? "" : " (not valid)",
			  valid_regs(&fuzz_answer));
	return res;
}

/* User port IO passes sev_es_ioio_allowed() with IOPL 3, for this thread. */
static bool fuzz_iopl(bool on)
{
#ifdef CONFIG_X86_IOPL_IOPERM
	static unsigned int saved;

	if (on) {
		saved = current->thread.iopl_emul;
		current->thread.iopl_emul = 3;
	} else {
		current->thread.iopl_emul = saved;
	}
	return true;
#else
	return false;
#endif
}

static void fuzz_response(struct kunit *test)
{
	struct fuzz_env env;

	if (fuzz_env_init(test, &env)) {
		KUNIT_FAIL(test, "no memory for the buffers");
		fuzz_env_exit(&env);
		return;
	}
	env.shared_buffer = sev_ghcb_runtime_ready();
	env.encrypted = cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT);
	env.mmio = ioremap(FUZZ_MMIO_PA, PAGE_SIZE);
	env.user_io = fuzz_iopl(true);
	if (!env.shared_buffer)
		kunit_info(test, "not an SEV-ES guest: no exits with data\n");

	sev_ghcb_test_hv = fuzz_hv;
	WRITE_ONCE(sev_ghcb_test_page, &fuzz_ghcb);
	fuzz_loop(test, &env, response_one);
	WRITE_ONCE(sev_ghcb_test_page, NULL);

	fuzz_iopl(false);
	fuzz_env_exit(&env);
}

static void fuzz_decode(struct kunit *test)
{
	struct fuzz_env env;

	if (fuzz_env_init(test, &env))
		KUNIT_FAIL(test, "no memory for the buffers");
	else
		fuzz_loop(test, &env, decode_one);
	fuzz_env_exit(&env);
}

static struct kunit_case sev_es_fuzz_cases[] = {
	KUNIT_CASE(fuzz_decode),
	KUNIT_CASE(fuzz_response),
	{}
};

static struct kunit_suite sev_es_fuzz_suite = {
	.name = "sev_es_fuzz",
	.test_cases = sev_es_fuzz_cases,
};

kunit_test_suites(&sev_es_fuzz_suite);
