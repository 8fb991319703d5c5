/*
 * SEV-ES under TCG: the CPU side.
 *
 * What an SEV-ES capable AMD CPU does for a guest whose VMCB has SEV-ES
 * enabled and the intercepts KVM sets for such a guest: non-automatic
 * exits become #VC inside the guest, VMGEXIT hands over to the hypervisor
 * (sev-es-hv.c), SEV_STATUS and the GHCB MSR exist, and the guest's
 * register state is out of the host's reach.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "cpu.h"
#include "exec/exec-all.h"
#include "exec/helper-proto.h"
#include "sysemu/runstate.h"
#include "hw/i386/apic.h"
#include "sev.h"
#include "sev-es-model.h"
#include "tcg/helper-tcg.h"
#include "trace.h"

SevEsModel *sev_es_model_instance;

static void sev_es_model_instance_init(Object *obj)
{
    SevEsModel *m = SEV_ES_MODEL(obj);

    qemu_mutex_init(&m->mem.lock);
    qemu_mutex_init(&m->hv.lock);
    qemu_mutex_init(&m->info.lock);
    qemu_mutex_init(&m->hostile.lock);
}

/*
 * No finalizer: the machine keeps its confidential guest support, and
 * with it the model, until QEMU exits.
 */
static const TypeInfo sev_es_model_info = {
    .parent = TYPE_OBJECT,
    .name = TYPE_SEV_ES_MODEL,
    .instance_size = sizeof(SevEsModel),
    .instance_init = sev_es_model_instance_init,
};

static void sev_es_model_register_types(void)
{
    type_register_static(&sev_es_model_info);
}

type_init(sev_es_model_register_types)

/*
 * Make the model, a child of @owner (the sev-guest object), and start
 * it; vCPUs see it (sev_es_tcg()) once it is complete.
 */
int sev_es_tcg_init(Object *owner, const SevEsTcgConfig *cfg, Error **errp)
{
    SevEsModel *m;

    /*
     * The C-bit lies in [32, 51] on every SEV-capable part (APM vol. 2,
     * "Page Table Support").
     */
    if (cfg->cbitpos < 32 || cfg->cbitpos > 51) {
        error_setg(errp, "sev-guest: cbitpos %u is outside [32, 51]",
                   cfg->cbitpos);
        return -1;
    }
    if (cfg->reduced_phys_bits < 1 || cfg->reduced_phys_bits > 63) {
        error_setg(errp, "sev-guest: reduced-phys-bits %u is outside [1, 63]",
                   cfg->reduced_phys_bits);
        return -1;
    }
    m = SEV_ES_MODEL(object_new(TYPE_SEV_ES_MODEL));
    object_property_add_child(owner, "tcg-model", OBJECT(m));
    object_unref(OBJECT(m));
    m->config = *cfg;
    if (sev_es_hostile_init(m, errp) < 0) {
        return -1;
    }
    sev_es_hv_init(m);
    sev_es_mem_init(m);
    sev_es_model_instance = m;
    return 0;
}

uint64_t sev_es_cbit_mask(void)
{
    SevEsModel *m = sev_es_model();

    return m ? 1ULL << m->config.cbitpos : 0;
}

/*
 * A vCPU RESET (not INIT): the GHCB MSR holds the SEV information
 * response, as KVM loads it; an AP starts at the reset block of the
 * firmware instead of the reset vector.
 */
void sev_es_cpu_reset(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;

    env->hflags |= HF_SEV_ES_MASK;
    env->sev_es.ghcb_msr = sev_es_hv_sev_info();
    /*
     * KVM does not offer MONITOR/MWAIT to its guests unless told to;
     * firmware then parks APs with HLT and AP reset hold, not MWAIT.
     */
    env->features[FEAT_1_ECX] &= ~CPUID_EXT_MONITOR;
    sev_es_set_reset_vector(CPU(cpu));
}

/*
 * The exits that are non-automatic (APM vol. 2, "Types of Exits") and that
 * a KVM-like hypervisor intercepts for an SEV-ES guest: each becomes #VC
 * with the exit code as error code.  HLT, PAUSE, interrupts, NMIs and
 * CR/EFER write traps are automatic exits and never reach the guest.  RDTSC
 * and XSETBV are not intercepted by KVM for SEV-ES; RDTSCP only without
 * guest RDTSCP.
 */
bool sev_es_is_nae(uint32_t exit_code)
{
    switch (exit_code) {
    case SVM_EXIT_READ_DR7:
    case SVM_EXIT_WRITE_DR7:
    case SVM_EXIT_EXCP_BASE + EXCP01_DB:
    case SVM_EXIT_EXCP_BASE + EXCP11_ALGN:
    case SVM_EXIT_RDPMC:
    case SVM_EXIT_CPUID:
    case SVM_EXIT_RSM:
    case SVM_EXIT_INVD:
    case SVM_EXIT_INVLPGA:
    case SVM_EXIT_IOIO:
    case SVM_EXIT_MSR:
    case SVM_EXIT_TASK_SWITCH:
    case SVM_EXIT_VMRUN ... SVM_EXIT_SKINIT:
    case SVM_EXIT_WBINVD:
    case SVM_EXIT_MONITOR:
    case SVM_EXIT_MWAIT:
        return true;
    default:
        return false;
    }
}

