/*
 * SEV-ES under TCG: the hypervisor side.
 *
 * What a KVM-like hypervisor does on VMGEXIT: the GHCB MSR protocol and
 * the GHCB page protocol of the GHCB specification (AMD 56421).  It sees
 * the guest only through the GHCB MSR and the GHCB page (shared memory),
 * never through the vCPU's registers, and answers malformed requests with
 * the errors the specification defines.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/notify.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"
#include "exec/address-spaces.h"
#include "exec/exec-all.h"
#include "cpu.h"
#include "sev.h"
#include "sev-es-model.h"
#include "tcg/helper-tcg.h"
#include "trace.h"

/* Scratch areas outside the GHCB: at most this long (as KVM). */
#define GHCB_SCRATCH_MAX            (16 * GHCB_PAGE_SIZE)

/* KVM's hypercall ABI (include/uapi/linux/kvm_para.h). */
#define KVM_ENOSYS                  1000
#define KVM_EPERM                   1
#define KVM_HC_VAPIC_POLL_IRQ       1

/* One VMGEXIT being served: a copy of the GHCB page. */
typedef struct Ghcb {
    X86CPU *cpu;
    hwaddr gpa;
    uint8_t page[GHCB_PAGE_SIZE];
    uint8_t valid[16];          /* the guest's valid bitmap, as received */
    uint8_t out_valid[16];      /* what we return */
    uint64_t exit_code;         /* the request, as received */
    uint64_t info1;
    uint64_t info2;
    uint64_t result1;           /* the answer in sw_exit_info_1/2 */
    uint64_t result2;
    bool scratch_dirty;
    hwaddr scratch_gpa;
    uint32_t scratch_len;
    uint8_t *scratch;           /* into page[], or a bounce buffer */
    uint8_t *bounce;            /* owned, freed after the exit */
    const char *fatal;          /* the VM cannot go on (KVM_RUN fails) */
} Ghcb;

/*
 * Per exit code counters.  The codes come from the guest, before any
 * validation: a table holds at most COUNTS_MAX of them and counts the
 * rest together, so a guest cannot grow the host's memory.
 */
#define COUNTS_MAX                  64

/* The KVM the hypervisor side imitates. */
static SevEsKvm kvm(void)
{
    return sev_es_model()->config.kvm;
}

/* Counters ------------------------------------------------------------ */

static void count(SevEsCounts *c, uint64_t code)
{
    QemuMutex *lock = &sev_es_model()->hv.lock;
    gpointer key = (gpointer)(uintptr_t)code;
    unsigned n;

    qemu_mutex_lock(lock);
    n = GPOINTER_TO_UINT(g_hash_table_lookup(c->by_code, key));
    if (n || g_hash_table_size(c->by_code) < COUNTS_MAX) {
        g_hash_table_insert(c->by_code, key, GUINT_TO_POINTER(n + 1));
    } else {
        c->other++;
    }
    qemu_mutex_unlock(lock);
}

void sev_es_count_vc(uint32_t exit_code)
{
    count(&sev_es_model()->hv.vc_counts, exit_code);
}

static gint code_cmp(gconstpointer a, gconstpointer b)
{
    uint64_t x = (uintptr_t)a, y = (uintptr_t)b;

    return x < y ? -1 : x > y;
}

static void describe_table(GString *out, const char *what, SevEsCounts *c)
{
    GList *keys = g_list_sort(g_hash_table_get_keys(c->by_code), code_cmp);
    GList *k;

    for (k = keys; k; k = k->next) {
        g_string_append_printf(out, "sev-es: %s exit code 0x%" PRIx64 ": %u\n",
                               what, (uint64_t)(uintptr_t)k->data,
                               GPOINTER_TO_UINT(g_hash_table_lookup(
                                   c->by_code, k->data)));
    }
    if (c->other) {
        g_string_append_printf(out, "sev-es: %s other exit codes: %u\n",
                               what, c->other);
    }
    g_list_free(keys);
}

/* The #VC and VMGEXIT counts per exit code, one line each. */
void sev_es_hv_describe_counts(GString *out)
{
    SevEsModel *m = sev_es_model();

    qemu_mutex_lock(&m->hv.lock);
    describe_table(out, "#VC", &m->hv.vc_counts);
    describe_table(out, "VMGEXIT", &m->hv.vmgexit_counts);
    qemu_mutex_unlock(&m->hv.lock);
}

static void print_stats(Notifier *n, void *unused)
{
    g_autoptr(GString) out = g_string_new("");

    sev_es_hv_describe_counts(out);
    error_printf("%s", out->str);
}

void sev_es_hv_init(SevEsModel *m)
{
    m->hv.vc_counts.by_code = g_hash_table_new(NULL, NULL);
    m->hv.vmgexit_counts.by_code = g_hash_table_new(NULL, NULL);
    if (m->config.print_stats) {
        m->hv.stats_notifier.notify = print_stats;
        qemu_add_exit_notifier(&m->hv.stats_notifier);
    }
}

/* Termination: the guest is gone --------------------------------------- */

static SevEsExit terminate(X86CPU *cpu, unsigned set, unsigned code)
{
    trace_sev_es_terminate(CPU(cpu)->cpu_index, set, code);
    if (sev_es_hostile_ignore_termination(set, code)) {
        return SEV_ES_RESUME;
    }
    sev_es_info_terminated(CPU(cpu), set, code);
    error_report("sev-es: guest termination request: reason set %u, "
                 "reason code %u", set, code);
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_PANIC);
    return SEV_ES_STOP;
}

