/*
 * SEV-ES under TCG: what the monitor shows of the model.
 *
 * info sev-es: per vCPU the GHCB MSR (a GHCB GPA, or an MSR protocol
 * value), the GHCB protocol version its last GHCB page named, AP reset
 * hold, NMI blocking, its #VC and VMGEXIT counts and its last
 * SEV_ES_LOG_LEN requests with their answers; the counts per exit code;
 * the last termination request, its reason decoded to the names the
 * guest series gives them.  The same but the counts (which print_stats
 * prints at exit) goes to stderr once when the guest ends: a termination
 * request or a shutdown.
 *
 * info sev-es-page GPA: the model's state of a page and what a C=0 and a
 * C=1 read see (sev-es-mem.c).
 *
 * The requests are kept in a ring per vCPU, written by that vCPU only;
 * the monitor reads them as they are.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "monitor/hmp-target.h"
#include "monitor/monitor.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-misc-target.h"
#include "qapi/qmp/qdict.h"
#include "qapi/type-helpers.h"
#include "cpu.h"
#include "sev-es-tcg.h"

static const struct {
    uint64_t code;
    const char *name;
} exit_names[] = {
    { 0x027, "DR7 read" }, { 0x037, "DR7 write" }, { 0x041, "#DB" },
    { 0x051, "#AC" }, { 0x06e, "RDTSC" }, { 0x06f, "RDPMC" },
    { 0x072, "CPUID" }, { 0x076, "INVD" }, { 0x07b, "IOIO" },
    { 0x07c, "MSR" }, { 0x081, "VMMCALL" }, { 0x087, "RDTSCP" },
    { 0x089, "WBINVD" }, { 0x08a, "MONITOR" }, { 0x08b, "MWAIT" },
    { 0x400, "NPF" }, { 0x80000001, "MMIO read" },
    { 0x80000002, "MMIO write" }, { 0x80000003, "NMI_COMPLETE" },
    { 0x80000004, "AP reset hold" }, { 0x80000005, "AP jump table" },
    { 0x8000fffd, "HV features" }, { 0x8000fffe, "termination" },
    { 0x8000ffff, "unsupported event" },
};

static const struct {
    uint64_t code;
    const char *name;
} msr_names[] = {
    { 0x002, "SEV information" }, { 0x004, "CPUID" },
    { 0x006, "AP reset hold" }, { 0x010, "GHCB GPA preference" },
    { 0x012, "GHCB GPA registration" }, { 0x080, "HV features" },
    { 0x100, "termination" },
};

/* Reason sets 0 (GHCB spec 4.1.13) and 1 (the guest series'). */
static const struct {
    unsigned set, code;
    const char *name;
} reasons[] = {
    { 0, 0x00, "general termination request" },
    { 0, 0x01, "SEV-ES / GHCB protocol range not supported" },
    { 0, 0x02, "SEV-SNP features not supported" },
    { 1, 0x10, "malformed MSR protocol response" },
    { 1, 0x11, "malformed MSR protocol CPUID response" },
    { 1, 0x12, "C-bit position cannot be a C-bit" },
    { 1, 0x13, "SEV information and CPUID disagree on the C-bit" },
    { 1, 0x14, "the C-bit does not encrypt memory" },
    { 1, 0x15, "#VC this stage cannot handle" },
    { 1, 0x16, "#VC that does not match the instruction" },
    { 1, 0x17, "malformed GHCB page response" },
    { 1, 0x18, "the GHCB page could not be shared" },
    { 1, 0x19, "CPUID denies SEV-ES while in it" },
    { 1, 0x1a, "injection request the spec does not allow" },
    { 1, 0x1b, "returned register without its valid bit" },
    { 1, 0x1c, "response beyond the request's shared buffer" },
    { 1, 0x1d, "hypervisor refused a kernel request" },
    { 1, 0x1e, "GHCB needed three levels deep" },
    { 1, 0x1f, "no RDRAND for the C-bit checks" },
    { 1, 0x20, "malformed AP reset hold response" },
    { 1, 0x21, "an AP did not park for kexec" },
};

static QemuMutex term_lock;
static bool term_seen;
static int term_cpu;
static unsigned term_set, term_code;

void sev_es_info_init(void)
{
    qemu_mutex_init(&term_lock);
}

static const char *exit_name(bool msr, uint64_t code)
{
    unsigned i;

    if (msr) {
        for (i = 0; i < ARRAY_SIZE(msr_names); i++) {
            if (msr_names[i].code == code) {
                return msr_names[i].name;
            }
        }
    } else {
        for (i = 0; i < ARRAY_SIZE(exit_names); i++) {
            if (exit_names[i].code == code) {
                return exit_names[i].name;
            }
        }
    }
    return "?";
}

