#!/usr/bin/env bash
# A hypervisor that resumes the guest after its termination request (CPUID
# hides RDRAND to make it ask): the guest must not go on, and asks again;
# the model then ends it.  A guest that halts instead would wait forever.
. "$(dirname "$0")/../lib.sh"

hostile_case term-resume 1 31
expect_stderr 'termination request \(reason set 1, reason code 31\) ignored, the guest resumes'
