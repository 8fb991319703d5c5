// SPDX-License-Identifier: GPL-2.0
/*
 * vcloop KIND N: N operations of one kind that an SEV-ES guest cannot
 * do without the hypervisor, each a #VC round trip (for CPUID, use
 * "cpuid 0 0 N"):
 *
 *   none   nothing (the baseline of a measurement)
 *   out    OUT to port 0x80 (after ioperm())
 *   mmio   a read of the extended config space (offset 0x100) of the
 *          PCIe device at 00:10.0 through sysfs: one MMIO read of ECAM
 *          in the kernel, in a system call (6.1 refuses MMIO emulation
 *          for user space, the CVE-2023-46813 fix)
 *
 * bench/vc-cost.sh counts the guest instructions a run takes, with and
 * without SEV-ES.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <unistd.h>

#define PCI_CONFIG	"/sys/bus/pci/devices/0000:00:10.0/config"
#define PCI_EXT_CFG	0x100

static int run_out(unsigned long n)
{
	if (ioperm(0x80, 1, 1)) {
		perror("vcloop: ioperm");
		return 1;
	}
	while (n--)
		outb(0, 0x80);
	return 0;
}

static int run_mmio(unsigned long n)
{
	int fd = open(PCI_CONFIG, O_RDONLY);
	uint32_t id;

	if (fd < 0) {
		perror("vcloop: " PCI_CONFIG);
		return 1;
	}
	while (n--) {
		if (pread(fd, &id, sizeof(id), PCI_EXT_CFG) != sizeof(id)) {
			perror("vcloop: pread");
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: vcloop none|out|mmio N\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 0);
	if (!strcmp(argv[1], "none"))
		ret = 0;
	else if (!strcmp(argv[1], "out"))
		ret = run_out(n);
	else if (!strcmp(argv[1], "mmio"))
		ret = run_mmio(n);
	else
		ret = 2;
	if (!ret)
		printf("vcloop %s %lu: done\n", argv[1], n);
	return ret;
}
