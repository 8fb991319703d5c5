# shellcheck shell=sh
# Guest side of the kexec tests (sourced as /cmd): kexec into /boot/bzImage
# with this initramfs again, KEXEC_ROUNDS times, one round a boot; the
# round is on the command line.  KEXEC_OFFLINE names CPUs to take offline
# before each kexec.  Each boot prints "kexec round N: cpus online: LIST".
round=$(sed -n 's/.*kexec_round=\([0-9]*\).*/\1/p' /proc/cmdline)
round=${round:-0}
echo "kexec round $round: cpus online: $(cat /sys/devices/system/cpu/online)"
[ "$round" -ge "$KEXEC_ROUNDS" ] && exit 0

for cpu in $KEXEC_OFFLINE; do
	echo 0 >"/sys/devices/system/cpu/cpu$cpu/online" || exit 1
done
[ -n "$KEXEC_OFFLINE" ] &&
	echo "kexec round $round: offline before kexec: cpus online: $(cat /sys/devices/system/cpu/online)"

# This initramfs again, /dev's nodes included (under the devtmpfs mount).
umount /dev
(cd / && find . -xdev ! -path ./self.cpio | cpio -o -H newc >/self.cpio 2>/dev/null)
mount -t devtmpfs devtmpfs /dev

kexec -l /boot/bzImage --initrd=/self.cpio \
	--append="$(sed 's/ *kexec_round=[0-9]*//' /proc/cmdline) kexec_round=$((round + 1))" ||
	exit 1
kexec -e
echo "kexec -e returned $?"
exit 1
