// SPDX-License-Identifier: GPL-2.0-only
/*
 * GHCB pages and exits through them (GHCB spec (56421), "GHCB Layout" and
 * "Non-Automatic Exit (NAE) Events").
 *
 * Each CPU has one GHCB page, shared with the hypervisor, and a private
 * backup: a #VC or NMI that comes while the page is in use saves the
 * interrupted request there and restores it when done.  Before the
 * per-CPU pages exist, the boot CPU uses one boot GHCB in .bss..decrypted.
 *
 * A response is the hypervisor's word and is checked before anything in
 * it is used: sw_exit_info_1 must be one of the three results the spec
 * defines, an exception must be one the hypervisor may ask for.  Anything
 * else ends the guest with a termination request that says why.
 */

#define pr_fmt(fmt)	"SEV-ES: " fmt

#include <linux/console.h>
#include <linux/init.h>
#include <linux/instrumentation.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/memblock.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <asm/cpu_entry_area.h>
#include <linux/mem_encrypt.h>
#include <asm/msr-index.h>
#include <asm/realmode.h>
#include <asm/set_memory.h>
#include <asm/sev.h>
#include <asm/sev-es-early.h>
#include <asm/svm.h>
#include <asm/traps.h>

#include "internal.h"

/*
 * sw_exit_info_1 after an exit (GHCB spec (56421), "Non-Automatic Exit
 * (NAE) Events").
 */
#define GHCB_RESULT_OK		0
#define GHCB_RESULT_EXCEPTION	1
#define GHCB_RESULT_ERROR	2

struct sev_es_percpu {
	/* Shared with the hypervisor. */
	struct ghcb ghcb;
	/* Private: an interrupted request. */
	struct ghcb backup;
	u64 ghcb_pa;
	bool ghcb_active;
	bool backup_active;
};

static DEFINE_PER_CPU(struct sev_es_percpu *, sev_es_percpu);
DEFINE_STATIC_KEY_FALSE(sev_es_enable_key);

static struct ghcb boot_ghcb_page __bss_decrypted __aligned(PAGE_SIZE);
/*
 * The first #VC can come before x86_64_start_kernel() clears .bss, once
 * startup_64 has run early_setup_idt(): in .bss, the pointer it sets up
 * would be wiped.
 */
static struct ghcb *boot_ghcb __section(".data");
static u16 ghcb_version __ro_after_init;

/**
 * sev_ghcb_runtime_ready() - Whether the per-CPU GHCB pages are in use.
 *
 * Return: true once sev_es_init_vc_handling() has set up the per-CPU GHCB
 * pages, false before.
 */
bool sev_ghcb_runtime_ready(void)
{
	return static_branch_unlikely(&sev_es_enable_key);
}

/**
 * sev_ghcb_version() - The GHCB protocol version in use.
 *
 * Return: the GHCB protocol version this guest and the hypervisor agreed on.
 */
unsigned int sev_ghcb_version(void)
{
	return ghcb_version;
}

/*
 * For a CPU that is going down: the requests its GHCB and backup held are
 * given up, so that the #VCs of its last message find them free.
 */
static void sev_ghcb_abandon(void)
{
	struct sev_es_percpu *d;

	if (!sev_ghcb_runtime_ready())
		return;
	d = this_cpu_read(sev_es_percpu);
	d->backup_active = false;
	d->ghcb_active = false;
}

/* The reason the guest is going down for, once one CPU has asked. */
#define SEV_ES_ALIVE	UINT_MAX
static unsigned int sev_es_dying = SEV_ES_ALIVE;

/**
 * sev_es_die() - End the guest, saying why first.
 * @reason: the GHCB_TERM_* reason code, in SEV_TERM_SET_LINUX.
 * @what: what went wrong, for the log.
 *
 * A termination request (GHCB spec (56421), "Termination Request").  The
 * message may go out by port IO, i.e. through #VC, from any state the #VC
 * path was in: this CPU's GHCB is released first and a console lock it may
 * hold is not waited for.  Should the message itself end up here again, or
 * another CPU die meanwhile, the request goes out at once, with the first
 * reason.
 */
