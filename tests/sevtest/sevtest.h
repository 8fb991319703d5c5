/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sevtest: a freestanding SEV-ES guest that checks the QEMU model rule by
 * rule.  It runs as firmware (-bios, or from flash), alone, with no #VC
 * handler but its own, and reports one TAP line per check on the serial
 * port.
 *
 * Physical memory map (identity mapped, 2 MiB pages):
 *   0x1000  PML4      0x2000 PDPT      0x3000-0x6fff PDs for 0-4 GiB
 *   0x7000  PD of the shared alias: VA SHARED_ALIAS + x -> PA x, C=0,
 *           for x below 1 GiB - 2 MiB; the alias's last 2 MiB
 *           (FIRMWARE_ALIAS) show the firmware's (FIRMWARE_2M)
 *   0x8000  GHCB page (used through the shared alias)
 *   0xa000  a second GHCB page, for the NMI handler
 *   0x90000 top of the stack           0x100000 .bss
 *   0x200000, 0x300000  test pages
 * RAM below 3 GiB is mapped with C=1, and so is the top 2 MiB: under
 * SEV, QEMU loads -bios into RAM that launch encrypts.  The rest of 3-4 GiB
 * (MMIO) is mapped with C=0.
 */
#ifndef SEVTEST_H
#define SEVTEST_H

#define PML4_PA		0x1000
#define PDPT_PA		0x2000
#define PD_PA		0x3000
#define PD_ALIAS_PA	0x7000
#define GHCB_PA		0x8000
#define GHCB2_PA	0xa000		/* the NMI handler's GHCB */
#define STACK_TOP	0x90000
#define PRIVATE_GIBS	3
#define SHARED_ALIAS	0x100000000
#define FIRMWARE_2M	0xffe00000	/* the firmware's 2 MiB: C=0 alias at */
#define FIRMWARE_ALIAS	(SHARED_ALIAS + 0x3fe00000)	/* ... this VA */

#define SEL_CODE32	0x08
#define SEL_DATA	0x10
#define SEL_CODE64	0x18

#define MSR_EFER	0xc0000080
#define MSR_GHCB	0xc0010130
#define MSR_SEV_STATUS	0xc0010131

/* GHCB MSR protocol (GHCB spec 56421, section 2.3.1) */
#define GHCB_INFO_MASK		0xfffULL
#define GHCB_SEV_INFO_RESP	0x001
#define GHCB_SEV_INFO_REQ	0x002
#define GHCB_CPUID_REQ		0x004
#define GHCB_CPUID_RESP		0x005
#define GHCB_AP_HOLD_REQ	0x006
#define GHCB_PREF_GPA_REQ	0x010
#define GHCB_PREF_GPA_RESP	0x011
#define GHCB_REG_GPA_REQ	0x012
#define GHCB_REG_GPA_RESP	0x013
#define GHCB_HV_FT_REQ		0x080
#define GHCB_HV_FT_RESP		0x081
#define GHCB_TERM_REQ		0x100

#define VMGEXIT		.byte 0xf3, 0x0f, 0x01, 0xd9

#ifndef __ASSEMBLER__

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMGEXIT_INSN	".byte 0xf3, 0x0f, 0x01, 0xd9"

/* What trap_entry pushes, lowest address first. */
struct frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* GHCB save-area offsets and exit codes (GHCB spec tables 3 and 5) */
#define GHCB_CPL		0x0cb
#define GHCB_RAX		0x1f8
#define GHCB_RCX		0x308
#define GHCB_RDX		0x310
#define GHCB_RBX		0x318
#define GHCB_VALID_GPRS		4	/* RAX, RBX, RCX, RDX */
#define GHCB_EXIT_CODE		0x390
#define GHCB_EXIT_INFO_1	0x398
#define GHCB_EXIT_INFO_2	0x3a0
#define GHCB_SCRATCH		0x3a8
#define GHCB_XCR0		0x3e8
#define GHCB_VALID		0x3f0
#define GHCB_BUFFER		0x800
#define GHCB_BUFFER_END		0xff0
#define GHCB_VERSION		0xffa
#define GHCB_USAGE		0xffc

#define EXIT_READ_DR7		0x027
#define EXIT_WRITE_DR7		0x037
#define EXIT_RDTSC		0x06e
#define EXIT_RDPMC		0x06f
#define EXIT_RDTSCP		0x087
#define EXIT_CPUID		0x072
#define EXIT_INVD		0x076
#define EXIT_IOIO		0x07b
#define EXIT_MSR		0x07c
#define EXIT_VMMCALL		0x081
#define EXIT_WBINVD		0x089
#define EXIT_MONITOR		0x08a
#define EXIT_MWAIT		0x08b
#define EXIT_NPF		0x400
#define EXIT_MMIO_READ		0x80000001
#define EXIT_MMIO_WRITE		0x80000002
#define EXIT_NMI_COMPLETE	0x80000003
#define EXIT_AP_HLT_LOOP	0x80000004
#define EXIT_AP_JUMP_TABLE	0x80000005
#define EXIT_HV_FEATURES	0x8000fffd
#define EXIT_TERM_REQUEST	0x8000fffe

#define IOIO_IN			(1 << 0)
#define IOIO_STR		(1 << 2)
#define IOIO_SZ8		(1 << 4)
#define IOIO_SZ32		(1 << 6)
#define IOIO_A64		(1 << 9)

#define COM1			0x3f8
#define COM1_SCR		(COM1 + 7)

/* sevtest.c: the machine */
extern unsigned int cbitpos;
extern volatile unsigned int nmi_count;

uint64_t rdmsr(uint32_t msr);
void wrmsr(uint32_t msr, uint64_t val);
uint64_t msr_protocol(uint64_t request);
void *shared(uint64_t pa);
uint8_t *ghcb_page(void);
uint64_t ghcb_switch(uint64_t pa);
void vmgexit_at(uint64_t msr);
void ghcb_clear(void);
void ghcb_set(unsigned int offset, uint64_t val);
uint64_t ghcb_get(unsigned int offset);
bool ghcb_valid(unsigned int offset);
void ghcb_call(uint64_t exit_code, uint64_t info1, uint64_t info2);
void ghcb_vmgexit(void);
void outb(uint16_t port, uint8_t val);
uint8_t inb(uint16_t port);
void putstr(const char *s);
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void __attribute__((noreturn)) terminate(unsigned int set, unsigned int code);
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* The #VC handler of the moment; NULL: any #VC is a failure. */
extern bool (*vc_handler)(struct frame *f);
/* The same for any other exception but NMI. */
extern bool (*fault_handler)(struct frame *f);

/* tests.c */
void run_tests(void);
void nmi_taken(void);

/* fuzz.c */
void fuzz(uint64_t seed, uint64_t count);
void sevtest_main(unsigned int c_bit);

#endif /* __ASSEMBLER__ */
#endif /* SEVTEST_H */
