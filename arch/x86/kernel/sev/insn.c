// SPDX-License-Identifier: GPL-2.0-only
/*
 * The instruction behind a #VC, and the memory it touches.
 *
 * The #VC error code is the exit code of the intercept (APM vol. 2, "#VC
 * Exception"), and the hypervisor chooses the intercepts: it can raise a
 * #VC that does not fit the instruction at RIP, and user space can change
 * its own code between the #VC and our look at it.  So the instruction is
 * fetched and must be one that causes this exit; the handlers then work
 * from the instruction, never from the error code alone.
 *
 * The common exits are fixed opcodes without prefixes, matched byte by
 * byte; anything else goes through the kernel's instruction decoder.
 *
 * User space gets nothing done in its name that it could not do itself: its
 * memory operands are reached with the user accessors (which check the
 * range), and its MMIO must go through its own page tables' permissions.
 *
 * Memory is read and written one MOV at a time, never with a string
 * instruction: the user copy routines are REP MOVS, and a string
 * instruction on MMIO comes back to the #VC handler as a MOVS of its own.
 */

#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <asm/insn-eval.h>
#include <linux/mem_encrypt.h>
#include <asm/pgtable_types.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/svm.h>
#include <asm/traps.h>
#include <asm/sev-es-msr.h>

#include "internal.h"

/* The exits whose instruction is one fixed opcode (no operands). */
struct vc_opcode {
	u8 len;
	u8 b[3];
};

static const struct vc_opcode *fixed_opcode(unsigned long exit_code)
{
	static const struct vc_opcode cpuid = { 2, { 0x0f, 0xa2 } };
	static const struct vc_opcode rdtsc = { 2, { 0x0f, 0x31 } };
	static const struct vc_opcode rdtscp = { 3, { 0x0f, 0x01, 0xf9 } };
	static const struct vc_opcode rdpmc = { 2, { 0x0f, 0x33 } };
	static const struct vc_opcode invd = { 2, { 0x0f, 0x08 } };
	static const struct vc_opcode wbinvd = { 2, { 0x0f, 0x09 } };
	static const struct vc_opcode monitor = { 3, { 0x0f, 0x01, 0xc8 } };
	static const struct vc_opcode mwait = { 3, { 0x0f, 0x01, 0xc9 } };
	static const struct vc_opcode vmmcall = { 3, { 0x0f, 0x01, 0xd9 } };

	switch (exit_code) {
	case SVM_EXIT_CPUID:	return &cpuid;
	case SVM_EXIT_RDTSC:	return &rdtsc;
	case SVM_EXIT_RDTSCP:	return &rdtscp;
	case SVM_EXIT_RDPMC:	return &rdpmc;
	case SVM_EXIT_INVD:	return &invd;
	case SVM_EXIT_WBINVD:	return &wbinvd;
	case SVM_EXIT_MONITOR:	return &monitor;
	case SVM_EXIT_MWAIT:	return &mwait;
	case SVM_EXIT_VMMCALL:	return &vmmcall;
	default:		return NULL;
	}
}

static bool is_ioio_opcode(u8 op)
{
	return (op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef) ||
	       (op >= 0x6c && op <= 0x6f);
}

/* The instruction without a prefix, or with only an operand-size one. */
static bool fast_match(struct vc_ctxt *ctxt, int n)
{
	const struct vc_opcode *op = fixed_opcode(ctxt->exit_code);
	const u8 *b = ctxt->code;
	struct sev_ioio io;

	if (op) {
		if (n < op->len || memcmp(b, op->b, op->len))
			return false;
		ctxt->len = op->len;
		return true;
	}

	switch (ctxt->exit_code) {
	case SVM_EXIT_MSR:
		if (n < 2 || b[0] != 0x0f || (b[1] != 0x30 && b[1] != 0x32))
			return false;
		ctxt->len = 2;
		return true;
	case SVM_EXIT_IOIO:
		/* String IO takes the decoder. */
		ctxt->len = sev_ioio_decode(b, n, ctxt->regs->dx, &io);
		return ctxt->len;
	default:
		return false;
	}
}

