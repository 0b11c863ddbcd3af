// What Berth reads from `smartctl -j` (smartmontools 7, JSON format version 1): a disk's
// overall health, temperature, power-on hours, reallocated sectors (ATA attribute 5) and, for
// NVMe, the share of its rated endurance used. The exit status is a bit mask
// (smartctl(8) "RETURN VALUES"): bits 0–2 mean smartctl could not read the disk (bad command
// line, device not opened, a command failed or a checksum was wrong: `-n standby` also exits
// with 2 for a sleeping disk, which is then left asleep), bit 3 "disk failing", bits 4–7 past
// or logged problems; the JSON is printed in every case.

export interface SmartReading {
  /** /dev/sda, /dev/nvme0 (device.name). */
  device: string;
  /** ATA, NVMe, SCSI (device.protocol). */
  protocol?: string;
  model?: string;
  serial?: string;
  /** smart_status.passed: false is the disk's own verdict that it is failing. */
  passed?: boolean;
  temperatureC?: number;
  powerOnHours?: number;
  /** ATA attribute 5 (Reallocated_Sector_Ct), raw value. */
  reallocatedSectors?: number;
  /** NVMe: percentage_used of the health log (can pass 100). */
  percentageUsed?: number;
  /** NVMe: media and data integrity errors. */
  mediaErrors?: number;
  exitStatus?: number;
}

export type SmartResult = { reading: SmartReading } | { skipped: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** smartctl's own messages of an answer, for logs ("Device is in STANDBY mode, exit(2)"). */
function messages(j: Record<string, unknown>): string {
  const list = isObject(j.smartctl) && Array.isArray(j.smartctl.messages) ? j.smartctl.messages : [];
  return list
    .map((m) => (isObject(m) ? str(m.string) : undefined))
    .filter(Boolean)
    .join('; ');
}

/** Parses one `smartctl -j -i -H -A DEVICE` answer; `skipped` when it holds no reading. */
export function parseSmartctl(text: string): SmartResult {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return { skipped: `not JSON: ${JSON.stringify(text.slice(0, 80))}` };
  }
  if (!isObject(j) || !Array.isArray(j.json_format_version) || j.json_format_version[0] !== 1) {
    return { skipped: 'not smartctl -j output (json_format_version 1)' };
  }
  const exitStatus = isObject(j.smartctl) ? num(j.smartctl.exit_status) : undefined;
  const device = isObject(j.device) ? str(j.device.name) : undefined;
  // Bits 0 and 1: the command line was refused, or the device could not be opened (or sleeps).
  if (device === undefined || (exitStatus !== undefined && (exitStatus & 0b011) !== 0)) {
    return { skipped: messages(j) || `exit status ${exitStatus}` };
  }
  const r: SmartReading = { device, exitStatus };
  r.protocol = isObject(j.device) ? str(j.device.protocol) : undefined;
  r.model = str(j.model_name) ?? str(j.scsi_model_name);
  r.serial = str(j.serial_number);
  if (isObject(j.smart_status) && typeof j.smart_status.passed === 'boolean') r.passed = j.smart_status.passed;
  r.temperatureC = isObject(j.temperature) ? num(j.temperature.current) : undefined;
  r.powerOnHours = isObject(j.power_on_time) ? num(j.power_on_time.hours) : undefined;
  const table = isObject(j.ata_smart_attributes) ? j.ata_smart_attributes.table : undefined;
  if (Array.isArray(table)) {
    const realloc = table.find((a) => isObject(a) && a.id === 5);
    if (isObject(realloc) && isObject(realloc.raw)) r.reallocatedSectors = num(realloc.raw.value);
  }
  const nvme = j.nvme_smart_health_information_log;
  if (isObject(nvme)) {
    r.percentageUsed = num(nvme.percentage_used);
    r.mediaErrors = num(nvme.media_errors);
    r.temperatureC ??= num(nvme.temperature);
    r.powerOnHours ??= num(nvme.power_on_hours);
  }
  for (const k of Object.keys(r) as (keyof SmartReading)[]) if (r[k] === undefined) delete r[k];
  return { reading: r };
}

export interface ScannedDevice {
  name: string;
  /** The -d type smartctl picked (sat, nvme, scsi, megaraid,N…). */
  type?: string;
}

/** The devices of `smartctl -j --scan`. */
export function parseSmartctlScan(text: string): ScannedDevice[] {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new Error(`smartctl --scan: not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (!isObject(j)) throw new Error('smartctl --scan: not a JSON object');
  const list = Array.isArray(j.devices) ? j.devices : [];
  return list.flatMap((d) => {
    const name = isObject(d) ? str(d.name) : undefined;
    if (!name) return [];
    const type = isObject(d) ? str(d.type) : undefined;
    return [type ? { name, type } : { name }];
  });
}
