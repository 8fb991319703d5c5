/*
 * SEV-ES under TCG: an SEV-ES capable CPU and a KVM-like hypervisor,
 * modelled so that SEV-ES guests can run without AMD hardware.
 *
 * Selected like the real thing: -machine confidential-guest-support=sev0
 * -object sev-guest,id=sev0,policy=0x5,... with -accel tcg.
 *
 * References: AMD64 APM vol. 2 (24593), "Secure Encrypted Virtualization"
 * and "Encrypted State (SEV-ES)", and the GHCB specification (AMD 56421).
 * Sections are cited by title: see Documentation/citations.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef I386_SEV_ES_TCG_H
#define I386_SEV_ES_TCG_H

#include "exec/hwaddr.h"
#include "qapi/qapi-types-qom.h"

#define MSR_AMD64_SEV_ES_GHCB   0xc0010130
#define MSR_AMD64_SEV           0xc0010131
#define MSR_AMD64_SEV_ENABLED   (1ULL << 0)
#define MSR_AMD64_SEV_ES_ENABLED (1ULL << 1)
#define MSR_AMD64_SEV_SNP_ENABLED (1ULL << 2)

#define EXCP1D_VC               29
#define SVM_EXIT_XSETBV         0x08d

/* CPUID Fn8000_001F: APM vol. 2, "Determining Support for SEV" */
#define SEV_CPUID_FN            0x8000001f
#define SEV_CPUID_EAX_SEV_ES    (1u << 3)
#define SEV_CPUID_EAX_SNP       (1u << 4)
#define SEV_CPUID_EBX_CBIT_MASK 0x3f

/*
 * GHCB spec (56421), "GHCB MSR Protocol": GHCBInfo in bits 11:0 of the
 * GHCB MSR, GHCBData above it.
 */
#define GHCB_MSR_INFO_MASK          0xfffULL
#define GHCB_MSR_DATA_SHIFT         12
#define GHCB_MSR_SEV_INFO_RESP      0x001
#define GHCB_MSR_SEV_INFO_REQ       0x002
#define GHCB_MSR_CPUID_REQ          0x004
#define GHCB_MSR_CPUID_RESP         0x005
#define GHCB_MSR_AP_RESET_HOLD_REQ  0x006
#define GHCB_MSR_AP_RESET_HOLD_RESP 0x007
#define GHCB_MSR_PREF_GPA_REQ       0x010
#define GHCB_MSR_REG_GPA_REQ        0x012
#define GHCB_MSR_HV_FT_REQ          0x080
#define GHCB_MSR_HV_FT_RESP         0x081
#define GHCB_MSR_TERM_REQ           0x100

/* SEV information: protocol versions and the C-bit position. */
#define GHCB_MSR_SEV_INFO_MAX_SHIFT  48
#define GHCB_MSR_SEV_INFO_MIN_SHIFT  32
#define GHCB_MSR_SEV_INFO_CBIT_SHIFT 24
#define GHCB_MSR_SEV_INFO_CBIT_MASK  (0xffULL << GHCB_MSR_SEV_INFO_CBIT_SHIFT)
#define GHCB_MSR_SEV_INFO(max, min, cbit)                                  \
    (((uint64_t)(max) << GHCB_MSR_SEV_INFO_MAX_SHIFT) |                    \
     ((uint64_t)(min) << GHCB_MSR_SEV_INFO_MIN_SHIFT) |                    \
     ((uint64_t)(cbit) << GHCB_MSR_SEV_INFO_CBIT_SHIFT) |                  \
     GHCB_MSR_SEV_INFO_RESP)

/* CPUID: the function in bits 63:32, the register (EAX..EDX) in 31:30. */
#define GHCB_MSR_CPUID_FN_SHIFT     32
#define GHCB_MSR_CPUID_REG_SHIFT    30
#define GHCB_MSR_CPUID_REG_MASK     (3ULL << GHCB_MSR_CPUID_REG_SHIFT)
#define GHCB_MSR_CPUID_VALUE_SHIFT  32      /* in the response */
#define GHCB_MSR_CPUID_REG(msr) \
    ((unsigned)(((msr) & GHCB_MSR_CPUID_REG_MASK) >> GHCB_MSR_CPUID_REG_SHIFT))
