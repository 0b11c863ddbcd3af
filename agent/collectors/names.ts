// The collectors' names, in the order they are listed in logs, and the --collectors selection
// ("cpu,memory" runs only those; "-docker" runs all but docker; "+systemd" runs the default set
// and systemd, however the default set is defined). Apart from index.ts, which
// builds the collectors from the config, so that config.ts can check names without a cycle.

export const COLLECTOR_NAMES = [
  'cpu',
  'memory',
  'load',
  'network',
  'disk',
  'filesystem',
  'uptime',
  'docker',
  'processes',
  'arp',
  'ipvs',
  'systemd',
  'sensors',
  'smart',
  'plugins',
  'events',
] as const;

export type CollectorName = (typeof COLLECTOR_NAMES)[number];

export interface CollectorSelection {
  enable: string[];
  disable: string[];
  /** "+name": added to whichever set runs otherwise. */
  add?: string[];
}

/** "cpu,-docker" → enabled and disabled names. */
export function parseSelection(names: string[]): CollectorSelection {
  return {
    enable: names.filter((n) => !n.startsWith('-') && !n.startsWith('+')),
    disable: names.filter((n) => n.startsWith('-')).map((n) => n.slice(1)),
    add: names.filter((n) => n.startsWith('+')).map((n) => n.slice(1)),
  };
}

/** Throws for the first name that is not a collector. */
export function checkCollectorNames(sel: CollectorSelection): void {
  // Looked up in the list, not with `in`: every object has "toString" and "__proto__".
  const unknown = [...sel.enable, ...(sel.add ?? []), ...sel.disable].filter(
    (n) => !(COLLECTOR_NAMES as readonly string[]).includes(n),
  );
  if (unknown.length) throw new Error(`unknown collector "${unknown[0]}" (known: ${COLLECTOR_NAMES.join(', ')})`);
}

export function selectCollectorNames(sel: CollectorSelection): CollectorName[] {
  try {
    checkCollectorNames(sel);
  } catch (e) {
    throw new Error(`--collectors: ${(e as Error).message}`);
  }
  const add = sel.add ?? [];
  const base: readonly string[] = sel.enable.length ? sel.enable : COLLECTOR_NAMES;
  // In the list's order, whichever way a name was asked for.
  return COLLECTOR_NAMES.filter((n) => (base.includes(n) || add.includes(n)) && !sel.disable.includes(n));
}
