// SPDX-License-Identifier: GPL-2.0-only
/*
 * Port IO and MMIO (GHCB spec (56421), "IOIO", "MMIO Read" and "MMIO Write").
 *
 * Data that does not fit in RAX goes through the GHCB's shared buffer.
 * The guest sizes every transfer itself and never takes a length or an
 * address back from the hypervisor: a response that claims more data
 * than was asked for, or another buffer, is malformed.
 *
 * From user space, port IO must pass the task's I/O permissions (the
 * hypervisor's intercept comes before the CPU's check would have), and
 * string IO and MMIO use only user memory the task could touch itself.
 */

#include <linux/bitops.h>
#include <linux/sched.h>
#include <asm/insn-eval.h>
#include <asm/io_bitmap.h>
#include <linux/processor.h>
#include <asm/svm.h>
#include <asm/sev-es-msr.h>
#include <asm/traps.h>

#include "internal.h"

/* The low @bytes bytes of a register: an operand or address size. */
static unsigned long bytes_mask(unsigned int bytes)
{
	return bytes == 8 ? ~0UL : (1UL << (bytes * 8)) - 1;
}

/* Write @val to a register with @bytes address size, as the CPU does. */
static void set_addr_reg(unsigned long *reg, unsigned long val,
			 unsigned int bytes)
{
	if (bytes == 2)
		*reg = (*reg & ~0xffffUL) | (val & 0xffff);
	else
		*reg = val & bytes_mask(bytes);
}

/* The segment override of a string instruction (OUTS may have one). */
static int string_segment(const struct insn *insn)
{
	insn_byte_t p;
	int i;

	for_each_insn_prefix(insn, i, p) {
		switch (p) {
		case 0x26: return INAT_SEG_REG_ES;
		case 0x2e: return INAT_SEG_REG_CS;
		case 0x36: return INAT_SEG_REG_SS;
		case 0x3e: return INAT_SEG_REG_DS;
		case 0x64: return INAT_SEG_REG_FS;
		case 0x65: return INAT_SEG_REG_GS;
		}
	}
	return INAT_SEG_REG_DS;
}

/* Segment numbers in exit_info_1 (APM vol. 2, "IOIO Intercepts"). */
static const u8 svm_segment[] = {
	[INAT_SEG_REG_ES] = 0, [INAT_SEG_REG_CS] = 1, [INAT_SEG_REG_SS] = 2,
	[INAT_SEG_REG_DS] = 3, [INAT_SEG_REG_FS] = 4, [INAT_SEG_REG_GS] = 5,
};

/**
 * sev_es_ioio_info() - exit_info_1 for the IN/OUT/INS/OUTS at RIP.
 * @ctxt: the #VC being handled.
 * @port: set to the port.
 * @size: set to the operand size in bytes: 1, 2 or 4.
 *
 * Return: exit_info_1 for the instruction (APM vol. 2, "IOIO
 * Intercepts").
 */
u64 sev_es_ioio_info(struct vc_ctxt *ctxt, u16 *port, unsigned int *size)
{
	unsigned int opsize, asize;
	struct sev_ioio io;
	u64 info = 0;
	u8 op;

	/* Without the decoder, the bytes matched a plain IN or OUT. */
	if (!ctxt->decoded) {
		sev_ioio_decode(ctxt->code, ctxt->len, ctxt->regs->dx, &io);
		*port = io.port;
		*size = io.size;
		return sev_ioio_info(&io);
	}

	op = ctxt->insn.opcode.bytes[0];
	/* There is no 64-bit IN or OUT: with REX.W they are 32-bit. */
	opsize = min_t(unsigned int, ctxt->insn.opnd_bytes, 4);
	asize = ctxt->insn.addr_bytes;
	*size = (op & 1) ? opsize : 1;

	switch (op) {
	case 0xe4 ... 0xe7:
		/* An unsigned imm8; the decoder's value is sign-extended. */
		*port = ctxt->insn.immediate.bytes[0];
		break;
	case 0x6c ... 0x6f:
		info |= SVM_IOIO_STR_MASK | IOIO_ADDR(asize);
		if (insn_has_rep_prefix(&ctxt->insn))
			info |= SVM_IOIO_REP_MASK;
		if (op >= 0x6e)
			info |= IOIO_SEG(svm_segment[string_segment(&ctxt->insn)]);
		fallthrough;
	default:
		*port = ctxt->regs->dx;
	}
	if (!(op & 2))
		info |= SVM_IOIO_TYPE_MASK;
	return info | IOIO_SIZE(*size) | IOIO_PORT(*port);
}

