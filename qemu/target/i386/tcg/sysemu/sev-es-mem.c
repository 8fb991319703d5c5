/*
 * SEV-ES under TCG: memory encryption, simulated.
 *
 * DRAM holds private guest memory encrypted with a per-guest key and a
 * per-block tweak; the CPU decrypts on C=1 accesses (APM vol. 2, "SEV
 * Encryption Behavior").  The model keeps each page of RAM, ROM and flash
 * in one of two states and converts lazily; all start shared (what QEMU
 * wrote is DRAM), but the launch-measured firmware:
 *
 *   private  the page holds plaintext; C=1 accesses use it directly
 *   shared   the page holds what DRAM would: C=0 accesses, devices and
 *            the host see these bytes, ciphertext of private data
 *
 * A CPU access with the other C-bit, a DMA or a host access (monitor,
 * gdbstub, dump) converts the page in place (encrypting or decrypting
 * it) and flushes the TLBs, so conversions lose nothing; data written
 * through C=0 reads back through C=1 as garbage, as on hardware.  A
 * correct guest converts each shared page once, so the fast path (TLB
 * hits on private pages) is untouched.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "crypto/aes.h"
#include "qemu/guest-random.h"
#include "qemu/rcu.h"
#include "sysemu/cpus.h"
#include "sysemu/runstate.h"
#include "exec/address-spaces.h"
#include "exec/exec-all.h"
#include "exec/memory.h"
#include "exec/ram_addr.h"
#include "cpu.h"
#include "sev-es-model.h"
#include "trace.h"

#define TYPE_SEV_ES_DMA_IOMMU "sev-es-dma-iommu-memory-region"


/* A 64-bit mixing function (the SplitMix64 finaliser). */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

#ifdef HOST_X86_64
#include <wmmintrin.h>

/*
 * AES-NI where the host has it: every page the guest touches is
 * converted once, so the engine's speed is boot time.  Same cipher and
 * key as AES_encrypt()/AES_decrypt().
 */
#define AESNI_ROUND_KEY(k, rcon) ({                                     \
    __m128i t_ = _mm_shuffle_epi32(_mm_aeskeygenassist_si128(k, rcon),  \
                                   0xff);                               \
    k = _mm_xor_si128(k, _mm_slli_si128(k, 4));                         \
    k = _mm_xor_si128(k, _mm_slli_si128(k, 4));                         \
    k = _mm_xor_si128(k, _mm_slli_si128(k, 4));                         \
    _mm_xor_si128(k, t_); })

static void __attribute__((target("aes,sse2")))
aesni_set_key(SevEsModel *m, const uint8_t *key)
{
    __m128i *enc = m->mem.aesni_enc, *dec = m->mem.aesni_dec;
    __m128i k = _mm_loadu_si128((const __m128i *)key);
    unsigned i;

    enc[0] = k;
    enc[1] = k = AESNI_ROUND_KEY(k, 0x01);
    enc[2] = k = AESNI_ROUND_KEY(k, 0x02);
    enc[3] = k = AESNI_ROUND_KEY(k, 0x04);
    enc[4] = k = AESNI_ROUND_KEY(k, 0x08);
    enc[5] = k = AESNI_ROUND_KEY(k, 0x10);
    enc[6] = k = AESNI_ROUND_KEY(k, 0x20);
    enc[7] = k = AESNI_ROUND_KEY(k, 0x40);
    enc[8] = k = AESNI_ROUND_KEY(k, 0x80);
    enc[9] = k = AESNI_ROUND_KEY(k, 0x1b);
    enc[10] = AESNI_ROUND_KEY(k, 0x36);
    dec[0] = enc[10];
    for (i = 1; i < 10; i++) {
        dec[i] = _mm_aesimc_si128(enc[10 - i]);
    }
    dec[10] = enc[0];
}

static void __attribute__((target("aes,sse2")))
aesni_block(SevEsModel *m, uint8_t *b, bool encrypt)
{
    const __m128i *k = encrypt ? m->mem.aesni_enc : m->mem.aesni_dec;
    __m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)b), k[0]);
    unsigned i;

    for (i = 1; i < 10; i++) {
        x = encrypt ? _mm_aesenc_si128(x, k[i]) : _mm_aesdec_si128(x, k[i]);
    }
    x = encrypt ? _mm_aesenclast_si128(x, k[10])
                : _mm_aesdeclast_si128(x, k[10]);
    _mm_storeu_si128((__m128i *)b, x);
}
#endif

