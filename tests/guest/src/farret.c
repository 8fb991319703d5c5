// SPDX-License-Identifier: GPL-2.0
/*
 * farret: a far return and an IRET in user mode, to the same privilege.
 * They pop the user stack with user privilege: under SMAP, a CPU that
 * popped with supervisor privilege would fault (SIGSEGV).
 */
#include <stdio.h>

int main(void)
{
	/* Below the red zone: the compiler may keep data there. */
	asm volatile("subq $128, %%rsp\n\t"
		     "mov %%cs, %%eax\n\t"
		     "pushq %%rax\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\taddq $128, %%rsp" : : : "rax", "memory");
	printf("farret: lretq ok\n");

	asm volatile("subq $128, %%rsp\n\t"
		     "mov %%ss, %%eax\n\t"
		     "movq %%rsp, %%rdx\n\t"
		     "pushq %%rax\n\t"
		     "pushq %%rdx\n\t"
		     "pushfq\n\t"
		     "mov %%cs, %%eax\n\t"
		     "pushq %%rax\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "iretq\n"
		     "1:\taddq $128, %%rsp" : : : "rax", "rdx", "memory", "cc");
	printf("farret: iretq ok\n");
	return 0;
}