/**
 * sev_es_ioio_allowed() - Whether the task may use these ports.
 * @ctxt: the #VC being handled.
 * @port: the first port.
 * @size: how many ports: the operand size in bytes.
 *
 * The TSS I/O bitmap the CPU would have checked: ioperm() ports clear
 * in the task's bitmap, or iopl(3) for all of them.
 *
 * Return: true if the access is allowed (always from the kernel), false
 * if not.
 */
bool sev_es_ioio_allowed(const struct vc_ctxt *ctxt, u16 port, unsigned int size)
{
	struct io_bitmap *iobm;
	unsigned int p;

	if (!ctxt->user)
		return true;
	if (!IS_ENABLED(CONFIG_X86_IOPL_IOPERM))
		return false;
	if (current->thread.iopl_emul == 3)
		return true;

	iobm = current->thread.io_bitmap;
	if (!iobm)
		return false;
	for (p = port; p < port + size; p++)
		if (p >= IO_BITMAP_BITS || test_bit(p, iobm->bitmap))
			return false;
	return true;
}

/* INS/OUTS: as many elements as fit in the shared buffer per exit. */
static enum vc_result ioio_string(struct vc_ctxt *ctxt, struct ghcb *ghcb,
				  u64 info, unsigned int size)
{
	struct pt_regs *regs = ctxt->regs;
	unsigned int asize = ctxt->insn.addr_bytes;
	unsigned long mask = bytes_mask(asize);
	bool in = info & SVM_IOIO_TYPE_MASK, rep = info & SVM_IOIO_REP_MASK;
	long step = (regs->flags & X86_EFLAGS_DF) ? -(long)size : size;
	unsigned long count = rep ? regs->cx & mask : 1;
	unsigned long base, ptr, n, i;
	u8 *buf = ghcb->shared_buffer;
	enum vc_result res;
	u64 scratch;

	if (!count)
		return VC_DONE;
	n = min_t(unsigned long, count, sizeof(ghcb->shared_buffer) / size);

	if (in) {
		base = insn_get_seg_base(regs, INAT_SEG_REG_ES);
		ptr = regs->di;
	} else {
		base = insn_get_seg_base(regs, string_segment(&ctxt->insn));
		ptr = regs->si;
	}
	if (base == -1L)
		return sev_es_refuse(ctxt, GHCB_TERM_VC_MISMATCH, "string IO with a bad segment");

	if (!in) {
		for (i = 0; i < n; i++) {
			res = sev_es_read_mem(ctxt, base + ((ptr + i * step) & mask),
					      buf + i * size, size);
			if (res != VC_DONE)
				return res;
		}
	}

	scratch = sev_ghcb_scratch_pa(ghcb);
	ghcb_set_sw_scratch(ghcb, scratch);
	res = sev_ghcb_call(ctxt, ghcb, SVM_EXIT_IOIO, info, n);
	if (res != VC_DONE)
		return res;
	res = sev_ghcb_check_scratch(ctxt, ghcb, scratch, n);
	if (res != VC_DONE)
		return res;

	if (in) {
		for (i = 0; i < n; i++) {
			res = sev_es_write_mem(ctxt, base + ((ptr + i * step) & mask),
					       buf + i * size, size);
			if (res != VC_DONE)
				return res;
		}
		set_addr_reg(&regs->di, ptr + n * step, asize);
	} else {
		set_addr_reg(&regs->si, ptr + n * step, asize);
	}
	if (!rep)
		return VC_DONE;
	set_addr_reg(&regs->cx, count - n, asize);
	return count == n ? VC_DONE : VC_RETRY;
}

/**
 * sev_es_handle_ioio() - IOIO, exit 0x7b (GHCB spec (56421), "IOIO").
 * @ctxt: the #VC being handled.
 * @ghcb: the GHCB page for the exit.
 *
 * Return: VC_DONE, or VC_RETRY when a REP INS or OUTS did only part of
 * its count.  VC_EXCEPTION: #GP for a port the task may not use, or the
 * #PF of an INS or OUTS memory operand.  VC_SIGBUS when user space asked
 * for what cannot be done; VC_FATAL when the kernel did, or for a
 * malformed response.  Or what sev_ghcb_call() returned for a failed exit.
 */
enum vc_result sev_es_handle_ioio(struct vc_ctxt *ctxt, struct ghcb *ghcb)
{
	struct pt_regs *regs = ctxt->regs;
	unsigned int size;
	enum vc_result res;
	u16 port;
	u64 info;

