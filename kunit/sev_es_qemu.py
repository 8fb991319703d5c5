# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for running KUnit inside an SEV-ES guest: OVMF and
# our QEMU's SEV-ES model (or KVM's real one).  scripts/kunit.sh passes the
# machine in SEV_ES_KUNIT_QEMU_PARAMS, one argument per line, so boot.sh and
# kunit share one definition of it.
import os

from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='x86_64',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_AMD_MEM_ENCRYPT=y''',
			   qemu_arch='x86_64',
			   kernel_path='arch/x86/boot/bzImage',
			   kernel_command_line='console=ttyS0',
			   extra_qemu_params=os.environ['SEV_ES_KUNIT_QEMU_PARAMS'].splitlines())