/*
 * MMIO (exit 0x400): a MOV, MOVZX or MOVSX with a memory operand, or a
 * MOVS.  With ModRM.mod 3 the operand is a register and the "address"
 * insn_get_addr_ref() computes is that register's value: emulating it
 * would let the hypervisor read or write a register of its choosing.  C6
 * and C7 are MOV only with ModRM.reg 0.
 */
static bool mmio_matches(struct vc_ctxt *ctxt)
{
	struct insn *insn = &ctxt->insn;
	u8 modrm = insn->modrm.value;

	ctxt->mmio_type = insn_decode_mmio(insn, &ctxt->mmio_bytes);
	switch (ctxt->mmio_type) {
	case MMIO_DECODE_FAILED:
		return false;
	case MMIO_MOVS:
		return true;
	case MMIO_WRITE_IMM:
		if (X86_MODRM_REG(modrm))
			return false;
		fallthrough;
	default:
		return insn->modrm.nbytes && X86_MODRM_MOD(modrm) != 3;
	}
}

/* Which instructions can raise this exit, judged on the decoded one. */
static bool insn_matches(struct vc_ctxt *ctxt)
{
	const struct vc_opcode *op = fixed_opcode(ctxt->exit_code);
	struct insn *insn = &ctxt->insn;
	const u8 *opc = insn->opcode.bytes;
	u8 modrm = insn->modrm.value;

	/* No intercepted instruction has a VEX form: c5 f5 ed is no IN. */
	if (insn->vex_prefix.nbytes)
		return false;
	if (op) {
		if (insn->opcode.nbytes != 2 || opc[0] != op->b[0] ||
		    opc[1] != op->b[1])
			return false;
		return op->len == 2 || (insn->modrm.nbytes && modrm == op->b[2]);
	}

	switch (ctxt->exit_code) {
	case SVM_EXIT_MSR:
		return insn->opcode.nbytes == 2 && opc[0] == 0x0f &&
		       (opc[1] == 0x30 || opc[1] == 0x32);
	case SVM_EXIT_IOIO:
		return insn->opcode.nbytes == 1 && is_ioio_opcode(opc[0]);
	case SVM_EXIT_READ_DR7:
	case SVM_EXIT_WRITE_DR7:
		/* MOV from/to DR7: the ModRM reg field names the DR. */
		return insn->opcode.nbytes == 2 && opc[0] == 0x0f &&
		       opc[1] == (ctxt->exit_code == SVM_EXIT_READ_DR7 ? 0x21 : 0x23) &&
		       X86_MODRM_REG(modrm) == 7 && X86_MODRM_MOD(modrm) == 3 &&
		       !X86_REX_R(insn->rex_prefix.value);	/* DR15: #UD */
	case SVM_EXIT_NPF:
		return mmio_matches(ctxt);
	default:
		return false;
	}
}

/*
 * One MOV of @len bytes from or to user memory: get_user() and put_user()
 * check the range and turn a fault into -EFAULT.  Page faults are off, as
 * everywhere in the #VC handler: a page that is not there fails.
 */
static int user_load(unsigned long addr, u64 *val, unsigned int len)
{
	int ret;

	pagefault_disable();
	switch (len) {
	case 1:
		ret = get_user(*val, (u8 __user *)addr);
		break;
	case 2:
		ret = get_user(*val, (u16 __user *)addr);
		break;
	case 4:
		ret = get_user(*val, (u32 __user *)addr);
		break;
	case 8:
		ret = get_user(*val, (u64 __user *)addr);
		break;
	default:
		ret = -EINVAL;
	}
	pagefault_enable();
	return ret;
}

static int user_store(unsigned long addr, u64 val, unsigned int len)
{
	int ret;

	pagefault_disable();
	switch (len) {
	case 1:
		ret = put_user((u8)val, (u8 __user *)addr);
		break;
	case 2:
		ret = put_user((u16)val, (u16 __user *)addr);
		break;
	case 4:
		ret = put_user((u32)val, (u32 __user *)addr);
		break;
	case 8:
		ret = put_user(val, (u64 __user *)addr);
		break;
	default:
		ret = -EINVAL;
	}
	pagefault_enable();
	return ret;
}