	info = sev_es_ioio_info(ctxt, &port, &size);
	if (!sev_es_ioio_allowed(ctxt, port, size)) {
		ctxt->exc.vector = X86_TRAP_GP;
		ctxt->exc.error_code = 0;
		return VC_EXCEPTION;
	}
	if (info & SVM_IOIO_STR_MASK)
		return ioio_string(ctxt, ghcb, info, size);

	if (!(info & SVM_IOIO_TYPE_MASK))
		ghcb_set_rax(ghcb, regs->ax & bytes_mask(size));
	res = sev_ghcb_call(ctxt, ghcb, SVM_EXIT_IOIO, info, 0);
	if (res != VC_DONE || !(info & SVM_IOIO_TYPE_MASK))
		return res;
	if (!ghcb_rax_is_valid(ghcb))
		return sev_es_fatal(ctxt, GHCB_TERM_GHCB_VALID, "IN response without RAX");
	insn_assign_reg(&regs->ax, ghcb->save.rax, size);
	return VC_DONE;
}

/*
 * MMIO through a mapping with the C-bit set is not emulated, here as in
 * the in-tree code: the data would cross the shared buffer in the clear
 * for memory the mapping calls private, and a private page the hypervisor
 * turned into MMIO looks just the same.  Linux 6.1 makes such mappings
 * for user space only: in an SEV guest, an mmap() of /dev/mem is
 * encrypted for all but persistent memory (phys_mem_access_prot(), after
 * memremap_should_map_decrypted(): E820-reserved ranges and MMIO outside
 * the E820 map alike).  So an access through a user mapping fails for
 * that task: SIGBUS from user space, and from the kernel the #PF whose
 * fixup fails the user copy (string IO emulated for the task turns that
 * into SIGBUS too).  A kernel mapping ends the guest.
 */
static enum vc_result mmio_encrypted(struct vc_ctxt *ctxt, unsigned long va,
				     bool write)
{
	if (ctxt->user)
		return VC_SIGBUS;
	if (va < TASK_SIZE_MAX)
		return sev_es_fault(ctxt, va, write);
	return sev_es_fatal(ctxt, GHCB_TERM_VC_MISMATCH,
			    "MMIO #VC on an encrypted kernel mapping");
}

/*
 * The physical address of an MMIO operand.  An MMIO #VC comes from a
 * reserved-bit nested page fault (APM vol. 2, "Types of Exits"), on shared
 * memory unless the mapping is wrong or the hypervisor is.
 */
static enum vc_result mmio_address(struct vc_ctxt *ctxt, bool write, u64 *pa)
{
	unsigned long va = (unsigned long)insn_get_addr_ref(&ctxt->insn, ctxt->regs);
	unsigned int bytes = ctxt->mmio_bytes;
	enum vc_result res;
	bool shared;

	if (va == -1UL || offset_in_page(va) + bytes > PAGE_SIZE)
		return sev_es_refuse(ctxt, GHCB_TERM_VC_MISMATCH, "MMIO operand not in one page");
	if (ctxt->user && va >= TASK_SIZE_MAX)
		return sev_es_fault(ctxt, va, write);

	res = sev_es_virt_to_phys(ctxt, va, write, pa, &shared);
	if (res != VC_DONE)
		return res;
	if (!shared)
		return mmio_encrypted(ctxt, va, write);
	return VC_DONE;
}

/*
 * The register of a byte MOV without REX: ModRM.reg 4-7 name AH, CH, DH
 * and BH, the second byte of AX, CX, DX and BX, where
 * insn_get_modrm_reg_ptr() gives SP, BP, SI and DI.  NULL for any other.
 */
static u8 *mmio_high_byte_reg(struct vc_ctxt *ctxt)
{
	static const unsigned int high[] = {
		offsetof(struct pt_regs, ax), offsetof(struct pt_regs, cx),
		offsetof(struct pt_regs, dx), offsetof(struct pt_regs, bx),
	};
	int r = X86_MODRM_REG(ctxt->insn.modrm.value);

	if (ctxt->mmio_bytes != 1 || ctxt->insn.rex_prefix.nbytes || r < 4)
		return NULL;
	return (u8 *)ctxt->regs + high[r - 4] + 1;
}

/**
 * sev_es_handle_mmio() - MMIO, exit 0x400 -> VMGEXIT MMIO_READ/MMIO_WRITE.
 * @ctxt: the #VC being handled.
 * @ghcb: the GHCB page for the exit.
 *
 * GHCB spec (56421), "MMIO Read" and "MMIO Write".
 *
 * Return: VC_DONE.  VC_EXCEPTION with the #PF the access would raise.
 * VC_SIGBUS when user space asked for what cannot be emulated (an operand
 * across pages, an encrypted mapping); VC_FATAL when the kernel did, or
 * for a malformed response.  Or what sev_ghcb_call() returned for a failed
 * exit.
 */
