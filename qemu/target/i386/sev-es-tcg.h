/*
 * SEV-ES under TCG: an SEV-ES capable CPU and a KVM-like hypervisor,
 * modelled so that SEV-ES guests can run without AMD hardware.
 *
 * Selected like the real thing: -machine confidential-guest-support=sev0
 * -object sev-guest,id=sev0,policy=0x5,... with -accel tcg.
 *
 * References: AMD64 APM vol. 2 (24593) sections 15.34 and 15.35, and the
 * GHCB specification (AMD 56421).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef I386_SEV_ES_TCG_H
#define I386_SEV_ES_TCG_H

#include "exec/hwaddr.h"

#define MSR_AMD64_SEV_ES_GHCB   0xc0010130
#define MSR_AMD64_SEV           0xc0010131
#define MSR_AMD64_SEV_ENABLED   (1ULL << 0)
#define MSR_AMD64_SEV_ES_ENABLED (1ULL << 1)
#define MSR_AMD64_SEV_SNP_ENABLED (1ULL << 2)

#define EXCP1D_VC               29
#define SVM_EXIT_XSETBV         0x08d


enum {
    SEV_ES_HOLD_NONE,
    SEV_ES_HOLD_MSR,            /* GHCB MSR protocol 0x006 */
    SEV_ES_HOLD_GHCB,           /* NAE event 0x8000_0004 */
};

extern bool sev_es_tcg_active;

/* True when this TCG guest runs as an SEV-ES guest of the model. */
static inline bool sev_es_tcg(void)
{
    return sev_es_tcg_active;
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
    const char *hostile;        /* a lie of tcg/sysemu/sev-es-hostile.c */
    bool hostile_from_reset;    /* ... told from reset, not from the loader */
} SevEsTcgConfig;

int sev_es_tcg_init(const SevEsTcgConfig *cfg, Error **errp);
void sev_es_hv_init(bool print_stats, SevEsKvm kvm);

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
void sev_es_mem_init(bool debug, Error **errp);
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
void sev_es_info_init(void);
void sev_es_info_log(CPUX86State *env, const SevEsLogEntry *e);
void sev_es_info_terminated(CPUState *cs, unsigned set, unsigned code);
void sev_es_info_report(void);

/* A hostile hypervisor, on request: tcg/sysemu/sev-es-hostile.c */
int sev_es_hostile_init(const char *name, bool from_reset, Error **errp);
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
