/*
 * SEV-ES under TCG: the model's state.
 *
 * One SevEsModel per machine, a child ("tcg-model") of the sev-guest
 * object, made by sev_es_tcg_init() and reached through sev_es_model().
 * What belongs to one vCPU is in its CPUX86State (SevEsVcpu), written by
 * that vCPU's thread only (INIT and SIPI included, which it handles
 * itself) and read by the monitor as it is.
 *
 * vCPU threads run the model without the BQL: the #VC and VMGEXIT paths,
 * the TLB fill, IRET.  Each field therefore says how it is accessed:
 *
 *   [init]    written before any vCPU runs (sev_es_tcg_init() and the
 *             *_init() it calls), read-only afterwards: plain accesses
 *   [atomic]  flags and words written while vCPUs run: qatomic_*() only,
 *             and a field published after others with a release store,
 *             read with an acquire load
 *   [lock]    under the QemuMutex "lock" of the same sub-structure;
 *             none is held while taking the BQL or another of them
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef I386_SEV_ES_MODEL_H
#define I386_SEV_ES_MODEL_H

#include "qom/object.h"
#include "qemu/notify.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "crypto/aes.h"
#include "exec/memory.h"
#include "cpu.h"

#ifdef HOST_X86_64
#include <emmintrin.h>
#endif

#define TYPE_SEV_ES_MODEL "sev-es-tcg-model"
OBJECT_DECLARE_SIMPLE_TYPE(SevEsModel, SEV_ES_MODEL)

/* Per exit code counters: a bounded table, and the rest counted together. */
typedef struct SevEsCounts {
    GHashTable *by_code;
    unsigned other;
} SevEsCounts;

/* The hostile hypervisor's state: sev-es-hostile.c */
typedef struct SevEsHostileState {
    QemuMutex lock;
    bool ghcb_seen;                 /* [atomic]: a GHCB page was used */
    bool armed;                     /* [atomic]: the lie is told */
    GHashTable *firmware_ghcbs;     /* [lock]: pages used before */
    bool os_ghcb;                   /* [atomic]: one it had not since */
    bool user_vc_seen;              /* [atomic] */
    bool vc_lie_told;               /* [atomic] */
    bool info_answered;             /* [atomic] */
    bool termination_ignored;       /* [atomic] */
    unsigned vc_random_told;        /* [atomic] */
    uint64_t stale[4];              /* [lock]: last answer per reg */
    bool stale_valid[4];            /* [lock] */
    MemoryRegion alias_mr;          /* [init] */
    unsigned long *alias_scribbled; /* [lock] */
    QEMUTimer *vc_timer;            /* [init] */
    /* An NMI in service: where it came, then the flag, released. */
    target_ulong nmi_rip, nmi_rsp;  /* [atomic] */
    bool nmi_in_service;            /* [atomic] */
    uint64_t toctou_gpa;            /* [lock]: sw_exit_info_2 to flip */
    uint64_t toctou_honest;         /* [lock] */
    unsigned toctou_left;           /* [lock] */
} SevEsHostileState;

struct SevEsModel {
    Object parent_obj;

    SevEsTcgConfig config;              /* [init] */
    bool triple_fault_reported;         /* [atomic] */

    /* The memory controller: sev-es-mem.c */
    struct {
        QemuMutex lock;
        AES_KEY enc_key, dec_key;       /* [init] */
        uint64_t tweak_key[2];          /* [init] */
#ifdef HOST_X86_64
        bool have_aesni;                /* [init] */
        __m128i aesni_enc[11];          /* [init] */
        __m128i aesni_dec[11];          /* [init] */
#endif
        /*
         * By ram_addr page: private, and accessed by a CPU.  [lock] to
         * grow them and to change a private bit; a CPU's first access
         * sets its bit with set_bit_atomic().  Read without the lock
         * through RCU, the maps' length (published last) with an acquire
         * load.  A map is never freed.
         */
        unsigned long *private_map;
        unsigned long *cpu_seen_map;
        uint64_t private_map_pages;
        IOMMUMemoryRegion dma_iommu;    /* [init] */
        AddressSpace dma_as;            /* [init] */
    } mem;

    /* The hypervisor: sev-es-hv.c */
    struct {
        QemuMutex lock;
        uint64_t ap_jump_table;         /* [atomic] */
        SevEsCounts vc_counts;          /* [lock] */
        SevEsCounts vmgexit_counts;     /* [lock] */
        Notifier stats_notifier;        /* [init] */
    } hv;

    /* What the monitor shows: sev-es-info.c */
    struct {
        QemuMutex lock;
        bool term_seen;                 /* [lock]: the last termination */
        int term_cpu;                   /* [lock] */
        unsigned term_set, term_code;   /* [lock] */
        bool reported;                  /* [atomic] */
    } info;

    SevEsHostileState hostile;
};

void sev_es_hv_init(SevEsModel *m);
void sev_es_mem_init(SevEsModel *m);
int sev_es_hostile_init(SevEsModel *m, Error **errp);

#endif
