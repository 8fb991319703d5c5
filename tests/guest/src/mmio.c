// SPDX-License-Identifier: GPL-2.0
/*
 * mmio MODE: device memory where the kernel copies to or from it for a
 * system call, or where an SEV-ES kernel's #VC handler does for a string
 * IO instruction.  The device is the AHCI controller's ABAR (BAR5 of
 * 00:1f.2, no driver bound): the command list base of port 0, at 0x100,
 * keeps what is written to it.  The device is enabled through sysfs,
 * and user space maps it there (shared, as every PCI resource mapping
 * is); /dev/mem reaches only below the end of RAM (valid_phys_addr_range()),
 * which is above the 32-bit PCI window with more than 2 GiB.
 *   devmem-write  pwrite() to /dev/mem: the kernel copies from a user
 *                 buffer to its own mapping of the device
 *   pipe-from     write() to a pipe from the user mapping
 *   pipe-to       read() from a pipe into the user mapping
 *   outs          REP OUTSB from the user mapping to the RTC's CMOS RAM
 *   ins           REP INSB from the CMOS RAM to the user mapping
 *   devmem-read   a load through an mmap() of /dev/mem, which an SEV guest
 *                 maps encrypted (phys_mem_access_prot()): SIGBUS
 *   devmem-pipe   write() to a pipe from that mapping: EFAULT
 *   devmem-ins    REP INSB into that mapping: SIGBUS
 * Prints one line, "mmio: MODE: ..." and what came through.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/io.h>
#include <sys/mman.h>

#define AHCI		"/sys/bus/pci/devices/0000:00:1f.2/"
#define P0_CLB		0x100	/* port 0 command list base */
#define CMOS_REG	0x7e	/* a byte of CMOS RAM nobody uses */

static const char *mode;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	printf("mmio: %s: %s at %p\n", mode, strsignal(sig), si->si_addr);
	fflush(stdout);
	_exit(1);
}

static int fail(const char *what)
{
	printf("mmio: %s: %s: %s\n", mode, what, strerror(errno));
	return 1;
}

