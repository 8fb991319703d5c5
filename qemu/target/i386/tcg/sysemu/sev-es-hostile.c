/*
 * SEV-ES under TCG: a hostile hypervisor, on request.
 *
 * -object sev-guest,...,tcg-hostile=NAME makes the model's hypervisor
 * lie in one named way, so that the guest's checks of what it is told
 * can be tested.  Each lie is one a real hypervisor (or, for "snp", a
 * launch the guest does not expect) could tell.
 *
 * The lie starts once the firmware is done: at the first GHCB MSR
 * protocol request after the guest has used a GHCB page, i.e. the first
 * request of the OS loader (the kernel's decompressor).  Firmware told
 * the lie would die first, and the test would test the firmware.  With
 * tcg-hostile-reset=on it starts at reset, for firmware that asks the
 * hypervisor nothing (a boot-protocol loader).
 *
 * The GHCB protocol lies (ghcb-*) wait further, for a GHCB page the
 * firmware did not use before the lie started: the OS's.  Until the OS
 * loader exits the firmware's boot services, its #VCs still go through
 * the firmware's handler and GHCB.  vc-spurious waits for the first #VC
 * in user mode, and then tells its lie once, in the next #VC in kernel
 * mode; so do vc-regmov and vc-db-kernel.  The lies of the event family
 * (NMIs, injected #VCs) aim at the kernel proper only: its text is in the
 * upper half, the loader's is not.
 *
 * The hypervisor is assumed to know the guest's code, as one that built
 * or measured the kernel image does: vc-regmov picks its instruction.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "qemu/units.h"
#include "qemu/rcu.h"
#include "qemu/error-report.h"
#include "qemu/guest-random.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "hw/boards.h"
#include "cpu.h"
#include "exec/exec-all.h"
#include "qapi/qapi-types-qom.h"
#include "sev-es-model.h"
#include "trace.h"

/* What each lie says, and the C-bit position of those that name one. */
static const struct {
    unsigned cbitpos;
    const char *what;
} lies[SEV_ES_TCG_HOSTILE__MAX] = {
    [SEV_ES_TCG_HOSTILE_CBIT_0] = { 0, "C-bit position 0" },
    [SEV_ES_TCG_HOSTILE_CBIT_63] = { 63, "C-bit position 63" },
    [SEV_ES_TCG_HOSTILE_CBIT_BEYOND] = {
        56, "C-bit position 56, beyond the physical address width" },
    [SEV_ES_TCG_HOSTILE_CBIT_WRONG] = {
        47, "C-bit position 47, not the real one" },
    [SEV_ES_TCG_HOSTILE_CBIT_INFO] = {
        47, "C-bit position 47 in SEV information, 51 in CPUID" },
    [SEV_ES_TCG_HOSTILE_CBIT_ALIAS] = {
        39, "C-bit position 39, an address bit: a plain page appears at "
        "each GPA with it, and the page without it is scribbled on" },
    [SEV_ES_TCG_HOSTILE_SNP] = { 0, "SEV-SNP active" },
    [SEV_ES_TCG_HOSTILE_VERSION] = {
        0, "GHCB protocol versions 3 to 3 only" },
    [SEV_ES_TCG_HOSTILE_SEV_INFO_CHANGE] = {
        47, "SEV information says C-bit 47 after its first answer" },
    [SEV_ES_TCG_HOSTILE_CPUID_CODE] = {
        0, "CPUID answered with GHCBInfo 0x007" },
    [SEV_ES_TCG_HOSTILE_CPUID_REG] = {
        0, "CPUID answered for the next register" },
    [SEV_ES_TCG_HOSTILE_CPUID_RDRAND] = { 0, "CPUID without RDRAND" },
    [SEV_ES_TCG_HOSTILE_CPUID_NO_SEV_ES] = {
        0, "CPUID 0x8000001f without SEV-ES" },
    [SEV_ES_TCG_HOSTILE_MSR_STALE] = {
        0, "MSR protocol CPUID answered with the previous answer for the "
        "register" },
    [SEV_ES_TCG_HOSTILE_GARBAGE] = {
        0, "garbage in every MSR protocol response" },
    [SEV_ES_TCG_HOSTILE_TERM_RESUME] = {
        0, "CPUID without RDRAND, and the first termination request "
        "resumes the guest" },
    [SEV_ES_TCG_HOSTILE_GHCB_EXITINFO] = {
        0, "GHCB CPUID answered with sw_exit_info_1 3" },
    [SEV_ES_TCG_HOSTILE_GHCB_INJECT] = {
        0, "GHCB CPUID answered with an NMI for the guest to raise" },
    [SEV_ES_TCG_HOSTILE_GHCB_INJECT_VC] = {
        0, "GHCB CPUID answered with a #VC for the guest to raise" },
    [SEV_ES_TCG_HOSTILE_GHCB_VALID] = {
        0, "GHCB CPUID answered without RBX marked valid" },
    [SEV_ES_TCG_HOSTILE_GHCB_OVERSIZE] = {
        0, "string IN and MMIO reads answered with 2048 bytes" },
    [SEV_ES_TCG_HOSTILE_IOIO_DIR] = {
        0, "port IN answered as an OUT, without RAX" },
    [SEV_ES_TCG_HOSTILE_GHCB_TOCTOU] = {
        0, "sw_exit_info_2 of string IN and MMIO reads flips to 2048 and "
        "back while the guest reads it" },
    [SEV_ES_TCG_HOSTILE_AP_JUMP_RAM] = {
        0, "AP jump table at 16 MiB, in the kernel's RAM" },
    [SEV_ES_TCG_HOSTILE_AP_NEVER_WAKE] = {
        0, "no vCPU leaves AP reset hold" },
    [SEV_ES_TCG_HOSTILE_AP_HOLD_ANSWER] = {
        0, "an MSR protocol AP reset hold ends with GHCBInfo 0x005 (a "
        "CPUID response)" },
    [SEV_ES_TCG_HOSTILE_AP_NO_PARK] = {
        0, "a vCPU but the first that clears EFER.LME is never run again" },
    [SEV_ES_TCG_HOSTILE_VC_SPURIOUS] = {
        0, "one kernel #VC after user mode with a wrong exit code" },
    [SEV_ES_TCG_HOSTILE_VC_RANDOM] = {
        0, "#VCs with random exit codes at random kernel instructions" },
    [SEV_ES_TCG_HOSTILE_VC_REGMOV] = {
        0, "one #VC for MMIO at a kernel register-to-register MOV" },
    [SEV_ES_TCG_HOSTILE_VC_DB_KERNEL] = {
        0, "one #VC for an intercepted #DB in kernel mode" },
    [SEV_ES_TCG_HOSTILE_NMI_EVERY_VC] = {
        0, "an NMI at every kernel #VC" },
    [SEV_ES_TCG_HOSTILE_REPLAY] = {
        0, "answers leave the request valid, and a user-mode VMGEXIT that "
        "finds it is acted on and reported" },
};

