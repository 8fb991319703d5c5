// SPDX-License-Identifier: GPL-2.0
/*
 * seg16: CPUID, which takes a #VC, from 16-bit user code: a 16-bit code
 * segment in the LDT, far-jumped to from 64-bit mode.  Prints what the
 * task got for it:
 *
 *   seg16: SIGBUS       the #VC handler refused code it cannot decode
 *   seg16: SIGILL       it emulated the CPUID and the UD2 after it ran
 *
 * The signal handlers run in 64-bit mode on an alternate stack and
 * siglongjmp() back.
 */
#include <asm/ldt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static sigjmp_buf back;
static volatile sig_atomic_t got;

static void on_signal(int sig)
{
	got = sig;
	siglongjmp(back, 1);
}

int main(void)
{
	static const uint8_t code16[] = { 0x0f, 0xa2, 0x0f, 0x0b };	/* cpuid; ud2 */
	static char altstack[65536];
	struct user_desc d = { .entry_number = 0, .limit = 0xfff,
			       .contents = MODIFY_LDT_CONTENTS_CODE,
			       .seg_32bit = 0, .useable = 1 };
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_ONSTACK };
	struct { uint32_t off; uint16_t sel; } __attribute__((packed)) target;
	uint8_t *page;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (page == MAP_FAILED) {
		perror("seg16: mmap");
		return 1;
	}
	memcpy(page, code16, sizeof(code16));
	d.base_addr = (uint32_t)(uintptr_t)page;
	if (syscall(SYS_modify_ldt, 1, &d, sizeof(d))) {
		perror("seg16: modify_ldt");
		return 1;
	}
	sigaltstack(&ss, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	target.off = 0;
	target.sel = (0 << 3) | 4 | 3;		/* LDT entry 0, RPL 3 */
	if (!sigsetjmp(back, 1))
		asm volatile("ljmpl *%0" : : "m" (target) : "memory");
	printf("seg16: %s\n", got == SIGBUS ? "SIGBUS" : got == SIGILL ? "SIGILL" :
	       got == SIGSEGV ? "SIGSEGV" : "no signal");
	return 0;
}