/*
 * User code, with the user accessors: as much of MAX_INSN_SIZE bytes at
 * CS:RIP as can be read, in naturally sized pieces, byte by byte where a
 * piece would cross into the next page.
 */
static int fetch_user(struct vc_ctxt *ctxt)
{
	unsigned long ip = insn_get_seg_base(ctxt->regs, INAT_SEG_REG_CS);
	unsigned int n, len;
	u64 val;

	if (ip == -1UL)
		return 0;
	ip += ctxt->regs->ip;
	for (n = 0; n < MAX_INSN_SIZE; n += len) {
		len = rounddown_pow_of_two(min(MAX_INSN_SIZE - n, 8U));
		if (offset_in_page(ip + n) + len > PAGE_SIZE)
			len = 1;
		if (user_load(ip + n, &val, len))
			break;
		vc_put_bytes(ctxt->bytes + n, val, len);
	}
	return n;
}

/*
 * Kernel code is read in place unless it may end at a page boundary;
 * user code is copied with the user accessors (interrupts are off, so a
 * page that is not present cannot be faulted in and the #PF is the
 * user's).
 */
static int fetch(struct vc_ctxt *ctxt)
{
	unsigned long ip = ctxt->regs->ip;
	int n;

	if (ctxt->user) {
		ctxt->code = ctxt->bytes;
		return fetch_user(ctxt);
	}
	if (PAGE_SIZE - offset_in_page(ip) >= MAX_INSN_SIZE) {
		ctxt->code = (const u8 *)ip;
		return MAX_INSN_SIZE;
	}
	/* The rest of this page is mapped: it is being executed. */
	ctxt->code = ctxt->bytes;
	n = PAGE_SIZE - offset_in_page(ip);
	if (copy_from_kernel_nofault(ctxt->bytes, (void *)ip, n))
		return 0;
	if (!copy_from_kernel_nofault(ctxt->bytes + n, (void *)(ip + n),
				      MAX_INSN_SIZE - n))
		n = MAX_INSN_SIZE;
	return n;
}

/*
 * User code that addresses through an LDT segment is the task's to answer
 * for: the segment's base and size are in the LDT, which only a sleeping
 * lock protects, and 16-bit code (possible only that way) is beyond the
 * decoder, which knows 32- and 64-bit code.  In 64-bit mode only CS
 * counts (FS and GS bases come from their MSRs).
 */
static bool uses_ldt(struct pt_regs *regs)
{
	unsigned short sel[4] = {};

	if (regs->cs & SEGMENT_TI_MASK)
		return true;
	if (user_64bit_mode(regs))
		return false;
	savesegment(ds, sel[0]);
	savesegment(es, sel[1]);
	savesegment(fs, sel[2]);
	savesegment(gs, sel[3]);
	return ((regs->ss | sel[0] | sel[1] | sel[2] | sel[3]) & SEGMENT_TI_MASK);
}

/**
 * sev_es_decode() - Fetch the instruction behind the #VC and check it.
 * @ctxt: the #VC being handled.
 *
 * The common exits are matched byte by byte; anything else goes through
 * the kernel's instruction decoder and sev_es_check_insn().
 *
 * Return: VC_DONE when the instruction fits the exit; VC_EXCEPTION, a #PF,
 * when user code cannot be read; VC_SIGBUS for user code that addresses
 * through an LDT segment, does not decode or does not fit; VC_FATAL for
 * kernel code that cannot be read, does not decode or does not fit.
 */
enum vc_result sev_es_decode(struct vc_ctxt *ctxt)
{
	enum insn_mode mode = INSN_MODE_KERN;
	int n;

	if (ctxt->user && uses_ldt(ctxt->regs))
		return VC_SIGBUS;

	n = fetch(ctxt);
	if (n <= 0) {
		if (ctxt->user)
			return sev_es_fault(ctxt, ctxt->regs->ip, false);
		return sev_es_fatal(ctxt, GHCB_TERM_VC_MISMATCH,
				    "#VC on an instruction that cannot be read");
	}
	if (fast_match(ctxt, n))
		return VC_DONE;

