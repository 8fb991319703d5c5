#!/usr/bin/env bash
# SEV_STATUS and CPUID claim SEV-SNP: refused, the GHCB spec's "SEV-SNP
# features not supported" (set 0, code 2).
. "$(dirname "$0")/../lib.sh"

hostile_case snp 0 2