#define GHCB_MSR_LOW_MASK           0xffffffffULL   /* bits 31:0 */

/* AP reset hold: GHCBData non-zero once woken. */
#define GHCB_MSR_AP_RESET_HOLD_WOKEN \
    ((1ULL << GHCB_MSR_DATA_SHIFT) | GHCB_MSR_AP_RESET_HOLD_RESP)

/* Termination request: the reason set in bits 15:12, its code in 23:16. */
#define GHCB_MSR_TERM_SET(msr)      (((msr) >> 12) & 0xf)
#define GHCB_MSR_TERM_CODE(msr)     (((msr) >> 16) & 0xff)

/* Hypervisor features a current KVM offers: SNP, SNP AP creation. */
#define GHCB_HV_FT_SUPPORTED        0x3ULL

#define GHCB_PROTOCOL_MIN           1
#define GHCB_PROTOCOL_MAX           2

/* GHCB spec (56421), "GHCB Layout": byte offsets in the page. */
#define GHCB_CPL                    0x0cb
#define GHCB_DR7                    0x160
#define GHCB_RAX                    0x1f8
#define GHCB_RCX                    0x308
#define GHCB_RDX                    0x310
#define GHCB_RBX                    0x318
#define GHCB_SW_EXIT_CODE           0x390
#define GHCB_SW_EXIT_INFO_1         0x398
#define GHCB_SW_EXIT_INFO_2         0x3a0
#define GHCB_SW_SCRATCH             0x3a8
#define GHCB_XCR0                   0x3e8
#define GHCB_VALID_BITMAP           0x3f0
#define GHCB_SAVE_AREA_END          0x400
#define GHCB_SHARED_BUF             0x800
#define GHCB_SHARED_BUF_END         0xff0
#define GHCB_TAIL                   0xff0
#define GHCB_PROTOCOL_VERSION       0xffa
#define GHCB_USAGE                  0xffc
#define GHCB_PAGE_SIZE              0x1000

/*
 * GHCB spec (56421), "Non-Automatic Exit (NAE) Events": the events
 * beyond the SVM exit codes.
 */
#define SVM_VMGEXIT_MMIO_READ       0x80000001
#define SVM_VMGEXIT_MMIO_WRITE      0x80000002
#define SVM_VMGEXIT_NMI_COMPLETE    0x80000003
#define SVM_VMGEXIT_AP_HLT_LOOP     0x80000004
#define SVM_VMGEXIT_AP_JUMP_TABLE   0x80000005
#define SVM_VMGEXIT_PSC             0x80000010
#define SVM_VMGEXIT_AP_CREATION     0x80000013
#define SVM_VMGEXIT_HV_FEATURES     0x8000fffd
#define SVM_VMGEXIT_TERM_REQUEST    0x8000fffe
#define SVM_VMGEXIT_UNSUPPORTED     0x8000ffff

/* AP jump table: sw_exit_info_1 */
#define GHCB_AP_JUMP_TABLE_SET      0
#define GHCB_AP_JUMP_TABLE_GET      1

/* Termination request event: the reason set in bits 3:0, its code in 11:4. */
#define GHCB_TERM_EVENT_SET(info1)  ((info1) & 0xf)
#define GHCB_TERM_EVENT_CODE(info1) (((info1) >> 4) & 0xff)

/*
 * Termination reasons, named as the guest names them (Linux's
 * asm/sev-common.h): set 0 is the GHCB spec's own, set 1 the guest OS's;
 * the guest series' reasons start at 0x10, clear of Linux's SNP ones.
 */
#define SEV_TERM_SET_GEN                0
#define GHCB_SEV_ES_GEN_REQ             0x00    /* unspecified */
#define GHCB_SEV_ES_PROT_UNSUPPORTED    0x01    /* protocol range */
#define GHCB_SNP_UNSUPPORTED            0x02    /* SNP features */

