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
#include "sev-es-tcg.h"
#include "trace.h"

typedef enum Lie {
    LIE_NONE,
    LIE_CBIT,           /* another C-bit position, in SEV info and CPUID */
    LIE_CBIT_INFO,      /* another C-bit position, in SEV info only */
    LIE_CBIT_ALIAS,     /* an address bit, and a plain page behind it */
    LIE_SNP,            /* SEV_STATUS and CPUID claim SEV-SNP */
    LIE_VERSION,        /* a protocol range without versions 1 and 2 */
    LIE_INFO_CHANGE,    /* SEV info changes after the first answer */
    LIE_CPUID_CODE,     /* CPUID responses with the wrong GHCBInfo */
    LIE_CPUID_REG,      /* CPUID responses for another register */
    LIE_CPUID_RDRAND,   /* CPUID hides RDRAND */
    LIE_CPUID_NO_ES,    /* CPUID denies SEV-ES */
    LIE_MSR_STALE,      /* MSR CPUID answered with the previous answer */
    LIE_GARBAGE,        /* every MSR protocol response is garbage */
    LIE_TERM_RESUME,    /* a termination request resumes the guest */
    LIE_GHCB_EXITINFO,  /* CPUID answered with sw_exit_info_1 3 */
    LIE_GHCB_INJECT,    /* CPUID answered with an NMI to raise */
    LIE_GHCB_INJECT_VC, /* CPUID answered with a #VC to raise */
    LIE_GHCB_VALID,     /* CPUID answered without RBX marked valid */
    LIE_GHCB_OVERSIZE,  /* scratch data answered with length 2048 */
    LIE_IOIO_DIR,       /* IN answered as an OUT: no RAX */
    LIE_GHCB_TOCTOU,    /* answers that change while the guest reads */
    LIE_AP_JUMP_RAM,    /* AP jump table in the kernel's RAM */
    LIE_AP_NEVER_WAKE,  /* SIPIs to a vCPU in AP reset hold dropped */
    LIE_AP_HOLD_ANSWER, /* MSR protocol AP reset hold woken as CPUID */
    LIE_AP_NO_PARK,     /* an AP leaving long mode never runs again */
    LIE_VC_SPURIOUS,    /* a #VC with another instruction's exit code */
    LIE_VC_RANDOM,      /* #VCs at random kernel instructions */
    LIE_VC_REGMOV,      /* #VC(NPF) at a register-to-register MOV */
    LIE_VC_DB_KERNEL,   /* #VC(#DB) in kernel mode */
    LIE_NMI_EVERY_VC,   /* an NMI on every kernel #VC */
    LIE_REPLAY,         /* act on a user-mode VMGEXIT, and say so */
} Lie;