#define GARBAGE     0xbadc0ffee0ddffffULL
#define OVERSIZE    2048        /* more than the 2032-byte shared buffer */
#define BAD_VERSION 3           /* a GHCB protocol version none speaks */
#define BAD_RESULT  (GHCB_RESULT_ERROR + 1) /* no sw_exit_info_1 defined */
#define KERNEL_HALF 0xffff800000000000ULL
#define ALIAS_SIZE  (4 * GiB)
#define AP_JUMP_RAM 0x1000000   /* LOAD_PHYSICAL_ADDR: the kernel image */
#define VC_PERIOD_NS (2 * SCALE_MS)
#define TOCTOU_FLIPS 64

/* The lie chosen, SEV_ES_TCG_HOSTILE_NONE for none. */
static SevEsTcgHostile chosen(void)
{
    return sev_es_model()->config.hostile;
}

static SevEsHostileState *state(void)
{
    return &sev_es_model()->hostile;
}

/* Raise @mask on @cs, whatever locks the caller holds. */
static void interrupt(CPUState *cs, int mask)
{
    bool locked = qemu_mutex_iothread_locked();

    if (!locked) {
        qemu_mutex_lock_iothread();
    }
    cpu_interrupt(cs, mask);
    if (!locked) {
        qemu_mutex_unlock_iothread();
    }
}

