// SPDX-License-Identifier: GPL-2.0
/*
 * vmgexit N: N times, a system call that makes the kernel ask the
 * hypervisor for something (a write to the serial console: port OUT),
 * then a VMGEXIT from user mode.  The user cannot write the GHCB page: a
 * hypervisor that finds a request in it at that VMGEXIT finds one the
 * kernel left behind, and acting on it replays the kernel's request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long i, n = argc > 1 ? strtoul(argv[1], NULL, 0) : 16;

	for (i = 0; i < n; i++) {
		if (write(1, ".", 1) != 1)
			return 1;
		asm volatile("rep; vmmcall" : : : "memory");
	}
	printf("\nvmgexit: %lu done\n", n);
	return 0;
}
