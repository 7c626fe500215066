# SPDX-License-Identifier: GPL-2.0
# kunit.py --qemu_config for a plain x86_64 guest with two vCPUs (KCSAN in
# make check-debug), after tools/testing/kunit/qemu_configs/x86_64.py.
# TCG: the host's /dev/kvm is not usable here; multi-threaded TCG runs the
# two vCPUs on two host threads, so they really race.
from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='x86_64',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_SMP=y''',
			   qemu_arch='x86_64',
			   kernel_path='arch/x86/boot/bzImage',
			   kernel_command_line='console=ttyS0',
			   extra_qemu_params=['-smp', '2', '-accel', 'tcg,thread=multi',
					      '-cpu', 'max', '-bios', 'qboot.rom'])