/*
 * The guest asked for something no KVM survives: KVM_RUN fails and the
 * VMM stops the VM.
 */
static SevEsExit stop_guest(X86CPU *cpu, const char *why)
{
    error_report("sev-es: vCPU %d: %s, stopping", CPU(cpu)->cpu_index, why);
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_PANIC);
    return SEV_ES_STOP;
}

/* The MSR protocol (GHCB spec (56421), "GHCB MSR Protocol") ----------- */

/*
 * SEV information: KVM 6.1 speaks protocol 1 only (GHCB_VERSION_MAX), a
 * current KVM 1 and 2.  Also the GHCB MSR's value at vCPU reset
 * (sev_es_vcpu_reset()).
 */
uint64_t sev_es_hv_sev_info(void)
{
    unsigned max = kvm() == SEV_ES_KVM_6_1 ? 1 : GHCB_PROTOCOL_MAX;

    return GHCB_MSR_SEV_INFO(max, GHCB_PROTOCOL_MIN, sev_get_cbit_position());
}

static uint32_t cpuid_reg(CPUX86State *env, uint32_t fn, unsigned reg)
{
    uint32_t r[4];

    cpu_x86_cpuid(env, fn, 0, &r[0], &r[1], &r[2], &r[3]);
    sev_es_hostile_cpuid(fn, r);
    return r[reg];
}

/*
 * A SIPI that found the vCPU running, not in AP reset hold, came for the
 * hold it was about to enter: OVMF and Linux report an AP parked just
 * before its hold VMGEXIT, and the BSP may wake it at once.  KVM drops
 * such a SIPI, and an AP preempted in that window then holds forever; the
 * model keeps it, and the next hold ends as soon as it starts.
 */
static bool take_early_wake(X86CPU *cpu)
{
    SevEsVcpu *s = &cpu->env.sev_es;

    if (!s->wake_pending) {
        return false;
    }
    s->wake_pending = false;
    trace_sev_es_ap_wake(CPU(cpu)->cpu_index, SEV_ES_HOLD_NONE);
    return true;
}

static bool msr_request_known(unsigned info)
{
    switch (info) {
    case GHCB_MSR_SEV_INFO_REQ:
    case GHCB_MSR_CPUID_REQ:
    case GHCB_MSR_TERM_REQ:
        return true;
    case GHCB_MSR_AP_RESET_HOLD_REQ:
    case GHCB_MSR_PREF_GPA_REQ:
    case GHCB_MSR_REG_GPA_REQ:
    case GHCB_MSR_HV_FT_REQ:
        return kvm() == SEV_ES_KVM_UPSTREAM;
    default:
        return false;
    }
}

/*
 * The MSR protocol as sev_handle_vmgexit_msr_protocol(): KVM 6.1 answers
 * SEV information, CPUID and termination only; a current KVM also AP
 * reset hold and hypervisor features, and ends a non-SNP guest that asks
 * for an SNP request (GHCB GPA preference or registration).  Any other
 * request stays in the MSR, unanswered.
 */
static SevEsExit msr_protocol(X86CPU *cpu, uint64_t msr)
{
    CPUX86State *env = &cpu->env;
    unsigned info = msr & GHCB_MSR_INFO_MASK;
    uint64_t resp;

    trace_sev_es_msr_protocol(CPU(cpu)->cpu_index, info, msr);
    count(&sev_es_model()->hv.vmgexit_counts, info);
    sev_es_hostile_msr_request();
    if (!msr_request_known(info)) {
        trace_sev_es_msr_protocol_unknown(CPU(cpu)->cpu_index, msr);
        qemu_log_mask(LOG_GUEST_ERROR,
                      "sev-es: unknown GHCB MSR protocol request 0x%" PRIx64
                      "\n", msr);
        return SEV_ES_RESUME;
    }
    switch (info) {
    case GHCB_MSR_SEV_INFO_REQ:
        resp = sev_es_hostile_sev_info(sev_es_hv_sev_info());
        break;
    case GHCB_MSR_CPUID_REQ: {
        uint32_t fn = msr >> GHCB_MSR_CPUID_FN_SHIFT;
        unsigned reg = GHCB_MSR_CPUID_REG(msr);

        /* Bits 31:12 of the request stay as they were. */
        resp = ((uint64_t)cpuid_reg(env, fn, reg) << GHCB_MSR_CPUID_FN_SHIFT) |
               (msr & GHCB_MSR_LOW_MASK & ~GHCB_MSR_INFO_MASK) |
               GHCB_MSR_CPUID_RESP;
        break;
    }
    case GHCB_MSR_AP_RESET_HOLD_REQ:
        if (take_early_wake(cpu)) {
            resp = GHCB_MSR_AP_RESET_HOLD_WOKEN;
            break;
        }
        /* Until a SIPI: "keep holding" (GHCBData 0). */
        env->sev_es.ghcb_msr = GHCB_MSR_AP_RESET_HOLD_RESP;
        env->sev_es.hold = SEV_ES_HOLD_MSR;
        return SEV_ES_HALT;
    case GHCB_MSR_PREF_GPA_REQ:
    case GHCB_MSR_REG_GPA_REQ:
        return stop_guest(cpu, "SNP request from an SEV-ES guest "
                          "(KVM_EXIT_SYSTEM_EVENT: SEV_TERM)");
    case GHCB_MSR_HV_FT_REQ:
        resp = (GHCB_HV_FT_SUPPORTED << GHCB_MSR_DATA_SHIFT) |
               GHCB_MSR_HV_FT_RESP;
        break;
    default: /* GHCB_MSR_TERM_REQ */
        return terminate(cpu, GHCB_MSR_TERM_SET(msr), GHCB_MSR_TERM_CODE(msr));
    }
    env->sev_es.ghcb_msr = sev_es_hostile_msr_response(resp);
    sev_es_info_log(env, &(SevEsLogEntry) {
        .msr = true, .exit_code = info, .info1 = msr,
        .result1 = env->sev_es.ghcb_msr,
    });
    return SEV_ES_RESUME;
}

