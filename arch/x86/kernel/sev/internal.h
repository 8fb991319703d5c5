/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The SEV-ES runtime: what its files share, and what KUnit tests.
 *
 *   ghcb.c   GHCB pages, one per CPU and a backup for nesting; one exit
 *            through the GHCB and the checks on its response
 *   vc.c     #VC entry from kernel, user space and early boot; dispatch
 *   insn.c   fetching and checking the instruction behind a #VC, and the
 *            memory it reads or writes
 *   exits.c  the exits that need no memory operand: CPUID, MSRs, TSC,
 *            PMC, caches, MONITOR/MWAIT, VMMCALL, DR7
 *   cpuid-cache.c  CPUID answers kept, so that most CPUIDs need no exit
 *   io.c     port IO and MMIO
 *   nmi.c    NMI_COMPLETE and the #VC IST stack under NMIs
 *   ap.c     AP jump table and AP reset hold
 *   park.c   APs parked outside the kernel, for kexec and hotplug
 *   mem.c    private <-> shared page changes and the bounce buffers
 */
#ifndef _ARCH_X86_KERNEL_SEV_INTERNAL_H
#define _ARCH_X86_KERNEL_SEV_INTERNAL_H

#include <linux/string.h>
#include <linux/types.h>
#include <asm/insn.h>
#include <asm/sev-es-ghcb.h>
#include <asm/svm.h>
#include <asm/unaligned.h>

struct pt_regs;
struct sev_cpuid_cache;

/* How one #VC ends. */
enum vc_result {
	/* Emulated: go past the instruction. */
	VC_DONE,
	/* Emulated in part (REP): run it again. */
	VC_RETRY,
	/* Raise ctxt->exc in its place. */
	VC_EXCEPTION,
	/* User space asked for what cannot be done. */
	VC_SIGBUS,
	/* End the guest with ctxt->reason. */
	VC_FATAL,
};

struct vc_exception {
	int vector;
	unsigned long error_code;
	unsigned long cr2;
};

/*
 * A CPUID as the exit asks it, the CPU state its answer depends on, and
 * where the cache keeps that answer: made by sev_cpuid_query_init().
 */
struct sev_cpuid_query {
	u32 leaf;
	u32 subleaf;
	/* As sent: XCR0, or 1 without CR4.OSXSAVE. */
	u64 xcr0;
	unsigned long cr4;
	/* The cache slot, or -1 for a CPUID it never keeps; its kind. */
	int slot;
	u8 kind;
};

/* One #VC being handled. */
struct vc_ctxt {
	struct pt_regs *regs;
	/* The #VC error code. */
	unsigned long exit_code;
	bool user;
	/* @insn is valid: the decoder ran, not the fast path. */
	bool decoded;
	/* Instruction length. */
	unsigned int len;
	/* The instruction: at RIP or bytes. */
	const u8 *code;
	/* A copy of the instruction, when one was needed. */
	u8 bytes[MAX_INSN_SIZE];
	struct insn insn;
	/* An enum mmio_type, for SVM_EXIT_NPF. */
	int mmio_type;
	int mmio_bytes;
	struct vc_exception exc;
	/* The GHCB_TERM_* reason, for VC_FATAL. */
	unsigned int reason;
	/* What went wrong, for the log. */
	const char *what;
	/* Answers CPUID, or NULL. */
	struct sev_cpuid_cache *cpuid_cache;
	/* For SVM_EXIT_CPUID: the query, once cpuid_asked says it is made. */
	struct sev_cpuid_query cpuid;
	bool cpuid_asked;
};

/* ghcb.c */
struct ghcb_state {
	/* The backup holding the outer user. */
	struct ghcb *saved;
};

struct ghcb *sev_ghcb_get(struct ghcb_state *state);
void sev_ghcb_put(struct ghcb_state *state);
enum vc_result sev_ghcb_call(struct vc_ctxt *ctxt, struct ghcb *ghcb,
			     u64 exit_code, u64 info1, u64 info2);
