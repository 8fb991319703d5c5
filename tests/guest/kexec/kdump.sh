# shellcheck shell=sh
# Guest side of the kdump test (sourced as /cmd).  The first kernel loads
# /boot/bzImage as its crash kernel, with this initramfs, and crashes; the
# capture kernel checks /proc/vmcore: an ELF64 core of a non-zero size.
if [ -e /proc/vmcore ]; then
	size=$(wc -c </proc/vmcore)
	magic=$(head -c 5 /proc/vmcore | od -An -tx1 | tr -d ' \n')
	echo "kdump: capture kernel: /proc/vmcore $size bytes, ELF ident $magic"
	# The old kernel's log, read from its private memory: plaintext only
	# if the capture kernel maps old memory encrypted.
	grep -aqm1 'sysrq triggered crash' /proc/vmcore &&
		echo "kdump: the old kernel's panic message is in /proc/vmcore"
	[ "$magic" = 7f454c4602 ] && [ "$size" -gt 0 ]
	exit
fi
umount /dev
(cd / && find . -xdev ! -path ./self.cpio | cpio -o -H newc >/self.cpio 2>/dev/null)
mount -t devtmpfs devtmpfs /dev
kexec -p /boot/bzImage --initrd=/self.cpio \
	--append="console=ttyS0 panic=-1 nr_cpus=1 irqpoll reset_devices" || exit 1
echo "kdump: crash kernel loaded: $(cat /sys/kernel/kexec_crash_loaded)"
echo c >/proc/sysrq-trigger
echo "kdump: still alive after sysrq-c"
exit 1