static const struct {
    const char *name;
    Lie lie;
    unsigned cbitpos;
    const char *what;
} lies[] = {
    { "cbit-0", LIE_CBIT, 0, "C-bit position 0" },
    { "cbit-63", LIE_CBIT, 63, "C-bit position 63" },
    { "cbit-beyond", LIE_CBIT, 56, "C-bit position 56, beyond the "
                                   "physical address width" },
    { "cbit-wrong", LIE_CBIT, 47, "C-bit position 47, not the real one" },
    { "cbit-info", LIE_CBIT_INFO, 47, "C-bit position 47 in SEV information, "
                                      "51 in CPUID" },
    { "cbit-alias", LIE_CBIT_ALIAS, 39, "C-bit position 39, an address bit: "
                                        "a plain page appears at each GPA "
                                        "with it, and the page without it "
                                        "is scribbled on" },
    { "snp", LIE_SNP, 0, "SEV-SNP active" },
    { "version", LIE_VERSION, 0, "GHCB protocol versions 3 to 3 only" },
    { "sev-info-change", LIE_INFO_CHANGE, 47, "SEV information says C-bit "
                                              "47 after its first answer" },
    { "cpuid-code", LIE_CPUID_CODE, 0, "CPUID answered with GHCBInfo "
                                       "0x007" },
    { "cpuid-reg", LIE_CPUID_REG, 0, "CPUID answered for the next "
                                     "register" },
    { "cpuid-rdrand", LIE_CPUID_RDRAND, 0, "CPUID without RDRAND" },
    { "cpuid-no-sev-es", LIE_CPUID_NO_ES, 0, "CPUID 0x8000001f without "
                                             "SEV-ES" },
    { "msr-stale", LIE_MSR_STALE, 0, "MSR protocol CPUID answered with "
                                     "the previous answer for the register" },
    { "garbage", LIE_GARBAGE, 0, "garbage in every MSR protocol "
                                 "response" },
    { "term-resume", LIE_TERM_RESUME, 0, "CPUID without RDRAND, and the "
                                         "first termination request "
                                         "resumes the guest" },
    { "ghcb-exitinfo", LIE_GHCB_EXITINFO, 0, "GHCB CPUID answered with "
                                             "sw_exit_info_1 3" },
    { "ghcb-inject", LIE_GHCB_INJECT, 0, "GHCB CPUID answered with an NMI "
                                         "for the guest to raise" },
    { "ghcb-inject-vc", LIE_GHCB_INJECT_VC, 0, "GHCB CPUID answered with a "
                                               "#VC for the guest to raise" },
    { "ghcb-valid", LIE_GHCB_VALID, 0, "GHCB CPUID answered without RBX "
                                       "marked valid" },
    { "ghcb-oversize", LIE_GHCB_OVERSIZE, 0, "string IN and MMIO reads "
                                             "answered with 2048 bytes" },
    { "ioio-dir", LIE_IOIO_DIR, 0, "port IN answered as an OUT, without "
                                   "RAX" },
    { "ghcb-toctou", LIE_GHCB_TOCTOU, 0, "sw_exit_info_2 of string IN and "
                                         "MMIO reads flips to 2048 and back "
                                         "while the guest reads it" },
    { "ap-jump-ram", LIE_AP_JUMP_RAM, 0, "AP jump table at 16 MiB, in the "
                                         "kernel's RAM" },
    { "ap-never-wake", LIE_AP_NEVER_WAKE, 0, "no vCPU leaves AP reset "
                                             "hold" },
    { "ap-hold-answer", LIE_AP_HOLD_ANSWER, 0, "an MSR protocol AP reset "
                                               "hold ends with GHCBInfo "
                                               "0x005 (a CPUID response)" },
    { "ap-no-park", LIE_AP_NO_PARK, 0, "a vCPU but the first that clears "
                                       "EFER.LME is never run again" },
    { "vc-spurious", LIE_VC_SPURIOUS, 0, "one kernel #VC after user mode "
                                         "with a wrong exit code" },
    { "vc-random", LIE_VC_RANDOM, 0, "#VCs with random exit codes at "
                                     "random kernel instructions" },
    { "vc-regmov", LIE_VC_REGMOV, 0, "one #VC for MMIO at a kernel "
                                     "register-to-register MOV" },
    { "vc-db-kernel", LIE_VC_DB_KERNEL, 0, "one #VC for an intercepted #DB "
                                           "in kernel mode" },
    { "nmi-every-vc", LIE_NMI_EVERY_VC, 0, "an NMI at every kernel #VC" },
    { "replay", LIE_REPLAY, 0, "answers leave the request valid, and a "
                               "user-mode VMGEXIT that finds it is acted "
                               "on and reported" },
};

#define GARBAGE     0xbadc0ffee0ddffffULL
#define OVERSIZE    2048        /* more than the 2032-byte shared buffer */
#define KERNEL_HALF 0xffff800000000000ULL
#define ALIAS_SIZE  (4 * GiB)
#define AP_JUMP_RAM 0x1000000   /* LOAD_PHYSICAL_ADDR: the kernel image */
#define VC_PERIOD_NS (2 * SCALE_MS)
#define TOCTOU_FLIPS 64