/* The GHCB page (GHCB spec (56421), "GHCB Layout") -------------------- */

static unsigned field_bit(unsigned offset)
{
    return offset / 8;
}

static bool is_valid(const Ghcb *g, unsigned offset)
{
    unsigned bit = field_bit(offset);

    return g->valid[bit / 8] & (1 << (bit % 8));
}

static uint64_t get_field(const Ghcb *g, unsigned offset)
{
    return ldq_le_p(g->page + offset);
}

static void mark_valid(Ghcb *g, unsigned offset)
{
    unsigned bit = field_bit(offset);

    g->out_valid[bit / 8] |= 1 << (bit % 8);
}

static void clear_valid(Ghcb *g, unsigned offset)
{
    unsigned bit = field_bit(offset);

    g->out_valid[bit / 8] &= ~(1 << (bit % 8));
}

static void set_field(Ghcb *g, unsigned offset, uint64_t val)
{
    stq_le_p(g->page + offset, val);
    mark_valid(g, offset);
}

/*
 * KVM reaches guest memory only through its memslots: RAM, and for reads
 * ROM and flash in ROM mode (read-only slots).  Device memory has none,
 * so the hypervisor side never touches the local APIC, a flash in
 * command mode or any other device through a GPA the guest names.
 */
static bool hv_can_access(hwaddr gpa, hwaddr len, bool write)
{
    hwaddr xlat, l;
    MemoryRegion *mr;

    if (gpa + len < gpa) {
        return false;
    }
    RCU_READ_LOCK_GUARD();
    while (len) {
        l = len;
        mr = address_space_translate(&address_space_memory, gpa, &xlat, &l,
                                     write, MEMTXATTRS_UNSPECIFIED);
        if (memory_region_is_ram_device(mr)) {
            return false;
        }
        if (write ? !memory_region_is_ram(mr) || mr->readonly
                  : !memory_region_is_ram(mr) && !memory_region_is_romd(mr)) {
            return false;
        }
        gpa += l;
        len -= l;
    }
    return true;
}

/* Copy from or to guest RAM the hypervisor may reach: DRAM's bytes. */
static void hv_copy(hwaddr gpa, void *buf, hwaddr len, bool write)
{
    sev_es_mem_host_access(gpa, len);
    address_space_rw(&address_space_memory, gpa, MEMTXATTRS_UNSPECIFIED,
                     buf, len, write);
}

/* kvm_read_guest(): what DRAM holds, or false where no memslot is. */
static bool host_read(hwaddr gpa, void *buf, hwaddr len)
{
    if (!hv_can_access(gpa, len, false)) {
        return false;
    }
    hv_copy(gpa, buf, len, false);
    return true;
}

/* kvm_write_guest(): into DRAM, where a writable memslot is. */
static bool host_write(hwaddr gpa, void *buf, hwaddr len)
{
    if (!hv_can_access(gpa, len, true)) {
        return false;
    }
    hv_copy(gpa, buf, len, true);
    return true;
}

static void set_result(Ghcb *g, uint64_t info1, uint64_t info2)
{
    g->result1 = info1;
    g->result2 = info2;
}

static void input_error(Ghcb *g, unsigned reason, const char *what)
{
    trace_sev_es_ghcb_error(CPU(g->cpu)->cpu_index, g->exit_code, reason,
                            what);
    qemu_log_mask(LOG_GUEST_ERROR, "sev-es: GHCB 0x%" HWADDR_PRIx
                  " exit 0x%" PRIx64 ": %s\n", g->gpa, g->exit_code, what);
    set_result(g, GHCB_RESULT_ERROR, reason);
}

/*
 * Ask the guest to raise @vector (#GP, #UD) itself (GHCB spec (56421),
 * "Non-Automatic Exit (NAE) Events").
 */
static void inject(Ghcb *g, unsigned vector)
{
    set_result(g, GHCB_RESULT_EXCEPTION,
               (uint32_t)(vector | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID));
}

/* Every input the event reads must be marked valid by the guest. */
static bool need(Ghcb *g, unsigned offset, const char *what)
{
    if (!is_valid(g, offset)) {
        input_error(g, GHCB_ERR_MISSING_INPUT, what);
        return false;
    }
    return true;
}

