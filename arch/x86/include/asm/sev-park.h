/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The AP parking page: the page of the AP jump table, shared by every
 * kernel that runs in the guest (arch/x86/kernel/sev/park-code.S and park.c).
 * Its layout is an interface between them: a kernel that finds parking
 * code with this magic reuses it as it is, since APs of the kernel before
 * may be waiting in it.
 */
#ifndef _ASM_X86_SEV_PARK_H
#define _ASM_X86_SEV_PARK_H

#define SEV_ES_PARK_MAGIC	"SEVESPK1"

/* Where the code sits in the page, and its parts. */
#define SEV_ES_PARK_BASE	0x400
#define SEV_ES_PARK_GDT_PTR	0x08	/* u16 limit, u64 base */
#define SEV_ES_PARK_TABLE_OFF	0x12	/* u16: the jump table's offset */
#define SEV_ES_PARK_GDT		0x18	/* from its null descriptor */
#define SEV_ES_PARK_CS16	0x30	/* descriptors based at the page */
#define SEV_ES_PARK_DS16	0x38
#define SEV_ES_PARK_ENTRY	0x40	/* 64-bit entry */

/* One byte per CPU, from here to the end of the page. */
#define SEV_ES_PARK_SLOTS	0x800
#define SEV_ES_PARK_AWAY	0	/* running, or never parked */
#define SEV_ES_PARK_LEAVING	1	/* on its way, still on kernel memory */
#define SEV_ES_PARK_PARKED	2	/* in the hold, paging off */

#endif