void __noreturn sev_es_die(unsigned int reason, const char *what)
{
	unsigned int first = cmpxchg(&sev_es_dying, SEV_ES_ALIVE, reason);

	if (first != SEV_ES_ALIVE)
		sev_es_msr_terminate(SEV_TERM_SET_LINUX, first);

	sev_ghcb_abandon();
	bust_spinlocks(1);
	pr_emerg("%s: requesting termination (reason set %u, code %#x)\n",
		 what, SEV_TERM_SET_LINUX, reason);
	console_flush_on_panic(CONSOLE_FLUSH_PENDING);
	sev_es_msr_terminate(SEV_TERM_SET_LINUX, reason);
}

/**
 * sev_es_fatal() - Have this #VC end the guest.
 * @ctxt: the #VC being handled.
 * @reason: the GHCB_TERM_* reason code.
 * @what: what went wrong, for the log.
 *
 * Return: VC_FATAL, with @reason and @what kept in @ctxt.
 */
enum vc_result sev_es_fatal(struct vc_ctxt *ctxt, unsigned int reason,
			    const char *what)
{
	ctxt->reason = reason;
	ctxt->what = what;
	return VC_FATAL;
}

/**
 * sev_ghcb_get() - The GHCB for one exit.
 * @state: where the request this use interrupts is noted, for
 * sev_ghcb_put().
 *
 * Nesting is one deep: a #VC or NMI inside the user of the page.  A third
 * level would mean the #VC handler itself caused a #VC inside that NMI,
 * which it must not; sev_es_die() frees both for its message.
 *
 * Context: Interrupts must be off.
 * Return: this CPU's GHCB page, with nothing in it valid to the
 * hypervisor.
 */
noinstr struct ghcb *sev_ghcb_get(struct ghcb_state *state)
{
	struct sev_es_percpu *d = this_cpu_read(sev_es_percpu);

	instrumentation_begin();
	lockdep_assert_irqs_disabled();
	instrumentation_end();

	state->saved = NULL;
	if (unlikely(d->ghcb_active)) {
		if (d->backup_active) {
			instrumentation_begin();
			sev_es_die(GHCB_TERM_GHCB_NESTED, "GHCB nested too deep");
			instrumentation_end();
		}
		d->backup = d->ghcb;
		d->backup_active = true;
		state->saved = &d->backup;
	}
	d->ghcb_active = true;
	sev_ghcb_invalidate(&d->ghcb);
	return &d->ghcb;
}

/**
 * sev_ghcb_put() - Give the GHCB back.
 * @state: as sev_ghcb_get() filled it in.
 *
 * The GHCB goes back to the request this one interrupted, or empty.  The
 * GHCB MSR still points at the page and VMGEXIT works at any CPL, so a
 * request left valid would be run again by the next user-space "rep
 * vmmcall" (GHCB spec (56421), "GHCB Layout": the valid bitmap says what
 * the hypervisor may use).
 */
noinstr void sev_ghcb_put(struct ghcb_state *state)
{
	struct sev_es_percpu *d = this_cpu_read(sev_es_percpu);

	if (unlikely(state->saved)) {
		d->ghcb = d->backup;
		d->backup_active = false;
		return;
	}
	sev_ghcb_invalidate(&d->ghcb);
	d->ghcb_active = false;
}

static __always_inline u64 ghcb_pa(struct ghcb *ghcb)
{
	if (unlikely(ghcb == boot_ghcb))
		return __pa_symbol(&boot_ghcb_page);
	return this_cpu_read(sev_es_percpu)->ghcb_pa;
}

/*
 * Injection requests (sw_exit_info_2 in EVENTINJ format, APM vol. 2, "Event
 * Injection"):
 * the hypervisor may ask for #GP or #UD, which the instruction could have
 * raised itself.  Any other vector, an interrupt or NMI type, reserved
 * bits or an error code for #UD would have the guest run a handler for an
 * event that did not happen.  Bits 63:32 are the error code only with EV
 * set: KVM builds the value from int constants, so without EV they are a
 * sign extension of bit 31.
 */