#define SEV_TERM_SET_LINUX              1
#define GHCB_TERM_MSR_RESPONSE          0x10
#define GHCB_TERM_CPUID_RESPONSE        0x11
#define GHCB_TERM_CBIT_RANGE            0x12
#define GHCB_TERM_CBIT_MISMATCH         0x13
#define GHCB_TERM_CBIT_PROBE            0x14
#define GHCB_TERM_VC_UNEXPECTED         0x15
#define GHCB_TERM_VC_MISMATCH           0x16
#define GHCB_TERM_GHCB_RESPONSE         0x17
#define GHCB_TERM_GHCB_SETUP            0x18
#define GHCB_TERM_CPUID_NO_SEV          0x19
#define GHCB_TERM_GHCB_INJECT           0x1a
#define GHCB_TERM_GHCB_VALID            0x1b
#define GHCB_TERM_GHCB_SIZE             0x1c
#define GHCB_TERM_VC_FAILED             0x1d
#define GHCB_TERM_GHCB_NESTED           0x1e
#define GHCB_TERM_NO_RDRAND             0x1f
#define GHCB_TERM_AP_HOLD               0x20
#define GHCB_TERM_AP_PARK               0x21

/*
 * GHCB spec (56421), "Non-Automatic Exit (NAE) Events": sw_exit_info_1
 * on return.
 */
#define GHCB_RESULT_OK              0
#define GHCB_RESULT_EXCEPTION       1       /* raise sw_exit_info_2's */
#define GHCB_RESULT_ERROR           2       /* sw_exit_info_2: GHCB_ERR_* */
#define GHCB_ERR_NOT_REGISTERED     1
#define GHCB_ERR_INVALID_USAGE      2
#define GHCB_ERR_INVALID_SCRATCH    3
#define GHCB_ERR_MISSING_INPUT      4
#define GHCB_ERR_INVALID_INPUT      5
#define GHCB_ERR_INVALID_EVENT      6

/* IOIO exit_info_1: APM vol. 2, "IOIO Intercepts" */
#define IOIO_TYPE_IN                (1 << 0)
#define IOIO_STR                    (1 << 2)
#define IOIO_SIZE_SHIFT             4
#define IOIO_SIZE_MASK              (7 << IOIO_SIZE_SHIFT)
#define IOIO_PORT_SHIFT             16

enum {
    SEV_ES_HOLD_NONE,
    SEV_ES_HOLD_MSR,            /* GHCB_MSR_AP_RESET_HOLD_REQ */
    SEV_ES_HOLD_GHCB,           /* SVM_VMGEXIT_AP_HLT_LOOP */
};

/* The model's state (tcg/sysemu/sev-es-model.h), one per machine. */
typedef struct SevEsModel SevEsModel;
extern SevEsModel *sev_es_model_instance;

/* The model, once sev_es_tcg_init() made it; NULL without one. */
static inline SevEsModel *sev_es_model(void)
{
    return sev_es_model_instance;
}

/* True when this TCG guest runs as an SEV-ES guest of the model. */
static inline bool sev_es_tcg(void)
{
    return sev_es_model() != NULL;
}

/* The KVM whose behaviour the hypervisor side imitates. */
typedef enum SevEsKvm {
    SEV_ES_KVM_UPSTREAM,        /* current: GHCB protocol 1 and 2 */
    SEV_ES_KVM_6_1,             /* Linux 6.1: GHCB protocol 1 only */
} SevEsKvm;

/* Configuration, from the sev-guest object (target/i386/sev.c). */
typedef struct SevEsTcgConfig {
    SevEsKvm kvm;
    uint32_t cbitpos;
    uint32_t reduced_phys_bits;
    bool debug;                 /* policy allows debugging (no NODBG) */
    bool print_stats;
    SevEsTcgHostile hostile;    /* a lie of tcg/sysemu/sev-es-hostile.c */
    bool hostile_from_reset;    /* ... told from reset, not from the loader */
} SevEsTcgConfig;

int sev_es_tcg_init(Object *owner, const SevEsTcgConfig *cfg, Error **errp);

/* The C-bit as a mask on guest page-table entries. */
uint64_t sev_es_cbit_mask(void);

/* Hardware side: tcg/sysemu/sev-es-cpu.c */
void sev_es_cpu_reset(X86CPU *cpu);
bool sev_es_is_nae(uint32_t exit_code);
void sev_es_check_nae(CPUX86State *env, uint32_t exit_code, uint64_t param,
                      uintptr_t retaddr);