/*
 * MSRs a KVM-like hypervisor lets an SEV-ES guest access directly: their
 * state is in the VMSA and swapped by hardware.  Everything else traps.
 */
static bool msr_passthrough(uint32_t index)
{
    switch (index) {
    case MSR_STAR:
    case MSR_LSTAR:
    case MSR_CSTAR:
    case MSR_FMASK:
    case MSR_FSBASE:
    case MSR_GSBASE:
    case MSR_KERNELGSBASE:
    case MSR_IA32_SYSENTER_CS:
    case MSR_IA32_SYSENTER_ESP:
    case MSR_IA32_SYSENTER_EIP:
    case MSR_EFER:
    case MSR_PAT:
    case MSR_TSC_AUX:
    case MSR_IA32_SPEC_CTRL:
    case MSR_AMD64_SEV_ES_GHCB:
    case MSR_AMD64_SEV:
        return true;
    default:
        return false;
    }
}

G_NORETURN void sev_es_raise_vc(CPUX86State *env, uint32_t exit_code,
                                uintptr_t retaddr)
{
    trace_sev_es_vc(env_cpu(env)->cpu_index, exit_code);
    sev_es_count_vc(exit_code);
    env->sev_es.vc_count++;
    exit_code = sev_es_hostile_vc(env, exit_code);
    raise_exception_err_ra(env, EXCP1D_VC, exit_code, retaddr);
}

/*
 * APM vol. 2, "#VC Exception": #VC is raised before the intercepted
 * instruction executes.
 */
void sev_es_check_nae(CPUX86State *env, uint32_t exit_code, uint64_t param,
                      uintptr_t retaddr)
{
    if (!sev_es_is_nae(exit_code)) {
        return;
    }
    if (exit_code == SVM_EXIT_MSR &&
        msr_passthrough((uint32_t)env->regs[R_ECX])) {
        return;
    }
    sev_es_raise_vc(env, exit_code, retaddr);
}

/*
 * SEV_STATUS, read-only (APM vol. 2, "SEV_STATUS MSR"), and the GHCB MSR
 * (APM vol. 2, "GHCB").
 */
bool sev_es_rdmsr(CPUX86State *env, uint32_t index, uint64_t *val)
{
    switch (index) {
    case MSR_AMD64_SEV:
        *val = sev_es_hostile_sev_status(MSR_AMD64_SEV_ENABLED |
                                         MSR_AMD64_SEV_ES_ENABLED);
        return true;
    case MSR_AMD64_SEV_ES_GHCB:
        *val = env->sev_es.ghcb_msr;
        return true;
    default:
        return false;
    }
}

static void sev_es_cpu_kill(CPUState *cs);

bool sev_es_wrmsr(CPUX86State *env, uint32_t index, uint64_t val)
{
    CPUState *cs = env_cpu(env);

    if (index == MSR_EFER && sev_es_hostile_stall(cs, env->efer, val)) {
        sev_es_cpu_kill(cs);
        cs->exception_index = EXCP_HLT;
        cpu_loop_exit(cs);
    }
    switch (index) {
    case MSR_AMD64_SEV:
        raise_exception_err(env, EXCP0D_GPF, 0);
    case MSR_AMD64_SEV_ES_GHCB:
        env->sev_es.ghcb_msr = val;
        return true;
    default:
        return false;
    }
}

/*
 * An NMI injected through EVENTINJ does not block the next one in the CPU
 * (APM vol. 2, "Event Injection"); the hypervisor does, until the guest's
 * IRET.  It cannot see that IRET in an SEV-ES guest (APM vol. 2, "#VC
 * Exception", advises against intercepting it), so KVM unblocks at
 * NMI_COMPLETE (GHCB spec (56421), "NMI Complete"; sev_handle_vmgexit()
 * runs the IRET exit handler): a second NMI can arrive in the NMI handler
 * once it signalled NMI_COMPLETE, before its IRET, and IRET alone unblocks
 * nothing.
 */
bool sev_es_nmi_allowed(CPUX86State *env)
{
    return !env->sev_es.nmi_masked;
}

void sev_es_nmi_delivered(CPUX86State *env)
{
    env->sev_es.nmi_masked = true;
    sev_es_hostile_nmi_delivered(env);
}

/*
 * An event other than SIPI ran the vCPU: an AP reset hold is over, and
 * the guest sees "not woken" in its answer (KVM's vcpu_block() makes an
 * AP_RESET_HOLD vCPU runnable for any event).
 */
void sev_es_event_delivered(CPUX86State *env)
{
    env->sev_es.hold = SEV_ES_HOLD_NONE;
}