static void vc_timer_cb(void *opaque)
{
    SevEsHostileState *h = opaque;

    if (first_cpu) {
        cpu_interrupt(first_cpu, CPU_INTERRUPT_SEV_ES_VC);
    }
    timer_mod(h->vc_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                           VC_PERIOD_NS);
}

/*
 * cbit-alias: what the hypervisor maps at the lie's address bit, a plain
 * RAM region (a memslot of its own) over the guest's first 4 GiB.
 */
static bool alias_init(SevEsModel *m, Error **errp)
{
    ERRP_GUARD();
    SevEsHostileState *h = &m->hostile;

    memory_region_init_ram_nomigrate(&h->alias_mr, NULL,
                                     "sev-es-hostile-alias", ALIAS_SIZE,
                                     errp);
    if (*errp) {
        return false;
    }
    h->alias_scribbled = bitmap_new(ALIAS_SIZE >> TARGET_PAGE_BITS);
    memory_region_add_subregion(get_system_memory(),
                                1ULL << lies[m->config.hostile].cbitpos,
                                &h->alias_mr);
    return true;
}

int sev_es_hostile_init(SevEsModel *m, Error **errp)
{
    SevEsTcgHostile which = m->config.hostile;
    SevEsHostileState *h = &m->hostile;

    if (which == SEV_ES_TCG_HOSTILE_NONE) {
        return 0;
    }
    assert(which < SEV_ES_TCG_HOSTILE__MAX && lies[which].what);
    h->firmware_ghcbs = g_hash_table_new(NULL, NULL);
    if (which == SEV_ES_TCG_HOSTILE_CBIT_ALIAS && !alias_init(m, errp)) {
        return -1;
    }
    if (which == SEV_ES_TCG_HOSTILE_VC_RANDOM) {
        h->vc_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, vc_timer_cb, h);
    }
    if (m->config.hostile_from_reset) {
        h->armed = true;
        warn_report("sev-es: hostile hypervisor from reset: %s",
                    lies[which].what);
    }
    return 0;
}

static SevEsTcgHostile lie(void)
{
    return qatomic_read(&state()->armed) ? chosen() : SEV_ES_TCG_HOSTILE_NONE;
}

static void told(const char *where)
{
    trace_sev_es_hostile(SevEsTcgHostile_str(chosen()), where);
}

/* The GHCB protocol lies: only once the OS has a GHCB page of its own. */
static SevEsTcgHostile ghcb_lie(void)
{
    return qatomic_read(&state()->os_ghcb) ? lie() : SEV_ES_TCG_HOSTILE_NONE;
}

void sev_es_hostile_ghcb_used(uint64_t gpa)
{
    SevEsHostileState *h = state();
    gpointer key = (gpointer)(uintptr_t)gpa;

    qatomic_set(&h->ghcb_seen, true);
    if (chosen() == SEV_ES_TCG_HOSTILE_NONE || qatomic_read(&h->os_ghcb)) {
        return;
    }
    qemu_mutex_lock(&h->lock);
    if (!qatomic_read(&h->armed)) {
        g_hash_table_add(h->firmware_ghcbs, key);
    } else if (!g_hash_table_contains(h->firmware_ghcbs, key)) {
        qatomic_set(&h->os_ghcb, true);
        if (h->vc_timer) {
            timer_mod(h->vc_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                                   VC_PERIOD_NS);
        }
    }
    qemu_mutex_unlock(&h->lock);
}

void sev_es_hostile_msr_request(void)
{
    SevEsHostileState *h = state();

    if (chosen() != SEV_ES_TCG_HOSTILE_NONE && qatomic_read(&h->ghcb_seen) &&
        !qatomic_read(&h->armed) && !qatomic_xchg(&h->armed, true)) {
        warn_report("sev-es: hostile hypervisor from now on: %s",
                    lies[chosen()].what);
    }
}

static uint64_t with_cbit(uint64_t resp, unsigned pos)
{
    return (resp & ~GHCB_MSR_SEV_INFO_CBIT_MASK) |
           ((uint64_t)pos << GHCB_MSR_SEV_INFO_CBIT_SHIFT);
}

