// SPDX-License-Identifier: GPL-2.0
/*
 * ioport MODE [ADDR]: port IO from user space, the kind an SEV-ES kernel
 * emulates in its #VC handler.
 *   ok         ioperm(), then IN/OUT and REP INSB/OUTSB on a user buffer
 *   perm       IN without ioperm(): the kernel must raise #GP (SIGSEGV)
 *   ins ADDR   REP INSB into ADDR (hex): a kernel address must fault
 *   outs ADDR  REP OUTSB from ADDR: likewise, nothing may be read
 * Prints one line: "ioport: MODE: ..." and what happened.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/io.h>

static const char *mode;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	printf("ioport: %s: %s at %p\n", mode, sig == SIGSEGV ? "SIGSEGV" : "SIGBUS",
	       si->si_addr);
	fflush(stdout);
	_exit(0);
}

static void rep_insb(unsigned short port, void *dst, unsigned long n)
{
	asm volatile("rep insb" : "+D"(dst), "+c"(n) : "d"(port) : "memory");
}

static void rep_outsb(unsigned short port, const void *src, unsigned long n)
{
	asm volatile("rep outsb" : "+S"(src), "+c"(n) : "d"(port) : "memory");
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };
	unsigned char buf[16];
	void *addr;

	if (argc < 2) {
		fprintf(stderr, "usage: ioport ok|perm|ins ADDR|outs ADDR\n");
		return 2;
	}
	mode = argv[1];
	addr = argc > 2 ? (void *)strtoul(argv[2], NULL, 16) : buf;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	if (!strcmp(mode, "perm")) {
		printf("ioport: perm: read %#x\n", inb(0x80));
		return 1;
	}
	/* 0x70/0x71: the RTC index and data; 0x80: the POST port. */
	if (ioperm(0x70, 2, 1) || ioperm(0x80, 1, 1)) {
		perror("ioperm");
		return 2;
	}
	if (!strcmp(mode, "ok")) {
		memset(buf, 0, sizeof(buf));
		outb(0x0d, 0x70);
		rep_insb(0x71, buf, 1);
		rep_outsb(0x80, buf, sizeof(buf));
		printf("ioport: ok: rtc status d %#x\n", buf[0]);
		return 0;
	}
	if (!strcmp(mode, "ins"))
		rep_insb(0x71, addr, 16);
	else if (!strcmp(mode, "outs"))
		rep_outsb(0x80, addr, 16);
	else
		return 2;
	printf("ioport: %s: no fault at %p\n", mode, addr);
	return 1;
}