static int chosen = -1;
static bool ghcb_seen;
static bool armed;
static QemuMutex ghcb_lock;
static GHashTable *firmware_ghcbs;  /* GHCB pages used before the lie */
static bool os_ghcb;                /* one it had not was used since */
static bool user_vc_seen;
static bool vc_lie_told;
static bool info_answered;
static uint64_t stale[4];           /* msr-stale: last answer per register */
static bool stale_valid[4];
static bool termination_ignored;
static MemoryRegion alias_mr;
static unsigned long *alias_scribbled;
static QEMUTimer *vc_timer;
static bool nmi_in_service;         /* nmi-every-vc: one is being handled */
static target_ulong nmi_rip, nmi_rsp;   /* ... and where it came */
static uint64_t toctou_gpa;         /* sw_exit_info_2 to flip, or 0 */
static uint64_t toctou_honest;
static unsigned toctou_left;

static Lie chosen_lie(void)
{
    return chosen < 0 ? LIE_NONE : lies[chosen].lie;
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
    if (first_cpu) {
        cpu_interrupt(first_cpu, CPU_INTERRUPT_SEV_ES_VC);
    }
    timer_mod(vc_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + VC_PERIOD_NS);
}

/*
 * cbit-alias: what the hypervisor maps at the lie's address bit, a plain
 * RAM region (a memslot of its own) over the guest's first 4 GiB.
 */
static void alias_init(Error **errp)
{
    memory_region_init_ram_nomigrate(&alias_mr, NULL, "sev-es-hostile-alias",
                                     ALIAS_SIZE, errp);
    if (*errp) {
        return;
    }
    alias_scribbled = bitmap_new(ALIAS_SIZE >> TARGET_PAGE_BITS);
    memory_region_add_subregion(get_system_memory(),
                                1ULL << lies[chosen].cbitpos, &alias_mr);
}

int sev_es_hostile_init(const char *name, bool from_reset, Error **errp)
{
    unsigned i;
    g_autoptr(GString) names = g_string_new("");

    if (!name || !*name) {
        return 0;
    }
    for (i = 0; i < ARRAY_SIZE(lies); i++) {
        if (!strcmp(name, lies[i].name)) {
            chosen = i;
            qemu_mutex_init(&ghcb_lock);
            firmware_ghcbs = g_hash_table_new(NULL, NULL);
            if (lies[i].lie == LIE_CBIT_ALIAS) {
                alias_init(errp);
                if (*errp) {
                    return -1;
                }
            }
            if (lies[i].lie == LIE_VC_RANDOM) {
                vc_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, vc_timer_cb, NULL);
            }
            if (from_reset) {
                armed = true;
                warn_report("sev-es: hostile hypervisor from reset: %s",
                            lies[i].what);
            }
            return 0;
        }
        g_string_append_printf(names, "%s%s", i ? ", " : "", lies[i].name);
    }
    error_setg(errp, "sev-guest: unknown tcg-hostile '%s' (one of: %s)",
               name, names->str);
    return -1;
}

static Lie lie(void)
{
    return armed ? lies[chosen].lie : LIE_NONE;
}

static void told(const char *where)
{
    trace_sev_es_hostile(lies[chosen].name, where);
}

/* The GHCB protocol lies: only once the OS has a GHCB page of its own. */
static Lie ghcb_lie(void)
{
    return qatomic_read(&os_ghcb) ? lie() : LIE_NONE;
}

void sev_es_hostile_ghcb_used(uint64_t gpa)
{
    gpointer key = (gpointer)(uintptr_t)gpa;

    ghcb_seen = true;
    if (chosen < 0 || qatomic_read(&os_ghcb)) {
        return;
    }
    qemu_mutex_lock(&ghcb_lock);
    if (!armed) {
        g_hash_table_add(firmware_ghcbs, key);
    } else if (!g_hash_table_contains(firmware_ghcbs, key)) {
        qatomic_set(&os_ghcb, true);
        if (vc_timer) {
            timer_mod(vc_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                                VC_PERIOD_NS);
        }
    }
    qemu_mutex_unlock(&ghcb_lock);
}

