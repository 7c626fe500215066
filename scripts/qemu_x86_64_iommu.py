# SPDX-License-Identifier: GPL-2.0
# kunit.py --qemu_config for an x86_64 guest with an emulated Intel VT-d,
# after tools/testing/kunit/qemu_configs/x86_64.py.  TCG: the host's
# /dev/kvm is not usable here.  no_timer_check: about 1 boot in 40 panics
# in the timer-through-remapped-IO-APIC check otherwise.
from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='x86_64',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_PCI=y
CONFIG_PCI_MSI=y
CONFIG_ACPI=y
CONFIG_IOMMU_SUPPORT=y
CONFIG_INTEL_IOMMU=y
CONFIG_IRQ_REMAP=y
CONFIG_X86_X2APIC=y''',
			   qemu_arch='x86_64',
			   kernel_path='arch/x86/boot/bzImage',
			   kernel_command_line='console=ttyS0 intel_iommu=on no_timer_check',
			   extra_qemu_params=['-smp', '2', '-machine', 'q35,kernel-irqchip=split',
					      '-accel', 'tcg', '-cpu', 'max', '-m', '1G',
					      '-device', 'intel-iommu,intremap=on',
					      '-bios', 'qboot.rom'])
