// SPDX-License-Identifier: GPL-2.0
/*
 * rdtscp [COUNT]: execute RDTSCP from user space COUNT times (default 1)
 * and print the CPU it ran on last (TSC_AUX, as Linux sets it: node << 12
 * | cpu) and whether the TSC ever went backwards on one CPU.  Under
 * SEV-ES, RDTSCP may be intercepted (a #VC the kernel turns into a GHCB
 * exit) or not; either way the answer must be the CPU's own.
 */
#include <stdio.h>
#include <stdlib.h>

static unsigned long long rdtscp(unsigned int *aux)
{
	unsigned int lo, hi;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(*aux));
	return (unsigned long long)hi << 32 | lo;
}

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : 1, i;
	unsigned long long tsc, last = 0;
	unsigned int aux, last_aux = ~0u, backwards = 0;

	if (argc > 2 || !count) {
		fprintf(stderr, "usage: rdtscp [COUNT]\n");
		return 2;
	}
	for (i = 0; i < count; i++) {
		tsc = rdtscp(&aux);
		if (aux == last_aux && tsc < last)
			backwards++;
		last = tsc;
		last_aux = aux;
	}
	printf("rdtscp: cpu %u node %u, backwards %u of %lu\n",
	       aux & 0xfff, aux >> 12, backwards, count);
	return backwards ? 1 : 0;
}