enum vc_result sev_ghcb_check_result(struct vc_ctxt *ctxt,
				     const struct ghcb *ghcb);
enum vc_result sev_es_fatal(struct vc_ctxt *ctxt, unsigned int reason,
			    const char *what);

/*
 * Something the guest cannot do for this #VC: a user task gets SIGBUS,
 * the kernel, which has no way around it, ends the guest with @reason.
 */
static inline enum vc_result sev_es_refuse(struct vc_ctxt *ctxt,
					   unsigned int reason, const char *what)
{
	if (ctxt->user)
		return VC_SIGBUS;
	return sev_es_fatal(ctxt, reason, what);
}

void __noreturn sev_es_die(unsigned int reason, const char *what);
bool sev_ghcb_runtime_ready(void);
unsigned int sev_ghcb_version(void);
struct ghcb *sev_boot_ghcb(void);
u64 sev_ghcb_scratch_pa(struct ghcb *ghcb);
enum vc_result sev_ghcb_check_scratch(struct vc_ctxt *ctxt,
				      const struct ghcb *ghcb, u64 scratch,
				      u64 count);

#ifdef CONFIG_AMD_SEV_ES_KUNIT_TEST
/* Exits through this page go to this function, not the hypervisor. */
extern struct ghcb *sev_ghcb_test_page;
extern void (*sev_ghcb_test_hv)(struct ghcb *ghcb);
#endif

/* vc.c */
enum vc_result sev_es_emulate(struct vc_ctxt *ctxt, struct ghcb *ghcb);

/* insn.c */
enum vc_result sev_es_decode(struct vc_ctxt *ctxt);
enum vc_result sev_es_check_insn(struct vc_ctxt *ctxt);
enum vc_result sev_es_read_mem(struct vc_ctxt *ctxt, unsigned long addr,
			       void *buf, unsigned int len);
enum vc_result sev_es_write_mem(struct vc_ctxt *ctxt, unsigned long addr,
				const void *buf, unsigned int len);
enum vc_result sev_es_virt_to_phys(struct vc_ctxt *ctxt, unsigned long va,
				   bool write, u64 *pa, bool *shared);
enum vc_result sev_es_fault(struct vc_ctxt *ctxt, unsigned long addr,
			    bool write);

/* mem.c */
void sev_enc_phys_runs(unsigned long vaddr, unsigned long size, bool enc,
		       void (*fn)(unsigned long pfn, int npages, bool enc));

/* ap.c */
void sev_es_setup_play_dead(void);

/* park.c */
void sev_es_setup_parking(u64 table_pa, unsigned int version);
bool sev_es_parking_ready(void);
void sev_es_park(void);

/* exits.c */
bool sev_es_cpuid_from_cache(struct vc_ctxt *ctxt);
enum vc_result sev_es_handle_cpuid(struct vc_ctxt *ctxt, struct ghcb *ghcb);
enum vc_result sev_es_handle_msr(struct vc_ctxt *ctxt, struct ghcb *ghcb);
enum vc_result sev_es_handle_rdtsc(struct vc_ctxt *ctxt, struct ghcb *ghcb);
enum vc_result sev_es_handle_rdpmc(struct vc_ctxt *ctxt, struct ghcb *ghcb);
enum vc_result sev_es_handle_cache(struct vc_ctxt *ctxt, struct ghcb *ghcb);
enum vc_result sev_es_handle_monitor(struct vc_ctxt *ctxt, struct ghcb *ghcb);
enum vc_result sev_es_handle_vmmcall(struct vc_ctxt *ctxt, struct ghcb *ghcb);
enum vc_result sev_es_handle_dr7_read(struct vc_ctxt *ctxt);
enum vc_result sev_es_handle_dr7_write(struct vc_ctxt *ctxt, struct ghcb *ghcb);