static void aes_block(SevEsModel *m, uint8_t *b, bool encrypt)
{
#ifdef HOST_X86_64
    if (m->mem.have_aesni) {
        aesni_block(m, b, encrypt);
        return;
    }
#endif
    if (encrypt) {
        AES_encrypt(b, b, &m->mem.enc_key);
    } else {
        AES_decrypt(b, b, &m->mem.dec_key);
    }
}

/*
 * The memory controller's engine (APM vol. 2, "Secure Encrypted
 * Virtualization"): AES-128 on each 16-byte block, with a tweak derived
 * from the block's address (XEX: E(P ^ T) ^ T).  Equal data at two
 * addresses encrypts differently, and one changed byte of ciphertext
 * changes the whole block's plaintext: a C=0 store garbles its 16-byte
 * block, never just its own bytes.
 */
static void transform_page(SevEsModel *m, uint8_t *host, ram_addr_t ram_addr,
                           bool encrypt)
{
    unsigned i;

    for (i = 0; i < TARGET_PAGE_SIZE; i += 16) {
        uint64_t block = ram_addr + i;
        uint64_t t0 = mix(m->mem.tweak_key[0] ^ block);
        uint64_t t1 = mix(m->mem.tweak_key[1] ^ block);
        uint8_t b[16];

        stq_le_p(b, ldq_le_p(host + i) ^ t0);
        stq_le_p(b + 8, ldq_le_p(host + i + 8) ^ t1);
        aes_block(m, b, encrypt);
        stq_le_p(host + i, ldq_le_p(b) ^ t0);
        stq_le_p(host + i + 8, ldq_le_p(b + 8) ^ t1);
    }
}

/*
 * What DRAM backs goes through the memory controller's engine, whatever
 * the memslot: RAM, ROM and flash (a read-only memslot in ROM mode).
 * Launch encrypts the code flash in place (sev_encrypt_flash()), so a
 * C=0 read of it sees ciphertext; the varstore and ROMs are not
 * encrypted, so a C=1 read of them sees noise.  Device memory has no
 * DRAM behind it.
 */
static bool has_dram(MemoryRegion *mr)
{
    return (memory_region_is_ram(mr) && !memory_region_is_ram_device(mr)) ||
           mr->rom_device;
}

/* What a CPU access finds at @mr: RAM, a read-only memslot, or none. */
static SevEsMem region_kind(MemoryRegion *mr)
{
    if (memory_region_is_rom(mr) || memory_region_is_romd(mr)) {
        return SEV_ES_MEM_READONLY;
    }
    return memory_region_is_ram(mr) ? SEV_ES_MEM_RAM : SEV_ES_MEM_MMIO;
}

static void flush_all_tlbs(void)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        tlb_flush(cpu);
    }
}

/*
 * Under the lock.  Lock-free readers may still hold the old map, so it is
 * never freed; it grows a few times at most, while the guest boots.
 */
static void grow_private_map(SevEsModel *m, uint64_t pages)
{
    unsigned long *map = bitmap_new(pages);
    unsigned long *seen = bitmap_new(pages);

    if (m->mem.private_map) {
        bitmap_copy(map, m->mem.private_map, m->mem.private_map_pages);
        bitmap_copy(seen, m->mem.cpu_seen_map, m->mem.private_map_pages);
    }
    qatomic_rcu_set(&m->mem.private_map, map);
    qatomic_rcu_set(&m->mem.cpu_seen_map, seen);
    qatomic_store_release(&m->mem.private_map_pages, pages);
}

/*
 * Bring the page at @addr of @as into the private or shared state, and
 * say what is there: RAM, ROM (read-only to the guest) or MMIO.  One
 * translation serves both, and an unchanged state takes no lock.  A CPU
 * access to flash in MMIO mode is an NPF and converts nothing; a host
 * access converts it, as the flash device reads its DRAM.
 */
