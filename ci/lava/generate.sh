#!/usr/bin/env bash
# Write LAVA job definitions for the model from the settings scripts/boot.sh
# boots with (scripts/lib.sh: mode_args, guest_args, pflash_args,
# GUEST_CMDLINE), so that a lab runs exactly what "make boot" runs:
#
#   ci/lava/generate.sh [OUT]        (default $CACHE/lava)
#
#   OUT/jobs/sev-es-boot.yaml     our kernel as an SEV-ES guest: KUnit
#                                 results from the boot, SEV-ES active
#   OUT/jobs/hostile-LIE.yaml     one lie of the hostile hypervisor; the
#                                 guest's termination request is the pass
#   OUT/jobs/bisect-step.yaml     one bisection step: a revision's bzImage
#                                 booted with CMD, pass or fail
#   OUT/artefacts/                kernels, initrds, Debian's OVMF
#
# Settings (environment):
#   ARTEFACTS_URL  where the lab serves OUT/artefacts (default file://...)
#   LIE            the hostile lie (default cbit-wrong), one of
#                  tests/hostile.cfg that ends in a termination request
#   BISECT_KERNEL  the step's bzImage (default our build), BISECT_REV
#                  its revision, CMD the step's test (default true)
#   SMP MEM TIMEOUT  as for scripts/boot.sh
#
# The QEMU command line comes from a device of type "qemu" whose
# dictionary is ci/lava/devices/sev-es-model.jinja2: the jobs' context
# carries the model's options (extra_options), as LAVA's qemu.jinja2
# expects; the worker puts our qemu-system-x86_64 first in PATH.
. "$(dirname "$0")/../../scripts/lib.sh"
. "$TOP/tests/manifest.sh"