void sev_es_hostile_msr_request(void)
{
    if (chosen >= 0 && ghcb_seen && !armed) {
        armed = true;
        warn_report("sev-es: hostile hypervisor from now on: %s",
                    lies[chosen].what);
    }
}

static uint64_t with_cbit(uint64_t resp, unsigned pos)
{
    return (resp & ~(0xffULL << 24)) | ((uint64_t)pos << 24);
}

uint64_t sev_es_hostile_sev_info(uint64_t resp)
{
    switch (lie()) {
    case LIE_CBIT:
    case LIE_CBIT_INFO:
    case LIE_CBIT_ALIAS:
        told("SEV information");
        return with_cbit(resp, lies[chosen].cbitpos);
    case LIE_VERSION:
        told("SEV information");
        return (resp & 0xffffffffULL) | (3ULL << 48) | (3ULL << 32);
    case LIE_INFO_CHANGE:
        if (!qatomic_xchg(&info_answered, true)) {
            return resp;
        }
        told("SEV information, second answer");
        return with_cbit(resp, lies[chosen].cbitpos);
    default:
        return resp;
    }
}

/* msr-stale: the answer given before for @reg, the current one kept. */
static uint64_t stale_cpuid(uint64_t resp)
{
    unsigned reg = (resp >> 30) & 3;
    uint64_t val = resp >> 32, out = resp;

    if (stale_valid[reg] && stale[reg] != val) {
        told("CPUID response value");
        out = (resp & 0xffffffffULL) | (stale[reg] << 32);
    }
    stale[reg] = val;
    stale_valid[reg] = true;
    return out;
}

uint64_t sev_es_hostile_msr_response(uint64_t resp)
{
    bool cpuid = (resp & 0xfff) == 0x005;

    switch (lie()) {
    case LIE_CPUID_CODE:
        if (cpuid) {
            told("CPUID response code");
            return (resp & ~0xfffULL) | 0x007;
        }
        return resp;
    case LIE_CPUID_REG:
        if (cpuid) {
            told("CPUID response register");
            return resp ^ (1ULL << 30);
        }
        return resp;
    case LIE_MSR_STALE:
        return cpuid ? stale_cpuid(resp) : resp;
    case LIE_GARBAGE:
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
    case LIE_CBIT:
    case LIE_CBIT_ALIAS:
        if (fn == 0x8000001f) {
            told("CPUID 0x8000001f");
            r[1] = (r[1] & ~0x3f) | lies[chosen].cbitpos;
        }
        break;
    case LIE_SNP:
        if (fn == 0x8000001f) {
            told("CPUID 0x8000001f");
            r[0] |= 1 << 4;
        }
        break;
    case LIE_CPUID_NO_ES:
        if (fn == 0x8000001f) {
            told("CPUID 0x8000001f");
            r[0] &= ~(1 << 3);
        }
        break;
    case LIE_CPUID_RDRAND:
    case LIE_TERM_RESUME:
        if (fn == 1) {
            told("CPUID 1");
            r[2] &= ~(1u << 30);
        }
        break;
    default:
        break;
    }
}

uint64_t sev_es_hostile_sev_status(uint64_t val)
{
    if (lie() == LIE_SNP) {
        told("SEV_STATUS");
        return val | MSR_AMD64_SEV_SNP_ENABLED;
    }
    return val;
}

