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
#include "sev-es-model.h"

static const struct {
    uint64_t code;
    const char *name;
} exit_names[] = {
    { SVM_EXIT_READ_DR7, "DR7 read" },
    { SVM_EXIT_WRITE_DR7, "DR7 write" },
    { SVM_EXIT_EXCP_BASE + EXCP01_DB, "#DB" },
    { SVM_EXIT_EXCP_BASE + EXCP11_ALGN, "#AC" },
    { SVM_EXIT_RDTSC, "RDTSC" },
    { SVM_EXIT_RDPMC, "RDPMC" },
    { SVM_EXIT_CPUID, "CPUID" },
    { SVM_EXIT_INVD, "INVD" },
    { SVM_EXIT_IOIO, "IOIO" },
    { SVM_EXIT_MSR, "MSR" },
    { SVM_EXIT_VMMCALL, "VMMCALL" },
    { SVM_EXIT_RDTSCP, "RDTSCP" },
    { SVM_EXIT_WBINVD, "WBINVD" },
    { SVM_EXIT_MONITOR, "MONITOR" },
    { SVM_EXIT_MWAIT, "MWAIT" },
    { SVM_EXIT_NPF, "NPF" },
    { SVM_VMGEXIT_MMIO_READ, "MMIO read" },
    { SVM_VMGEXIT_MMIO_WRITE, "MMIO write" },
    { SVM_VMGEXIT_NMI_COMPLETE, "NMI_COMPLETE" },
    { SVM_VMGEXIT_AP_HLT_LOOP, "AP reset hold" },
    { SVM_VMGEXIT_AP_JUMP_TABLE, "AP jump table" },
    { SVM_VMGEXIT_HV_FEATURES, "HV features" },
    { SVM_VMGEXIT_TERM_REQUEST, "termination" },
    { SVM_VMGEXIT_UNSUPPORTED, "unsupported event" },
};

static const struct {
    uint64_t code;
    const char *name;
} msr_names[] = {
    { GHCB_MSR_SEV_INFO_REQ, "SEV information" },
    { GHCB_MSR_CPUID_REQ, "CPUID" },
    { GHCB_MSR_AP_RESET_HOLD_REQ, "AP reset hold" },
    { GHCB_MSR_PREF_GPA_REQ, "GHCB GPA preference" },
    { GHCB_MSR_REG_GPA_REQ, "GHCB GPA registration" },
    { GHCB_MSR_HV_FT_REQ, "HV features" },
    { GHCB_MSR_TERM_REQ, "termination" },
};

/* The termination reasons, as the guest series describes them. */
static const struct {
    unsigned set, code;
    const char *name;
} reasons[] = {
#define LINUX(c, s) { SEV_TERM_SET_LINUX, GHCB_TERM_##c, s }
    { SEV_TERM_SET_GEN, GHCB_SEV_ES_GEN_REQ, "general termination request" },
    { SEV_TERM_SET_GEN, GHCB_SEV_ES_PROT_UNSUPPORTED,
      "SEV-ES / GHCB protocol range not supported" },
    { SEV_TERM_SET_GEN, GHCB_SNP_UNSUPPORTED,
      "SEV-SNP features not supported" },
    LINUX(MSR_RESPONSE, "malformed MSR protocol response"),
    LINUX(CPUID_RESPONSE, "malformed MSR protocol CPUID response"),
    LINUX(CBIT_RANGE, "C-bit position cannot be a C-bit"),
    LINUX(CBIT_MISMATCH, "SEV information and CPUID disagree on the C-bit"),
    LINUX(CBIT_PROBE, "the C-bit does not encrypt memory"),
    LINUX(VC_UNEXPECTED, "#VC this stage cannot handle"),
    LINUX(VC_MISMATCH, "#VC that does not match the instruction"),
    LINUX(GHCB_RESPONSE, "malformed GHCB page response"),
    LINUX(GHCB_SETUP, "the GHCB page could not be shared"),
    LINUX(CPUID_NO_SEV, "CPUID denies SEV-ES while in it"),
    LINUX(GHCB_INJECT, "injection request the spec does not allow"),
    LINUX(GHCB_VALID, "returned register without its valid bit"),
    LINUX(GHCB_SIZE, "response beyond the request's shared buffer"),
    LINUX(VC_FAILED, "hypervisor refused a kernel request"),
    LINUX(GHCB_NESTED, "GHCB needed three levels deep"),
    LINUX(NO_RDRAND, "no RDRAND for the C-bit checks"),
    LINUX(AP_HOLD, "malformed AP reset hold response"),
    LINUX(AP_PARK, "an AP did not park for kexec"),
#undef LINUX
};

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
                           s->ghcb_msr & GHCB_MSR_INFO_MASK ?
                           "MSR protocol" : "GHCB GPA",
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
    SevEsModel *m = sev_es_model();
    CPUState *cs;

    CPU_FOREACH(cs) {
        describe_vcpu(out, cs);
    }
    if (counts) {
        sev_es_hv_describe_counts(out);
    }
    qemu_mutex_lock(&m->info.lock);
    if (m->info.term_seen) {
        g_string_append_printf(out, "termination request: vCPU %d, reason "
                               "set %u, reason code 0x%02x: %s\n",
                               m->info.term_cpu, m->info.term_set,
                               m->info.term_code,
                               reason_name(m->info.term_set,
                                           m->info.term_code));
    } else {
        g_string_append(out, "termination request: none\n");
    }
    qemu_mutex_unlock(&m->info.lock);
}

/* The guest ended: say what the model saw, once. */
void sev_es_info_report(void)
{
    g_autoptr(GString) out = g_string_new("");

    if (qatomic_xchg(&sev_es_model()->info.reported, true)) {
        return;
    }
    describe(out, false);
    error_printf("sev-es: the guest ended; the model's state:\n%s", out->str);
}

void sev_es_info_terminated(CPUState *cs, unsigned set, unsigned code)
{
    SevEsModel *m = sev_es_model();

    qemu_mutex_lock(&m->info.lock);
    m->info.term_seen = true;
    m->info.term_cpu = cs->cpu_index;
    m->info.term_set = set;
    m->info.term_code = code;
    qemu_mutex_unlock(&m->info.lock);
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
