// How a labelled series is named in one string, for server and page alike (no zod here: the
// page imports it).

/** Canonical form of a label set: keys sorted, so equal sets are equal strings (JSON; own keys only, `__proto__` too). */
export function canonicalLabels(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(labels)
        .sort()
        .map((k) => [k, labels[k]]),
    ),
  );
}

/**
 * The column key of a labelled series in GET /api/v1/series: its name and its canonical labels,
 * `net_rx_bps{"iface":"eth0"}`, `tcp_established{}`. Never equal to a core metric's column
 * (those have no braces) nor to another series' or its `_min`/`_max` companion, whatever the
 * names and labels hold.
 */
export function seriesColumnKey(name: string, labels: Record<string, string>): string {
  return `${name}${canonicalLabels(labels)}`;
}