uint64_t sev_es_hostile_sev_info(uint64_t resp)
{
    switch (lie()) {
    case SEV_ES_TCG_HOSTILE_CBIT_0:
    case SEV_ES_TCG_HOSTILE_CBIT_63:
    case SEV_ES_TCG_HOSTILE_CBIT_BEYOND:
    case SEV_ES_TCG_HOSTILE_CBIT_WRONG:
    case SEV_ES_TCG_HOSTILE_CBIT_INFO:
    case SEV_ES_TCG_HOSTILE_CBIT_ALIAS:
        told("SEV information");
        return with_cbit(resp, lies[chosen()].cbitpos);
    case SEV_ES_TCG_HOSTILE_VERSION:
        told("SEV information");
        return (resp & GHCB_MSR_LOW_MASK) |
               ((uint64_t)BAD_VERSION << GHCB_MSR_SEV_INFO_MAX_SHIFT) |
               ((uint64_t)BAD_VERSION << GHCB_MSR_SEV_INFO_MIN_SHIFT);
    case SEV_ES_TCG_HOSTILE_SEV_INFO_CHANGE:
        if (!qatomic_xchg(&state()->info_answered, true)) {
            return resp;
        }
        told("SEV information, second answer");
        return with_cbit(resp, lies[chosen()].cbitpos);
    default:
        return resp;
    }
}

/* msr-stale: the answer given before for @reg, the current one kept. */
static uint64_t stale_cpuid(uint64_t resp)
{
    SevEsHostileState *h = state();
    unsigned reg = GHCB_MSR_CPUID_REG(resp);
    uint64_t val = resp >> GHCB_MSR_CPUID_VALUE_SHIFT, out = resp;

    qemu_mutex_lock(&h->lock);
    if (h->stale_valid[reg] && h->stale[reg] != val) {
        told("CPUID response value");
        out = (resp & GHCB_MSR_LOW_MASK) |
              (h->stale[reg] << GHCB_MSR_CPUID_VALUE_SHIFT);
    }
    h->stale[reg] = val;
    h->stale_valid[reg] = true;
    qemu_mutex_unlock(&h->lock);
    return out;
}

uint64_t sev_es_hostile_msr_response(uint64_t resp)
{
    bool cpuid = (resp & GHCB_MSR_INFO_MASK) == GHCB_MSR_CPUID_RESP;

    switch (lie()) {
    case SEV_ES_TCG_HOSTILE_CPUID_CODE:
        if (cpuid) {
            told("CPUID response code");
            /* another response's code */
            return (resp & ~GHCB_MSR_INFO_MASK) | GHCB_MSR_AP_RESET_HOLD_RESP;
        }
        return resp;
    case SEV_ES_TCG_HOSTILE_CPUID_REG:
        if (cpuid) {
            told("CPUID response register");
            return resp ^ (1ULL << GHCB_MSR_CPUID_REG_SHIFT);
        }
        return resp;
    case SEV_ES_TCG_HOSTILE_MSR_STALE:
        return cpuid ? stale_cpuid(resp) : resp;
    case SEV_ES_TCG_HOSTILE_GARBAGE:
        told("MSR protocol response");
        return GARBAGE;
    default:
        return resp;
    }
}

/* A CPUID answer, by either protocol: @r holds EAX, EBX, ECX, EDX. */
void sev_es_hostile_cpuid(uint32_t fn, uint32_t r[4])
{
    switch (lie()) {
    case SEV_ES_TCG_HOSTILE_CBIT_0:
    case SEV_ES_TCG_HOSTILE_CBIT_63:
    case SEV_ES_TCG_HOSTILE_CBIT_BEYOND:
    case SEV_ES_TCG_HOSTILE_CBIT_WRONG:
    case SEV_ES_TCG_HOSTILE_CBIT_ALIAS:
        if (fn == SEV_CPUID_FN) {
            told("CPUID 0x8000001f");
            r[1] = (r[1] & ~SEV_CPUID_EBX_CBIT_MASK) | lies[chosen()].cbitpos;
        }
        break;
    case SEV_ES_TCG_HOSTILE_SNP:
        if (fn == SEV_CPUID_FN) {
            told("CPUID 0x8000001f");
            r[0] |= SEV_CPUID_EAX_SNP;
        }
        break;
    case SEV_ES_TCG_HOSTILE_CPUID_NO_SEV_ES:
        if (fn == SEV_CPUID_FN) {
            told("CPUID 0x8000001f");
            r[0] &= ~SEV_CPUID_EAX_SEV_ES;
        }
        break;
    case SEV_ES_TCG_HOSTILE_CPUID_RDRAND:
    case SEV_ES_TCG_HOSTILE_TERM_RESUME:
        if (fn == 1) {
            told("CPUID 1");
            r[2] &= ~CPUID_EXT_RDRAND;
        }
        break;
    default:
        break;
    }
}