static enum vc_result check_injection(struct vc_ctxt *ctxt,
				      const struct ghcb *ghcb)
{
	u64 ev = ghcb->save.sw_exit_info_2;
	unsigned int vector = ev & SVM_EVTINJ_VEC_MASK;
	bool has_error = ev & SVM_EVTINJ_VALID_ERR;

	/* SVM_EVTINJ_VALID is an int: as a u64 mask it takes bits 63:31. */
	if (!ghcb_sw_exit_info_2_is_valid(ghcb) || !(ev & BIT_ULL(31)) ||
	    (ev & SVM_EVTINJ_TYPE_MASK) != SVM_EVTINJ_TYPE_EXEPT ||
	    (ev & GENMASK_ULL(30, 12)) ||
	    (vector != X86_TRAP_GP && vector != X86_TRAP_UD) ||
	    (vector == X86_TRAP_UD && has_error))
		return sev_es_fatal(ctxt, GHCB_TERM_GHCB_INJECT,
				    "hypervisor asks to inject an exception it may not");

	ctxt->exc.vector = vector;
	ctxt->exc.error_code = has_error ? ev >> 32 : 0;
	return VC_EXCEPTION;
}

/**
 * sev_ghcb_check_result() - Check the hypervisor's response to an exit.
 * @ctxt: the #VC being handled.
 * @ghcb: the GHCB page with the response.
 *
 * sw_exit_info_1 must be one of the three results the spec defines, an
 * exception must be one the hypervisor may ask for.
 *
 * Return: VC_DONE if the exit succeeded; VC_EXCEPTION, the exception in
 * @ctxt, if the hypervisor asks to inject #GP or #UD; for an error result,
 * VC_SIGBUS from user space and VC_FATAL from the kernel; VC_FATAL for
 * anything else.
 */
enum vc_result sev_ghcb_check_result(struct vc_ctxt *ctxt,
				     const struct ghcb *ghcb)
{
	if (!ghcb_sw_exit_info_1_is_valid(ghcb))
		return sev_es_fatal(ctxt, GHCB_TERM_GHCB_RESPONSE,
				    "GHCB response without sw_exit_info_1");

	switch (ghcb->save.sw_exit_info_1) {
	case GHCB_RESULT_OK:
		return VC_DONE;
	case GHCB_RESULT_EXCEPTION:
		return check_injection(ctxt, ghcb);
	case GHCB_RESULT_ERROR:
		/* User space can ask for what the hypervisor refuses. */
		return sev_es_refuse(ctxt, GHCB_TERM_VC_FAILED,
				     "hypervisor refused a kernel request");
	default:
		return sev_es_fatal(ctxt, GHCB_TERM_GHCB_RESPONSE,
				    "sw_exit_info_1 is not a GHCB result");
	}
}

#ifdef CONFIG_AMD_SEV_ES_KUNIT_TEST
/* KUnit's stand-in hypervisor, for exits through its own GHCB only. */
struct ghcb *sev_ghcb_test_page;
void (*sev_ghcb_test_hv)(struct ghcb *ghcb);

static bool ghcb_test_exit(struct ghcb *ghcb)
{
	if (likely(ghcb != READ_ONCE(sev_ghcb_test_page)))
		return false;
	sev_ghcb_test_hv(ghcb);
	return true;
}
#else
static inline bool ghcb_test_exit(struct ghcb *ghcb) { return false; }
#endif

/**
 * sev_ghcb_call() - One NAE exit through @ghcb: request, VMGEXIT, check.
 * @ctxt: the #VC being handled.
 * @ghcb: the GHCB page, with the rest of the request already in it.
 * @exit_code: the exit code (sw_exit_code).
 * @info1: sw_exit_info_1 of the request.
 * @info2: sw_exit_info_2 of the request.
 *
 * Return: as sev_ghcb_check_result() for the response.
 */
