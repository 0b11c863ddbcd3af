// The name `sensors` prints for a hwmon chip (libsensors' sensors_snprintf_chip_name), built
// from the chip's `name` attribute and the device it hangs off (lib/sysfs.c,
// sensors_read_one_sysfs_chip): the device's bus (the last part of its `subsystem` link) and
// its sysfs name give the bus number and address.
//   coretemp-isa-0000   (platform device coretemp.0 counts as ISA, address 0)
//   nct6775-isa-0290    (platform device nct6775.656: 656 = 0x290)
//   k10temp-pci-00c3    (PCI 0000:00:18.3: (domain<<16) + (bus<<8) + (slot<<3) + fn)
//   jc42-i2c-0-18       (i2c device 0-0018)
//   acpitz-acpi-0, drivetemp-scsi-0-0, iwlwifi_1-virtual-0 (no device: virtual)
// A chip whose device sits on a bus libsensors does not know is left out by `sensors`; here
// it keeps its hwmon name with the bus name, so its readings are not lost.

export interface ChipDevice {
  /** Contents of the `name` attribute. */
  name: string;
  /** Last path part of the hwmon's `device` link (`coretemp.0`, `0000:00:18.3`), or undefined. */
  device?: string;
  /** Last path part of the device's `subsystem` link (`platform`, `pci`, `i2c`…), or undefined. */
  subsystem?: string;
}

const hex = (n: number, width = 0) => n.toString(16).padStart(width, '0');

export function chipName({ name, device, subsystem }: ChipDevice): string {
  if (device === undefined) return `${name}-virtual-0`;
  const sub = subsystem;
  let m: RegExpExecArray | null;
  if ((!sub || sub === 'i2c') && (m = /^(\d+)-([0-9a-fA-F]+)$/.exec(device))) {
    const bus = Number(m[1]);
    const addr = parseInt(m[2]!, 16);
    // Bus 9191 is how old kernels named the legacy ISA bus.
    return bus === 9191 ? `${name}-isa-${hex(addr, 4)}` : `${name}-i2c-${bus}-${hex(addr, 2)}`;
  }
  if ((!sub || sub === 'spi') && (m = /^spi(\d+)\.(\d+)$/.exec(device))) {
    return `${name}-spi-${Number(m[1])}-${hex(Number(m[2]))}`;
  }
  if ((!sub || sub === 'pci') && (m = /^([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+)\.([0-9a-fA-F]+)$/.exec(device))) {
    const [domain, bus, slot, fn] = m.slice(1).map((x) => parseInt(x, 16)) as [number, number, number, number];
    return `${name}-pci-${hex(domain * 65536 + (bus << 8) + (slot << 3) + fn, 4)}`;
  }
  if (!sub || sub === 'platform' || sub === 'of_platform') {
    // "%*[a-z0-9_].%d": a platform device's instance number is its address.
    m = /^[a-z0-9_]+\.(\d+)/.exec(device);
    return `${name}-isa-${hex(m ? Number(m[1]) : 0, 4)}`;
  }
  if (sub === 'acpi') return `${name}-acpi-0`;
  if (sub === 'hid' && (m = /^([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+)\.([0-9a-fA-F]+)$/.exec(device))) {
    return `${name}-hid-${parseInt(m[1]!, 16)}-${hex(parseInt(m[4]!, 16))}`;
  }
  if (sub === 'mdio_bus') {
    m = /^[^:]*:([0-9a-fA-F]+)$/.exec(device);
    return `${name}-mdio-${hex(m ? parseInt(m[1]!, 16) : 0)}`;
  }
  if (sub === 'scsi' && (m = /^(\d+):\d+:(\d+):\d+$/.exec(device))) {
    return `${name}-scsi-${Number(m[1])}-${hex(Number(m[2]))}`;
  }
  return `${name}-${sub}-${device}`;
}