	if (ctxt->user)
		mode = user_64bit_mode(ctxt->regs) ? INSN_MODE_64 : INSN_MODE_32;
	if (insn_decode(&ctxt->insn, ctxt->code, n, mode) < 0) {
		return sev_es_refuse(ctxt, GHCB_TERM_VC_MISMATCH,
				     "#VC on an instruction that does not decode");
	}
	ctxt->decoded = true;
	ctxt->len = ctxt->insn.length;
	return sev_es_check_insn(ctxt);
}

/**
 * sev_es_check_insn() - Check that the decoded instruction fits the exit.
 * @ctxt: the #VC being handled, its instruction decoded.
 *
 * A kernel #VC that does not fit the instruction is the hypervisor's.  In
 * user space it may be the user's own doing (code rewritten by another
 * thread after the #VC): the process gets SIGBUS, the guest goes on.
 *
 * Return: VC_DONE if it fits; else VC_SIGBUS from user space, VC_FATAL
 * from the kernel.
 */
enum vc_result sev_es_check_insn(struct vc_ctxt *ctxt)
{
	if (insn_matches(ctxt))
		return VC_DONE;
	if (ctxt->user)
		return VC_SIGBUS;
	if (ctxt->exit_code == SVM_EXIT_NPF)
		return sev_es_fatal(ctxt, GHCB_TERM_VC_MISMATCH,
				    "MMIO #VC not on a MOV to or from memory");
	return sev_es_fatal(ctxt, GHCB_TERM_VC_MISMATCH,
			    "#VC error code does not match the instruction");
}

/**
 * sev_es_fault() - The #PF the access would have raised had no #VC come first.
 * @ctxt: the #VC being handled.
 * @addr: the address accessed.
 * @write: whether the access is a write.
 *
 * Return: VC_EXCEPTION, the #PF in @ctxt.
 */
enum vc_result sev_es_fault(struct vc_ctxt *ctxt, unsigned long addr, bool write)
{
	unsigned long ec = 0;

	if (ctxt->user)
		ec |= X86_PF_USER;
	if (write)
		ec |= X86_PF_WRITE;
	if (addr == ctxt->regs->ip)
		ec |= X86_PF_INSTR;
	if (ctxt->user && addr >= TASK_SIZE_MAX)
		ec |= X86_PF_PROT;

	ctxt->exc.vector = X86_TRAP_PF;
	ctxt->exc.error_code = ec;
	ctxt->exc.cr2 = addr;
	return VC_EXCEPTION;
}

/*
 * Where an operand at @addr lives.  From user space, always in user
 * memory.  From the kernel, the lower half is user memory too (a MOVS of
 * copy_from_user() on MMIO), which the kernel may touch only as the CPU
 * would have let it: with SMAP, while EFLAGS.AC is set.
 */
enum vc_mem_space { VC_MEM_KERNEL, VC_MEM_USER, VC_MEM_DENIED };

static enum vc_mem_space mem_space(const struct vc_ctxt *ctxt,
				   unsigned long addr)
{
	if (ctxt->user)
		return VC_MEM_USER;
	if (addr >= TASK_SIZE_MAX)
		return VC_MEM_KERNEL;
	if (cpu_feature_enabled(X86_FEATURE_SMAP) &&
	    !(ctxt->regs->flags & X86_EFLAGS_AC))
		return VC_MEM_DENIED;
	return VC_MEM_USER;
}

/*
 * A user access that failed: the #PF the CPU would have raised, unless
 * the task's page tables allow the access.  Then no #PF would change
 * anything and the instruction would only run into the same wall again:
 * the memory is one the #VC handler cannot reach for the task (device
 * memory behind an encrypted mapping), and the task gets SIGBUS.
 */
static enum vc_result mem_failed(struct vc_ctxt *ctxt, unsigned long addr,
				 bool write)
{
	bool shared;
	u64 pa;

	if (ctxt->user &&
	    sev_es_virt_to_phys(ctxt, addr, write, &pa, &shared) == VC_DONE)
		return VC_SIGBUS;
	return sev_es_fault(ctxt, addr, write);
}