/* A termination request: true to ignore it and resume the guest. */
bool sev_es_hostile_ignore_termination(unsigned set, unsigned code)
{
    if (lie() != LIE_TERM_RESUME || qatomic_xchg(&termination_ignored, true)) {
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
    case LIE_GHCB_EXITINFO:
        if (exit_code == SVM_EXIT_CPUID) {
            told("GHCB CPUID sw_exit_info_1");
            *result1 = 3;       /* neither 0, 1 nor 2 */
            *result2 = 0;
        }
        break;
    case LIE_GHCB_INJECT:
    case LIE_GHCB_INJECT_VC:
        if (exit_code == SVM_EXIT_CPUID) {
            told("GHCB CPUID sw_exit_info_2");
            *result1 = 1;       /* raise the exception in sw_exit_info_2 */
            *result2 = (uint32_t)(SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXEPT |
                                  (lie() == LIE_GHCB_INJECT ? EXCP02_NMI :
                                   EXCP1D_VC));
        }
        break;
    case LIE_GHCB_OVERSIZE:
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
    if (ghcb_lie() != LIE_GHCB_TOCTOU || !data_in) {
        return;
    }
    told("GHCB sw_exit_info_2, while read");
    toctou_gpa = info2_gpa;
    toctou_honest = info2;
    toctou_left = TOCTOU_FLIPS;
    interrupt(cs, CPU_INTERRUPT_SEV_ES_VC);
}

/*
 * A GHCB answer to @exit_code that returns a register (RBX for CPUID, RAX
 * for a port IN): leave its valid bit clear?
 */
bool sev_es_hostile_ghcb_unmark(uint64_t exit_code)
{
    if ((ghcb_lie() == LIE_GHCB_VALID && exit_code == SVM_EXIT_CPUID) ||
        (ghcb_lie() == LIE_IOIO_DIR && exit_code == SVM_EXIT_IOIO)) {
        told("GHCB valid bitmap");
        return true;
    }
    return false;
}

/* The AP jump table's GPA, as answered to the OS. */
uint64_t sev_es_hostile_ap_jump_table(uint64_t gpa)
{
    if (ghcb_lie() == LIE_AP_JUMP_RAM) {
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
    if (ghcb_lie() == LIE_AP_NO_PARK && cs->cpu_index != 0 &&
        (old_efer & MSR_EFER_LME) && !(efer & MSR_EFER_LME)) {
        told("vCPU leaving long mode, never run again");
        return true;
    }
    return false;
}

/* The GHCB MSR value that ends an MSR protocol AP reset hold. */
uint64_t sev_es_hostile_ap_hold_answer(uint64_t resp)
{
    if (ghcb_lie() == LIE_AP_HOLD_ANSWER) {
        told("AP reset hold answer");
        return (resp & ~0xfffULL) | 0x005;
    }
    return resp;
}

/*
 * A SIPI for a vCPU that ran: does the hypervisor act on it?  Firmware
 * wakes its APs too, until the OS has its own GHCB: those go through.
 */
bool sev_es_hostile_ap_wake(void)
{
    if (ghcb_lie() == LIE_AP_NEVER_WAKE) {
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
    return ghcb_lie() == LIE_REPLAY;
}

/*
 * A VMGEXIT from user mode with a request in the GHCB: the user cannot
 * write the GHCB page, so the kernel left it there, and made it once
 * already.  KVM acts on it all the same; "replay" says so.
 */
void sev_es_hostile_user_request(CPUState *cs, uint64_t exit_code)
{
    if (lie() != LIE_REPLAY) {
        return;
    }
    told("user-mode VMGEXIT");
    error_report("sev-es: vCPU %d: a VMGEXIT from user mode found request "
                 "0x%" PRIx64 " in the GHCB, which the guest did not make: "
                 "replayed", cs->cpu_index, exit_code);
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
    CPUState *cs = env_cpu(env);
    unsigned cpl = env->hflags & HF_CPL_MASK;
    Lie l = lie();

    if (l == LIE_NONE) {
        return exit_code;
    }
    if (cpl == 3 && !qatomic_xchg(&user_vc_seen, true) &&
        l == LIE_VC_DB_KERNEL) {
        interrupt(cs, CPU_INTERRUPT_SEV_ES_VC);
    }
    if (l == LIE_NMI_EVERY_VC && ghcb_lie() != LIE_NONE &&
        in_kernel_proper(env) && !env->sev_es.nmi_masked &&
        !qatomic_read(&nmi_in_service)) {
        told("NMI at #VC");
        interrupt(cs, CPU_INTERRUPT_NMI);
    }
    if (l != LIE_VC_SPURIOUS || cpl == 3 || !qatomic_read(&user_vc_seen) ||
        qatomic_xchg(&vc_lie_told, true)) {
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
    if (chosen_lie() == LIE_NMI_EVERY_VC) {
        nmi_rip = env->eip;
        nmi_rsp = env->regs[R_ESP];
        qatomic_set(&nmi_in_service, true);
    }
}

void sev_es_hostile_iret(CPUX86State *env)
{
    if (qatomic_read(&nmi_in_service) && env->eip == nmi_rip &&
        env->regs[R_ESP] == nmi_rsp) {
        qatomic_set(&nmi_in_service, false);
    }
}

/* vc-regmov, at translation: put a check before register MOVs? */
bool sev_es_hostile_regmov(void)
{
    return chosen_lie() == LIE_VC_REGMOV;
}

/* vc-regmov, at a kernel register-to-register MOV: raise #VC(NPF) here? */
bool sev_es_hostile_regmov_now(CPUX86State *env)
{
    if (ghcb_lie() != LIE_VC_REGMOV || !qatomic_read(&user_vc_seen) ||
        !kernel_irqs_on(env) || qatomic_xchg(&vc_lie_told, true)) {
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

static void toctou_flip(void)
{
    uint64_t v = cpu_to_le64(toctou_left & 1 ? toctou_honest : OVERSIZE);

    sev_es_mem_host_access(toctou_gpa, sizeof(v));
    address_space_write(&address_space_memory, toctou_gpa,
                        MEMTXATTRS_UNSPECIFIED, &v, sizeof(v));
    toctou_left--;
}

/*
 * An instruction boundary of @cpu, asked for with CPU_INTERRUPT_SEV_ES_VC;
 * from x86_cpu_exec_interrupt(), under the BQL.  Raising a #VC here does
 * not return.
 */
void sev_es_hostile_boundary(X86CPU *cpu)
{
    static unsigned injected;
    CPUState *cs = CPU(cpu);
    CPUX86State *env = &cpu->env;
    uint32_t pick, code;

    cs->interrupt_request &= ~CPU_INTERRUPT_SEV_ES_VC;
    switch (lie()) {
    case LIE_GHCB_TOCTOU:
        if (toctou_left) {
            toctou_flip();
        }
        if (toctou_left) {
            boundary_again(cs);
        }
        return;
    case LIE_VC_DB_KERNEL:
        if (qatomic_read(&vc_lie_told)) {
            return;
        }
        if (!kernel_irqs_on(env)) {
            boundary_again(cs);
            return;
        }
        qatomic_set(&vc_lie_told, true);
        told("#VC(#DB) in kernel mode");
        warn_report("sev-es: hostile: #VC(#DB) at RIP 0x" TARGET_FMT_lx,
                    env->eip);
        sev_es_raise_vc(env, SVM_EXIT_EXCP_BASE + EXCP01_DB, 0);
    case LIE_VC_RANDOM:
        if (!kernel_irqs_on(env)) {
            boundary_again(cs);
            return;
        }
        qemu_guest_getrandom_nofail(&pick, sizeof(pick));
        code = random_exits[pick % ARRAY_SIZE(random_exits)];
        told("#VC at a random instruction");
        if (injected++ < 4) {
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
    hwaddr base, gpa, len = TARGET_PAGE_SIZE, xlat;
    uint8_t noise[TARGET_PAGE_SIZE];
    MemoryRegion *mr;
    bool ram;

    if (lie() != LIE_CBIT_ALIAS) {
        return;
    }
    base = 1ULL << lies[chosen].cbitpos;
    if (paddr < base || paddr - base >= ALIAS_SIZE) {
        return;
    }
    gpa = (paddr - base) & TARGET_PAGE_MASK;
    qemu_mutex_lock(&ghcb_lock);
    if (test_and_set_bit(gpa >> TARGET_PAGE_BITS, alias_scribbled)) {
        qemu_mutex_unlock(&ghcb_lock);
        return;
    }
    qemu_mutex_unlock(&ghcb_lock);
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