enum vc_result sev_ghcb_call(struct vc_ctxt *ctxt, struct ghcb *ghcb,
			     u64 exit_code, u64 info1, u64 info2)
{
	sev_ghcb_request(ghcb, ghcb_version, exit_code, info1, info2);
	if (!ghcb_test_exit(ghcb)) {
		sev_es_wr_ghcb_msr(ghcb_pa(ghcb));
		sev_es_vmgexit();
	}

	return sev_ghcb_check_result(ctxt, ghcb);
}

/**
 * sev_ghcb_scratch_pa() - Where the shared buffer of @ghcb is.
 * @ghcb: the GHCB page.
 *
 * Return: the physical address of the shared buffer in @ghcb, for
 * sw_scratch.
 */
u64 sev_ghcb_scratch_pa(struct ghcb *ghcb)
{
	return ghcb_pa(ghcb) + offsetof(struct ghcb, shared_buffer);
}

/**
 * sev_ghcb_check_scratch() - Check a response that uses the shared buffer.
 * @ctxt: the #VC being handled.
 * @ghcb: the GHCB page with the response.
 * @scratch: the shared buffer's physical address, as the request gave it.
 * @count: the most units the request asked to move.
 *
 * After an exit with data in the shared buffer: the guest chose its size
 * and place.  A hypervisor that hands back another buffer, or claims to
 * have moved more than @count units, is not answering this request.
 *
 * Return: VC_FATAL for such a response, else VC_DONE.
 */
enum vc_result sev_ghcb_check_scratch(struct vc_ctxt *ctxt,
				      const struct ghcb *ghcb, u64 scratch,
				      u64 count)
{
	if ((ghcb_sw_scratch_is_valid(ghcb) && ghcb->save.sw_scratch != scratch) ||
	    (ghcb_sw_exit_info_2_is_valid(ghcb) && ghcb->save.sw_exit_info_2 > count))
		return sev_es_fatal(ctxt, GHCB_TERM_GHCB_SIZE,
				    "response beyond the request's shared buffer");
	return VC_DONE;
}

/**
 * __sev_es_nmi_complete() - Tell the hypervisor this NMI is done.
 *
 * Description:
 * NMI_COMPLETE (GHCB spec (56421), "NMI Complete"): the hypervisor holds
 * further NMIs until the guest says it is done with this one.
 *
 * Context: The end of every NMI, possibly inside a #VC, hence the nesting
 * GHCB.
 */
noinstr void __sev_es_nmi_complete(void)
{
	struct ghcb_state state;
	struct ghcb *ghcb;

	ghcb = sev_ghcb_get(&state);
	sev_ghcb_request(ghcb, ghcb_version, SVM_VMGEXIT_NMI_COMPLETE, 0, 0);
	sev_es_wr_ghcb_msr(this_cpu_read(sev_es_percpu)->ghcb_pa);
	sev_es_vmgexit();
	if (unlikely(!ghcb_sw_exit_info_1_is_valid(ghcb) ||
		     ghcb->save.sw_exit_info_1 != GHCB_RESULT_OK)) {
		instrumentation_begin();
		sev_es_die(GHCB_TERM_GHCB_RESPONSE, "NMI_COMPLETE not acknowledged");
		instrumentation_end();
	}
	sev_ghcb_put(&state);
}

/*
 * An NMI before trap_init() meets the early IDT, which ignores it and
 * sends no NMI_COMPLETE: the hypervisor would hold every later NMI back
 * for good.  Once the boot CPU's IDT handles NMIs, say any such NMI is
 * done.  (APs run on that IDT from their first instruction.)
 */
static int __init sev_es_unblock_early_nmis(void)
{
	unsigned long flags;

	if (!cc_platform_has(CC_ATTR_GUEST_STATE_ENCRYPT))
		return 0;
	local_irq_save(flags);
	__sev_es_nmi_complete();
	local_irq_restore(flags);
	return 0;
}
early_initcall(sev_es_unblock_early_nmis);