uint64_t sev_es_hostile_sev_status(uint64_t val)
{
    if (lie() == SEV_ES_TCG_HOSTILE_SNP) {
        told("SEV_STATUS");
        return val | MSR_AMD64_SEV_SNP_ENABLED;
    }
    return val;
}

/* A termination request: true to ignore it and resume the guest. */
bool sev_es_hostile_ignore_termination(unsigned set, unsigned code)
{
    if (lie() != SEV_ES_TCG_HOSTILE_TERM_RESUME ||
        qatomic_xchg(&state()->termination_ignored, true)) {
        return false;
    }
    told("termination request");
    warn_report("sev-es: hostile: termination request (reason set %u, "
                "reason code %u) ignored, the guest resumes", set, code);
    return true;
}

/*
 * A GHCB protocol answer to @exit_code: sw_exit_info_1/2 in @result1 and
 * @result2.  @data_in: it returns data through the scratch area.
 */
void sev_es_hostile_ghcb_result(uint64_t exit_code, bool data_in,
                                uint64_t *result1, uint64_t *result2)
{
    switch (ghcb_lie()) {
    case SEV_ES_TCG_HOSTILE_GHCB_EXITINFO:
        if (exit_code == SVM_EXIT_CPUID) {
            told("GHCB CPUID sw_exit_info_1");
            *result1 = BAD_RESULT;
            *result2 = 0;
        }
        break;
    case SEV_ES_TCG_HOSTILE_GHCB_INJECT:
    case SEV_ES_TCG_HOSTILE_GHCB_INJECT_VC:
        if (exit_code == SVM_EXIT_CPUID) {
            told("GHCB CPUID sw_exit_info_2");
            *result1 = GHCB_RESULT_EXCEPTION;
            *result2 = (uint32_t)(SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXEPT |
                                  (lie() == SEV_ES_TCG_HOSTILE_GHCB_INJECT ?
                                   EXCP02_NMI : EXCP1D_VC));
        }
        break;
    case SEV_ES_TCG_HOSTILE_GHCB_OVERSIZE:
        if (data_in) {
            told("GHCB scratch length");
            *result2 = OVERSIZE;
        }
        break;
    default:
        break;
    }
}

/*
 * The answer to @exit_code was written into the GHCB page at @gpa:
 * ghcb-toctou flips its sw_exit_info_2 (at @info2_gpa) from the next
 * instruction block on, block by block, TOCTOU_FLIPS times.
 */
void sev_es_hostile_ghcb_answered(CPUState *cs, bool data_in,
                                  uint64_t info2_gpa, uint64_t info2)
{
    SevEsHostileState *h = state();

    if (ghcb_lie() != SEV_ES_TCG_HOSTILE_GHCB_TOCTOU || !data_in) {
        return;
    }
    told("GHCB sw_exit_info_2, while read");
    qemu_mutex_lock(&h->lock);
    h->toctou_gpa = info2_gpa;
    h->toctou_honest = info2;
    h->toctou_left = TOCTOU_FLIPS;
    qemu_mutex_unlock(&h->lock);
    interrupt(cs, CPU_INTERRUPT_SEV_ES_VC);
}

/*
 * A GHCB answer to @exit_code that returns a register (RBX for CPUID, RAX
 * for a port IN): leave its valid bit clear?
 */
bool sev_es_hostile_ghcb_unmark(uint64_t exit_code)
{
    SevEsTcgHostile l = ghcb_lie();

    if ((l == SEV_ES_TCG_HOSTILE_GHCB_VALID && exit_code == SVM_EXIT_CPUID) ||
        (l == SEV_ES_TCG_HOSTILE_IOIO_DIR && exit_code == SVM_EXIT_IOIO)) {
        told("GHCB valid bitmap");
        return true;
    }
    return false;
}