static SevEsMem set_state(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                          bool private, bool cpu)
{
    SevEsModel *m = sev_es_model();
    MemoryRegion *mr;
    hwaddr xlat, len = TARGET_PAGE_SIZE;
    ram_addr_t ram_addr;
    uint64_t page;
    bool converted = false, flush = false;
    SevEsMem kind;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(as, addr & TARGET_PAGE_MASK, &xlat, &len,
                                 false, attrs);
    kind = region_kind(mr);
    if (!has_dram(mr) || (cpu && kind == SEV_ES_MEM_MMIO)) {
        return kind;
    }
    ram_addr = memory_region_get_ram_addr(mr) + (xlat & TARGET_PAGE_MASK);
    page = ram_addr >> TARGET_PAGE_BITS;
    if (page < qatomic_load_acquire(&m->mem.private_map_pages) &&
        test_bit(page, qatomic_rcu_read(&m->mem.private_map)) == private) {
        unsigned long *seen = qatomic_rcu_read(&m->mem.cpu_seen_map);

        if (cpu && !test_bit(page, seen)) {
            set_bit_atomic(page, seen);
        }
        return kind;
    }
    if (page >= qatomic_load_acquire(&m->mem.private_map_pages) && !private &&
        !cpu) {
        return kind;            /* shared since launch, in no TLB */
    }

    qemu_mutex_lock(&m->mem.lock);
    if (page >= m->mem.private_map_pages) {
        grow_private_map(m, ROUND_UP(page + 1, 1 << 16));
    }
    if (test_bit(page, m->mem.private_map) != private) {
        transform_page(m, (uint8_t *)memory_region_get_ram_ptr(mr) +
                          (xlat & TARGET_PAGE_MASK), ram_addr, !private);
        change_bit(page, m->mem.private_map);
        converted = true;
        /* A page no CPU ever accessed is in no TLB (most pages, once). */
        flush = test_bit(page, m->mem.cpu_seen_map);
    }
    if (cpu) {
        set_bit_atomic(page, m->mem.cpu_seen_map);
    }
    qemu_mutex_unlock(&m->mem.lock);

    if (converted) {
        trace_sev_es_mem_convert(addr & TARGET_PAGE_MASK, private);
    }
    if (flush) {
        flush_all_tlbs();
    }
    return kind;
}

SevEsMem sev_es_mem_cpu_access(CPUState *cs, hwaddr paddr, MemTxAttrs attrs,
                               bool private)
{
    int asidx = cpu_asidx_from_attrs(cs, attrs);

    sev_es_hostile_cpu_access(paddr);

    return set_state(cpu_get_address_space(cs, asidx), paddr, attrs, private,
                     true);
}

/*
 * Launch (LAUNCH_UPDATE_DATA): the firmware QEMU loaded at @ptr becomes
 * private as it is, plaintext to the guest's C=1 accesses.  Nothing else
 * is: RAM starts shared, so what the guest reads through C=1 before it
 * wrote it is noise, and so is whatever QEMU puts into RAM outside the
 * launch (-device loader, option ROMs).
 */
void sev_es_mem_launch_update(void *ptr, uint64_t len)
{
    SevEsModel *m = sev_es_model();
    uint64_t off;

    qemu_mutex_lock(&m->mem.lock);
    for (off = 0; off < len; off += TARGET_PAGE_SIZE) {
        ram_addr_t ram_addr = qemu_ram_addr_from_host((uint8_t *)ptr + off);
        uint64_t page;

        if (ram_addr == RAM_ADDR_INVALID) {
            continue;
        }
        page = ram_addr >> TARGET_PAGE_BITS;
        if (page >= m->mem.private_map_pages) {
            grow_private_map(m, ROUND_UP(page + 1, 1 << 16));
        }
        set_bit(page, m->mem.private_map);
    }
    qemu_mutex_unlock(&m->mem.lock);
}

/*
 * The last page of [@addr, @addr + @len), @len > 0: the range may end at
 * the top of the address space, where @addr + @len wraps to 0.
 */
static hwaddr last_page(hwaddr addr, hwaddr len)
{
    hwaddr end = addr + len - 1;

    return (end < addr ? (hwaddr)-1 : end) & TARGET_PAGE_MASK;
}