bool sev_es_rdmsr(CPUX86State *env, uint32_t index, uint64_t *val);
bool sev_es_wrmsr(CPUX86State *env, uint32_t index, uint64_t val);
bool sev_es_nmi_allowed(CPUX86State *env);
void sev_es_nmi_delivered(CPUX86State *env);
void sev_es_event_delivered(CPUX86State *env);
void sev_es_init_received(X86CPU *cpu);
void sev_es_sipi(X86CPU *cpu);
void sev_es_triple_fault(CPUState *cs);
G_NORETURN void sev_es_raise_vc(CPUX86State *env, uint32_t exit_code,
                                uintptr_t retaddr);

/* Memory side: tcg/sysemu/sev-es-mem.c */
typedef enum SevEsMem {
    SEV_ES_MEM_MMIO,            /* no memslot: an NPF the guest sees (#VC) */
    SEV_ES_MEM_RAM,
    SEV_ES_MEM_READONLY,        /* ROM, flash in ROM mode: read-only slot */
} SevEsMem;

SevEsMem sev_es_mem_cpu_access(CPUState *cs, hwaddr paddr, MemTxAttrs attrs,
                               bool private);
G_NORETURN void sev_es_store_to_rom(CPUX86State *env, hwaddr paddr,
                                    uintptr_t retaddr);
void sev_es_mem_host_access(hwaddr addr, hwaddr len);
void sev_es_mem_launch_update(void *ptr, uint64_t len);
void sev_es_mem_describe(hwaddr gpa, GString *out);

/* What the monitor shows: tcg/sysemu/sev-es-info.c */
void sev_es_info_log(CPUX86State *env, const SevEsLogEntry *e);
void sev_es_info_terminated(CPUState *cs, unsigned set, unsigned code);
void sev_es_info_report(void);

/* A hostile hypervisor, on request: tcg/sysemu/sev-es-hostile.c */
void sev_es_hostile_ghcb_used(uint64_t gpa);
void sev_es_hostile_msr_request(void);
uint64_t sev_es_hostile_sev_info(uint64_t resp);
uint64_t sev_es_hostile_msr_response(uint64_t resp);
void sev_es_hostile_cpuid(uint32_t fn, uint32_t r[4]);
uint64_t sev_es_hostile_sev_status(uint64_t val);
bool sev_es_hostile_ignore_termination(unsigned set, unsigned code);
void sev_es_hostile_ghcb_result(uint64_t exit_code, bool data_in,
                                uint64_t *result1, uint64_t *result2);
void sev_es_hostile_ghcb_answered(CPUState *cs, bool data_in,
                                  uint64_t info2_gpa, uint64_t info2);
bool sev_es_hostile_ghcb_unmark(uint64_t exit_code);
uint64_t sev_es_hostile_ap_jump_table(uint64_t gpa);
bool sev_es_hostile_ap_wake(void);
uint64_t sev_es_hostile_ap_hold_answer(uint64_t resp);
bool sev_es_hostile_stall(CPUState *cs, uint64_t old_efer, uint64_t efer);
bool sev_es_hostile_keep_request(void);
void sev_es_hostile_user_request(CPUState *cs, uint64_t exit_code);
uint32_t sev_es_hostile_vc(CPUX86State *env, uint32_t exit_code);
bool sev_es_hostile_regmov(void);
bool sev_es_hostile_regmov_now(CPUX86State *env);
void sev_es_hostile_boundary(X86CPU *cpu);
void sev_es_hostile_cpu_access(hwaddr paddr);
void sev_es_hostile_nmi_delivered(CPUX86State *env);
void sev_es_hostile_iret(CPUX86State *env);

/* Hypervisor side: tcg/sysemu/sev-es-hv.c */
typedef enum SevEsExit {
    SEV_ES_RESUME,              /* back to the guest after VMGEXIT */
    SEV_ES_HALT,                /* park the vCPU (AP reset hold) */
    SEV_ES_STOP,                /* the guest is gone (termination) */
    SEV_ES_INJECT_GP,           /* back, and raise #GP (KVM's EVENTINJ) */
    SEV_ES_INJECT_UD,           /* back, and raise #UD */
} SevEsExit;

SevEsExit sev_es_hv_vmgexit(X86CPU *cpu);
void sev_es_hv_describe_counts(GString *out);
void sev_es_hv_ap_wake(X86CPU *cpu);
void sev_es_count_vc(uint32_t exit_code);
uint64_t sev_es_hv_sev_info(void);

#endif
