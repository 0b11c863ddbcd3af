// Temperatures and fan speeds of one hwmon chip (Documentation/hwmon/sysfs-interface.rst):
// tempN_input in millidegrees Celsius, fanN_input in RPM, and an optional tempN_label /
// fanN_label naming the sensor. Without a label `sensors` prints the feature's own name
// ("temp1", "fan2"), and so does Berth. A reading that fails (a sensor that is absent or
// asleep answers EIO or ENODATA) is left out; the others are kept.

export interface SensorReading {
  /** "temp" or "fan". */
  kind: 'temp' | 'fan';
  /** The label as `sensors` prints it: tempN_label's text, else "tempN". */
  sensor: string;
  /** °C for temperatures, RPM for fans. */
  value: number;
}

const INPUT = /^(temp|fan)(\d+)_input$/;

/**
 * Readings from a chip's attribute files, given as name → contents (undefined: the read
 * failed). In feature order (temp1, temp2, …, then fans), as `sensors` lists them.
 */
export function chipReadings(files: ReadonlyMap<string, string | undefined>): SensorReading[] {
  const out: (SensorReading & { n: number })[] = [];
  for (const [file, text] of files) {
    const m = INPUT.exec(file);
    if (!m || text === undefined) continue;
    const raw = text.trim();
    // Some drivers print negative temperatures (below 0 °C outside); none print fractions.
    if (!/^-?\d+$/.test(raw)) continue;
    const kind = m[1] as 'temp' | 'fan';
    const label = files.get(`${kind}${m[2]}_label`)?.trim();
    const value = kind === 'temp' ? Number(raw) / 1000 : Number(raw);
    out.push({ kind, sensor: label || `${kind}${m[2]}`, value, n: Number(m[2]) });
  }
  out.sort((a, b) => (a.kind === b.kind ? a.n - b.n : a.kind === 'temp' ? -1 : 1));
  return out.map(({ kind, sensor, value }) => ({ kind, sensor, value }));
}
