// SPDX-License-Identifier: GPL-2.0
/*
 * cpuid LEAF [SUBLEAF] [COUNT]: execute CPUID from user space COUNT times
 * (default 1) and print the last result.  Under SEV-ES every CPUID is a
 * #VC that the guest kernel turns into a GHCB exit, so this exercises
 * the user-mode #VC path and shows the values the hypervisor returned.
 */
#include <stdio.h>
#include <stdlib.h>

static void cpuid(unsigned int leaf, unsigned int sub, unsigned int r[4])
{
	asm volatile("cpuid"
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

int main(int argc, char **argv)
{
	unsigned int leaf, sub = 0, r[4] = { 0 };
	unsigned long count = 1, i;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: cpuid LEAF [SUBLEAF] [COUNT]\n");
		return 2;
	}
	leaf = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		sub = strtoul(argv[2], NULL, 0);
	if (argc > 3)
		count = strtoul(argv[3], NULL, 0);
	for (i = 0; i < count; i++)
		cpuid(leaf, sub, r);
	printf("cpuid 0x%08x.%u: eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n",
	       leaf, sub, r[0], r[1], r[2], r[3]);
	return 0;
}
