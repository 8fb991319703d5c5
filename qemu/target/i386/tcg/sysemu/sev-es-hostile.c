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
 * mode.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "cpu.h"
#include "sev-es-tcg.h"
#include "trace.h"

typedef enum Lie {
    LIE_NONE,
    LIE_CBIT,           /* another C-bit position, in SEV info and CPUID */
    LIE_CBIT_INFO,      /* another C-bit position, in SEV info only */
    LIE_SNP,            /* SEV_STATUS and CPUID claim SEV-SNP */
    LIE_VERSION,        /* a protocol range without versions 1 and 2 */
    LIE_CPUID_CODE,     /* CPUID responses with the wrong GHCBInfo */
    LIE_CPUID_REG,      /* CPUID responses for another register */
    LIE_GARBAGE,        /* every MSR protocol response is garbage */
    LIE_GHCB_EXITINFO,  /* CPUID answered with sw_exit_info_1 3 */
    LIE_GHCB_INJECT,    /* CPUID answered with an NMI to raise */
    LIE_GHCB_VALID,     /* CPUID answered without RBX marked valid */
    LIE_GHCB_OVERSIZE,  /* scratch data answered with length 2048 */
    LIE_VC_SPURIOUS,    /* a #VC with another instruction's exit code */
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
    { "snp", LIE_SNP, 0, "SEV-SNP active" },
    { "version", LIE_VERSION, 0, "GHCB protocol versions 3 to 3 only" },
    { "cpuid-code", LIE_CPUID_CODE, 0, "CPUID answered with GHCBInfo "
                                       "0x007" },
    { "cpuid-reg", LIE_CPUID_REG, 0, "CPUID answered for the next "
                                     "register" },
    { "garbage", LIE_GARBAGE, 0, "garbage in every MSR protocol "
                                 "response" },
    { "ghcb-exitinfo", LIE_GHCB_EXITINFO, 0, "GHCB CPUID answered with "
                                             "sw_exit_info_1 3" },
    { "ghcb-inject", LIE_GHCB_INJECT, 0, "GHCB CPUID answered with an NMI "
                                         "for the guest to raise" },
    { "ghcb-valid", LIE_GHCB_VALID, 0, "GHCB CPUID answered without RBX "
                                       "marked valid" },
    { "ghcb-oversize", LIE_GHCB_OVERSIZE, 0, "string IN and MMIO reads "
                                             "answered with 2048 bytes" },
    { "vc-spurious", LIE_VC_SPURIOUS, 0, "one kernel #VC after user mode "
                                         "with a wrong exit code" },
};

#define GARBAGE     0xbadc0ffee0ddffffULL
#define OVERSIZE    2048        /* more than the 2032-byte shared buffer */

static int chosen = -1;
static bool ghcb_seen;
static bool armed;
static QemuMutex ghcb_lock;
static GHashTable *firmware_ghcbs;  /* GHCB pages used before the lie */
static bool os_ghcb;                /* one it had not was used since */
static bool user_vc_seen;
static bool vc_lie_told;

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

uint64_t sev_es_hostile_sev_info(uint64_t resp)
{
    switch (lie()) {
    case LIE_CBIT:
    case LIE_CBIT_INFO:
        told("SEV information");
        return (resp & ~(0xffULL << 24)) |
               ((uint64_t)lies[chosen].cbitpos << 24);
    case LIE_VERSION:
        told("SEV information");
        return (resp & 0xffffffffULL) | (3ULL << 48) | (3ULL << 32);
    default:
        return resp;
    }
}

uint64_t sev_es_hostile_msr_response(uint64_t resp)
{
    switch (lie()) {
    case LIE_CPUID_CODE:
        if ((resp & 0xfff) == 0x005) {
            told("CPUID response code");
            return (resp & ~0xfffULL) | 0x007;
        }
        return resp;
    case LIE_CPUID_REG:
        if ((resp & 0xfff) == 0x005) {
            told("CPUID response register");
            return resp ^ (1ULL << 30);
        }
        return resp;
    case LIE_GARBAGE:
        told("MSR protocol response");
        return GARBAGE;
    default:
        return resp;
    }
}

void sev_es_hostile_cpuid(uint32_t fn, uint32_t *eax, uint32_t *ebx)
{
    if (fn != 0x8000001f) {
        return;
    }
    switch (lie()) {
    case LIE_CBIT:
        told("CPUID 0x8000001f");
        *ebx = (*ebx & ~0x3f) | lies[chosen].cbitpos;
        break;
    case LIE_SNP:
        told("CPUID 0x8000001f");
        *eax |= 1 << 4;
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
        if (exit_code == SVM_EXIT_CPUID) {
            told("GHCB CPUID sw_exit_info_2");
            *result1 = 1;       /* raise the exception in sw_exit_info_2 */
            *result2 = (uint32_t)(SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXEPT |
                                  EXCP02_NMI);
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

/* A GHCB CPUID answer: is the RBX it returns marked valid? */
bool sev_es_hostile_ghcb_cpuid_rbx_valid(void)
{
    if (ghcb_lie() == LIE_GHCB_VALID) {
        told("GHCB CPUID valid bitmap");
        return false;
    }
    return true;
}

/* The error code of a #VC raised at @cpl for @exit_code. */
uint32_t sev_es_hostile_vc(uint32_t exit_code, unsigned cpl)
{
    if (lie() != LIE_VC_SPURIOUS) {
        return exit_code;
    }
    if (cpl == 3) {
        qatomic_set(&user_vc_seen, true);
        return exit_code;
    }
    if (!qatomic_read(&user_vc_seen) || qatomic_xchg(&vc_lie_told, true)) {
        return exit_code;
    }
    told("#VC error code");
    return exit_code == SVM_EXIT_RDTSC ? SVM_EXIT_CPUID : SVM_EXIT_RDTSC;
}