/**
 * sev_boot_ghcb() - The boot CPU's first GHCB, for one exit.
 *
 * Description:
 * #VC comes to handle_vc_boot_ghcb() then, with no NMIs to nest.
 *
 * Return: the boot GHCB, with nothing in it valid to the hypervisor;
 * NULL before setup_ghcb().
 */
struct ghcb *sev_boot_ghcb(void)
{
	if (boot_ghcb)
		sev_ghcb_invalidate(boot_ghcb);
	return boot_ghcb;
}

/**
 * setup_ghcb() - Agree on the protocol and set up the boot GHCB.
 *
 * From early_setup_idt() and cpu_init_exception_handling(), on every CPU.
 * The boot CPU's first call agrees on the protocol (MSR protocol, 2.3.1)
 * and sets up the boot GHCB; once the per-CPU pages exist there is
 * nothing to do.
 */
void setup_ghcb(void)
{
	struct sev_msr_info info;

	if (!cc_platform_has(CC_ATTR_GUEST_STATE_ENCRYPT))
		return;
	if (sev_ghcb_runtime_ready())
		return;
	if (boot_ghcb)
		return;

	ghcb_version = sev_es_msr_negotiate(&info);
	memset(&boot_ghcb_page, 0, sizeof(boot_ghcb_page));
	boot_ghcb = &boot_ghcb_page;
}

static void __init alloc_ghcb(int cpu)
{
	struct sev_es_percpu *d;

	d = memblock_alloc(sizeof(*d), PAGE_SIZE);
	if (!d)
		sev_es_die(GHCB_TERM_GHCB_SETUP, "no memory for the GHCB pages");
	if (early_set_memory_decrypted((unsigned long)&d->ghcb, sizeof(d->ghcb)))
		sev_es_die(GHCB_TERM_GHCB_SETUP, "cannot share a GHCB page");

	/* What the page held as private memory reads as noise now. */
	memset(&d->ghcb, 0, sizeof(d->ghcb));
	d->ghcb_pa = __pa(&d->ghcb);
	per_cpu(sev_es_percpu, cpu) = d;
}

/**
 * sev_es_init_vc_handling() - Start the #VC runtime.
 *
 * From trap_init(): GHCB pages for every possible CPU, then the runtime.
 */
void __init sev_es_init_vc_handling(void)
{
	int cpu;

	BUILD_BUG_ON(offsetof(struct sev_es_percpu, ghcb) % PAGE_SIZE);

	if (!cc_platform_has(CC_ATTR_GUEST_STATE_ENCRYPT))
		return;

	for_each_possible_cpu(cpu)
		alloc_ghcb(cpu);

	sev_es_setup_play_dead();
	static_branch_enable(&sev_es_enable_key);

	/* APs coming up take #VC on the per-CPU pages from the start. */
	initial_vc_handler = (unsigned long)kernel_exc_vmm_communication;
	boot_ghcb = NULL;
}

/**
 * sev_es_efi_map_ghcbs() - Map the GHCB pages for EFI runtime services.
 * @pgd: the EFI runtime services' page table.
 *
 * EFI runtime services run on their own page table.  Firmware that takes
 * a #VC there finds the GHCB by the physical address in the GHCB MSR, so
 * map each page 1:1 and shared.
 *
 * Return: 0, or 1 if a page could not be mapped.
 */
int __init sev_es_efi_map_ghcbs(pgd_t *pgd)
{
	int cpu;

	if (!cc_platform_has(CC_ATTR_GUEST_STATE_ENCRYPT))
		return 0;

	for_each_possible_cpu(cpu) {
		u64 pa = per_cpu(sev_es_percpu, cpu)->ghcb_pa;

		if (kernel_map_pages_in_pgd(pgd, pa >> PAGE_SHIFT, pa, 1,
					    _PAGE_NX | _PAGE_RW))
			return 1;
	}
	return 0;
}
