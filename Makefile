# SEV-ES guest series, its QEMU model and the tooling around them.
# "make boot" and "make check" do everything from a fresh Debian 12.

SHELL := /bin/bash
S := scripts

# Settings for boot.sh; see "make help".
export KERNEL MODE CPU SMP MEM CMD TIMEOUT APPEND QEMU_ARGS LOG FORCE
# Settings for bisect.sh and bisect-debian.sh.
export GOOD BAD TREE LAVA

.PHONY: help deps fetch assemble regen qemu qemu-asan kernel initramfs build boot check bench fuzz hostile kunit series \
	bisect bisect-debian

# Settings for boot.sh's Debian root filesystem and network.
export ROOTFS NET HOSTFWD
.PHONY: kernel-debian rootfs check-debian
# What "make boot" needs beyond "build" for the chosen KERNEL and ROOTFS.
BOOT_NEEDS := $(if $(ROOTFS),rootfs) $(if $(filter ours-debian,$(KERNEL)),kernel-debian)

help:
	@echo "make boot [KERNEL=ours|ours-debian|debian|PATH] [MODE=plain|sev-es|kvm-sev-es]"
	@echo "          [SMP=N] [MEM=1G] [CMD='...'] [TIMEOUT=s] [APPEND='...'] [CPU=...]"
	@echo "          [ROOTFS=debian] [NET=none|user] [HOSTFWD=tcp::2222-:22]"
	@echo "make kernel [FLAVOUR=debian]  our tinyconfig kernels, or the series on Debian's config"
	@echo "make rootfs     the Debian 12 root filesystem image (debootstrap, mkfs.ext4 -d)"
	@echo "make check      build everything and run every test"
	@echo "make check-debian  build the debian flavour and run its tests (tests/flavour)"
	@echo "make bench      boot-time ratio sev-es/plain, per-exit counts, VMGEXITs to userland"
	@echo "                and per exec, insns per #VC;"
	@echo "                Debian rootfs: boot to login and to running, net and disk, sev-es/plain"
	@echo "make fuzz [FUZZ_SEED=n]  10,000,000 random GHCB requests against QEMU with ASan/UBSan,"
	@echo "                and the guest's KUnit fuzzers, 10,000,000 cases each"
	@echo "make hostile [KERNEL=...]  one boot per lie of the model's hostile hypervisor; ours against Debian's 6.1 unless KERNEL is given"
	@echo "make kunit [MODE=sev-es|plain|kvm-sev-es]  our KUnit suites in a guest, via kunit.py"
	@echo "make series     export the guest series (format-patch, cover letter), checkpatch, W=1,"
	@echo "                every step built and booted; every step of the QEMU series built"
	@echo "make bisect GOOD=rev BAD=rev [TREE=dir] [CMD='...'] [MODE=...] [LAVA=1]"
	@echo "                git bisect run: build with our config, boot on the model"
	@echo "                (LAVA=1: each boot a LAVA job, run with lava-run)"
	@echo "make bisect-debian GOOD=version BAD=version [CMD='...']"
	@echo "                bisect Debian's binary kernels from the archive"
	@echo "make assemble   (re)create the linux and qemu git work trees"
	@echo "make regen      write overlay + series back from the work trees"

deps:
	$(S)/deps.sh

fetch: deps
	$(S)/fetch.sh

assemble: fetch
	$(S)/tree.sh assemble linux
	$(S)/tree.sh assemble qemu

regen:
	$(S)/tree.sh regen linux
	$(S)/tree.sh regen qemu

qemu: assemble
	$(S)/build-qemu.sh >/dev/null

qemu-asan: assemble
	$(S)/build-qemu.sh asan >/dev/null

ifeq ($(FLAVOUR),)
kernel: assemble
	$(S)/build-kernel.sh ours >/dev/null
	$(S)/build-kernel.sh nosev >/dev/null
else ifeq ($(FLAVOUR),debian)
kernel: kernel-debian
else
kernel:
	@echo "unknown FLAVOUR '$(FLAVOUR)' (debian)" >&2; exit 1
endif

# The series on Debian's config; its modules and initrd go into the rootfs.
kernel-debian: assemble rootfs
	$(S)/build-kernel.sh debian >/dev/null
	$(S)/rootfs.sh modules >/dev/null

rootfs: fetch
	$(S)/rootfs.sh >/dev/null

initramfs: assemble
	$(S)/initramfs.sh ours >/dev/null
	$(S)/initramfs.sh debian >/dev/null

build: qemu kernel initramfs

boot: build $(BOOT_NEEDS)
	$(S)/boot.sh

check: build qemu-asan rootfs
	tests/run.sh

# The debian flavour's tests (tests/flavour): its cold build alone is
# longer than make check may take.
check-debian: qemu kernel-debian
	tests/run.sh $(patsubst tests/%.sh,%,$(wildcard tests/flavour/*.sh))

bench: build rootfs
	bench/boot-ratio.sh
	bench/vmgexits.sh
	bench/vc-cost.sh
	bench/rootfs.sh

fuzz: qemu-asan qemu kernel
	seed=$${FUZZ_SEED:-$$(date +%s)}; \
	tests/ghcb-fuzz.sh long "$$seed" && \
	tests/ghcb-fuzz.sh long "$$((seed + 1))" tcg-kvm=6.1 && \
	$(S)/kunit-fuzz.sh "$$seed"

hostile: build
	tests/hostile.sh $(or $(KERNEL),--compare)

kunit: qemu kernel
	$(S)/kunit.sh

series: kernel qemu
	$(S)/series.sh; rc=$$?; $(S)/qemu-series.sh && exit $$rc

bisect: qemu initramfs
	$(S)/bisect.sh

bisect-debian: qemu initramfs
	$(S)/bisect-debian.sh