/*
 * A scratch area outside the GHCB that is not guest memory: KVM 6.1's
 * kvm_read_guest() fails and KVM_RUN returns -EFAULT, which ends the VM.
 */
static void scratch_fault(Ghcb *g)
{
    g->fatal = "scratch area is not guest memory (KVM_RUN: EFAULT)";
}

/*
 * The scratch area, as KVM's setup_vmgexit_scratch(): a non-zero GPA and
 * an end that does not wrap; one that starts in the GHCB page must lie
 * entirely within its shared buffer.  Any other is refused by a current
 * KVM (protocol 2); KVM 6.1 takes up to GHCB_SCRATCH_MAX bytes of guest
 * memory into a bounce buffer.  Both ends are
 * compared, so no length can reach past the copy of the page.
 */
static bool map_scratch(Ghcb *g, uint64_t len)
{
    uint64_t gpa, end;

    if (!need(g, GHCB_SW_SCRATCH, "sw_scratch not valid")) {
        return false;
    }
    gpa = get_field(g, GHCB_SW_SCRATCH);
    end = gpa + len;
    if (!gpa || end < gpa) {
        input_error(g, GHCB_ERR_INVALID_SCRATCH, "invalid scratch area");
        return false;
    }
    if ((gpa & TARGET_PAGE_MASK) == g->gpa) {
        if (gpa < g->gpa + GHCB_SHARED_BUF ||
            end > g->gpa + GHCB_SHARED_BUF_END) {
            input_error(g, GHCB_ERR_INVALID_SCRATCH,
                        "scratch area outside the shared buffer");
            return false;
        }
        g->scratch = g->page + (gpa - g->gpa);
    } else {
        /* A current KVM with protocol 2 wants it in the GHCB. */
        if (kvm() == SEV_ES_KVM_UPSTREAM) {
            input_error(g, GHCB_ERR_INVALID_SCRATCH,
                        "scratch area outside the GHCB");
            return false;
        }
        if (len > GHCB_SCRATCH_MAX) {
            input_error(g, GHCB_ERR_INVALID_SCRATCH, "scratch area too long");
            return false;
        }
        g->bounce = g_malloc0(len);
        /* KVM reads the area in whatever the direction. */
        if (!host_read(gpa, g->bounce, len)) {
            scratch_fault(g);
            return false;
        }
        g->scratch = g->bounce;
    }
    g->scratch_gpa = gpa;
    g->scratch_len = len;
    return true;
}

/*
 * SVM_EXIT_IOIO (GHCB spec (56421), "IOIO"), as KVM's sev_handle_vmgexit()
 * and io_interception(): the inputs are checked first (sw_scratch for a
 * string, RAX for an OUT); a size field of 0 then does nothing and
 * succeeds, any other does an access of that many bytes.  An IN below 4
 * bytes keeps the rest of RAX (as complete_fast_pio_in()).  A string whose
 * byte count overflows an int fails KVM_RUN.
 */
static void handle_ioio(Ghcb *g)
{
    uint64_t info1 = g->info1;
    unsigned size = (info1 & IOIO_SIZE_MASK) >> IOIO_SIZE_SHIFT;
    uint16_t port = info1 >> IOIO_PORT_SHIFT;
    bool in = info1 & IOIO_TYPE_IN;
    uint64_t count = g->info2, i, rax;
    uint8_t buf[8];

    if (info1 & IOIO_STR) {
        if (!need(g, GHCB_SW_SCRATCH, "string IOIO without sw_scratch")) {
            return;
        }
    } else if (!in && !need(g, GHCB_RAX, "IOIO OUT without RAX")) {
        return;
    }
    if (!size) {
        return;
    }
    if (info1 & IOIO_STR) {
        if (count > INT32_MAX || count * size > INT32_MAX) {
            g->fatal = "string IOIO count overflows (KVM_RUN: EINVAL)";
            return;
        }
        if (!count || !map_scratch(g, count * size)) {
            return;
        }
        for (i = 0; i < count; i++) {
            address_space_rw(&address_space_io, port, MEMTXATTRS_UNSPECIFIED,
                             g->scratch + i * size, size, !in);
        }
        g->scratch_dirty = in;
        return;
    }
    rax = is_valid(g, GHCB_RAX) ? get_field(g, GHCB_RAX) : 0;
    stq_le_p(buf, in && size >= 4 ? 0 : rax);
    address_space_rw(&address_space_io, port, MEMTXATTRS_UNSPECIFIED,
                     buf, size, !in);
    if (in) {
        set_field(g, GHCB_RAX, ldq_le_p(buf));
        if (sev_es_hostile_ghcb_unmark(SVM_EXIT_IOIO)) {
            clear_valid(g, GHCB_RAX);
        }
    }
}

/* SVM_EXIT_CPUID (GHCB spec (56421), "CPUID") */
static void handle_cpuid(Ghcb *g)
{
    CPUX86State *env = &g->cpu->env;
    uint32_t r[4], fn, idx;

    if (!need(g, GHCB_RAX, "CPUID without RAX") ||
        !need(g, GHCB_RCX, "CPUID without RCX")) {
        return;
    }
    fn = get_field(g, GHCB_RAX);
    idx = get_field(g, GHCB_RCX);
    if (fn == 0xd && !need(g, GHCB_XCR0, "CPUID 0xD without XCR0")) {
        return;
    }
    cpu_x86_cpuid(env, fn, idx, &r[0], &r[1], &r[2], &r[3]);
    sev_es_hostile_cpuid(fn, r);
    set_field(g, GHCB_RAX, r[0]);
    set_field(g, GHCB_RBX, r[1]);
    set_field(g, GHCB_RCX, r[2]);
    set_field(g, GHCB_RDX, r[3]);
    if (sev_es_hostile_ghcb_unmark(SVM_EXIT_CPUID)) {
        clear_valid(g, GHCB_RBX);
    }
}