enum vc_result sev_es_handle_mmio(struct vc_ctxt *ctxt, struct ghcb *ghcb)
{
	unsigned int bytes = ctxt->mmio_bytes;
	int type = ctxt->mmio_type;
	bool write = type == MMIO_WRITE || type == MMIO_WRITE_IMM;
	unsigned long *reg = NULL;
	u8 *high = NULL;
	enum vc_result res;
	u64 pa, scratch, val = 0;

	if (type != MMIO_WRITE_IMM) {
		reg = insn_get_modrm_reg_ptr(&ctxt->insn, ctxt->regs);
		if (!reg)
			return sev_es_check_insn(ctxt);
		if (type == MMIO_WRITE || type == MMIO_READ)
			high = mmio_high_byte_reg(ctxt);
	}
	res = mmio_address(ctxt, write, &pa);
	if (res != VC_DONE)
		return res;

	if (type == MMIO_WRITE) {
		vc_put_bytes(ghcb->shared_buffer, high ? *high : *reg, bytes);
	} else if (type == MMIO_WRITE_IMM) {
		/* The immediate, sign-extended to the operand (REX.W C7). */
		val = (s64)ctxt->insn.immediate.value;
		vc_put_bytes(ghcb->shared_buffer, val, bytes);
	}

	scratch = sev_ghcb_scratch_pa(ghcb);
	ghcb_set_sw_scratch(ghcb, scratch);
	res = sev_ghcb_call(ctxt, ghcb, write ? SVM_VMGEXIT_MMIO_WRITE :
					   SVM_VMGEXIT_MMIO_READ, pa, bytes);
	if (res != VC_DONE)
		return res;
	res = sev_ghcb_check_scratch(ctxt, ghcb, scratch, bytes);
	if (res != VC_DONE || write)
		return res;

	val = vc_get_bytes(ghcb->shared_buffer, bytes);
	switch (type) {
	case MMIO_READ:
		if (high)
			*high = val;
		else
			insn_assign_reg(reg, val, bytes);
		break;
	case MMIO_READ_ZERO_EXTEND:
	case MMIO_READ_SIGN_EXTEND:
		/* val holds @bytes bytes, zero-extended. */
		if (type == MMIO_READ_SIGN_EXTEND)
			val = sign_extend64(val, bytes * 8 - 1);
		insn_assign_reg(reg, val, ctxt->insn.opnd_bytes);
		break;
	default:
		return sev_es_check_insn(ctxt);
	}
	return VC_DONE;
}

/**
 * sev_es_handle_movs() - MOVS with an MMIO side.
 * @ctxt: the #VC being handled.
 *
 * From memcpy_fromio(), copy_to_user() to a device mapping and friends:
 * one element per #VC, with plain accesses to the memory each side is in.
 * The MMIO access raises its own #VC, which emulates a MOV; a REP runs the
 * instruction again until RCX is 0.
 *
 * Return: VC_DONE, or VC_RETRY while a REP has elements left; VC_SIGBUS
 * from user space; if an access fails, as sev_es_read_mem().
 */
enum vc_result sev_es_handle_movs(struct vc_ctxt *ctxt)
{
	struct pt_regs *regs = ctxt->regs;
	unsigned int bytes = ctxt->mmio_bytes, asize = ctxt->insn.addr_bytes;
	unsigned long mask = bytes_mask(asize);
	long step = (regs->flags & X86_EFLAGS_DF) ? -(long)bytes : bytes;
	bool rep = insn_has_rep_prefix(&ctxt->insn);
	unsigned long src, dst;
	enum vc_result res;
	u64 val;

	if (ctxt->user)
		return VC_SIGBUS;
	if (rep && !(regs->cx & mask))
		return VC_DONE;

	src = insn_get_seg_base(regs, string_segment(&ctxt->insn)) + (regs->si & mask);
	dst = regs->di & mask;
	res = sev_es_read_mem(ctxt, src, &val, bytes);
	if (res == VC_DONE)
		res = sev_es_write_mem(ctxt, dst, &val, bytes);
	if (res != VC_DONE)
		return res;

	set_addr_reg(&regs->si, regs->si + step, asize);
	set_addr_reg(&regs->di, regs->di + step, asize);
	if (!rep)
		return VC_DONE;
	set_addr_reg(&regs->cx, regs->cx - 1, asize);
	return (regs->cx & mask) ? VC_RETRY : VC_DONE;
}