/* Bring every page of [@addr, @addr + @len), @len > 0, into a state. */
static void set_range_state(hwaddr addr, hwaddr len, bool private)
{
    hwaddr page, last = last_page(addr, len);

    for (page = addr & TARGET_PAGE_MASK; ; page += TARGET_PAGE_SIZE) {
        set_state(&address_space_memory, page, MEMTXATTRS_UNSPECIFIED,
                  private, false);
        if (page == last) {
            break;
        }
    }
}

/* Devices, fw_cfg DMA and the hypervisor see DRAM: the shared state. */
void sev_es_mem_host_access(hwaddr addr, hwaddr len)
{
    if (sev_es_tcg() && len) {
        set_range_state(addr, len, false);
    }
}

/* True when some page of the range is private RAM. */
static bool has_private(hwaddr addr, hwaddr len)
{
    SevEsModel *m = sev_es_model();
    hwaddr page, last;

    if (!len) {
        return false;
    }
    last = last_page(addr, len);
    RCU_READ_LOCK_GUARD();
    for (page = addr & TARGET_PAGE_MASK; ; page += TARGET_PAGE_SIZE) {
        hwaddr xlat, plen = TARGET_PAGE_SIZE;
        MemoryRegion *mr = address_space_translate(&address_space_memory, page,
                                                   &xlat, &plen, false,
                                                   MEMTXATTRS_UNSPECIFIED);
        uint64_t pfn;

        if (has_dram(mr)) {
            pfn = (memory_region_get_ram_addr(mr) + xlat) >> TARGET_PAGE_BITS;
            if (pfn < qatomic_load_acquire(&m->mem.private_map_pages) &&
                test_bit(pfn, qatomic_rcu_read(&m->mem.private_map))) {
                return true;
            }
        }
        if (page == last) {
            return false;
        }
    }
}

/*
 * The host (monitor, gdbstub, dumps) sees DRAM too, unless the guest's
 * policy allows debugging: then it reads and writes plaintext, as the
 * PSP's DBG_DECRYPT and DBG_ENCRYPT give a real host.  Unlike a device, it
 * may look at pages the guest is using, so running vCPUs are paused while
 * those pages change state: none can use a stale TLB entry meanwhile.
 */
static void host_view(hwaddr addr, hwaddr len)
{
    SevEsModel *m = sev_es_model();
    bool pause;

    if (!m->config.debug && !has_private(addr, len)) {
        return;
    }
    pause = !current_cpu && runstate_is_running();
    if (pause) {
        pause_all_vcpus();
    }
    set_range_state(addr, len, m->config.debug);
    if (pause) {
        resume_all_vcpus();
    }
}

static void describe_bytes(GString *out, const char *view, const uint8_t *b,
                           unsigned n)
{
    unsigned i;

    g_string_append_printf(out, "  %s:", view);
    for (i = 0; i < n; i++) {
        g_string_append_printf(out, " %02x", b[i]);
    }
    g_string_append_c(out, '\n');
}

/*
 * info sev-es-page: the state of the page at @gpa and what a C=0 and a
 * C=1 read of 32 bytes from @gpa (rounded down to 16) see, without
 * converting the page.  The C=1 view is the PSP's DBG_DECRYPT: shown
 * only when the guest's policy allows debugging.
 */