/* cpuid-cache.c */
#define SEV_CPUID_SLOTS		47

/* One answer: seq 0 empty, odd being written, even and not 0 valid. */
struct sev_cpuid_entry {
	u32 seq;
	/* EAX, EBX, ECX, EDX. */
	u32 regs[4];
	/* The XCR0 of an XCR0-keyed answer, else 0. */
	u64 tag;
};

struct sev_cpuid_cache {
	struct sev_cpuid_entry slot[SEV_CPUID_SLOTS];
	/* SEV_CPUID_APIC_ID(), once known. */
	u32 __percpu *apic_id;
};

/* A CPU's leaf 1 EBX[31:24], as a record valid for that CPU only. */
#define SEV_CPUID_APIC_ID(cpu, id)	(BIT(31) | (u32)(cpu) << 8 | (u8)(id))

void sev_cpuid_query_init(struct sev_cpuid_query *q, u32 leaf, u32 subleaf,
			  u64 xcr0, unsigned long cr4);

/* The kernel's; the #VC entries answer from it and fill it. */
extern struct sev_cpuid_cache sev_cpuid_cache;

bool sev_cpuid_cache_get(struct sev_cpuid_cache *c,
			 const struct sev_cpuid_query *q, u32 r[4]);
void sev_cpuid_cache_put(struct sev_cpuid_cache *c,
			 const struct sev_cpuid_query *q, u32 r[4]);
int sev_cpuid_slot(u32 leaf, u32 subleaf, u8 *kind);
int sev_cpuid_slots_needed(void);
int sev_cpuid_cache_used(const struct sev_cpuid_cache *c);

/* io.c */
enum vc_result sev_es_handle_ioio(struct vc_ctxt *ctxt, struct ghcb *ghcb);
enum vc_result sev_es_handle_mmio(struct vc_ctxt *ctxt, struct ghcb *ghcb);
enum vc_result sev_es_handle_movs(struct vc_ctxt *ctxt);
u64 sev_es_ioio_info(struct vc_ctxt *ctxt, u16 *port, unsigned int *size);
bool sev_es_ioio_allowed(const struct vc_ctxt *ctxt, u16 port, unsigned int size);

/*
 * IOIO exit_info_1 (APM vol. 2, "IOIO Intercepts"), beyond the SVM_IOIO_*
 * of <asm/svm.h>: operand and address size one-hot (1, 2, 4 and 2, 4, 8
 * bytes), the segment in bits 12:10, the port in 31:16.
 */
#define IOIO_SIZE(bytes)	((u64)(bytes) << SVM_IOIO_SIZE_SHIFT)
#define IOIO_ADDR(bytes)	((u64)(bytes) << (SVM_IOIO_ASIZE_SHIFT - 1))
#define IOIO_SEG(seg)		((u64)(seg) << 10)
#define IOIO_PORT(port)		((u64)(port) << 16)

/*
 * The low @len (1, 2, 4 or 8) bytes of @val to @buf, and back, in one
 * move each: no memcpy(), which is a string instruction.
 */
static __always_inline void vc_put_bytes(void *buf, u64 val, unsigned int len)
{
	switch (len) {
	case 1:
		*(u8 *)buf = val;
		break;
	case 2:
		put_unaligned((u16)val, (u16 *)buf);
		break;
	case 4:
		put_unaligned((u32)val, (u32 *)buf);
		break;
	default:
		put_unaligned(val, (u64 *)buf);
	}
}

static __always_inline u64 vc_get_bytes(const void *buf, unsigned int len)
{
	switch (len) {
	case 1:
		return *(const u8 *)buf;
	case 2:
		return get_unaligned((const u16 *)buf);
	case 4:
		return get_unaligned((const u32 *)buf);
	default:
		return get_unaligned((const u64 *)buf);
	}
}

#endif /* _ARCH_X86_KERNEL_SEV_INTERNAL_H */