static const char *reason_name(unsigned set, unsigned code)
{
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(reasons); i++) {
        if (reasons[i].set == set && reasons[i].code == code) {
            return reasons[i].name;
        }
    }
    return "unknown reason";
}

void sev_es_info_log(CPUX86State *env, const SevEsLogEntry *e)
{
    SevEsVcpu *s = &env->sev_es;

    s->log[s->log_next % SEV_ES_LOG_LEN] = *e;
    s->log_next++;
}

static const char *hold_name(uint8_t hold)
{
    switch (hold) {
    case SEV_ES_HOLD_MSR:
        return "MSR protocol";
    case SEV_ES_HOLD_GHCB:
        return "GHCB page";
    default:
        return "none";
    }
}

static void describe_entry(GString *out, const SevEsLogEntry *e)
{
    if (e->msr) {
        g_string_append_printf(out, "    MSR  0x%03" PRIx64 " (%s) 0x%016"
                               PRIx64 " -> 0x%016" PRIx64 "\n", e->exit_code,
                               exit_name(true, e->exit_code), e->info1,
                               e->result1);
        return;
    }
    g_string_append_printf(out, "    GHCB 0x%" PRIx64 " (%s) info1 0x%" PRIx64
                           " info2 0x%" PRIx64, e->exit_code,
                           exit_name(false, e->exit_code), e->info1, e->info2);
    if (e->stopped) {
        g_string_append(out, " -> the VM stopped\n");
    } else {
        g_string_append_printf(out, " -> 0x%" PRIx64 " 0x%" PRIx64 "\n",
                               e->result1, e->result2);
    }
}

static void describe_vcpu(GString *out, CPUState *cs)
{
    SevEsVcpu *s = &X86_CPU(cs)->env.sev_es;
    unsigned n = MIN(s->log_next, SEV_ES_LOG_LEN), i;

    g_string_append_printf(out, "vCPU %d: GHCB MSR 0x%016" PRIx64 " (%s), "
                           "protocol version %u, AP reset hold: %s, "
                           "NMI: %s%s\n", cs->cpu_index, s->ghcb_msr,
                           s->ghcb_msr & 0xfff ? "MSR protocol" : "GHCB GPA",
                           s->ghcb_version, hold_name(s->hold),
                           s->nmi_masked ? "blocked until NMI_COMPLETE" :
                           "not blocked", s->dead ? ", dead" : "");
    g_string_append_printf(out, "  #VC %" PRIu64 ", VMGEXIT %" PRIu64
                           "; last requests, oldest first:\n", s->vc_count,
                           s->vmgexit_count);
    for (i = 0; i < n; i++) {
        describe_entry(out, &s->log[(s->log_next - n + i) % SEV_ES_LOG_LEN]);
    }
}

static void describe(GString *out, bool counts)
{
    CPUState *cs;

    CPU_FOREACH(cs) {
        describe_vcpu(out, cs);
    }
    if (counts) {
        sev_es_hv_describe_counts(out);
    }
    qemu_mutex_lock(&term_lock);
    if (term_seen) {
        g_string_append_printf(out, "termination request: vCPU %d, reason "
                               "set %u, reason code 0x%02x: %s\n", term_cpu,
                               term_set, term_code,
                               reason_name(term_set, term_code));
    } else {
        g_string_append(out, "termination request: none\n");
    }
    qemu_mutex_unlock(&term_lock);
}

/* The guest ended: say what the model saw, once. */
void sev_es_info_report(void)
{
    static bool reported;
    g_autoptr(GString) out = g_string_new("");

    if (qatomic_xchg(&reported, true)) {
        return;
    }
    describe(out, false);
    error_printf("sev-es: the guest ended; the model's state:\n%s", out->str);
}

void sev_es_info_terminated(CPUState *cs, unsigned set, unsigned code)
{
    qemu_mutex_lock(&term_lock);
    term_seen = true;
    term_cpu = cs->cpu_index;
    term_set = set;
    term_code = code;
    qemu_mutex_unlock(&term_lock);
    error_report("sev-es: termination reason: %s", reason_name(set, code));
    sev_es_info_report();
}

HumanReadableText *qmp_x_query_sev_es(Error **errp)
{
    g_autoptr(GString) out = g_string_new("");

    if (!sev_es_tcg()) {
        error_setg(errp, "the SEV-ES model is not active");
        return NULL;
    }
    describe(out, true);
    return human_readable_text_from_str(out);
}

void hmp_info_sev_es_page(Monitor *mon, const QDict *qdict)
{
    g_autoptr(GString) out = g_string_new("");

    if (!sev_es_tcg()) {
        monitor_printf(mon, "the SEV-ES model is not active\n");
        return;
    }
    sev_es_mem_describe(qdict_get_int(qdict, "addr"), out);
    monitor_puts(mon, out->str);
}