void sev_es_mem_describe(hwaddr gpa, GString *out)
{
    SevEsModel *m = sev_es_model();
    g_autofree uint8_t *copy = g_malloc(TARGET_PAGE_SIZE);
    g_autofree uint8_t *other = g_malloc(TARGET_PAGE_SIZE);
    unsigned off = gpa & ~TARGET_PAGE_MASK & ~15;
    unsigned n = MIN(32, TARGET_PAGE_SIZE - off);
    hwaddr xlat, len = TARGET_PAGE_SIZE;
    ram_addr_t ram_addr;
    MemoryRegion *mr;
    uint64_t page;
    bool private;

    g_string_append_printf(out, "GPA 0x%" HWADDR_PRIx ": ", gpa);
    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(&address_space_memory, gpa & TARGET_PAGE_MASK,
                                 &xlat, &len, false, MEMTXATTRS_UNSPECIFIED);
    if (!has_dram(mr)) {
        g_string_append_printf(out, "%s (%s), no DRAM behind it\n",
                               memory_region_is_ram(mr) ?
                               "device RAM" : "MMIO or unassigned",
                               memory_region_name(mr));
        return;
    }
    ram_addr = memory_region_get_ram_addr(mr) + (xlat & TARGET_PAGE_MASK);
    page = ram_addr >> TARGET_PAGE_BITS;
    qemu_mutex_lock(&m->mem.lock);
    private = page < m->mem.private_map_pages &&
              test_bit(page, m->mem.private_map);
    memcpy(copy, (uint8_t *)memory_region_get_ram_ptr(mr) +
           (xlat & TARGET_PAGE_MASK), TARGET_PAGE_SIZE);
    qemu_mutex_unlock(&m->mem.lock);

    /* The page holds one view; the other is the cipher's work. */
    memcpy(other, copy, TARGET_PAGE_SIZE);
    transform_page(m, other, ram_addr, private);
    g_string_append_printf(out, "%s, %s\n",
                           region_kind(mr) == SEV_ES_MEM_RAM ?
                           "RAM" : "ROM or flash", private ?
                           "private (the model holds plaintext)" :
                           "shared (the model holds what DRAM does)");
    describe_bytes(out, "C=0 read (DRAM)", (private ? other : copy) + off, n);
    if (m->config.debug) {
        describe_bytes(out, "C=1 read", (private ? copy : other) + off, n);
    } else {
        g_string_append(out, "  C=1 read: not shown, the guest's policy "
                        "forbids debugging (NODBG)\n");
    }
}

/* DMA goes through an identity IOMMU that converts pages to shared. */
static IOMMUTLBEntry dma_translate(IOMMUMemoryRegion *iommu, hwaddr addr,
                                   IOMMUAccessFlags flag, int iommu_idx)
{
    hwaddr page = addr & TARGET_PAGE_MASK;

    sev_es_mem_host_access(page, TARGET_PAGE_SIZE);
    return (IOMMUTLBEntry) {
        .target_as = &address_space_memory,
        .iova = page,
        .translated_addr = page,
        .addr_mask = TARGET_PAGE_SIZE - 1,
        .perm = IOMMU_RW,
    };
}

static void dma_iommu_class_init(ObjectClass *klass, void *data)
{
    IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_CLASS(klass);

    imrc->translate = dma_translate;
}

static const TypeInfo dma_iommu_info = {
    .parent = TYPE_IOMMU_MEMORY_REGION,
    .name = TYPE_SEV_ES_DMA_IOMMU,
    .class_init = dma_iommu_class_init,
};

static void dma_iommu_register_types(void)
{
    type_register_static(&dma_iommu_info);
}

type_init(dma_iommu_register_types)

void sev_es_mem_init(SevEsModel *m)
{
    uint8_t aes[16];

    qemu_guest_getrandom_nofail(aes, sizeof(aes));
    qemu_guest_getrandom_nofail(m->mem.tweak_key, sizeof(m->mem.tweak_key));
    AES_set_encrypt_key(aes, 128, &m->mem.enc_key);
    AES_set_decrypt_key(aes, 128, &m->mem.dec_key);
#ifdef HOST_X86_64
    m->mem.have_aesni = __builtin_cpu_supports("aes");
    if (m->mem.have_aesni) {
        uint8_t a[16], b[16];

        /* Both engines must agree, both ways, or AES-NI is not used. */
        aesni_set_key(m, aes);
        memcpy(a, m->mem.tweak_key, 16);
        memcpy(b, m->mem.tweak_key, 16);
        aesni_block(m, a, true);
        AES_encrypt(b, b, &m->mem.enc_key);
        m->mem.have_aesni = !memcmp(a, b, 16);
        aesni_block(m, a, false);
        m->mem.have_aesni &= !memcmp(a, m->mem.tweak_key, 16);
    }
#endif
    memory_region_init_iommu(&m->mem.dma_iommu, sizeof(m->mem.dma_iommu),
                             TYPE_SEV_ES_DMA_IOMMU, NULL, "sev-es-dma",
                             UINT64_MAX);
    address_space_init(&m->mem.dma_as, MEMORY_REGION(&m->mem.dma_iommu),
                       "sev-es-dma");
    dma_set_default_address_space(&m->mem.dma_as);
    host_access_set_handler(host_view);
}