/**
 * sev_es_read_mem() - Read operand memory in one access.
 * @ctxt: the #VC being handled.
 * @addr: the operand's address.
 * @buf: where the bytes go.
 * @len: how many bytes: 1, 2, 4 or 8.
 *
 * @len bytes of operand memory in one access, the size the instruction
 * would have used: the kernel's nofault accessors move them with a single
 * MOV too.
 *
 * Return: VC_DONE; if the access fails, VC_EXCEPTION with the #PF the CPU
 * would have raised, or VC_SIGBUS for user space when its page tables
 * allow the access.
 */
enum vc_result sev_es_read_mem(struct vc_ctxt *ctxt, unsigned long addr,
			       void *buf, unsigned int len)
{
	long ret = -EFAULT;
	u64 val = 0;

	switch (mem_space(ctxt, addr)) {
	case VC_MEM_USER:
		ret = user_load(addr, &val, len);
		break;
	case VC_MEM_KERNEL:
		ret = copy_from_kernel_nofault(&val, (void *)addr, len);
		break;
	case VC_MEM_DENIED:
		break;
	}
	if (ret)
		return mem_failed(ctxt, addr, false);
	vc_put_bytes(buf, val, len);
	return VC_DONE;
}

/**
 * sev_es_write_mem() - Write operand memory in one access.
 * @ctxt: the #VC being handled.
 * @addr: the operand's address.
 * @buf: the bytes to write.
 * @len: how many bytes: 1, 2, 4 or 8.
 *
 * The other way from sev_es_read_mem(), with the same single MOV.
 *
 * Return: VC_DONE; if the access fails, VC_EXCEPTION with the #PF the CPU
 * would have raised, or VC_SIGBUS for user space when its page tables
 * allow the access.
 */
enum vc_result sev_es_write_mem(struct vc_ctxt *ctxt, unsigned long addr,
				const void *buf, unsigned int len)
{
	u64 val = vc_get_bytes(buf, len);
	long ret = -EFAULT;

	switch (mem_space(ctxt, addr)) {
	case VC_MEM_USER:
		ret = user_store(addr, val, len);
		break;
	case VC_MEM_KERNEL:
		ret = copy_to_kernel_nofault((void *)addr, &val, len);
		break;
	case VC_MEM_DENIED:
		break;
	}
	return ret ? mem_failed(ctxt, addr, true) : VC_DONE;
}

/**
 * sev_es_virt_to_phys() - Translate @va with the page tables in CR3.
 * @ctxt: the #VC being handled.
 * @va: the virtual address.
 * @write: whether the access is a write.
 * @pa: set to the physical address.
 * @shared: set to whether the mapping has the C-bit clear.
 *
 * As the CPU would: four or five levels as CR4.LA57 says (not as a CPU
 * feature flag, which early boot rewrites), user and write permissions
 * checked on every level.
 *
 * Return: VC_DONE, or VC_EXCEPTION with the #PF the access would raise.
 */
enum vc_result sev_es_virt_to_phys(struct vc_ctxt *ctxt, unsigned long va,
				   bool write, u64 *pa, bool *shared)
{
	static const unsigned int shift[] = { 48, 39, 30, 21, 12 };
	unsigned int level = native_read_cr4() & X86_CR4_LA57 ? 0 : 1;
	u64 *table = __va(__native_read_cr3() & CR3_ADDR_MASK);
	u64 entry, size;

	for (;; level++) {
		entry = READ_ONCE(table[(va >> shift[level]) & (PTRS_PER_PTE - 1)]);
		if (!(entry & _PAGE_PRESENT) ||
		    (ctxt->user && !(entry & _PAGE_USER)) ||
		    (write && !(entry & _PAGE_RW)))
			return sev_es_fault(ctxt, va, write);
		if (level == 4 || (level >= 2 && (entry & _PAGE_PSE)))
			break;
		table = __va(entry & PTE_PFN_MASK);
	}

	size = 1ULL << shift[level];
	*pa = (entry & PTE_PFN_MASK & ~(size - 1)) | (va & (size - 1));
	*shared = !(entry & sme_me_mask);
	return VC_DONE;
}
