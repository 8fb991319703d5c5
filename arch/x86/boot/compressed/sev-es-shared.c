// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SEV code the decompressor shares with the kernel: the GHCB MSR
 * protocol, the CPUID-only #VC handler, SEV detection and the C-bit probe.
 */
#include "misc.h"

#include "../../kernel/sev/early-msr.c"
#include "../../kernel/sev/cbit.c"
#include "../../kernel/sev/detect.c"