/*
 * MSRs whose state the VMSA holds.  KVM 6.1's svm_get_msr()/svm_set_msr()
 * use its own copy, which the encrypted guest never sees: a write through
 * the GHCB changes nothing the guest runs with, and a read returns what
 * was last written there.  A current KVM refuses the access
 * (sev_es_prevent_msr_access()): #GP.
 */
static const uint32_t vmsa_msrs[SEV_ES_VMSA_MSRS] = {
    MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_FMASK,
    MSR_FSBASE, MSR_GSBASE, MSR_KERNELGSBASE,
    MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
    MSR_EFER, MSR_PAT, MSR_TSC_AUX, MSR_IA32_SPEC_CTRL,
    0x1d9, 0x1db, 0x1dc, 0x1dd, 0x1de,  /* DEBUGCTL, the LBR MSRs */
};

static int vmsa_msr_slot(uint32_t index)
{
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(vmsa_msrs); i++) {
        if (vmsa_msrs[i] == index) {
            return i;
        }
    }
    return -1;
}

/*
 * The other MSRs KVM emulates for a guest without KVM's paravirtual
 * features (kvm_get_msr_common(), svm_get_msr()); any other access is
 * refused with #GP, where TCG would read 0.
 */
static const struct {
    uint32_t first, last;
} kvm_msrs[] = {
    { 0x00, 0x01 },                 /* P5 machine check */
    { 0x10, 0x10 },                 /* TSC */
    { 0x17, 0x17 },                 /* PLATFORM_ID */
    { 0x1b, 0x1b },                 /* APIC base */
    { 0x2a, 0x2a }, { 0x2c, 0x2c }, /* EBL_CR_POWERON, EBC_FREQUENCY_ID */
    { 0x34, 0x34 },                 /* SMI count */
    { 0x3b, 0x3b },                 /* TSC_ADJUST */
    { 0x8b, 0x8b },                 /* microcode revision */
    { 0xc1, 0xc2 },                 /* P6 counters */
    { 0xfe, 0xfe },                 /* MTRRcap */
    { 0x11e, 0x11e },               /* BBL_CR_CTL3 */
    { 0x140, 0x140 },               /* MISC_FEATURES_ENABLES */
    { 0x179, 0x17b },               /* MCG_CAP, MCG_STATUS, MCG_CTL */
    { 0x186, 0x187 },               /* P6 event selects */
    { 0x198, 0x199 },               /* PERF_STATUS, PERF_CTL */
    { 0x1a0, 0x1a0 },               /* MISC_ENABLE */
    { 0x1fc, 0x1fc },               /* POWER_CTL */
    { 0x200, 0x29f },               /* MTRRs, MCx_CTL2 */
    { 0x2ff, 0x2ff },               /* MTRRdefType */
    { 0x400, 0x47f },               /* machine check banks */
    { 0x606, 0x606 }, { 0x611, 0x611 }, { 0x619, 0x619 },
    { 0x639, 0x639 }, { 0x641, 0x641 },     /* RAPL */
    { 0x6e0, 0x6e0 },               /* TSC_DEADLINE */
    { 0x800, 0x8ff },               /* x2APIC */
    { 0xc0010000, 0xc0010007 },     /* K7 counters */
    { 0xc0010010, 0xc0010010 },     /* SYSCFG */
    { 0xc0010015, 0xc0010015 },     /* HWCR */
    { 0xc001001b, 0xc001001b },     /* CLK_CTL */
    { 0xc001001f, 0xc001001f },     /* NB_CFG */
    { 0xc0010055, 0xc0010055 },     /* INT_PENDING_MSG */
    { 0xc0010058, 0xc0010058 },     /* MMIO_CONF_BASE */
    { 0xc0010112, 0xc0010114 },     /* TSEG, VM_CR */
    { 0xc0010117, 0xc0010117 },     /* VM_HSAVE_PA */
    { 0xc0010140, 0xc0010141 },     /* OSVW */
    { 0xc0011021, 0xc0011023 },     /* IC_CFG, DC_CFG, TW_CFG */
    { 0xc0011029, 0xc001102a },     /* DE_CFG, BU_CFG2 */
    { 0xc001102c, 0xc001102c },     /* EX_CFG */
};

static bool kvm_knows_msr(uint32_t index)
{
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(kvm_msrs); i++) {
        if (index >= kvm_msrs[i].first && index <= kvm_msrs[i].last) {
            return true;
        }
    }
    return false;
}

/*
 * SVM_EXIT_MSR (GHCB spec (56421), "MSR"), as KVM's msr_interception(): any
 * non-zero sw_exit_info_1 is a WRMSR; a failing access is answered with a
 * #GP for the guest to raise (svm_complete_emulated_msr()).
 */