/* The AP jump table's GPA, as answered to the OS. */
uint64_t sev_es_hostile_ap_jump_table(uint64_t gpa)
{
    if (ghcb_lie() == SEV_ES_TCG_HOSTILE_AP_JUMP_RAM) {
        told("AP jump table GET");
        return AP_JUMP_RAM;
    }
    return gpa;
}

/*
 * ap-no-park: EFER writes reach the hypervisor (an automatic exit); an AP
 * that leaves long mode, as one does on its way to park, stays descheduled.
 */
bool sev_es_hostile_stall(CPUState *cs, uint64_t old_efer, uint64_t efer)
{
    if (ghcb_lie() == SEV_ES_TCG_HOSTILE_AP_NO_PARK && cs->cpu_index != 0 &&
        (old_efer & MSR_EFER_LME) && !(efer & MSR_EFER_LME)) {
        told("vCPU leaving long mode, never run again");
        return true;
    }
    return false;
}

/* The GHCB MSR value that ends an MSR protocol AP reset hold. */
uint64_t sev_es_hostile_ap_hold_answer(uint64_t resp)
{
    if (ghcb_lie() == SEV_ES_TCG_HOSTILE_AP_HOLD_ANSWER) {
        told("AP reset hold answer");
        return (resp & ~GHCB_MSR_INFO_MASK) | GHCB_MSR_CPUID_RESP;
    }
    return resp;
}

/*
 * A SIPI for a vCPU that ran: does the hypervisor act on it?  Firmware
 * wakes its APs too, until the OS has its own GHCB: those go through.
 */
bool sev_es_hostile_ap_wake(void)
{
    if (ghcb_lie() == SEV_ES_TCG_HOSTILE_AP_NEVER_WAKE) {
        told("SIPI, dropped");
        return false;
    }
    return true;
}

/*
 * replay: the answer leaves the request's valid bits set, where KVM
 * clears them, so a later VMGEXIT finds the request again unless the
 * guest invalidated the page.
 */
bool sev_es_hostile_keep_request(void)
{
    return ghcb_lie() == SEV_ES_TCG_HOSTILE_REPLAY;
}

/*
 * A VMGEXIT from user mode with a request in the GHCB: the user cannot
 * write the GHCB page, so the kernel left it there, and made it once
 * already.  KVM acts on it all the same; "replay" says so.
 */
void sev_es_hostile_user_request(CPUState *cs, uint64_t exit_code)
{
    if (lie() != SEV_ES_TCG_HOSTILE_REPLAY) {
        return;
    }
    told("user-mode VMGEXIT");
    error_report("sev-es: vCPU %d: VMGEXIT from user mode with request "
                 "0x%" PRIx64 " still valid in the GHCB from an earlier "
                 "exit: handled again", cs->cpu_index, exit_code);
}

/*
 * Where the kernel proper runs with interrupts on: the entry code, which
 * runs with them off before it switches stacks, is where an injected
 * event is fatal to any kernel, and is left alone.
 */
static bool in_kernel_proper(CPUX86State *env)
{
    return (env->hflags & HF_CPL_MASK) == 0 && env->eip >= KERNEL_HALF;
}

static bool kernel_irqs_on(CPUX86State *env)
{
    return in_kernel_proper(env) && (env->eflags & IF_MASK);
}

/* Come back at the next instruction boundary of @cs: one-insn blocks. */
static void boundary_again(CPUState *cs)
{
    cs->interrupt_request |= CPU_INTERRUPT_SEV_ES_VC;
    cs->cflags_next_tb = curr_cflags(cs) | CF_NO_GOTO_TB | CF_NO_GOTO_PTR | 1;
}