/*
 * INIT cannot touch the encrypted register state: the vCPU keeps it and
 * waits for SIPI, as under KVM.  The (hypervisor-emulated) local APIC is
 * reset, and so is the hypervisor's NMI state (kvm_vcpu_reset()).
 */
void sev_es_init_received(X86CPU *cpu)
{
    CPUState *cs = CPU(cpu);

    trace_sev_es_init(cs->cpu_index);
    cs->interrupt_request &= CPU_INTERRUPT_SIPI;
    apic_init_reset(cpu->apic_state);
    cpu->env.sev_es.nmi_masked = false;
    cpu->env.hflags2 &= ~HF2_NMI_MASK;
    cs->halted = !cpu_is_bsp(cpu);
}

/*
 * SIPI (the APIC delivers one only after INIT): the vector is ignored.  A
 * vCPU that never ran starts from its launch state (the reset block); any
 * other is woken from AP reset hold by the hypervisor, and resumes.
 */
void sev_es_sipi(X86CPU *cpu)
{
    CPUState *cs = CPU(cpu);
    SevEsVcpu *s = &cpu->env.sev_es;

    trace_sev_es_sipi(cs->cpu_index, s->hold);
    if (s->dead) {
        return;
    }
    if (s->started) {
        if (!sev_es_hostile_ap_wake()) {
            return;
        }
        sev_es_hv_ap_wake(cpu);
    }
    s->started = true;
    cs->halted = 0;
}

/*
 * The vCPU is gone for good: halted, and nothing (interrupt, NMI, INIT,
 * SIPI) wakes it.
 */
static void sev_es_cpu_kill(CPUState *cs)
{
    X86_CPU(cs)->env.sev_es.dead = true;
    cs->halted = 1;
}

/*
 * A store to ROM or to flash in ROM mode is a write to a read-only
 * memslot: an automatic NPF that KVM cannot emulate for an SEV-ES guest
 * (it cannot read the instruction), so the guest faults again forever.
 * Firmware must write flash through an MMIO VMGEXIT instead.  Say so and
 * stop, rather than drop or complete the store.
 */
G_NORETURN void sev_es_store_to_rom(CPUX86State *env, hwaddr paddr,
                                    uintptr_t retaddr)
{
    CPUState *cs = env_cpu(env);

    error_report("sev-es: vCPU %d: store to ROM or flash in ROM mode at GPA "
                 "0x%" HWADDR_PRIx ": KVM cannot emulate it, the guest "
                 "would livelock; stopping", cs->cpu_index, paddr);
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_PANIC);
    sev_es_cpu_kill(cs);
    cs->exception_index = EXCP_HLT;
    cpu_loop_exit_restore(cs, retaddr);
}

/*
 * A shutdown is fatal for an SEV-ES guest: its state cannot be reset,
 * only destroyed (KVM's shutdown_interception() exits to the VMM).  The
 * vCPU stops at once, and the guest gets one report.
 */
void sev_es_triple_fault(CPUState *cs)
{
    sev_es_cpu_kill(cs);
    if (qatomic_xchg(&sev_es_model()->triple_fault_reported, true)) {
        return;
    }
    error_report("sev-es: vCPU %d: shutdown (triple fault); an SEV-ES "
                 "guest cannot be reset, stopping", cs->cpu_index);
    sev_es_info_report();
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_PANIC);
}

/*
 * vc-regmov of the hostile hypervisor (sev-es-hostile.c): a check before
 * each kernel register-to-register MOV, which may get a #VC for MMIO.
 */
void helper_sev_es_hostile_regmov(CPUX86State *env)
{
    if (sev_es_hostile_regmov_now(env)) {
        sev_es_raise_vc(env, SVM_EXIT_NPF, GETPC());
    }
}

/*
 * VMGEXIT (APM vol. 2, "VMGEXIT"): an automatic exit, trap-like, so the
 * guest resumes after the instruction once the hypervisor is done.
 */
void helper_sev_es_vmgexit(CPUX86State *env, int next_eip_addend)
{
    CPUState *cs = env_cpu(env);

    switch (sev_es_hv_vmgexit(env_archcpu(env))) {
    case SEV_ES_RESUME:
        return;                 /* the translator moves past VMGEXIT */
    case SEV_ES_INJECT_GP:
        env->eip += next_eip_addend;
        raise_exception_err(env, EXCP0D_GPF, 0);
    case SEV_ES_INJECT_UD:
        env->eip += next_eip_addend;
        raise_exception(env, EXCP06_ILLOP);
    case SEV_ES_STOP:
        sev_es_cpu_kill(cs);
        /* fall through */
    case SEV_ES_HALT:
        env->eip += next_eip_addend;
        env->hflags &= ~HF_INHIBIT_IRQ_MASK;
        cs->halted = 1;
        cs->exception_index = EXCP_HLT;
        cpu_loop_exit(cs);
    }
}