static void handle_msr(Ghcb *g)
{
    CPUX86State *env = &g->cpu->env;
    bool write = g->info1;
    uint32_t index;
    uint64_t val = 0;
    int slot;

    if (!need(g, GHCB_RCX, "MSR without RCX") ||
        (write && (!need(g, GHCB_RAX, "WRMSR without RAX") ||
                   !need(g, GHCB_RDX, "WRMSR without RDX")))) {
        return;
    }
    index = get_field(g, GHCB_RCX);
    if (write) {
        val = (uint32_t)get_field(g, GHCB_RAX) |
              (get_field(g, GHCB_RDX) << 32);
    }
    trace_sev_es_msr(CPU(g->cpu)->cpu_index, write, index, val);
    slot = vmsa_msr_slot(index);
    if (slot >= 0 && kvm() == SEV_ES_KVM_6_1) {
        if (write) {
            env->sev_es.vmsa_msr_copy[slot] = val;
        } else {
            val = env->sev_es.vmsa_msr_copy[slot];
        }
    } else if (slot >= 0 || !kvm_knows_msr(index)) {
        inject(g, EXCP0D_GPF);
        return;
    } else if (write) {
        if (!x86_cpu_wrmsr(env, index, val)) {
            inject(g, EXCP0D_GPF);
        }
        return;
    } else {
        val = x86_cpu_rdmsr(env, index);
    }
    if (!write) {
        set_field(g, GHCB_RAX, (uint32_t)val);
        set_field(g, GHCB_RDX, val >> 32);
    }
}

/*
 * SVM_EXIT_VMMCALL (GHCB spec (56421), "VMMCALL"), as
 * kvm_emulate_hypercall() for a guest without KVM's paravirtual features:
 * from CPL > 0 -KVM_EPERM, KVM_HC_VAPIC_POLL_IRQ 0, anything else
 * -KVM_ENOSYS.
 */
static void handle_vmmcall(Ghcb *g)
{
    uint64_t ret;

    if (!need(g, GHCB_RAX, "VMMCALL without RAX") ||
        !need(g, GHCB_CPL, "VMMCALL without CPL")) {
        return;
    }
    if (g->page[GHCB_CPL] != 0) {
        ret = -KVM_EPERM;
    } else if (get_field(g, GHCB_RAX) == KVM_HC_VAPIC_POLL_IRQ) {
        ret = 0;
    } else {
        ret = -KVM_ENOSYS;
    }
    set_field(g, GHCB_RAX, ret);
}

/*
 * MMIO read/write (GHCB spec (56421), "MMIO Read" and "MMIO Write").  KVM
 * hands the access to QEMU whatever the GPA, so one that names guest RAM
 * sees what DRAM holds: ciphertext of private data.  A current KVM with
 * protocol 2 does nothing for length 0 and refuses more than 8 bytes.
 */
static void handle_mmio(Ghcb *g, bool write)
{
    hwaddr gpa = g->info1;
    uint64_t len = g->info2;

    if (kvm() == SEV_ES_KVM_UPSTREAM) {
        if (!len) {
            return;             /* nothing to do, and done */
        }
        if (len > 8) {
            input_error(g, GHCB_ERR_INVALID_INPUT, "MMIO longer than 8");
            return;
        }
    }
    if (!map_scratch(g, len)) {
        return;
    }
    trace_sev_es_mmio(CPU(g->cpu)->cpu_index, write, gpa, len);
    sev_es_mem_host_access(gpa, len);
    address_space_rw(&address_space_memory, gpa, MEMTXATTRS_UNSPECIFIED,
                     g->scratch, len, write);
    g->scratch_dirty = !write;
}

/*
 * AP jump table (GHCB spec (56421), "AP Jump Table"): set by firmware,
 * read by the OS.
 */
static void handle_ap_jump_table(Ghcb *g)
{
    uint64_t *table = &sev_es_model()->hv.ap_jump_table;

    switch (g->info1) {
    case GHCB_AP_JUMP_TABLE_SET:
        qatomic_set(table, g->info2);
        break;
    case GHCB_AP_JUMP_TABLE_GET:
        set_result(g, GHCB_RESULT_OK,
                   sev_es_hostile_ap_jump_table(qatomic_read(table)));
        break;
    default:
        input_error(g, GHCB_ERR_INVALID_INPUT, "AP jump table: bad info1");
    }
}

/* The SNP events: a current KVM asks a non-SNP guest for more input. */
static bool is_snp_event(uint64_t exit_code)
{
    return exit_code >= SVM_VMGEXIT_PSC &&
           exit_code <= SVM_VMGEXIT_AP_CREATION;
}

/*
 * One GHCB exit, as sev_es_validate_vmgexit() and sev_handle_vmgexit()
 * of the chosen KVM handle it.
 */
