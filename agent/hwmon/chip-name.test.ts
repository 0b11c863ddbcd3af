import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chipName } from './chip-name.ts';

test('chipName: the names `sensors` prints, bus by bus', () => {
  const cases: [Parameters<typeof chipName>[0], string][] = [
    [{ name: 'coretemp', device: 'coretemp.0', subsystem: 'platform' }, 'coretemp-isa-0000'],
    [{ name: 'nct6798', device: 'nct6775.656', subsystem: 'platform' }, 'nct6798-isa-0290'],
    [{ name: 'it8728', device: 'it87.2608', subsystem: 'platform' }, 'it8728-isa-0a30'],
    [{ name: 'k10temp', device: '0000:00:18.3', subsystem: 'pci' }, 'k10temp-pci-00c3'],
    [{ name: 'nvme', device: '0000:01:00.0', subsystem: 'pci' }, 'nvme-pci-0100'],
    [{ name: 'amdgpu', device: '0001:0a:00.0', subsystem: 'pci' }, 'amdgpu-pci-10a00'],
    [{ name: 'jc42', device: '0-0018', subsystem: 'i2c' }, 'jc42-i2c-0-18'],
    [{ name: 'w83627hf', device: '9191-0290', subsystem: 'i2c' }, 'w83627hf-isa-0290'],
    [{ name: 'lm70', device: 'spi1.0', subsystem: 'spi' }, 'lm70-spi-1-0'],
    [{ name: 'acpitz', device: 'LNXTHERM:00', subsystem: 'acpi' }, 'acpitz-acpi-0'],
    [{ name: 'corsaircpro', device: '0003:1B1C:0C10.0004', subsystem: 'hid' }, 'corsaircpro-hid-3-4'],
    [{ name: 'drivetemp', device: '0:0:0:0', subsystem: 'scsi' }, 'drivetemp-scsi-0-0'],
    [{ name: 'drivetemp', device: '5:0:1:0', subsystem: 'scsi' }, 'drivetemp-scsi-5-1'],
    [{ name: 'iwlwifi_1' }, 'iwlwifi_1-virtual-0'],
    // A bus libsensors does not know: `sensors` would skip the chip; Berth keeps it named.
    [{ name: 'cros_ec', device: 'cros-ec-hwmon', subsystem: 'cros_ec' }, 'cros_ec-cros_ec-cros-ec-hwmon'],
  ];
  for (const [dev, want] of cases) assert.equal(chipName(dev), want, JSON.stringify(dev));
});
