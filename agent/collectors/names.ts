// The collectors' names, in the order they are listed in logs, and the --collectors selection
// ("cpu,memory" runs only those; "-docker" runs all but docker). Apart from index.ts, which
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
  'arp',
  'ipvs',
  'plugins',
  'events',
] as const;

export type CollectorName = (typeof COLLECTOR_NAMES)[number];

export interface CollectorSelection {
  enable: string[];
  disable: string[];
}

/** "cpu,-docker" → enabled and disabled names. */
export function parseSelection(names: string[]): CollectorSelection {
  return {
    enable: names.filter((n) => !n.startsWith('-')),
    disable: names.filter((n) => n.startsWith('-')).map((n) => n.slice(1)),
  };
}

/** Throws for the first name that is not a collector. */
export function checkCollectorNames(sel: CollectorSelection): void {
  // Looked up in the list, not with `in`: every object has "toString" and "__proto__".
  const unknown = [...sel.enable, ...sel.disable].filter((n) => !(COLLECTOR_NAMES as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown collector "${unknown[0]}" (known: ${COLLECTOR_NAMES.join(', ')})`);
}

export function selectCollectorNames(sel: CollectorSelection): CollectorName[] {
  try {
    checkCollectorNames(sel);
  } catch (e) {
    throw new Error(`--collectors: ${(e as Error).message}`);
  }
  const base: readonly CollectorName[] = sel.enable.length ? (sel.enable as CollectorName[]) : COLLECTOR_NAMES;
  return base.filter((n) => !sel.disable.includes(n));
}