/* Memory decoding on: nobody else enables a device without a driver. */
static int ahci_enable(void)
{
	int fd = open(AHCI "enable", O_WRONLY);
	int ok = fd >= 0 && write(fd, "1", 1) == 1;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* The ABAR's physical address: line 6 of the device's resource file. */
static unsigned long abar_phys(void)
{
	unsigned long start = 0, end, flags;
	FILE *f = fopen(AHCI "resource", "r");
	int i;

	for (i = 0; f && i < 6; i++)
		if (fscanf(f, "%lx %lx %lx", &start, &end, &flags) != 3)
			start = 0;
	if (f)
		fclose(f);
	return start;
}

static volatile uint32_t *abar_map(void)
{
	int fd = open(AHCI "resource5", O_RDWR | O_SYNC);
	void *p;

	if (fd < 0)
		return NULL;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static void cmos_write(uint8_t v)
{
	outb(CMOS_REG, 0x70);
	outb(v, 0x71);
}

static uint8_t cmos_read(void)
{
	outb(CMOS_REG, 0x70);
	return inb(0x71);
}

static int devmem_write(void)
{
	uint8_t buf[4] = { 0x11 };
	unsigned long phys = abar_phys();
	uint32_t clb = 0;
	int fd = open("/dev/mem", O_RDWR | O_SYNC);

	if (fd < 0 || !phys)
		return fail("/dev/mem or ABAR");
	if (pwrite(fd, buf, sizeof(buf), phys + P0_CLB) != sizeof(buf))
		return fail("pwrite");
	if (pread(fd, &clb, sizeof(clb), phys + P0_CLB) != sizeof(clb))
		return fail("pread");
	printf("mmio: devmem-write: clb %#x\n", clb);
	return 0;
}

/* The ABAR through an mmap() of /dev/mem, as devmem2 and friends map it. */
static volatile uint32_t *devmem_map(void)
{
	unsigned long phys = abar_phys();
	int fd = open("/dev/mem", O_RDWR | O_SYNC);
	void *p;

	if (fd < 0 || !phys)
		return NULL;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, phys);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static int pipe_copy(volatile uint32_t *abar, int to_device)
{
	volatile uint32_t *clb = abar + P0_CLB / 4;
	uint8_t buf[4] = { 0x33 };
	int p[2];

	if (pipe(p))
		return fail("pipe");
	if (to_device) {
		*clb = 0;
		if (write(p[1], buf, sizeof(buf)) != sizeof(buf))
			return fail("write");
		if (read(p[0], (void *)clb, sizeof(buf)) != sizeof(buf))
			return fail("read");
		printf("mmio: pipe-to: clb %#x\n", *clb);
	} else {
		*clb = 0x22;
		if (write(p[1], (void *)clb, sizeof(buf)) != sizeof(buf))
			return fail("write");
		if (read(p[0], buf, sizeof(buf)) != sizeof(buf))
			return fail("read");
		printf("mmio: pipe-from: read %#x\n", buf[0]);
	}
	return 0;
}

static int string_io(volatile uint32_t *abar, int in)
{
	volatile uint32_t *clb = abar + P0_CLB / 4;
	void *p = (void *)clb;
	unsigned long n = 1;

	if (ioperm(0x70, 2, 1))
		return fail("ioperm");
	if (in) {
		*clb = 0;
		cmos_write(0x55);
		outb(CMOS_REG, 0x70);
		asm volatile("rep insb" : "+D"(p), "+c"(n) : "d"(0x71) : "memory");
		printf("mmio: ins: clb %#x\n", *clb);
	} else {
		*clb = 0x44;
		cmos_write(0);
		outb(CMOS_REG, 0x70);
		asm volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(0x71) : "memory");
		printf("mmio: outs: cmos %#x\n", cmos_read());
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };
	volatile uint32_t *abar;

	if (argc < 2) {
		fprintf(stderr, "usage: mmio devmem-write|pipe-from|pipe-to|outs|ins|\n"
				"            devmem-read|devmem-pipe|devmem-ins\n");
		return 2;
	}
	mode = argv[1];
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	setvbuf(stdout, NULL, _IONBF, 0);

	if (ahci_enable())
		return fail("enabling " AHCI);
	if (!strcmp(mode, "devmem-write"))
		return devmem_write();
	if (!strncmp(mode, "devmem-", 7)) {
		abar = devmem_map();
		if (!abar)
			return fail("mapping /dev/mem");
		if (!strcmp(mode, "devmem-read")) {
			printf("mmio: devmem-read: clb %#x\n", abar[P0_CLB / 4]);
			return 0;
		}
		if (!strcmp(mode, "devmem-ins")) {
			void *p = (void *)(abar + P0_CLB / 4);
			unsigned long n = 1;

			if (ioperm(0x70, 2, 1))
				return fail("ioperm");
			outb(CMOS_REG, 0x70);
			asm volatile("rep insb" : "+D"(p), "+c"(n) : "d"(0x71) : "memory");
			printf("mmio: devmem-ins: no fault\n");
			return 1;
		}
		if (!strcmp(mode, "devmem-pipe")) {
			int p[2];
			uint8_t buf[4];

			if (pipe(p) || write(p[1], (void *)(abar + P0_CLB / 4), 4) != 4 ||
			    read(p[0], buf, 4) != 4)
				return fail("pipe");
			printf("mmio: devmem-pipe: read %#x\n", buf[0]);
			return 0;
		}
		return 2;
	}
	abar = abar_map();
	if (!abar)
		return fail("mapping " AHCI "resource5");
	if (!strcmp(mode, "pipe-from") || !strcmp(mode, "pipe-to"))
		return pipe_copy(abar, !strcmp(mode, "pipe-to"));
	if (!strcmp(mode, "outs") || !strcmp(mode, "ins"))
		return string_io(abar, !strcmp(mode, "ins"));
	return 2;
}
