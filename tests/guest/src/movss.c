// SPDX-License-Identifier: GPL-2.0
/*
 * movss: where the #DB of a data breakpoint on MOV SS's own operand
 * lands.  The CPU holds it over the MOV SS shadow, so it is taken after
 * the instruction that follows, never right after the MOV SS.  A child
 * runs MOV SS; NOP; NOP with a read/write watchpoint (DR0, DR7 through
 * ptrace) on the selector it loads; the parent reads where it stopped:
 *
 *   movss: #DB after the instruction that follows MOV SS
 *   movss: #DB right after MOV SS (one instruction early)
 *   movss: no #DB (the watchpoint never fired)
 */
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile uint16_t selector;
extern const char movss_insn[], movss_next[], movss_after[];

static void __attribute__((noinline, noreturn)) child(void)
{
	uint16_t ss;

	/* Written before the watchpoint is set: only MOV SS reads it. */
	asm volatile("mov %%ss, %0" : "=r" (ss));
	selector = ss;
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	raise(SIGSTOP);
	asm volatile(".globl movss_insn, movss_next, movss_after\n\t"
		     "movss_insn: mov %0, %%ss\n\t"
		     "movss_next: nop\n\t"
		     "movss_after: nop"
		     : : "m" (selector));
	_exit(0);
}

static int poke_dr(pid_t pid, int n, unsigned long val)
{
	return ptrace(PTRACE_POKEUSER, pid,
		      offsetof(struct user, u_debugreg[n]), val);
}

int main(void)
{
	struct user_regs_struct regs;
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0)
		child();
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
		printf("movss: the child did not stop\n");
		return 1;
	}
	/* DR0: the selector; DR7: L0, read/write (11b), 2 bytes (01b). */
	if (poke_dr(pid, 0, (unsigned long)&selector) ||
	    poke_dr(pid, 7, 1 | 3 << 16 | 1 << 18)) {
		perror("movss: ptrace(POKEUSER)");
		return 1;
	}
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	for (;;) {
		if (waitpid(pid, &status, 0) != pid)
			return 1;
		if (WIFEXITED(status)) {
			printf("movss: no #DB (the watchpoint never fired)\n");
			return 0;
		}
		if (WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP)
			break;
		ptrace(PTRACE_CONT, pid, NULL, WSTOPSIG(status));
	}
	ptrace(PTRACE_GETREGS, pid, NULL, &regs);
	if (regs.rip == (unsigned long)movss_after)
		printf("movss: #DB after the instruction that follows MOV SS\n");
	else if (regs.rip == (unsigned long)movss_next)
		printf("movss: #DB right after MOV SS (one instruction early)\n");
	else
		printf("movss: #DB at %#llx, MOV SS at %p\n", regs.rip,
		       (void *)movss_insn);
	kill(pid, SIGKILL);
	return 0;
}