/* The error code of a #VC about to be raised for @exit_code. */
uint32_t sev_es_hostile_vc(CPUX86State *env, uint32_t exit_code)
{
    SevEsHostileState *h = state();
    CPUState *cs = env_cpu(env);
    unsigned cpl = env->hflags & HF_CPL_MASK;
    SevEsTcgHostile l = lie();

    if (l == SEV_ES_TCG_HOSTILE_NONE) {
        return exit_code;
    }
    if (cpl == 3 && !qatomic_xchg(&h->user_vc_seen, true) &&
        l == SEV_ES_TCG_HOSTILE_VC_DB_KERNEL) {
        interrupt(cs, CPU_INTERRUPT_SEV_ES_VC);
    }
    if (l == SEV_ES_TCG_HOSTILE_NMI_EVERY_VC &&
        ghcb_lie() != SEV_ES_TCG_HOSTILE_NONE && in_kernel_proper(env) &&
        !env->sev_es.nmi_masked && !qatomic_read(&h->nmi_in_service)) {
        told("NMI at #VC");
        interrupt(cs, CPU_INTERRUPT_NMI);
    }
    if (l != SEV_ES_TCG_HOSTILE_VC_SPURIOUS || cpl == 3 ||
        !qatomic_read(&h->user_vc_seen) ||
        qatomic_xchg(&h->vc_lie_told, true)) {
        return exit_code;
    }
    told("#VC error code");
    return exit_code == SVM_EXIT_RDTSC ? SVM_EXIT_CPUID : SVM_EXIT_RDTSC;
}

/*
 * nmi-every-vc: an NMI is in service from its delivery until the IRET
 * back to where it came (Linux completes NMIs at their entry, so
 * NMI_COMPLETE does not say).  The #VCs of the NMI handler get none: an
 * NMI for each would be a livelock any guest dies of, as of an NMI
 * storm, and test nothing.
 */
void sev_es_hostile_nmi_delivered(CPUX86State *env)
{
    SevEsHostileState *h = state();

    if (chosen() == SEV_ES_TCG_HOSTILE_NMI_EVERY_VC) {
        qatomic_set(&h->nmi_rip, env->eip);
        qatomic_set(&h->nmi_rsp, env->regs[R_ESP]);
        qatomic_store_release(&h->nmi_in_service, true);
    }
}

void sev_es_hostile_iret(CPUX86State *env)
{
    SevEsHostileState *h = state();

    if (qatomic_load_acquire(&h->nmi_in_service) &&
        env->eip == qatomic_read(&h->nmi_rip) &&
        env->regs[R_ESP] == qatomic_read(&h->nmi_rsp)) {
        qatomic_set(&h->nmi_in_service, false);
    }
}

/* vc-regmov, at translation: put a check before register MOVs? */
bool sev_es_hostile_regmov(void)
{
    return chosen() == SEV_ES_TCG_HOSTILE_VC_REGMOV;
}

/* vc-regmov, at a kernel register-to-register MOV: raise #VC(NPF) here? */
bool sev_es_hostile_regmov_now(CPUX86State *env)
{
    SevEsHostileState *h = state();

    if (ghcb_lie() != SEV_ES_TCG_HOSTILE_VC_REGMOV ||
        !qatomic_read(&h->user_vc_seen) || !kernel_irqs_on(env) ||
        qatomic_xchg(&h->vc_lie_told, true)) {
        return false;
    }
    told("#VC(NPF) at a register MOV");
    warn_report("sev-es: hostile: #VC(NPF) at the register MOV at RIP 0x"
                TARGET_FMT_lx, env->eip);
    return true;
}

/* The exits a vc-random #VC claims: none needs a memory operand. */
static const uint32_t random_exits[] = {
    SVM_EXIT_CPUID, SVM_EXIT_IOIO, SVM_EXIT_MSR, SVM_EXIT_RDTSC,
    SVM_EXIT_RDTSCP, SVM_EXIT_RDPMC, SVM_EXIT_INVD, SVM_EXIT_WBINVD,
    SVM_EXIT_VMMCALL, SVM_EXIT_MONITOR, SVM_EXIT_MWAIT, SVM_EXIT_READ_DR7,
    SVM_EXIT_WRITE_DR7,
};

