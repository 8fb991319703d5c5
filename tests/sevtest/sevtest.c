// SPDX-License-Identifier: GPL-2.0-only
/*
 * sevtest runtime: MSRs, the GHCB, the serial console, the IDT and the
 * exception dispatch.  The console writes through the GHCB page protocol
 * (IOIO exits), not through #VC, so that a broken #VC path cannot hide
 * the report.
 */
#include <stdarg.h>
#include "sevtest.h"

unsigned int cbitpos;
volatile unsigned int nmi_count;
bool (*vc_handler)(struct frame *f);
bool (*fault_handler)(struct frame *f);
static uint64_t ghcb_pa;		/* the GHCB in use */

struct idt_entry {
	uint16_t offset0;
	uint16_t selector;
	uint16_t flags;
	uint16_t offset1;
	uint32_t offset2;
	uint32_t reserved;
};

static struct idt_entry idt[32];
extern const char vectors[];

void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

void wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val),
		     "d"((uint32_t)(val >> 32)) : "memory");
}

static void vmgexit(void)
{
	asm volatile(VMGEXIT_INSN : : : "memory");
}

/* One MSR-protocol exchange; the GHCB GPA is put back afterwards. */
uint64_t msr_protocol(uint64_t request)
{
	uint64_t resp;

	wrmsr(MSR_GHCB, request);
	vmgexit();
	resp = rdmsr(MSR_GHCB);
	wrmsr(MSR_GHCB, ghcb_pa);
	return resp;
}

void *shared(uint64_t pa)
{
	return (void *)(SHARED_ALIAS + pa);
}

uint8_t *ghcb_page(void)
{
	return shared(ghcb_pa);
}

/* Use the GHCB page at @pa from now on; returns the one used so far. */
uint64_t ghcb_switch(uint64_t pa)
{
	uint64_t old = ghcb_pa;

	ghcb_pa = pa;
	wrmsr(MSR_GHCB, pa);
	return old;
}

/* VMGEXIT with the GHCB MSR set to @msr, then back to the GHCB. */
void vmgexit_at(uint64_t msr)
{
	wrmsr(MSR_GHCB, msr);
	vmgexit();
	wrmsr(MSR_GHCB, ghcb_pa);
}

void ghcb_clear(void)
{
	memset(ghcb_page(), 0, 4096);
}

void ghcb_set(unsigned int offset, uint64_t val)
{
	uint8_t *g = ghcb_page();
	unsigned int bit = offset / 8;

	*(volatile uint64_t *)(g + offset) = val;
	g[GHCB_VALID + bit / 8] |= 1 << (bit % 8);
}

uint64_t ghcb_get(unsigned int offset)
{
	return *(volatile uint64_t *)(ghcb_page() + offset);
}

bool ghcb_valid(unsigned int offset)
{
	unsigned int bit = offset / 8;

	return ghcb_page()[GHCB_VALID + bit / 8] & (1 << (bit % 8));
}

/* VMGEXIT with whatever the caller put in the GHCB. */
void ghcb_vmgexit(void)
{
	vmgexit();
}

/* Fill in the three fields every event needs, then VMGEXIT. */
void ghcb_call(uint64_t exit_code, uint64_t info1, uint64_t info2)
{
	ghcb_set(GHCB_EXIT_CODE, exit_code);
	ghcb_set(GHCB_EXIT_INFO_1, info1);
	ghcb_set(GHCB_EXIT_INFO_2, info2);
	vmgexit();
}

void outb(uint16_t port, uint8_t val)
{
	ghcb_clear();
	ghcb_set(GHCB_RAX, val);
	ghcb_call(EXIT_IOIO, (uint32_t)port << 16 | IOIO_SZ8, 0);
}

uint8_t inb(uint16_t port)
{
	ghcb_clear();
	ghcb_call(EXIT_IOIO, (uint32_t)port << 16 | IOIO_SZ8 | IOIO_IN, 0);
	if (ghcb_get(GHCB_EXIT_INFO_1) || !ghcb_valid(GHCB_RAX))
		terminate(0xf, 1);
	return ghcb_get(GHCB_RAX);
}

void putstr(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			outb(COM1, '\r');
		outb(COM1, *s);
	}
}

static void putnum(uint64_t n, unsigned int base, int width)
{
	char buf[24];
	int i = 0;

	do {
		buf[i++] = "0123456789abcdef"[n % base];
		n /= base;
	} while (n);
	while (i < width)
		buf[i++] = '0';
	while (i)
		outb(COM1, buf[--i]);
}

/* %s, %u, %x, %lx, %llx, %016lx and %%; nothing else is needed. */
void printf(const char *fmt, ...)
{
	va_list ap;
	char one[2] = { 0 };

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		int width = 0, longs = 0;

		if (*fmt != '%') {
			one[0] = *fmt;
			putstr(one);
			continue;
		}
		for (fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + *fmt - '0';
		for (; *fmt == 'l'; fmt++)
			longs++;
		switch (*fmt) {
		case 's':
			putstr(va_arg(ap, const char *));
			break;
		case 'u':
			putnum(longs ? va_arg(ap, uint64_t) :
			       va_arg(ap, unsigned int), 10, width);
			break;
		case 'x':
			putnum(longs ? va_arg(ap, uint64_t) :
			       va_arg(ap, unsigned int), 16, width);
			break;
		default:
			putstr("%");
			break;
		}
	}
	va_end(ap);
}

/* GHCB MSR protocol termination (request 0x100); never returns. */
void terminate(unsigned int set, unsigned int code)
{
	wrmsr(MSR_GHCB, (uint64_t)(code & 0xff) << 16 |
	      (uint64_t)(set & 0xf) << 12 | GHCB_TERM_REQ);
	for (;;) {
		vmgexit();
		asm volatile("hlt");
	}
}

void trap(struct frame *f)
{
	if (f->vector == 2) {
		nmi_count++;
		nmi_taken();
		return;
	}
	if (f->vector == 29 && vc_handler && vc_handler(f))
		return;
	if (f->vector != 29 && fault_handler && fault_handler(f))
		return;
	printf("Bail out! unexpected exception %u, error 0x%lx at rip 0x%lx\n",
	       (unsigned int)f->vector, f->error, f->rip);
	terminate(0xf, 2);
}

static void setup_idt(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };
	unsigned int i;

	for (i = 0; i < 32; i++) {
		uint64_t entry = (uint64_t)vectors + 16 * i;

		idt[i].offset0 = entry;
		idt[i].selector = SEL_CODE64;
		idt[i].flags = 0x8e00;	/* present, DPL 0, interrupt gate */
		idt[i].offset1 = entry >> 16;
		idt[i].offset2 = entry >> 32;
	}
	asm volatile("lidt %0" : : "m"(idtr));
}

void sevtest_main(unsigned int c_bit)
{
	cbitpos = c_bit;
	setup_idt();
	ghcb_switch(GHCB_PA);
	outb(COM1_SCR, 0);
	run_tests();
	terminate(0xf, 0);
}