static SevEsExit dispatch(Ghcb *g)
{
    X86CPU *cpu = g->cpu;
    CPUX86State *env = &cpu->env;
    bool v61 = kvm() == SEV_ES_KVM_6_1;

    set_result(g, GHCB_RESULT_OK, 0);
    switch (g->exit_code) {
    case SVM_EXIT_READ_DR7:
        /* dr_interception(): DR7 lives in the VMSA, nothing to return. */
        break;
    case SVM_EXIT_WRITE_DR7:
        need(g, GHCB_RAX, "DR7 write without RAX");
        break;
    case SVM_EXIT_RDTSC:
        /* No exit handler: KVM_EXIT_INTERNAL_ERROR. */
        g->fatal = "RDTSC through the GHCB has no KVM exit handler";
        break;
    case SVM_EXIT_RDTSCP:
        /* kvm_handle_invalid_op(): #UD on the next VMRUN. */
        return SEV_ES_INJECT_UD;
    case SVM_EXIT_RDPMC:
        /* No PMU: kvm_emulate_rdpmc() injects #GP itself. */
        if (need(g, GHCB_RCX, "RDPMC without RCX")) {
            return SEV_ES_INJECT_GP;
        }
        break;
    case SVM_EXIT_CPUID:
        handle_cpuid(g);
        break;
    case SVM_EXIT_IOIO:
        handle_ioio(g);
        break;
    case SVM_EXIT_MSR:
        handle_msr(g);
        break;
    case SVM_EXIT_VMMCALL:
        handle_vmmcall(g);
        break;
    case SVM_EXIT_INVD:
    case SVM_EXIT_WBINVD:
        break;
    case SVM_EXIT_MONITOR:
    case SVM_EXIT_MWAIT:
        /* MONITOR also needs RDX; both are NOPs (MWAIT_NEVER_UD_FAULTS). */
        if (need(g, GHCB_RAX, "MONITOR/MWAIT without RAX") &&
            need(g, GHCB_RCX, "MONITOR/MWAIT without RCX") &&
            g->exit_code == SVM_EXIT_MONITOR) {
            need(g, GHCB_RDX, "MONITOR without RDX");
        }
        break;
    case SVM_VMGEXIT_MMIO_READ:
    case SVM_VMGEXIT_MMIO_WRITE:
        handle_mmio(g, g->exit_code == SVM_VMGEXIT_MMIO_WRITE);
        break;
    case SVM_VMGEXIT_NMI_COMPLETE:
        env->sev_es.nmi_masked = false;
        break;
    case SVM_VMGEXIT_AP_HLT_LOOP:
        if (take_early_wake(cpu)) {
            set_result(g, GHCB_RESULT_OK, 1);
            break;
        }
        env->sev_es.hold = SEV_ES_HOLD_GHCB;
        env->sev_es.hold_ghcb = g->gpa;
        return SEV_ES_HALT;
    case SVM_VMGEXIT_AP_JUMP_TABLE:
        handle_ap_jump_table(g);
        break;
    case SVM_VMGEXIT_HV_FEATURES:
        if (v61) {
            input_error(g, GHCB_ERR_INVALID_EVENT, "no HV features in 6.1");
        } else {
            set_result(g, GHCB_RESULT_OK, GHCB_HV_FT_SUPPORTED);
        }
        break;
    case SVM_VMGEXIT_TERM_REQUEST:
        if (v61) {
            input_error(g, GHCB_ERR_INVALID_EVENT,
                        "no termination event in 6.1");
            break;
        }
        return terminate(cpu, GHCB_TERM_EVENT_SET(g->info1),
                         GHCB_TERM_EVENT_CODE(g->info1));
    case SVM_VMGEXIT_UNSUPPORTED:
        error_report("sev-es: guest reports an unsupported event: "
                     "info1 0x%" PRIx64 " info2 0x%" PRIx64,
                     g->info1, g->info2);
        g->fatal = "unsupported event (KVM_RUN: EINVAL)";
        break;
    default:
        if (!v61 && is_snp_event(g->exit_code)) {
            input_error(g, GHCB_ERR_MISSING_INPUT, "SNP event, not SNP");
        } else {
            input_error(g, GHCB_ERR_INVALID_EVENT, "unknown exit code");
        }
    }
    return SEV_ES_RESUME;
}

/*
 * Write back the outputs: results, returned registers, scratch data.  The
 * valid bitmap says what the answer holds (KVM clears the request's bits,
 * sev_es_sync_from_ghcb()), so a later VMGEXIT finds no request in it.
 */
static void respond(Ghcb *g)
{
    unsigned i;

    sev_es_hostile_ghcb_result(g->exit_code, g->scratch_dirty,
                               &g->result1, &g->result2);
    set_field(g, GHCB_SW_EXIT_INFO_1, g->result1);
    set_field(g, GHCB_SW_EXIT_INFO_2, g->result2);
    if (sev_es_hostile_keep_request()) {
        for (i = 0; i < sizeof(g->out_valid); i++) {
            g->out_valid[i] |= g->valid[i];
        }
    }
    memcpy(g->page + GHCB_VALID_BITMAP, g->out_valid, sizeof(g->out_valid));
    if (g->scratch_dirty) {
        host_write(g->scratch_gpa, g->scratch, g->scratch_len);
    }
    hv_copy(g->gpa, g->page, GHCB_SAVE_AREA_END, true);   /* writable */
    sev_es_hostile_ghcb_answered(CPU(g->cpu), g->scratch_dirty,
                                 g->gpa + GHCB_SW_EXIT_INFO_2, g->result2);
}

/* The registers KVM copies from the GHCB and back (sev_es_sync_*_ghcb). */
static const unsigned ghcb_gprs[] = { GHCB_RAX, GHCB_RBX, GHCB_RCX, GHCB_RDX };

