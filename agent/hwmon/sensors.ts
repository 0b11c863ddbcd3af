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

export interface SensorName {
  kind: 'temp' | 'fan';
  sensor: string;
  /** Its input file's name: temp1_input. */
  input: string;
}

const INPUT = /^(temp|fan)(\d+)_input$/;

/**
 * The chip's sensors from its attribute file names (and the labels' contents), in feature
 * order (temp1, temp2, …, then fans) as `sensors` lists them. A label given twice on one chip
 * would make two series one: the later is told apart by its feature name.
 */
export function chipSensors(files: ReadonlyMap<string, string | undefined>): SensorName[] {
  const found: (SensorName & { n: number })[] = [];
  for (const file of files.keys()) {
    const m = INPUT.exec(file);
    if (!m) continue;
    const kind = m[1] as 'temp' | 'fan';
    const label = files.get(`${kind}${m[2]}_label`)?.trim();
    found.push({ kind, sensor: label || `${kind}${m[2]}`, input: file, n: Number(m[2]) });
  }
  found.sort((a, b) => (a.kind === b.kind ? a.n - b.n : a.kind === 'temp' ? -1 : 1));
  const seen = new Set<string>();
  return found.map(({ kind, sensor, input, n }) => {
    const name = seen.has(sensor) ? `${sensor} (${kind}${n})` : sensor;
    seen.add(name);
    return { kind, sensor: name, input };
  });
}

/** An input's value: °C from millidegrees, RPM as is; undefined when it is not a number. */
export function sensorValue(kind: 'temp' | 'fan', text: string | undefined): number | undefined {
  const raw = text?.trim();
  // Some drivers print negative temperatures (below 0 °C outside); none print fractions.
  if (raw === undefined || !/^-?\d+$/.test(raw)) return undefined;
  return kind === 'temp' ? Number(raw) / 1000 : Number(raw);
}

/** Readings from a chip's attribute files, given as name → contents (undefined: the read failed). */
export function chipReadings(files: ReadonlyMap<string, string | undefined>): SensorReading[] {
  return chipSensors(files).flatMap(({ kind, sensor, input }) => {
    const value = sensorValue(kind, files.get(input));
    return value === undefined ? [] : [{ kind, sensor, value }];
  });
}