/* ghcb-toctou: the next value, if any; true while more are to come. */
static bool toctou_flip(void)
{
    SevEsHostileState *h = state();
    uint64_t v, gpa;
    bool more;

    qemu_mutex_lock(&h->lock);
    if (!h->toctou_left) {
        qemu_mutex_unlock(&h->lock);
        return false;
    }
    v = cpu_to_le64(h->toctou_left & 1 ? h->toctou_honest : OVERSIZE);
    gpa = h->toctou_gpa;
    more = --h->toctou_left;
    qemu_mutex_unlock(&h->lock);

    sev_es_mem_host_access(gpa, sizeof(v));
    address_space_write(&address_space_memory, gpa, MEMTXATTRS_UNSPECIFIED,
                        &v, sizeof(v));
    return more;
}

/*
 * An instruction boundary of @cpu, asked for with CPU_INTERRUPT_SEV_ES_VC;
 * from x86_cpu_exec_interrupt(), under the BQL.  Raising a #VC here does
 * not return.
 */
void sev_es_hostile_boundary(X86CPU *cpu)
{
    SevEsHostileState *h = state();
    CPUState *cs = CPU(cpu);
    CPUX86State *env = &cpu->env;
    uint32_t pick, code;

    cs->interrupt_request &= ~CPU_INTERRUPT_SEV_ES_VC;
    switch (lie()) {
    case SEV_ES_TCG_HOSTILE_GHCB_TOCTOU:
        if (toctou_flip()) {
            boundary_again(cs);
        }
        return;
    case SEV_ES_TCG_HOSTILE_VC_DB_KERNEL:
        if (qatomic_read(&h->vc_lie_told)) {
            return;
        }
        if (!kernel_irqs_on(env)) {
            boundary_again(cs);
            return;
        }
        qatomic_set(&h->vc_lie_told, true);
        told("#VC(#DB) in kernel mode");
        warn_report("sev-es: hostile: #VC(#DB) at RIP 0x" TARGET_FMT_lx,
                    env->eip);
        sev_es_raise_vc(env, SVM_EXIT_EXCP_BASE + EXCP01_DB, 0);
    case SEV_ES_TCG_HOSTILE_VC_RANDOM:
        if (!kernel_irqs_on(env)) {
            boundary_again(cs);
            return;
        }
        qemu_guest_getrandom_nofail(&pick, sizeof(pick));
        code = random_exits[pick % ARRAY_SIZE(random_exits)];
        told("#VC at a random instruction");
        if (qatomic_fetch_inc(&h->vc_random_told) < 4) {
            warn_report("sev-es: hostile: #VC 0x%x at RIP 0x" TARGET_FMT_lx,
                        code, env->eip);
        }
        sev_es_raise_vc(env, code, 0);
    default:
        return;
    }
}

/*
 * cbit-alias: a CPU access to @paddr.  The first to each page of the
 * alias is the nested page fault at which the hypervisor maps it, and
 * scribbles over the guest's page without the bit.
 */
void sev_es_hostile_cpu_access(hwaddr paddr)
{
    SevEsHostileState *h = state();
    hwaddr base, gpa, len = TARGET_PAGE_SIZE, xlat;
    uint8_t noise[TARGET_PAGE_SIZE];
    MemoryRegion *mr;
    bool ram;

    if (lie() != SEV_ES_TCG_HOSTILE_CBIT_ALIAS) {
        return;
    }
    base = 1ULL << lies[chosen()].cbitpos;
    if (paddr < base || paddr - base >= ALIAS_SIZE) {
        return;
    }
    gpa = (paddr - base) & TARGET_PAGE_MASK;
    qemu_mutex_lock(&h->lock);
    if (test_and_set_bit(gpa >> TARGET_PAGE_BITS, h->alias_scribbled)) {
        qemu_mutex_unlock(&h->lock);
        return;
    }
    qemu_mutex_unlock(&h->lock);
    WITH_RCU_READ_LOCK_GUARD() {
        mr = address_space_translate(&address_space_memory, gpa, &xlat, &len,
                                     true, MEMTXATTRS_UNSPECIFIED);
        ram = memory_region_is_ram(mr) && !memory_region_is_rom(mr);
    }
    if (!ram) {
        return;
    }
    told("alias page mapped, guest page scribbled");
    qemu_guest_getrandom_nofail(noise, sizeof(noise));
    sev_es_mem_host_access(gpa, sizeof(noise));
    address_space_write(&address_space_memory, gpa, MEMTXATTRS_UNSPECIFIED,
                        noise, sizeof(noise));
}
