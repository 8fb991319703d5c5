/* SPDX-License-Identifier: GPL-2.0-only */
/* The C-bit probe's accesses, shared with the kernel. */
#include "../../kernel/sev/cbit-probe.S"