OUT=$(realpath -m "${1:-$CACHE/lava}")
ART=$OUT/artefacts
ARTEFACTS_URL=${ARTEFACTS_URL:-file://$ART}
LIE=${LIE:-cbit-wrong}
SMP=${SMP:-2}
MEM=${MEM:-1G}
TIMEOUT=${TIMEOUT:-300}
OUR_KERNEL=$BUILD/linux-ours/arch/x86/boot/bzImage
BISECT_KERNEL=${BISECT_KERNEL:-$OUR_KERNEL}
BISECT_REV=${BISECT_REV:-$(git -C "$TREES/linux" rev-parse HEAD 2>/dev/null || echo unknown)}
CMD=${CMD:-true}

# The check the boot job runs in the guest; one "sev-es-check: NAME
# pass|fail" line per check.
# shellcheck disable=SC2016 # expanded by the guest shell
BOOT_CHECK='echo "sev-es-check: start"
check() { if eval "$2"; then r=pass; else r=fail; fi; echo "sev-es-check: $1 $r"; }
check sev-es-active "dmesg | grep -q \"Memory Encryption Features active: AMD SEV SEV-ES\""
check two-cpus "grep -q \"^processor.*: 1\$\" /proc/cpuinfo"'

# initrd NAME CMD: our busybox initramfs running CMD, as boot.sh makes it.
initrd() {
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-lava.XXXXXX")
	cp "$("$TOP/scripts/initramfs.sh" cmd "$CACHE/initramfs/ours.cpio.gz" "$2" "$dir")" "$ART/$1"
	rm -rf "$dir"
}

# artefact NAME FILE: FILE into the artefacts, under NAME.
artefact() { cp "$2" "$ART/$1"; }

# expected_termination LIE: "SET CODE" (decimal, as the model prints
# them) the catalogue, tests/hostile.cfg, expects for LIE.
expected_termination() {
	local set code
	cfg_load
	cfg_has "$1" || die "no lie '$1' in $HOSTILE_CFG"
	[ "$(cfg_get "$1" outcome)" = terminate ] || die "lie '$1' does not end in a termination request"
	read -r set code <<<"$(cfg_get "$1" reason)"
	echo "$((set)) $((code))"
}

# YAML for the jobs -----------------------------------------------------

# q STRING: STRING as a single-quoted YAML scalar.
q() { printf "'%s'" "${1//\'/\'\'}"; }

# context: the device context, from guest_args: every argument but those
# LAVA's qemu.jinja2 emits itself (-nographic, -m: "memory"); START, when
# set, for the kernel's banner LAVA waits for.
context() {
	local args=() i=0 a
	mapfile -t args < <(guest_args "$SMP" "$MEM")
	echo "context:"
	echo "  arch: amd64"
	echo "  no_kvm: true"
	echo "  memory: $(q "$MEM")"
	[ -z "${START:-}" ] || echo "  kernel_start_message: $(q "$START")"
	echo "  extra_options:"
	while [ $i -lt ${#args[@]} ]; do
		a=${args[i]}
		if [ "$a" = -nographic ]; then
			i=$((i + 1)); continue
		fi
		if [ "$a" = -m ]; then
			i=$((i + 2)); continue
		fi
		if [ $((i + 1)) -lt ${#args[@]} ] && [ "${args[i + 1]#-}" = "${args[i + 1]}" ]; then
			a="$a ${args[i + 1]}"; i=$((i + 1))
		fi
		echo "  - $(q "$a")"
		i=$((i + 1))
	done
}

# header NAME MINUTES: job name, timeouts, device type, context.
header() {
	cat <<-YAML
	job_name: $(q "$1")
	device_type: qemu
	visibility: public
	priority: medium
	timeouts:
	  job: {minutes: $2}
	  action: {minutes: $2}
	  connection: {minutes: 2}
	YAML
	context
	cat <<-YAML
	metadata:
	  source: sev-es ci/lava/generate.sh
	  mode: $(q "$MODE")
	YAML
}

# deploy KERNEL_NAME INITRD_NAME: kernel, initrd and OVMF to tmpfs; the
# image_args are boot.sh's -kernel/-initrd/-append and pflash_args.
deploy() {
	local fw=()
	mapfile -t fw < <(pflash_args '{ovmf_code}' '{ovmf_vars}')
	cat <<-YAML
	actions:
	- deploy:
	    to: tmpfs
	    timeout: {minutes: 5}
	    images:
	      ovmf_code:
	        url: $(q "$ARTEFACTS_URL/OVMF_CODE.fd")
	        image_arg: $(q "${fw[*]:0:2}")
	      ovmf_vars:
	        url: $(q "$ARTEFACTS_URL/OVMF_VARS.fd")
	        image_arg: $(q "${fw[*]:2:2}")
	      kernel:
	        url: $(q "$ARTEFACTS_URL/$1")
	        image_arg: $(q "-kernel {kernel} -append \"$GUEST_CMDLINE\"")
	      initrd:
	        url: $(q "$ARTEFACTS_URL/$2")
	        image_arg: $(q "-initrd {initrd}")
	YAML
}

# boot MINUTES [PROMPT]: QEMU; with PROMPT, the boot passes when the
# console (QEMU's messages included) shows it.
boot() {
	cat <<-YAML
	- boot:
	    method: qemu
	    media: tmpfs
	    timeout: {minutes: $1}
	YAML
	[ $# -lt 2 ] || printf '    prompts:\n    - %s\n' "$(q "$2")"
}

# monitor NAME START END PATTERN [FIXUP]: a test that reads the console.
monitor() {
	cat <<-YAML
	    - name: $(q "$1")
	      start: $(q "$2")
	      end: $(q "$3")
	      pattern: $(q "$4")
	YAML
	[ $# -lt 5 ] || printf '      fixupdict:\n%s\n' "$5"
}

job_boot() {
	header sev-es-boot 15
	deploy bzImage initrd-boot.cpio
	boot 5
	cat <<-YAML
	- test:
	    timeout: {minutes: 5}
	    monitors:
	YAML
	monitor sev-es-kunit 'KTAP version 1' 'SEV-ES-GUEST: userland reached' \
		'(?P<result>not ok|ok) [0-9]+ (?P<test_case_id>[a-z0-9_]+)[ \r\n]' \
		"        'ok': pass
        'not ok': fail"
	monitor sev-es-check 'sev-es-check: start' 'SEV-ES-GUEST: exit status' \
		'sev-es-check: (?P<test_case_id>[a-z0-9-]+) (?P<result>pass|fail)'
}

job_hostile() {
	local set code
	read -r set code < <(expected_termination "$LIE")
	[ -n "$code" ] || die "no expected termination for lie '$LIE'"
	SEV_OPTS=tcg-hostile=$LIE SMP=1 mode_args "$MODE"
	# The guest may die before Linux prints its banner, which LAVA waits
	# for first; the model's note that the lie begins comes before.
	SMP=1 START='hostile hypervisor from now on' header "hostile-$LIE" 10
	deploy bzImage initrd-true.cpio
	boot 5 "guest termination request: reason set $set, reason code $code"
}

job_bisect_step() {
	header "bisect-step ${BISECT_REV:0:12}" 15
	echo "  revision: $(q "$BISECT_REV")"
	deploy bzImage-bisect initrd-bisect.cpio
	boot 5
	cat <<-YAML
	- test:
	    timeout: {minutes: 5}
	    monitors:
	YAML
	monitor bisect-step 'bisect-step: start' 'SEV-ES-GUEST: exit status' \
		'bisect-step: (?P<test_case_id>cmd) (?P<result>pass|fail)'
}

main() {
	MODE=sev-es
	mkdir -p "$OUT/jobs" "$ART"
	mode_args "$MODE"
	artefact OVMF_CODE.fd "$OVMF_CODE"
	artefact OVMF_VARS.fd "$OVMF_VARS"
	artefact bzImage "$OUR_KERNEL"
	artefact bzImage-bisect "$BISECT_KERNEL"
	initrd initrd-boot.cpio "$BOOT_CHECK"
	initrd initrd-true.cpio true
	initrd initrd-bisect.cpio "echo 'bisect-step: start'
if ( $CMD ); then echo 'bisect-step: cmd pass'; else echo 'bisect-step: cmd fail'; fi"
	job_boot >"$OUT/jobs/sev-es-boot.yaml"
	(job_hostile) >"$OUT/jobs/hostile-$LIE.yaml"
	job_bisect_step >"$OUT/jobs/bisect-step.yaml"
	printf '%s\n' "$OUT"/jobs/*.yaml
}

main "$@"