static SevEsExit ghcb_protocol(X86CPU *cpu, hwaddr gpa)
{
    Ghcb ghcb = { .cpu = cpu, .gpa = gpa };
    Ghcb *g = &ghcb;
    SevEsExit ret;
    unsigned i;

    /*
     * KVM maps the whole page writable (kvm_vcpu_map()); where it cannot,
     * there is nothing to answer into and the guest resumes.
     */
    if (!gpa || !hv_can_access(gpa, GHCB_PAGE_SIZE, true)) {
        trace_sev_es_ghcb_unmapped(CPU(cpu)->cpu_index, gpa);
        qemu_log_mask(LOG_GUEST_ERROR, "sev-es: VMGEXIT with GHCB GPA 0x%"
                      HWADDR_PRIx " that is not guest RAM\n", gpa);
        return SEV_ES_RESUME;
    }
    hv_copy(gpa, g->page, GHCB_PAGE_SIZE, false);
    cpu->env.sev_es.ghcb_version = lduw_le_p(g->page + GHCB_PROTOCOL_VERSION);
    memcpy(g->valid, g->page + GHCB_VALID_BITMAP, sizeof(g->valid));
    g->exit_code = get_field(g, GHCB_SW_EXIT_CODE);
    g->info1 = get_field(g, GHCB_SW_EXIT_INFO_1);
    g->info2 = get_field(g, GHCB_SW_EXIT_INFO_2);
    trace_sev_es_vmgexit(CPU(cpu)->cpu_index, g->exit_code, g->info1,
                         g->info2);
    count(&sev_es_model()->hv.vmgexit_counts, g->exit_code);
    sev_es_hostile_ghcb_used(gpa);
    if ((cpu->env.hflags & HF_CPL_MASK) == 3 &&
        is_valid(g, GHCB_SW_EXIT_CODE)) {
        trace_sev_es_user_request(CPU(cpu)->cpu_index, g->exit_code);
        sev_es_hostile_user_request(CPU(cpu), g->exit_code);
    }

    /*
     * RAX, RBX, RCX and RDX go back valid in every answer: what the
     * guest sent where it marked them valid, 0 elsewhere, unless the
     * exit wrote them.
     */
    for (i = 0; i < ARRAY_SIZE(ghcb_gprs); i++) {
        if (!is_valid(g, ghcb_gprs[i])) {
            stq_le_p(g->page + ghcb_gprs[i], 0);
        }
        mark_valid(g, ghcb_gprs[i]);
    }

    ret = SEV_ES_RESUME;
    if (ldl_le_p(g->page + GHCB_USAGE) != 0) {
        input_error(g, GHCB_ERR_INVALID_USAGE, "GHCB usage not 0");
    } else if (!is_valid(g, GHCB_SW_EXIT_CODE) ||
               !is_valid(g, GHCB_SW_EXIT_INFO_1) ||
               !is_valid(g, GHCB_SW_EXIT_INFO_2)) {
        input_error(g, GHCB_ERR_MISSING_INPUT,
                    "sw_exit_code/info1/info2 not valid");
    } else {
        ret = dispatch(g);
    }
    if (g->fatal) {
        ret = stop_guest(cpu, g->fatal);
    }
    if (ret != SEV_ES_STOP) {
        respond(g);
    }
    sev_es_info_log(&cpu->env, &(SevEsLogEntry) {
        .exit_code = g->exit_code, .info1 = g->info1, .info2 = g->info2,
        .result1 = g->result1, .result2 = g->result2,
        .stopped = ret == SEV_ES_STOP,
    });
    g_free(g->bounce);
    return ret;
}

SevEsExit sev_es_hv_vmgexit(X86CPU *cpu)
{
    uint64_t msr = cpu->env.sev_es.ghcb_msr;
    SevEsExit ret;

    cpu->env.sev_es.hold = SEV_ES_HOLD_NONE;
    cpu->env.sev_es.vmgexit_count++;
    if (msr & GHCB_MSR_INFO_MASK) {
        ret = msr_protocol(cpu, msr);
    } else {
        ret = ghcb_protocol(cpu, msr);
    }
    return ret;
}

/*
 * SIPI to a vCPU that ran: a hold ends, woken (GHCB spec (56421), "AP Reset
 * Hold"); without one, the next hold will (take_early_wake()).  A vCPU that
 * left its hold for another event (sev_es_event_delivered()) or made a
 * VMGEXIT since holds no more: nothing is written into a GHCB page it may
 * be using for something else by now.
 */
void sev_es_hv_ap_wake(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    uint64_t one = cpu_to_le64(1);

    if (env->sev_es.hold == SEV_ES_HOLD_NONE) {
        env->sev_es.wake_pending = true;
        return;
    }
    trace_sev_es_ap_wake(CPU(cpu)->cpu_index, env->sev_es.hold);
    if (env->sev_es.hold == SEV_ES_HOLD_MSR) {
        env->sev_es.ghcb_msr =
            sev_es_hostile_ap_hold_answer(GHCB_MSR_AP_RESET_HOLD_WOKEN);
    } else if (env->sev_es.hold == SEV_ES_HOLD_GHCB) {
        host_write(env->sev_es.hold_ghcb + GHCB_SW_EXIT_INFO_2, &one,
                   sizeof(one));
    }
    env->sev_es.hold = SEV_ES_HOLD_NONE;
}
